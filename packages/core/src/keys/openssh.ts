/**
 * OpenSSH one-line public keys (`~/.ssh/id_*.pub`): `<type> <base64 wire blob> [comment]`.
 * The blob is a sequence of length-prefixed fields (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4),
 * parsed strictly and turned into a KeyObject through a JWK.
 */
import { Buffer } from 'node:buffer';
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';

/** The ECDSA key types: curve name inside the blob, JWK curve, coordinate size in bytes. */
const EC_CURVES: Record<string, { sshCurve: string; crv: string; size: number }> = {
  'ecdsa-sha2-nistp256': { sshCurve: 'nistp256', crv: 'P-256', size: 32 },
  'ecdsa-sha2-nistp384': { sshCurve: 'nistp384', crv: 'P-384', size: 48 },
  'ecdsa-sha2-nistp521': { sshCurve: 'nistp521', crv: 'P-521', size: 66 },
};
const SUPPORTED = new Set(['ssh-rsa', 'ssh-ed25519', ...Object.keys(EC_CURVES)]);

/** Any OpenSSH-style type word (including unsupported ones: ssh-dss, sk-*, certificates), then a blob. */
const LOOKS_LIKE = /^\s*(?:ssh|ecdsa|sk)-[a-z0-9.@-]+[ \t]+AAAA[A-Za-z0-9+/]/;
/** The base64 alphabet; length, padding and unused bits are checked by re-encoding. */
const BASE64 = /^[A-Za-z0-9+/=]+$/;
/** OpenSSH refuses mpints over 16384 bits (SSHBUF_MAX_BIGNUM); so do we. */
const MAX_MPINT_BYTES = 16384 / 8;

function fail(detail: string, cause?: unknown): never {
  throw new TypeError(`OpenSSH public key: ${detail}`, cause === undefined ? undefined : { cause });
}

/** Quotes untrusted text for an error message, shortened and with control characters escaped. */
function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/** Reads the length-prefixed fields of a wire blob, refusing to read past its end. */
function wireReader(blob: Buffer) {
  let offset = 0;
  const field = (name: string): Buffer => {
    if (blob.length - offset < 4) fail(`key data is truncated (no length for the ${name})`);
    const length = blob.readUInt32BE(offset);
    offset += 4;
    if (length > blob.length - offset)
      fail(`key data is truncated (${name} claims ${length} bytes, ${blob.length - offset} left)`);
    offset += length;
    return blob.subarray(offset - length, offset);
  };
  /** A positive mpint (RFC 4251 §5), as base64url of its magnitude without leading zeros. */
  const positiveMpint = (name: string): string => {
    const bytes = field(name);
    if ((bytes[0] ?? 0) & 0x80) fail(`${name} is negative`);
    const start = bytes.findIndex((byte) => byte !== 0);
    if (start === -1) fail(`${name} is zero`);
    if (bytes.length - start > MAX_MPINT_BYTES) fail(`${name} is larger than 16384 bits`);
    return bytes.subarray(start).toString('base64url');
  };
  const end = (): void => {
    if (offset !== blob.length) fail(`${blob.length - offset} unexpected trailing bytes after the key data`);
  };
  return { field, positiveMpint, end };
}

function toJWK(type: string, blob: Buffer): JsonWebKey {
  const reader = wireReader(blob);
  const inner = reader.field('key type').toString('latin1');
  if (inner !== type) fail(`key type ${quote(type)} does not match the type inside the key data (${quote(inner)})`);
  let jwk: JsonWebKey;
  if (type === 'ssh-rsa') {
    const e = reader.positiveMpint('RSA exponent');
    jwk = { kty: 'RSA', n: reader.positiveMpint('RSA modulus'), e };
  } else if (type === 'ssh-ed25519') {
    const x = reader.field('Ed25519 key');
    if (x.length !== 32) fail(`Ed25519 key must be 32 bytes, got ${x.length}`);
    jwk = { kty: 'OKP', crv: 'Ed25519', x: x.toString('base64url') };
  } else {
    const curve = EC_CURVES[type];
    if (curve === undefined) return fail(`unsupported key type ${quote(type)}`);
    const name = reader.field('curve name').toString('latin1');
    if (name !== curve.sshCurve)
      fail(`key type ${quote(type)} does not match the curve inside the key data (${quote(name)})`);
    const point = reader.field('EC point');
    if (point[0] === 0x02 || point[0] === 0x03) fail(`compressed EC points are not supported (${type})`);
    if (point[0] !== 0x04 || point.length !== 1 + 2 * curve.size) {
      fail(`${type} point must be uncompressed (0x04 || X || Y), ${1 + 2 * curve.size} bytes; got ${point.length}`);
    }
    const x = point.subarray(1, 1 + curve.size).toString('base64url');
    jwk = { kty: 'EC', crv: curve.crv, x, y: point.subarray(1 + curve.size).toString('base64url') };
  }
  reader.end();
  return jwk;
}

