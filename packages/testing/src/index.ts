/**
 * @bearer-guard/testing: a local test issuer for tests of bearer-token verification. It serves a
 * JWKS and discovery documents on 127.0.0.1 and mints tokens, valid and deliberately invalid,
 * signed, encrypted (JWE) or opaque (answered by its token introspection endpoint, RFC 7662).
 *
 * @example
 * ```ts
 * import { createTestIssuer } from '@bearer-guard/testing';
 *
 * const issuer = await createTestIssuer({ alg: 'RS256' });
 * const token = await issuer.sign({ sub: 'u1', scope: 'read:orders' }, { audience: 'orders', expiresIn: '5m' });
 * await issuer.rotate();
 * await issuer.close();
 * ```
 * @packageDocumentation
 */
export { createTestIssuer, INVALID_TIME_OFFSET, WRONG_AUDIENCE, WRONG_ISSUER } from './issuer.js';
export type { RotateOptions, TestIssuer } from './issuer.js';
export { createTestKey, TEST_ALGORITHMS } from './keys.js';
export type { TestAlgorithm, TestKey, TestKeyOptions } from './keys.js';
export { DEFAULT_AUDIENCE } from './options.js';
export type { TestIssuerOptions } from './options.js';
export type { OpaqueTokenOptions, SignOptions } from './mint.js';
export { CONTENT_ENCRYPTIONS, createEncryptionKey, ENCRYPTION_ALGORITHMS } from './encryption.js';
export type {
  ContentEncryption,
  EncryptionAlgorithm,
  EncryptionCurve,
  EncryptionKeyOptions,
  EncryptionTarget,
  EncryptOptions,
  TestEncryptionKey,
} from './encryption.js';
export { DEFAULT_INTROSPECTION_CLIENT_ID, DEFAULT_INTROSPECTION_CLIENT_SECRET } from './introspection.js';
export type { IntrospectionClientOptions, TestIntrospection } from './introspection.js';
export { createDPoPKey } from './dpop.js';
export type { DPoPHeaders, DPoPHeadersOptions, DPoPKey, DPoPKeyOptions, DPoPProofOptions } from './dpop.js';
export type { TestCertificate } from './confirmation.js';
export type { Duration, TimeInput } from './duration.js';
export type { RequestCounts } from './server.js';
export type { WellKnownUrls } from './metadata.js';
