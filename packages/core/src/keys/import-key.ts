/**
 * The `publicKey` and `secret` options: every textual form a tutorial may hand us, turned into
 * one KeyObject at start-up, with configuration mistakes reported as TypeErrors naming the option.
 */
import { isUtf8 } from 'node:buffer';
import { createPrivateKey, createPublicKey, createSecretKey, KeyObject, X509Certificate } from 'node:crypto';
import { HMAC_MIN_BYTES } from '../algorithms.js';
import { optionError } from '../option-checks.js';
import { importJWK, toVerificationKey, type JWK } from './jwk.js';
import { isOpenSshPublicKey, parseOpenSshPublicKey } from './openssh.js';
import type { VerificationKey } from './verification-key.js';

const PEM_LABEL = /-----BEGIN ([A-Z0-9 ]+)-----/;

function toPublicKeyObject(text: string): KeyObject {
  const trimmed = text.trim();
  const label = PEM_LABEL.exec(trimmed)?.[1];
  if (label !== undefined) {
    if (label.includes('PRIVATE')) {
      throw optionError('publicKey', 'is a private key: give the verifier only the public key');
    }
    try {
      if (label === 'CERTIFICATE') return new X509Certificate(trimmed).publicKey;
      if (label === 'PUBLIC KEY') return createPublicKey({ key: trimmed, format: 'pem', type: 'spki' });
      if (label === 'RSA PUBLIC KEY') return createPublicKey({ key: trimmed, format: 'pem', type: 'pkcs1' });
    } catch (error) {
      throw optionError('publicKey', `is an invalid ${label} PEM (${(error as Error).message})`, error);
    }
    throw optionError(
      'publicKey',
      `is an unsupported PEM type "${label}" (expected PUBLIC KEY, RSA PUBLIC KEY or CERTIFICATE)`,
    );
  }
  if (isOpenSshPublicKey(trimmed)) {
    try {
      return parseOpenSshPublicKey(trimmed);
    } catch (error) {
      throw optionError('publicKey', `is not a usable ${(error as Error).message}`, error);
    }
  }
  throw optionError(
    'publicKey',
    'is not a PEM, an OpenSSH public key ("ssh-rsa …", "ecdsa-sha2-…", "ssh-ed25519 …") or a JWK',
  );
}

function fromJWK(jwk: JWK, allowed?: ReadonlySet<string>): VerificationKey {
  if (jwk.d !== undefined || jwk.kty === 'oct') {
    throw optionError(
      'publicKey',
      jwk.kty === 'oct'
        ? 'is an "oct" JWK, a secret: use the `secret` option'
        : 'is a JWK holding a private key ("d"): give the verifier only the public key',
    );
  }
  const key = importJWK(jwk, allowed);
  if (typeof key === 'string') throw optionError('publicKey', `cannot be used: ${key}`);
  return key;
}

/**
 * Imports the `publicKey` option: PEM (SPKI, PKCS#1 `RSA PUBLIC KEY`, X.509 certificate), an
 * OpenSSH one-line public key, a JWK (object or JSON text), or a public KeyObject.
 *
 * @param value - the option's value.
 * @param allowed - the `algorithms` option, when set.
 * @throws TypeError naming what is wrong (private key, unsupported type, RSA under 2048 bits…).
 */
export function importPublicKey(value: unknown, allowed?: ReadonlySet<string>): VerificationKey {
  let key: KeyObject;
  if (value instanceof KeyObject) {
    if (value.type !== 'public') {
      throw optionError(
        'publicKey',
        value.type === 'secret'
          ? 'is a secret KeyObject: use the `secret` option for HMAC'
          : 'is a private key: give the verifier only the public key',
      );
    }
    key = value;
  } else if (typeof value === 'string') {
    const trimmed = value.trim();
    if (trimmed.startsWith('{')) {
      let jwk: unknown;
      try {
        jwk = JSON.parse(trimmed);
      } catch (error) {
        throw optionError('publicKey', 'looks like JSON but does not parse as a JWK', error);
      }
      return fromJWK(jwk as JWK, allowed);
    }
    key = toPublicKeyObject(trimmed);
  } else if (typeof value === 'object' && value !== null && typeof (value as JWK).kty === 'string') {
    return fromJWK(value as JWK, allowed);
  } else {
    throw optionError('publicKey', 'must be a PEM or OpenSSH string, a JWK or a public KeyObject');
  }
  const result = toVerificationKey(key, undefined, undefined, allowed);
  if (typeof result === 'string') throw optionError('publicKey', `cannot be used: ${result}`);
  return result;
}

/** True when `der` parses as a public key, a certificate or a private key (DER). */
function isDerKey(der: Buffer): boolean {
  if (der.length < 32 || der[0] !== 0x30) return false; // every such structure is a DER SEQUENCE
  const attempts: (() => unknown)[] = [
    () => createPublicKey({ key: der, format: 'der', type: 'spki' }),
    () => createPublicKey({ key: der, format: 'der', type: 'pkcs1' }),
    () => new X509Certificate(der),
    () => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }),
    () => createPrivateKey({ key: der, format: 'der', type: 'pkcs1' }),
  ];
  return attempts.some((attempt) => {
    try {
      attempt();
      return true;
    } catch {
      return false;
    }
  });
}

