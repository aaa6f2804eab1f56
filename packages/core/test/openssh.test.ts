import { Buffer } from 'node:buffer';
import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, KeyObject, sign, verify } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOpenSshPublicKey, parseOpenSshPublicKey } from '../src/keys/openssh.js';

const SSH_KEYGEN = '/usr/bin/ssh-keygen';

interface Spec {
  name: string;
  args: string[];
  type: string;
  asymmetricKeyType: string;
  /** Digest for a node:crypto signature (null for Ed25519). */
  digest: string | null;
}

const SPECS: Spec[] = [
  { name: 'rsa2048', args: ['-t', 'rsa', '-b', '2048'], type: 'ssh-rsa', asymmetricKeyType: 'rsa', digest: 'sha256' },
  {
    name: 'rsa4096-pem',
    args: ['-t', 'rsa', '-b', '4096', '-m', 'pem'],
    type: 'ssh-rsa',
    asymmetricKeyType: 'rsa',
    digest: 'sha256',
  },
  {
    name: 'ecdsa256',
    args: ['-t', 'ecdsa', '-b', '256'],
    type: 'ecdsa-sha2-nistp256',
    asymmetricKeyType: 'ec',
    digest: 'sha256',
  },
  {
    name: 'ecdsa384',
    args: ['-t', 'ecdsa', '-b', '384'],
    type: 'ecdsa-sha2-nistp384',
    asymmetricKeyType: 'ec',
    digest: 'sha384',
  },
  {
    name: 'ecdsa521',
    args: ['-t', 'ecdsa', '-b', '521'],
    type: 'ecdsa-sha2-nistp521',
    asymmetricKeyType: 'ec',
    digest: 'sha512',
  },
  { name: 'ed25519', args: ['-t', 'ed25519'], type: 'ssh-ed25519', asymmetricKeyType: 'ed25519', digest: null },
];

interface RealKey extends Spec {
  path: string;
  /** The `.pub` line exactly as ssh-keygen wrote it. */
  line: string;
  blob: Buffer;
}

let dir: string;
const keys = new Map<string, RealKey>();

