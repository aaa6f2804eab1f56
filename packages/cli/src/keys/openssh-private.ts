/**
 * OpenSSH private keys in their default format (`-----BEGIN OPENSSH PRIVATE KEY-----`, the
 * `openssh-key-v1` container of OpenSSH's PROTOCOL.key), unencrypted, for `ssh-rsa`,
 * `ecdsa-sha2-nistp256/384/521` and `ssh-ed25519`. Parsed strictly: every length is checked,
 * the check integers must match, the padding must be 1, 2, 3…, and each private key must
 * belong to the public key stored next to it.
 */
import { Buffer } from 'node:buffer';
import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { parseOpenSshPublicKey } from '@bearer-guard/core/keys';

const MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');
const BLOCK = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/;
const EC_CURVES: Record<string, { crv: string; size: number }> = {
  nistp256: { crv: 'P-256', size: 32 },
  nistp384: { crv: 'P-384', size: 48 },
  nistp521: { crv: 'P-521', size: 66 },
};

function fail(detail: string, cause?: unknown): never {
  throw new TypeError(`OpenSSH private key: ${detail}`, cause === undefined ? undefined : { cause });
}

/** Reads the big-endian, length-prefixed fields of RFC 4251 §5, refusing to read past the end. */
class WireReader {
  private offset = 0;
  constructor(private readonly data: Buffer) {}