/** True when `value` is, or holds, a JWK or a JWKS: parsed JSON, arrays and JSON strings looked into. */
function holdsJWK(value: unknown, depth = 0): boolean {
  if (depth > 3) return false;
  if (typeof value === 'string') {
    const text = value.trim();
    if (!/^[[{"]/.test(text)) return false;
    try {
      return holdsJWK(JSON.parse(text), depth + 1);
    } catch {
      return false;
    }
  }
  if (Array.isArray(value)) return value.some((member) => holdsJWK(member, depth + 1));
  return typeof value === 'object' && value !== null && (Object.hasOwn(value, 'kty') || Object.hasOwn(value, 'keys'));
}

/** An OpenSSH key type followed by its base64 blob anywhere (an authorized_keys line with options included). */
const SSH_KEY_ANYWHERE = /(?:^|[\s,"])(?:ssh|ecdsa|sk)-[a-z0-9.@-]+[ \t]+AAAA[A-Za-z0-9+/]/;
/** RFC 4716 public key files, and PEM-like armour with any number of dashes. */
const ARMOUR = /-{3,}\s*BEGIN [A-Z0-9 ]+-{3,}/;

/** True when `blob` is an OpenSSH wire-format public key: a length-prefixed type name such as `ssh-ed25519`. */
function isSshBlob(blob: Buffer): boolean {
  if (blob.length < 4 + 7) return false;
  const length = blob.readUInt32BE(0);
  if (length < 7 || length > 64 || 4 + length > blob.length) return false;
  return /^(?:ssh|ecdsa|sk)-[a-z0-9.@-]+$/.test(blob.subarray(4, 4 + length).toString('latin1'));
}

/** The bytes `text` encodes as base64, base64url or hex (whitespace ignored), when it is one of those. */
function decodings(text: string): Buffer[] {
  const compact = text.replace(/\s+/g, '');
  const found: Buffer[] = [];
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact))
    found.push(Buffer.from(compact.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
  if (/^(?:[0-9a-fA-F]{2})+$/.test(compact)) found.push(Buffer.from(compact, 'hex'));
  return found;
}

/** `bytes` as text: UTF-8, or UTF-16 with its byte-order mark; undefined for anything else. */
function asText(bytes: Buffer): string | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return Buffer.from(bytes.subarray(2)).swap16().toString('utf16le');
  return isUtf8(bytes) ? bytes.toString('utf8').replace(/^\uFEFF/, '') : undefined;
}

/**
 * What a `secret` really is when it is key material: a PEM or RFC 4716 file, an OpenSSH key (an
 * authorized_keys line, or its bare blob), a JWK or JWKS (in an array, or as a JSON string), or
 * DER (raw, base64, base64url or hex). An HMAC "secret" that is a public key recreates the
 * HS256-with-public-key confusion through configuration: anyone holding the public key could
 * sign tokens.
 */
function keyMaterialKind(bytes: Uint8Array): string | undefined {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isDerKey(buffer)) return 'a DER-encoded key';
  if (isSshBlob(buffer)) return 'an OpenSSH public key';
  const text = asText(buffer)?.trim();
  if (text === undefined) return undefined;
  if (PEM_LABEL.test(text) || ARMOUR.test(text)) return 'a PEM key or certificate';
  if (isOpenSshPublicKey(text) || SSH_KEY_ANYWHERE.test(text)) return 'an OpenSSH public key';
  if (holdsJWK(text)) return 'a JWK or JWKS';
  for (const decoded of decodings(text)) {
    if (isDerKey(decoded)) return 'an encoded DER key';
    if (isSshBlob(decoded)) return 'an OpenSSH public key';
  }
  return undefined;
}

/**
 * Imports the `secret` option for HS256/384/512. A secret must be at least as long as the hash
 * it is used with (RFC 7518 §3.2): 32 bytes allow HS256, 48 HS384, 64 HS512.
 *
 * @throws TypeError for an empty or short secret, or one that is really key material (a public
 *   key as PEM, OpenSSH, JWK/JWKS JSON or DER: the classic algorithm-confusion mistake).
 */
export function importSecret(value: unknown, allowed?: ReadonlySet<string>): VerificationKey {
  let bytes: Uint8Array;
  if (typeof value === 'string') bytes = Buffer.from(value, 'utf8');
  else if (value instanceof Uint8Array) bytes = value;
  else throw optionError('secret', 'must be a string or a Uint8Array');
  if (bytes.length === 0) throw optionError('secret', 'must not be empty');
  const kind = keyMaterialKind(bytes);
  if (kind !== undefined) {
    throw optionError(
      'secret',
      `is ${kind}, not a shared secret: use \`publicKey\` or \`jwks\` for public keys (HMAC and public keys never mix)`,
    );
  }
  // RFC 7518 §3.2: a key at least as long as the hash. Say which algorithm needs what, and how to make one.
  const make = '; make one with `openssl rand -base64 48` (64 characters)';
  for (const alg of ['HS256', 'HS384', 'HS512'] as const) {
    const needed = HMAC_MIN_BYTES[alg] as number;
    const asked = allowed === undefined ? alg === 'HS256' : allowed.has(alg);
    if (asked && bytes.length < needed) {
      throw optionError(
        'secret',
        `is ${bytes.length} bytes, too short: ${alg} needs a secret of at least ${needed} bytes (RFC 7518 §3.2)${make}`,
      );
    }
  }
  const result = toVerificationKey(createSecretKey(bytes), undefined, undefined, allowed);
  if (typeof result === 'string') throw optionError('secret', `cannot be used: ${result}`);
  return result;
}