const keygen = (...args: string[]): string =>
  execFileSync(SSH_KEYGEN, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function key(name: string): RealKey {
  const found = keys.get(name);
  if (found === undefined) throw new Error(`no generated key ${name}`);
  return found;
}

/** An SSH wire blob: each field as uint32 length || bytes (RFC 4251 §5). */
function wire(...fields: (string | Uint8Array)[]): Buffer {
  return Buffer.concat(
    fields.flatMap((field) => {
      const bytes = typeof field === 'string' ? Buffer.from(field, 'latin1') : Buffer.from(field);
      const length = Buffer.alloc(4);
      length.writeUInt32BE(bytes.length);
      return [length, bytes];
    }),
  );
}

/** Splits a wire blob into its fields (test-side reader; assumes well-formed input). */
function fields(blob: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let offset = 0; offset < blob.length; ) {
    const length = blob.readUInt32BE(offset);
    out.push(blob.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  return out;
}

const line = (type: string, blob: Uint8Array): string => `${type} ${Buffer.from(blob).toString('base64')}`;
const field = (blob: Buffer, index: number): Buffer => {
  const value = fields(blob)[index];
  if (value === undefined) throw new Error(`no field ${index}`);
  return value;
};

/** Parses, or returns the error thrown; fails the test for anything but a TypeError. */
function outcome(text: string): KeyObject | TypeError {
  try {
    return parseOpenSshPublicKey(text);
  } catch (error) {
    if (error instanceof TypeError) return error;
    throw error;
  }
}

function expectTypeError(text: string, message: RegExp): void {
  expect(() => parseOpenSshPublicKey(text)).toThrow(TypeError);
  expect(() => parseOpenSshPublicKey(text)).toThrow(message);
}

/**
 * The private key as a KeyObject. ssh-keygen converts a copy of an OpenSSH-format private key to
 * PEM (`-p -m PEM`, RSA/ECDSA) or PKCS#8 (`-p -m PKCS8`). OpenSSH 9.2 silently keeps Ed25519 keys
 * in its own format even with `-m PKCS8`, so then we read the 32-byte seed out of the unencrypted
 * "openssh-key-v1" container (PROTOCOL.key) and let OpenSSL derive the key from it.
 */
function privateKey(k: RealKey): KeyObject {
  let pem = readFileSync(k.path, 'utf8');
  if (pem.includes('BEGIN OPENSSH PRIVATE KEY')) {
    const copy = `${k.path}.copy`;
    copyFileSync(k.path, copy);
    keygen('-p', '-N', '', '-m', k.type === 'ssh-ed25519' ? 'PKCS8' : 'PEM', '-f', copy);
    pem = readFileSync(copy, 'utf8');
  }
  if (!pem.includes('BEGIN OPENSSH PRIVATE KEY')) return createPrivateKey(pem);
  expect(k.type).toBe('ssh-ed25519');
  const container = reader(Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64'));
  expect(container.bytes(15).toString('latin1')).toBe('openssh-key-v1\0');
  expect([container.string(), container.string(), container.string()].map(String)).toEqual(['none', 'none', '']);
  expect(container.uint32()).toBe(1);
  expect(container.string()).toEqual(k.blob);
  // Private section: uint32 checkint ×2, string type, string public (32), string seed || public (64), …
  const section = reader(container.string());
  expect(section.uint32()).toBe(section.uint32());
  expect(section.string().toString()).toBe('ssh-ed25519');
  const pub = section.string();
  const secret = section.string();
  expect(secret.subarray(32)).toEqual(pub);
  const pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex'); // RFC 8410 PrivateKeyInfo
  return createPrivateKey({ key: Buffer.concat([pkcs8Prefix, secret.subarray(0, 32)]), format: 'der', type: 'pkcs8' });
}

/** A sequential test-side reader of wire data (assumes well-formed input). */
function reader(buffer: Buffer) {
  let offset = 0;
  const bytes = (length: number): Buffer => {
    offset += length;
    return buffer.subarray(offset - length, offset);
  };
  const uint32 = (): number => bytes(4).readUInt32BE(0);
  return { bytes, uint32, string: (): Buffer => bytes(uint32()) };
}

/** Verifies an SSH signature blob: string type, string signature (RFC 4253 §6.6, RFC 5656 §3.1.2, RFC 8709 §6). */
function verifySshSignature(k: RealKey, key: KeyObject, data: Buffer, blob: Buffer): boolean {
  const [type, raw = Buffer.alloc(0)] = fields(blob);
  if (k.type === 'ssh-rsa') {
    expect(type?.toString()).toBe('rsa-sha2-512');
    return verify('sha512', data, key, raw);
  }
  expect(type?.toString()).toBe(k.type);
  if (k.type === 'ssh-ed25519') return verify(null, data, key, raw);
  // ECDSA: mpint r || mpint s, turned into fixed-width r || s.
  const size = Math.ceil((Number(k.type.slice(-3)) || 0) / 8);
  const fixed = (mpint: Buffer) =>
    Buffer.from(
      BigInt(`0x${mpint.toString('hex') || '0'}`)
        .toString(16)
        .padStart(2 * size, '0'),
      'hex',
    );
  const [r = Buffer.alloc(0), s = Buffer.alloc(0)] = fields(raw);
  return verify(k.digest, data, { key, dsaEncoding: 'ieee-p1363' }, Buffer.concat([fixed(r), fixed(s)]));
}

/** Byte length of the first `count` length-prefixed fields. */
function wireLength(blob: Buffer, count: number): number {
  let offset = 0;
  for (let i = 0; i < count; i++) offset += 4 + blob.readUInt32BE(offset);
  return offset;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bearer-guard-openssh-'));
  for (const spec of SPECS) {
    const path = join(dir, spec.name);
    keygen('-q', ...spec.args, '-N', '', '-C', `${spec.name}@test`, '-f', path);
    const text = readFileSync(`${path}.pub`, 'utf8');
    const blob = Buffer.from(text.split(' ')[1] ?? '', 'base64');
    keys.set(spec.name, { ...spec, path, line: text, blob });
  }
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('parseOpenSshPublicKey: real ssh-keygen keys', () => {
  it.each(SPECS.map((s) => s.name))('%s: type, size and SPKI match the reference tool', (name) => {
    const k = key(name);
    const parsed = parseOpenSshPublicKey(k.line);
    expect(parsed).toBeInstanceOf(KeyObject);
    expect(parsed.type).toBe('public');
    expect(parsed.asymmetricKeyType).toBe(k.asymmetricKeyType);
    const spki = parsed.export({ type: 'spki', format: 'pem' });
    // Oracle 1: ssh-keygen's own conversion of the .pub file to an SPKI PEM. OpenSSH 9.2 refuses
    // it for Ed25519 ("do_convert_to_pkcs8: unsupported key type ED25519").
    let exported: string | undefined;
    try {
      exported = keygen('-e', '-m', 'PKCS8', '-f', `${k.path}.pub`);
    } catch {
      expect(k.type).toBe('ssh-ed25519');
    }
    if (exported !== undefined) expect(spki).toBe(exported);
    // Oracle 2 (Ed25519): the public key OpenSSL derives from the private key ssh-keygen wrote.
    if (k.type === 'ssh-ed25519')
      expect(spki).toBe(createPublicKey(privateKey(k)).export({ type: 'spki', format: 'pem' }));
  });

  it('reports the modulus and curve sizes ssh-keygen was asked for', () => {
    expect(parseOpenSshPublicKey(key('rsa2048').line).asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(parseOpenSshPublicKey(key('rsa4096-pem').line).asymmetricKeyDetails).toEqual({
      modulusLength: 4096,
      publicExponent: 65537n,
    });
    expect(parseOpenSshPublicKey(key('ecdsa256').line).asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
    expect(parseOpenSshPublicKey(key('ecdsa384').line).asymmetricKeyDetails).toEqual({ namedCurve: 'secp384r1' });
    expect(parseOpenSshPublicKey(key('ecdsa521').line).asymmetricKeyDetails).toEqual({ namedCurve: 'secp521r1' });
  });

  it.each(SPECS.map((s) => s.name))('%s: a signature by the private key verifies with the parsed key', (name) => {
    const k = key(name);
    const data = Buffer.from(`signed by ${name}`);
    const signature = sign(k.digest, data, privateKey(k));
    const parsed = parseOpenSshPublicKey(k.line);
    expect(verify(k.digest, data, parsed, signature)).toBe(true);
    expect(verify(k.digest, Buffer.from(`signed by someone else`), parsed, signature)).toBe(false);
  });

  it.each(SPECS.map((s) => s.name))(
    '%s: a signature made by `ssh-keygen -Y sign` verifies with the parsed key',
    (name) => {
      // Oracle: the signature is made by ssh-keygen itself (SSHSIG, OpenSSH PROTOCOL.sshsig).
      const k = key(name);
      const message = join(dir, `${name}.msg`);
      writeFileSync(message, `message for ${name}`);
      keygen('-Y', 'sign', '-q', '-f', k.path, '-n', 'file', message);
      const armored = readFileSync(`${message}.sig`, 'utf8');
      const sig = Buffer.from(armored.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
      expect(sig.subarray(0, 6).toString()).toBe('SSHSIG');
      const [publicBlob, namespace, reserved, hashName, signatureBlob] = fields(sig.subarray(10));
      expect(publicBlob).toEqual(k.blob);
      expect(namespace?.toString()).toBe('file');
      const hash = hashName?.toString() ?? '';
      expect(hash).toBe('sha512');
      const digestOfMessage = createHash(hash).update(readFileSync(message)).digest();
      const signed = Buffer.concat([
        Buffer.from('SSHSIG'),
        wire(namespace ?? '', reserved ?? '', hash, digestOfMessage),
      ]);
      const parsed = parseOpenSshPublicKey(k.line);
      expect(verifySshSignature(k, parsed, signed, signatureBlob ?? Buffer.alloc(0))).toBe(true);
      signed[signed.length - 1] = (signed.at(-1) ?? 0) ^ 1;
      expect(verifySshSignature(k, parsed, signed, signatureBlob ?? Buffer.alloc(0))).toBe(false);
    },
  );
});

describe('parseOpenSshPublicKey: layout of the line', () => {
  it.each(SPECS.map((s) => s.name))(
    '%s: with or without comment, CRLF, tabs and extra spaces give the same key',
    (name) => {
      const k = key(name);
      expect(k.line).toMatch(new RegExp(`^${k.type} AAAA[A-Za-z0-9+/]+=* ${name}@test\n$`));
      const [type, data] = k.line.split(' ');
      const expected = parseOpenSshPublicKey(k.line);
      const variants = [
        `${type} ${data}`,
        `${type} ${data} a comment with  several words`,
        `${type} ${data}\r\n`,
        `${type} ${data} me@host\r\n`,
        `   ${type}    ${data}   me@host   \n`,
        `\t${type}\t${data}\tme@host`,
        `${type} ${data} comment: with = signs and "quotes" ssh-rsa AAAA`,
      ];
      for (const variant of variants) {
        expect(parseOpenSshPublicKey(variant).equals(expected), JSON.stringify(variant)).toBe(true);
      }
    },
  );

  it.each(['ecdsa256', 'ecdsa384'])('%s: accepts a padded base64 blob', (name) => {
    const k = key(name);
    expect(k.line.split(' ')[1]).toMatch(name === 'ecdsa256' ? /[^=]=$/ : /[^=]==$/);
    expect(parseOpenSshPublicKey(k.line).asymmetricKeyType).toBe('ec');
  });

  it('accepts a non-minimal (zero-padded) RSA exponent like OpenSSH does', () => {
    const [, e, n] = fields(key('rsa2048').blob);
    const padded = parseOpenSshPublicKey(
      line('ssh-rsa', wire('ssh-rsa', Buffer.concat([Buffer.alloc(3), e ?? Buffer.alloc(0)]), n ?? '')),
    );
    expect(padded.equals(parseOpenSshPublicKey(key('rsa2048').line))).toBe(true);
  });
});

describe('parseOpenSshPublicKey: refused input', () => {
  it('refuses empty input and a bare type word', () => {
    expectTypeError('', /empty input/);
    expectTypeError('  \r\n', /empty input/);
    expectTypeError('ssh-rsa', /no key data after "ssh-rsa"/);
    expectTypeError('ssh-ed25519   \n', /no key data after "ssh-ed25519"/);
  });

  it('refuses non-string input with a TypeError', () => {
    expectTypeError(undefined as unknown as string, /expected a string/);
    expectTypeError(42 as unknown as string, /expected a string/);
  });

  it('refuses unknown and unsupported key types, naming them', () => {
    expectTypeError('foo-bar AAAAB3NzaC1yc2E=', /unsupported key type "foo-bar"/);
    expectTypeError(line('ssh-dss', wire('ssh-dss', '\x01', '\x01', '\x01', '\x01')), /unsupported key type "ssh-dss"/);
    expectTypeError(line('ssh-ed448', wire('ssh-ed448', Buffer.alloc(57))), /unsupported key type "ssh-ed448"/);
    expectTypeError(
      line('sk-ssh-ed25519@openssh.com', wire('sk-ssh-ed25519@openssh.com', Buffer.alloc(32), 'ssh:')),
      /unsupported key type "sk-ssh-ed25519@openssh.com"/,
    );
    expectTypeError(
      line('sk-ecdsa-sha2-nistp256@openssh.com', Buffer.alloc(8)),
      /unsupported key type "sk-ecdsa-sha2-nistp256@openssh.com"/,
    );
  });

  it('refuses a real OpenSSH certificate made by `ssh-keygen -s`', () => {
    keygen('-q', '-s', key('ed25519').path, '-I', 'test-cert', '-n', 'alice', `${key('ecdsa256').path}.pub`);
    const cert = readFileSync(`${key('ecdsa256').path}-cert.pub`, 'utf8');
    expect(cert.startsWith('ecdsa-sha2-nistp256-cert-v01@openssh.com AAAA')).toBe(true);
    expect(isOpenSshPublicKey(cert)).toBe(true);
    expectTypeError(cert, /unsupported key type "ecdsa-sha2-nistp256-cert-v01@openssh\.com"/);
    // The certificate blob under a plain type word: the inner type gives it away.
    const blob = cert.split(' ')[1] ?? '';
    expectTypeError(
      `ecdsa-sha2-nistp256 ${blob}`,
      /does not match the type inside the key data \("ecdsa-sha2-nistp256-cert-v01@openssh\.com"\)/,
    );
  });

  it('refuses authorized_keys options before the key type', () => {
    const k = key('ed25519');
    expectTypeError(`command="echo hi",no-pty ${k.line}`, /options before the key type \(authorized_keys format\)/);
    expectTypeError(`restrict ${k.line}`, /authorized_keys format/);
    expectTypeError(`command="/bin/a b" ${k.line}`, /authorized_keys format/);
  });

  it('refuses several lines', () => {
    expectTypeError(`${key('ed25519').line}${key('rsa2048').line}`, /single line/);
  });

  it('refuses a type word that does not match the blob', () => {
    expectTypeError(
      line('ssh-rsa', key('ed25519').blob),
      /key type "ssh-rsa" does not match the type inside the key data \("ssh-ed25519"\)/,
    );
    expectTypeError(
      line('ssh-ed25519', key('rsa2048').blob),
      /key type "ssh-ed25519" does not match the type inside the key data \("ssh-rsa"\)/,
    );
    expectTypeError(
      line('ecdsa-sha2-nistp256', key('ecdsa384').blob),
      /key type "ecdsa-sha2-nistp256" does not match the type inside the key data \("ecdsa-sha2-nistp384"\)/,
    );
  });

  it('refuses an ECDSA blob whose curve name does not match its type', () => {
    const [, , point384] = fields(key('ecdsa384').blob);
    const blob = wire('ecdsa-sha2-nistp256', 'nistp384', point384 ?? '');
    expectTypeError(
      line('ecdsa-sha2-nistp256', blob),
      /key type "ecdsa-sha2-nistp256" does not match the curve inside the key data \("nistp384"\)/,
    );
  });

  it.each(SPECS.map((s) => s.name))('%s: every truncation of the blob throws a TypeError', (name) => {
    const k = key(name);
    for (let length = 0; length < k.blob.length; length++) {
      const result = outcome(line(k.type, k.blob.subarray(0, length)));
      expect(result, `length ${length}`).toBeInstanceOf(TypeError);
      expect((result as TypeError).message, `length ${length}`).toMatch(
        length === 0 ? /no key data/ : /key data is truncated/,
      );
    }
  });

  it.each(SPECS.map((s) => s.name))('%s: trailing bytes after the last field are refused', (name) => {
    const k = key(name);
    expectTypeError(line(k.type, Buffer.concat([k.blob, Buffer.from([0])])), /1 unexpected trailing bytes/);
    expectTypeError(line(k.type, Buffer.concat([k.blob, wire('extra')])), /9 unexpected trailing bytes/);
  });

  it('refuses characters outside the base64 alphabet and non-canonical base64', () => {
    const [type, data = ''] = key('ed25519').line.split(' ');
    const at = 20;
    for (const bad of ['!', '-', '_', '.', '\u00e9', '\0']) {
      expectTypeError(`${type} ${data.slice(0, at)}${bad}${data.slice(at + 1)}`, /outside the base64 alphabet/);
    }
    expectTypeError(`${type} ${data}=`, /not canonical base64/);
    expectTypeError(`${type} ${data.slice(0, at)}=${data.slice(at + 1)}`, /not canonical base64/);
    const p384 = key('ecdsa384').line.split(' ')[1] ?? '';
    expect(p384).toMatch(/[^=]==$/);
    expectTypeError(`ecdsa-sha2-nistp384 ${p384.replace(/=+$/, '')}`, /not canonical base64/);
    expectTypeError(`ecdsa-sha2-nistp384 ${p384.slice(0, -1)}`, /not canonical base64/);
    expectTypeError(`ecdsa-sha2-nistp384 ${p384}==`, /not canonical base64/);
    // With "==", only the top 2 bits of the last character are data; setting an unused low bit
    // gives text that Node decodes to the very same bytes, but that no encoder produces.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const nonCanonical = `${p384.slice(0, -3)}${alphabet[alphabet.indexOf(p384.at(-3) ?? '') ^ 1]}==`;
    expect(Buffer.from(nonCanonical, 'base64')).toEqual(key('ecdsa384').blob);
    expectTypeError(`ecdsa-sha2-nistp384 ${nonCanonical}`, /not canonical base64/);
  });

  it('refuses a compressed EC point', () => {
    const k = key('ecdsa256');
    const point = field(k.blob, 2);
    const y = point.subarray(33);
    const compressed = Buffer.concat([Buffer.from([0x02 + ((y.at(-1) ?? 0) & 1)]), point.subarray(1, 33)]);
    expectTypeError(line(k.type, wire(k.type, 'nistp256', compressed)), /compressed EC points are not supported/);
  });

  it('refuses EC points of the wrong length or prefix', () => {
    const k = key('ecdsa384');
    const point = field(k.blob, 2);
    expectTypeError(
      line(k.type, wire(k.type, 'nistp384', point.subarray(0, 96))),
      /must be uncompressed \(0x04 \|\| X \|\| Y\), 97 bytes; got 96/,
    );
    expectTypeError(
      line(k.type, wire(k.type, 'nistp384', Buffer.concat([point, Buffer.from([0])]))),
      /97 bytes; got 98/,
    );
    expectTypeError(
      line(k.type, wire(k.type, 'nistp384', Buffer.concat([Buffer.from([0x05]), point.subarray(1)]))),
      /must be uncompressed/,
    );
    expectTypeError(line(k.type, wire(k.type, 'nistp384', '')), /must be uncompressed/);
  });

  it.each(['ecdsa256', 'ecdsa384', 'ecdsa521'])('%s: refuses a point off the curve', (name) => {
    const k = key(name);
    const [, curve, point] = fields(k.blob);
    const flipped = Buffer.from(point ?? '');
    flipped[10] = (flipped[10] ?? 0) ^ 0x01;
    const text = line(k.type, wire(k.type, curve ?? '', flipped));
    expectTypeError(text, new RegExp(`invalid ${k.type} key`));
    const error = outcome(text);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as TypeError).cause).toBeInstanceOf(Error);
  });

  it('refuses Ed25519 keys that are not 32 bytes', () => {
    expectTypeError(
      line('ssh-ed25519', wire('ssh-ed25519', Buffer.alloc(31, 1))),
      /Ed25519 key must be 32 bytes, got 31/,
    );
    expectTypeError(
      line('ssh-ed25519', wire('ssh-ed25519', Buffer.alloc(33, 1))),
      /Ed25519 key must be 32 bytes, got 33/,
    );
    expectTypeError(line('ssh-ed25519', wire('ssh-ed25519', '')), /Ed25519 key must be 32 bytes, got 0/);
  });

  it('refuses negative and zero mpints', () => {
    const [, e, n] = fields(key('rsa2048').blob);
    expect(n?.[0]).toBe(0);
    // The modulus without its sign byte has its high bit set: a negative mpint.
    const unsigned = (n ?? Buffer.alloc(0)).subarray(1);
    expect((unsigned[0] ?? 0) & 0x80).toBe(0x80);
    expectTypeError(line('ssh-rsa', wire('ssh-rsa', e ?? '', unsigned)), /RSA modulus is negative/);
    expectTypeError(line('ssh-rsa', wire('ssh-rsa', Buffer.from([0xff, 0xff]), n ?? '')), /RSA exponent is negative/);
    expectTypeError(line('ssh-rsa', wire('ssh-rsa', '', n ?? '')), /RSA exponent is zero/);
    expectTypeError(line('ssh-rsa', wire('ssh-rsa', e ?? '', Buffer.alloc(4))), /RSA modulus is zero/);
  });

  it('refuses an RSA modulus over 16384 bits (OpenSSH limit) but not a small one', () => {
    const [, e] = fields(key('rsa2048').blob);
    const huge = Buffer.concat([Buffer.from([0x00, 0x01]), Buffer.alloc(2048, 0xff)]);
    expectTypeError(line('ssh-rsa', wire('ssh-rsa', e ?? '', huge)), /RSA modulus is larger than 16384 bits/);
    const small = Buffer.concat([Buffer.from([0x00, 0xc1]), Buffer.alloc(62, 0x77), Buffer.from([0x01])]);
    expect(
      parseOpenSshPublicKey(line('ssh-rsa', wire('ssh-rsa', e ?? '', small))).asymmetricKeyDetails?.modulusLength,
    ).toBe(512);
  });

  it('refuses huge length prefixes (0xFFFFFFFF) without reading past the end', () => {
    const k = key('rsa2048');
    for (const offset of [0, 11, 18]) {
      expect(k.blob.readUInt32BE(offset)).toBeLessThan(k.blob.length);
      const blob = Buffer.from(k.blob);
      blob.writeUInt32BE(0xffffffff, offset);
      expectTypeError(line(k.type, blob), /key data is truncated \(.* claims 4294967295 bytes/);
    }
    expectTypeError(
      line('ssh-ed25519', Buffer.from([0xff, 0xff, 0xff, 0xff])),
      /key type claims 4294967295 bytes, 0 left/,
    );
  });
});

describe('isOpenSshPublicKey', () => {
  it('recognises every real key line, and unsupported OpenSSH types so the parser can name them', () => {
    for (const spec of SPECS) expect(isOpenSshPublicKey(key(spec.name).line)).toBe(true);
    expect(isOpenSshPublicKey(`  ${key('ed25519').line}`)).toBe(true);
    expect(isOpenSshPublicKey(line('ssh-dss', wire('ssh-dss')))).toBe(true);
    expect(isOpenSshPublicKey(line('sk-ssh-ed25519@openssh.com', wire('sk-ssh-ed25519@openssh.com')))).toBe(true);
  });

  it('does not recognise other key formats or text', () => {
    const k = key('ed25519');
    expect(isOpenSshPublicKey('')).toBe(false);
    expect(isOpenSshPublicKey('ssh-rsa')).toBe(false);
    expect(isOpenSshPublicKey('ssh-rsa hello world')).toBe(false);
    expect(isOpenSshPublicKey(parseOpenSshPublicKey(k.line).export({ type: 'spki', format: 'pem' }) as string)).toBe(
      false,
    );
    expect(isOpenSshPublicKey(JSON.stringify(parseOpenSshPublicKey(k.line).export({ format: 'jwk' })))).toBe(false);
    expect(isOpenSshPublicKey(`command="x" ${k.line}`)).toBe(false);
    expect(isOpenSshPublicKey('a shared secret that is long enough to be used with HS256')).toBe(false);
    expect(isOpenSshPublicKey(undefined as unknown as string)).toBe(false);
  });
});

describe('parseOpenSshPublicKey: fuzzing', () => {
  const isKeyOrTypeError = (result: KeyObject | TypeError): boolean =>
    result instanceof TypeError || (result instanceof KeyObject && result.type === 'public');

  it('byte mutations of real blobs give a KeyObject or a TypeError', () => {
    const names = SPECS.map((s) => s.name);
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.option(fc.nat(), { nil: undefined }),
        (name, edits, cut) => {
          const k = key(name);
          const blob = Buffer.from(k.blob);
          // Bias half the edits towards the headers, where the length prefixes are.
          for (const [index, value] of edits) blob[index % 2 === 0 ? (index >> 1) % 40 : index % blob.length] = value;
          const mutated = cut === undefined ? blob : blob.subarray(0, cut % (blob.length + 1));
          return isKeyOrTypeError(outcome(line(k.type, mutated)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('arbitrary length prefixes in real blobs give a KeyObject or a TypeError', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SPECS.map((s) => s.name)),
        fc.nat(),
        fc.integer({ min: 0, max: 0xffffffff }),
        (name, which, length) => {
          const k = key(name);
          const count = fields(k.blob).length;
          const offset = wireLength(k.blob, which % count);
          const blob = Buffer.from(k.blob);
          blob.writeUInt32BE(length, offset);
          return isKeyOrTypeError(outcome(line(k.type, blob)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('arbitrary strings and arbitrary blobs under a supported type give a KeyObject or a TypeError', () => {
    const type = fc.constantFrom(
      'ssh-rsa',
      'ssh-ed25519',
      'ecdsa-sha2-nistp256',
      'ecdsa-sha2-nistp384',
      'ecdsa-sha2-nistp521',
      'ssh-dss',
    );
    fc.assert(
      fc.property(
        fc.oneof(
          // Any UTF-16 code unit, lone surrogates included (cheaper to build than unit: 'binary').
          fc.string({
            unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
            maxLength: 200,
          }),
          fc.tuple(type, fc.base64String({ maxLength: 200 }), fc.string()).map(([t, b, c]) => `${t} ${b} ${c}`),
          fc
            .tuple(type, fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 4 }))
            .map(([t, parts]) => line(t, wire(t, ...parts))),
        ),
        (text) => isKeyOrTypeError(outcome(text)),
      ),
      { numRuns: 300 },
    );
  });
});
