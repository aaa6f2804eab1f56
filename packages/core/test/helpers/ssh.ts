import { createPrivateKey, type KeyObject } from 'node:crypto';

/**
 * The private key of an unencrypted OpenSSH-format Ed25519 key file: OpenSSH 9.2 cannot convert
 * those to PKCS#8, so the 32-byte seed is read from the "openssh-key-v1" container (PROTOCOL.key).
 */
export function ed25519FromOpenSsh(text: string): KeyObject {
  const buffer = Buffer.from(text.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
  let offset = 15; // "openssh-key-v1\0"
  const bytes = (n: number) => {
    offset += n;
    return buffer.subarray(offset - n, offset);
  };
  const string = () => bytes(bytes(4).readUInt32BE(0));
  string();
  string();
  string(); // cipher, kdf, kdf options: "none", "none", ""
  bytes(4); // number of keys
  string(); // public key blob
  const section = string();
  offset = 0;
  const sectionBytes = (n: number) => {
    offset += n;
    return section.subarray(offset - n, offset);
  };
  const sectionString = () => sectionBytes(sectionBytes(4).readUInt32BE(0));
  sectionBytes(8); // check ints
  sectionString(); // type
  sectionString(); // public
  const seed = sectionString().subarray(0, 32);
  const prefix = Buffer.from('302e020100300506032b657004220420', 'hex'); // RFC 8410 PrivateKeyInfo
  return createPrivateKey({ key: Buffer.concat([prefix, seed]), format: 'der', type: 'pkcs8' });
}