  uint32(name: string): number {
    if (this.data.length - this.offset < 4) fail(`truncated (no ${name})`);
    const value = this.data.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  bytes(name: string): Buffer {
    const length = this.uint32(`length of the ${name}`);
    if (length > this.data.length - this.offset) fail(`truncated (${name} claims ${length} bytes)`);
    this.offset += length;
    return this.data.subarray(this.offset - length, this.offset);
  }

  string(name: string): string {
    return this.bytes(name).toString('latin1');
  }

  /** A non-negative mpint, as its magnitude without leading zeros. */
  mpint(name: string): Buffer {
    const bytes = this.bytes(name);
    if ((bytes[0] ?? 0) & 0x80) fail(`${name} is negative`);
    const start = bytes.findIndex((byte) => byte !== 0);
    return start === -1 ? Buffer.alloc(0) : bytes.subarray(start);
  }

  rest(): Buffer {
    return this.data.subarray(this.offset);
  }
}

const b64url = (bytes: Buffer): string => bytes.toString('base64url');
const toBigInt = (bytes: Buffer): bigint => (bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString('hex')}`));
function fromBigInt(value: bigint): string {
  const hex = value.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex').toString('base64url');
}

/** RSA: n, e, d, iqmp, p, q. JWK needs dp and dq too (RFC 7518 §6.3.2), computed here. */
function rsaJWK(reader: WireReader): JsonWebKey {
  const [n, e, d, iqmp, p, q] = ['modulus', 'exponent', 'private exponent', 'iqmp', 'p', 'q'].map((name) =>
    reader.mpint(`RSA ${name}`),
  ) as [Buffer, Buffer, Buffer, Buffer, Buffer, Buffer];
  const [bn, bd, bp, bq] = [toBigInt(n), toBigInt(d), toBigInt(p), toBigInt(q)];
  if (bp < 2n || bq < 2n || bp * bq !== bn) fail('RSA primes do not multiply to the modulus');
  return {
    kty: 'RSA',
    n: b64url(n),
    e: b64url(e),
    d: b64url(d),
    p: b64url(p),
    q: b64url(q),
    dp: fromBigInt(bd % (bp - 1n)),
    dq: fromBigInt(bd % (bq - 1n)),
    qi: b64url(iqmp),
  };
}

/** ECDSA: curve name, public point Q (uncompressed), private scalar d. */
function ecJWK(type: string, reader: WireReader): JsonWebKey {
  const name = reader.string('curve name');
  const curve = EC_CURVES[name];
  if (curve === undefined || type !== `ecdsa-sha2-${name}`)
    fail(`key type ${type} does not match curve ${JSON.stringify(name)}`);
  const point = reader.bytes('EC point');
  if (point[0] !== 0x04 || point.length !== 1 + 2 * curve.size) fail(`${type} point must be uncompressed`);
  const d = reader.mpint('EC private scalar');
  if (d.length === 0 || d.length > curve.size) fail(`${type} private scalar has a bad length`);
  return {
    kty: 'EC',
    crv: curve.crv,
    x: b64url(point.subarray(1, 1 + curve.size)),
    y: b64url(point.subarray(1 + curve.size)),
    d: b64url(Buffer.concat([Buffer.alloc(curve.size - d.length), d])),
  };
}

/** Ed25519: the 32-byte public key, then 64 bytes: the seed followed by the public key again. */
function ed25519JWK(reader: WireReader): JsonWebKey {
  const pub = reader.bytes('Ed25519 public key');
  const priv = reader.bytes('Ed25519 private key');
  if (pub.length !== 32 || priv.length !== 64) fail('Ed25519 key has a bad length');
  if (!priv.subarray(32).equals(pub)) fail('Ed25519 private key does not contain its public key');
  return { kty: 'OKP', crv: 'Ed25519', x: b64url(pub), d: b64url(priv.subarray(0, 32)) };
}

function privateJWK(type: string, reader: WireReader): JsonWebKey {
  if (type === 'ssh-rsa') return rsaJWK(reader);
  if (type === 'ssh-ed25519') return ed25519JWK(reader);
  if (type.startsWith('ecdsa-sha2-')) return ecJWK(type, reader);
  return fail(
    `unsupported key type ${JSON.stringify(type.slice(0, 40))} (supported: ssh-rsa, ecdsa-sha2-nistp256/384/521, ssh-ed25519)`,
  );
}

/** The decoded `openssh-key-v1` container: the public blobs and the (unencrypted) private section. */
function openContainer(text: string): { publics: Buffer[]; section: Buffer } {
  const body = BLOCK.exec(text)?.[1];
  if (body === undefined) fail('no "-----BEGIN OPENSSH PRIVATE KEY-----" block');
  const data = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  if (!data.subarray(0, MAGIC.length).equals(MAGIC)) fail('not an openssh-key-v1 container');
  const reader = new WireReader(data.subarray(MAGIC.length));
  const cipher = reader.string('cipher name');
  const kdf = reader.string('kdf name');
  reader.bytes('kdf options');
  if (cipher !== 'none' || kdf !== 'none') fail('encrypted OpenSSH keys are not supported: decrypt with ssh-keygen -p');
  const count = reader.uint32('number of keys');
  if (count < 1 || count > 64) fail(`bad number of keys (${count})`);
  const publics = Array.from({ length: count }, (_, i) => reader.bytes(`public key ${i + 1}`));
  const section = reader.bytes('private section');
  if (reader.rest().length !== 0) fail('unexpected bytes after the private section');
  if (section.length % 8 !== 0) fail('private section is not a multiple of the block size');
  return { publics, section };
}

/**
 * Parses an unencrypted OpenSSH private key file (the default output of `ssh-keygen`).
 *
 * @param text - the file's content.
 * @returns the private key(s), as KeyObjects (usually one).
 * @throws TypeError saying what is wrong: encrypted (`bcrypt` kdf), unsupported type,
 *   corrupt container, or a private key that does not match its public key.
 * @example
 * ```ts
 * const [key] = parseOpenSshPrivateKey(readFileSync('id_ed25519', 'utf8'));
 * key.asymmetricKeyType; // 'ed25519'
 * ```
 * @see https://github.com/openssh/openssh-portable/blob/master/PROTOCOL.key
 */
export function parseOpenSshPrivateKey(text: string): KeyObject[] {
  const { publics, section } = openContainer(text);
  const reader = new WireReader(section);
  // Two reads, one after the other: the container repeats a random check integer.
  const first = reader.uint32('check integer');
  const second = reader.uint32('check integer');
  if (first !== second) fail('check integers differ: the key is corrupt');
  const keys = publics.map((blob, index) => {
    const type = reader.string('key type');
    const jwk = privateJWK(type, reader);
    reader.bytes('comment');
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: jwk, format: 'jwk' });
    } catch (error) {
      return fail(`invalid ${type} key (${(error as Error).message})`, error);
    }
    // The private key must be the one the container advertises.
    const advertised = parseOpenSshPublicKey(`${type} ${blob.toString('base64')}`);
    if (!createPublicKey(key).equals(advertised)) fail(`key ${index + 1} does not match its public key`);
    return key;
  });
  const padding = reader.rest();
  if (padding.length >= 8 || padding.some((byte, i) => byte !== i + 1)) fail('bad padding after the private keys');
  return keys;
}
