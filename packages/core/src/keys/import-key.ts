/**
 * The `publicKey` and `secret` options: every textual form a tutorial may hand us, turned into
 * one KeyObject at start-up, with configuration mistakes reported as TypeErrors naming the option.
 */
import { createPublicKey, createSecretKey, KeyObject, X509Certificate } from 'node:crypto';
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

/**
 * Imports the `secret` option for HS256/384/512. A secret must be at least as long as the hash
 * it is used with (RFC 7518 §3.2): 32 bytes allow HS256, 48 HS384, 64 HS512.
 *
 * @throws TypeError for an empty or short secret, or a string that is really a public key
 *   (the classic algorithm-confusion mistake).
 */
export function importSecret(value: unknown, allowed?: ReadonlySet<string>): VerificationKey {
  let bytes: Uint8Array;
  if (typeof value === 'string') {
    if (PEM_LABEL.test(value) || isOpenSshPublicKey(value.trim()) || value.trim().startsWith('{"kty"')) {
      throw new TypeError('secret: this looks like a key, not a shared secret; use `publicKey` for public keys');
    }
    bytes = Buffer.from(value, 'utf8');
  } else if (value instanceof Uint8Array) {
    bytes = value;
  } else {
    throw new TypeError('secret: expected a string or a Uint8Array');
  }
  if (bytes.length === 0) throw new TypeError('secret: must not be empty');
  const result = toVerificationKey(createSecretKey(bytes), undefined, undefined, allowed);
  if (typeof result === 'string') {
    throw new TypeError(`secret: ${result.includes('shorter') ? `${bytes.length} bytes is too short; HS256 needs at least 32 bytes (RFC 7518 §3.2)` : result}`);
  }
  return result;
}
