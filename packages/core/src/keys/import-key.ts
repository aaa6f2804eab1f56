/**
 * The `publicKey` and `secret` options: every textual form a tutorial may hand us, turned into
 * one KeyObject at start-up, with configuration mistakes reported as TypeErrors naming the option.
 */
import { isUtf8 } from 'node:buffer';
import { createPrivateKey, createPublicKey, createSecretKey, KeyObject, X509Certificate } from 'node:crypto';
import { importJwk, toVerificationKey, type JWK } from './jwk.js';
import { isOpenSshPublicKey, parseOpenSshPublicKey } from './openssh.js';
import type { VerificationKey } from './verification-key.js';

const PEM_LABEL = /-----BEGIN ([A-Z0-9 ]+)-----/;

function toPublicKeyObject(text: string): KeyObject {
  const trimmed = text.trim();
  const label = PEM_LABEL.exec(trimmed)?.[1];
  if (label !== undefined) {
    if (label.includes('PRIVATE')) {
      throw new TypeError('publicKey: this is a private key; give the verifier only the public key');
    }
    try {
      if (label === 'CERTIFICATE') return new X509Certificate(trimmed).publicKey;
      if (label === 'PUBLIC KEY') return createPublicKey({ key: trimmed, format: 'pem', type: 'spki' });
      if (label === 'RSA PUBLIC KEY') return createPublicKey({ key: trimmed, format: 'pem', type: 'pkcs1' });
    } catch (error) {
      throw new TypeError(`publicKey: invalid ${label} PEM (${(error as Error).message})`, { cause: error });
    }
    throw new TypeError(`publicKey: unsupported PEM type "${label}" (expected PUBLIC KEY, RSA PUBLIC KEY or CERTIFICATE)`);
  }
  if (isOpenSshPublicKey(trimmed)) return parseOpenSshPublicKey(trimmed);
  throw new TypeError('publicKey: not a PEM, an OpenSSH public key ("ssh-rsa …", "ecdsa-sha2-…", "ssh-ed25519 …") or a JWK');
}

function fromJwk(jwk: JWK, allowed?: ReadonlySet<string>): VerificationKey {
  if (jwk.d !== undefined || jwk.kty === 'oct') {
    throw new TypeError(jwk.kty === 'oct' ? 'publicKey: an "oct" JWK is a secret; use the `secret` option' : 'publicKey: this JWK holds a private key ("d"); give the verifier only the public key');
  }
  const key = importJwk(jwk, allowed);
  if (typeof key === 'string') throw new TypeError(`publicKey: ${key}`);
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
      throw new TypeError(value.type === 'secret' ? 'publicKey: a secret KeyObject; use the `secret` option for HMAC' : 'publicKey: this is a private key; give the verifier only the public key');
    }
    key = value;
  } else if (typeof value === 'string') {
    const trimmed = value.trim();
    if (trimmed.startsWith('{')) {
      let jwk: unknown;
      try {
        jwk = JSON.parse(trimmed);
      } catch (error) {
        throw new TypeError('publicKey: looks like JSON but does not parse as a JWK', { cause: error });
      }
      return fromJwk(jwk as JWK, allowed);
    }
    key = toPublicKeyObject(trimmed);
  } else if (typeof value === 'object' && value !== null && typeof (value as JWK).kty === 'string') {
    return fromJwk(value as JWK, allowed);
  } else {
    throw new TypeError('publicKey: expected a PEM or OpenSSH string, a JWK or a public KeyObject');
  }
  const result = toVerificationKey(key, undefined, undefined, allowed);
  if (typeof result === 'string') throw new TypeError(`publicKey: ${result}`);
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

/** True when `text` is JSON for a JWK or a JWKS. */
function isJwkJson(text: string): boolean {
  if (!text.startsWith('{')) return false;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && ('kty' in value || 'keys' in value);
  } catch {
    return false;
  }
}

/**
 * What a `secret` really is when it is key material: a PEM, an OpenSSH key, a JWK or JWKS, or
 * DER (raw or base64). An HMAC "secret" that is a public key recreates the HS256-with-public-key
 * confusion through configuration: anyone holding the public key could sign tokens.
 */
function keyMaterialKind(bytes: Uint8Array): string | undefined {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isDerKey(buffer)) return 'a DER-encoded key';
  if (!isUtf8(buffer)) return undefined;
  const text = buffer.toString('utf8').trim();
  if (PEM_LABEL.test(text)) return 'a PEM key or certificate';
  if (isOpenSshPublicKey(text)) return 'an OpenSSH public key';
  if (isJwkJson(text)) return 'a JWK or JWKS';
  const compact = text.replace(/\s+/g, '');
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(compact) && isDerKey(Buffer.from(compact, 'base64'))) return 'a base64 DER key';
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
  else throw new TypeError('secret: expected a string or a Uint8Array');
  if (bytes.length === 0) throw new TypeError('secret: must not be empty');
  const kind = keyMaterialKind(bytes);
  if (kind !== undefined) {
    throw new TypeError(`secret: this is ${kind}, not a shared secret; use \`publicKey\` or \`jwks\` for public keys (HMAC and public keys never mix)`);
  }
  const result = toVerificationKey(createSecretKey(bytes), undefined, undefined, allowed);
  if (typeof result === 'string') {
    throw new TypeError(`secret: ${result.includes('shorter') ? `${bytes.length} bytes is too short; HS256 needs at least 32 bytes (RFC 7518 §3.2)` : result}`);
  }
  return result;
}
