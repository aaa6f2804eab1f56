/**
 * Signing keys for the test issuer: WebCrypto key pairs made by jose, published as JWKs.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';

/** The JWS algorithms a test issuer can sign with. */
export const TEST_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

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
  readonly publicJwk: Readonly<JWK>;
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
 * Generates a key pair for `alg` whose `kid` is its RFC 7638 thumbprint.
 *
 * Useful on its own as a key the issuer does not publish, e.g. `issuer.sign(claims, { key })`.
 *
 * @param alg - the JWS algorithm (default `'RS256'`).
 * @param options - RSA `modulusLength`.
 * @throws TypeError when `alg` or `modulusLength` is not supported.
 * @see https://www.rfc-editor.org/rfc/rfc7638 (JWK thumbprint)
 * @example
 * ```ts
 * const stranger = await createTestKey('ES256');
 * const token = await issuer.sign({ sub: 'u1' }, { key: stranger });
 * ```
 */
export async function createTestKey(alg: TestAlgorithm = 'RS256', options: TestKeyOptions = {}): Promise<TestKey> {
  if (!isTestAlgorithm(alg)) {
    throw new TypeError(`alg: expected one of ${TEST_ALGORITHMS.join(', ')}; got ${JSON.stringify(alg)}`);
  }
  const { modulusLength } = options;
  if (modulusLength !== undefined && (!Number.isInteger(modulusLength) || modulusLength < 2048)) {
    throw new TypeError(`modulusLength: expected an integer of at least 2048; got ${JSON.stringify(modulusLength)}`);
  }
  const rsa = alg.startsWith('RS') || alg.startsWith('PS');
  // WebCrypto keys (jose) rather than node:crypto's generateKeyPairSync: exporting the latter
  // as JWK has been seen to hang on Node 20.20.
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(rsa && modulusLength !== undefined ? { modulusLength } : {}),
  });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  const publicJwk: JWK = Object.freeze({ ...jwk, kid, alg, use: 'sig' });
  return Object.freeze({ kid, alg, privateKey, publicKey, publicJwk });
}
