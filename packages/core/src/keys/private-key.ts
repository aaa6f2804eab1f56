/**
 * Import of the private keys core holds for other purposes than verification: decrypting JWEs
 * (`decryption.keys`) and signing client assertions (`introspection.privateKey`).
 */
import { createPrivateKey, createSecretKey, type KeyObject } from 'node:crypto';
import { fail, isRecord } from '../option-checks.js';
import type { JWK } from './jwk.js';

/** An imported private (or, where allowed, secret) key and the `kid` of its JWK. */
export interface ImportedPrivateKey {
  kid: string | undefined;
  key: KeyObject;
}

/**
 * Imports a private key given as PEM (PKCS#8, PKCS#1, SEC1), a private JWK or a KeyObject. A
 * public key is refused; a symmetric one (an `oct` JWK, a secret KeyObject) only with `secret`.
 *
 * @param value - the option's value.
 * @param option - the option's name, for the `TypeError`.
 * @param secret - symmetric keys are accepted too (JWE key wrapping).
 * @throws TypeError naming `option`.
 */
export function importPrivateKey(value: unknown, option: string, secret = false): ImportedPrivateKey {
  try {
    if (typeof value === 'string') return { kid: undefined, key: createPrivateKey(value) };
    if (typeof value === 'object' && value !== null && typeof (value as KeyObject).export === 'function') {
      const key = value as KeyObject;
      if (key.type === 'public') fail(option, 'is a public key: the private key is needed');
      if (key.type === 'secret' && !secret) fail(option, 'is a secret key: a private key is needed');
      return { kid: undefined, key };
    }
    if (isRecord(value)) {
      const jwk = Object.assign(Object.create(null) as object, value) as JWK;
      const kid = typeof jwk.kid === 'string' ? jwk.kid : undefined;
      if (jwk.kty === 'oct') {
        if (!secret) fail(option, 'is an "oct" JWK: a private key is needed');
        if (typeof jwk.k !== 'string') fail(option, 'is an "oct" JWK without "k"');
        return { kid, key: createSecretKey(Buffer.from(jwk.k, 'base64url')) };
      }
      if (jwk.d === undefined) fail(option, 'is a public JWK: the private key ("d") is needed');
      return { kid, key: createPrivateKey({ key: jwk as never, format: 'jwk' }) };
    }
  } catch (error) {
    if (error instanceof TypeError && error.message.startsWith('bearer-guard:')) throw error;
    fail(option, `cannot be imported as a private key: ${(error as Error).message}`, error);
  }
  fail(option, 'must be a PEM private key, a private JWK or a KeyObject');
}