/**
 * Parses an OpenSSH one-line public key ("ssh-rsa AAAA… comment") into a Node KeyObject.
 *
 * Supports `ssh-rsa`, `ecdsa-sha2-nistp256`/`384`/`521` and `ssh-ed25519`. Parsing is strict:
 * the type word must match the blob, every length is bounds-checked, trailing bytes, negative
 * mpints, compressed or off-curve points are refused. The comment is ignored. RSA key sizes are
 * not checked here.
 *
 * @param text - one line as found in an `id_*.pub` file; surrounding whitespace is allowed,
 *   authorized_keys options before the type are not.
 * @returns the public key.
 * @throws TypeError for anything that is not a well-formed key of a supported type.
 * @example
 * ```ts
 * const key = parseOpenSshPublicKey(readFileSync('jwt-key.pub', 'utf8'));
 * key.asymmetricKeyType; // 'ed25519'
 * ```
 * @see RFC 4253 §6.6, RFC 5656 §3.1 (ECDSA), RFC 8709 §4 (Ed25519)
 */
export function parseOpenSshPublicKey(text: string): KeyObject {
  if (typeof text !== 'string') fail('expected a string');
  const line = text.trim();
  if (line === '') fail('empty input');
  if (/[\r\n]/.test(line)) fail('expected a single line (one key), found several');
  const [type = '', data, ...rest] = line.split(/\s+/);
  if (!SUPPORTED.has(type)) {
    if (rest.some((word) => SUPPORTED.has(word)) || (data !== undefined && SUPPORTED.has(data))) {
      fail(
        'options before the key type (authorized_keys format) are not supported; give only "<type> <base64> [comment]"',
      );
    }
    fail(`unsupported key type ${quote(type)} (supported: ssh-rsa, ecdsa-sha2-nistp256/384/521, ssh-ed25519)`);
  }
  if (data === undefined) fail(`no key data after ${quote(type)}`);
  if (!BASE64.test(data)) fail('key data contains characters outside the base64 alphabet');
  const blob = Buffer.from(data, 'base64');
  if (blob.toString('base64') !== data) fail('key data is not canonical base64 (bad length, padding or trailing bits)');
  const jwk = toJWK(type, blob);
  try {
    return createPublicKey({ key: jwk, format: 'jwk' });
  } catch (error) {
    return fail(`invalid ${type} key (${(error as Error).message})`, error);
  }
}

/**
 * True when the text looks like an OpenSSH one-line public key: an OpenSSH key type word
 * followed by base64 wire data. Cheap, no parsing.
 *
 * Type words of unsupported OpenSSH keys (`ssh-dss`, `sk-…@openssh.com`, `…-cert-v01@openssh.com`)
 * also match, so that callers route them to {@link parseOpenSshPublicKey} for a precise error,
 * and so an OpenSSH key passed as a shared secret is recognised.
 *
 * @param text - candidate key text.
 * @returns whether the text should be handed to {@link parseOpenSshPublicKey}.
 * @example
 * ```ts
 * isOpenSshPublicKey('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI… me@host'); // true
 * isOpenSshPublicKey('-----BEGIN PUBLIC KEY-----'); // false
 * ```
 * @see RFC 4253 §6.6
 */
export function isOpenSshPublicKey(text: string): boolean {
  return typeof text === 'string' && LOOKS_LIKE.test(text);
}
