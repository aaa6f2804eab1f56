/**
 * Signing keys for the test issuer: WebCrypto key pairs made by jose, published as JWKs.
 */
import { fail } from '@bearer-guard/core/adapter';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';

/** The JWS algorithms a test issuer can sign with. */
export const TEST_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

/** One of {@link TEST_ALGORITHMS}. */
export type TestAlgorithm = (typeof TEST_ALGORITHMS)[number];

/** A key pair for signing test tokens, with its public JWK. */
export interface TestKey {
  /** Key ID: the RFC 7638 thumbprint of the public key. */
  readonly kid: string;
  /** The JWS algorithm the key signs with. */
  readonly alg: TestAlgorithm;
  /** The private key (WebCrypto, extractable). */
  readonly privateKey: CryptoKey;
  /** The public key (WebCrypto). */
  readonly publicKey: CryptoKey;
  /** The public key as published in a JWKS: `{ kty, …, kid, alg, use: 'sig' }`. */
  readonly publicJWK: Readonly<JWK>;
}

/** Options for {@link createTestKey}. */
export interface TestKeyOptions {
  /** RSA modulus length in bits (RS* and PS* only); default 2048, at least 2048. */
  modulusLength?: number;
}

/**
 * Returns true when `value` names an algorithm the test issuer supports.
 *
 * @param value - anything.
 * @example isTestAlgorithm('ES256') // true
 */
export function isTestAlgorithm(value: unknown): value is TestAlgorithm {
  return typeof value === 'string' && (TEST_ALGORITHMS as readonly string[]).includes(value);
}

/**
 * Refuses an algorithm the test issuer does not support.
 *
 * @param value - the `alg` option.
 * @param option - its name in the error, e.g. `'createTestIssuer.alg'`.
 * @throws TypeError ``bearer-guard: `<option>` must be one of RS256, …; got "HS256"``.
 */
export function checkAlgorithm(value: unknown, option: string): asserts value is TestAlgorithm {
  if (!isTestAlgorithm(value))
    fail(option, `must be one of ${TEST_ALGORITHMS.join(', ')}; got ${JSON.stringify(value)}`);
}

/**
 * Refuses an RSA modulus length that is not an integer of at least 2048 bits (`undefined`: the default).
 *
 * @param value - the `modulusLength` option.
 * @param option - its name in the error, e.g. `'createTestKey.modulusLength'`.
 */
export function checkModulusLength(value: unknown, option: string): void {
  if (value !== undefined && (!Number.isInteger(value) || (value as number) < 2048)) {
    fail(option, `must be an integer of at least 2048; got ${JSON.stringify(value)}`);
  }
}

/**
 * Generates a key pair for `alg` whose `kid` is its RFC 7638 thumbprint.
 *
 * Useful on its own as a key the issuer does not publish, e.g. `issuer.sign(claims, { key })`.
 *
 * @param alg - the JWS algorithm (default `'RS256'`).
 * @param options - RSA `modulusLength`.
 * @throws TypeError ``bearer-guard: `createTestKey.<alg|modulusLength>` …`` when `alg` or `modulusLength` is not supported.
 * @see https://www.rfc-editor.org/rfc/rfc7638 (JWK thumbprint)
 * @example
 * ```ts
 * const stranger = await createTestKey('ES256');
 * const token = await issuer.sign({ sub: 'u1' }, { key: stranger });
 * ```
 */
export async function createTestKey(alg: TestAlgorithm = 'RS256', options: TestKeyOptions = {}): Promise<TestKey> {
  checkAlgorithm(alg, 'createTestKey.alg');
  const { modulusLength } = options;
  checkModulusLength(modulusLength, 'createTestKey.modulusLength');
  const rsa = alg.startsWith('RS') || alg.startsWith('PS');
  // WebCrypto keys (jose) rather than node:crypto's generateKeyPairSync: exporting the latter
  // as JWK has been seen to hang on Node 20.20.
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(rsa && modulusLength !== undefined ? { modulusLength } : {}),
  });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  const publicJWK: JWK = Object.freeze({ ...jwk, kid, alg, use: 'sig' });
  return Object.freeze({ kid, alg, privateKey, publicKey, publicJWK });
}
