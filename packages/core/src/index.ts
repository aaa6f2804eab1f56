/**
 * @bearer-guard/core: framework-free JWT bearer-token verification, for application authors.
 * Packages built on core (adapters, stores, tools) also use `@bearer-guard/core/adapter` and
 * `@bearer-guard/core/keys`; the guards alone are `@bearer-guard/core/guards`.
 * @packageDocumentation
 */
export { createVerifier } from './verifier.js';
export type { AuthResult, AuthenticateContext, Verifier, VerifierConfig } from './verifier.js';
export type { AuthOptions, AudienceOptions, CommonAuthOptions, RejectionContext } from './options.js';
export type { ResourceMetadataOptions, ResourceMetadataEndpoint, MetadataAnswer } from './resource-metadata.js';
export {
  BearerError,
  InvalidRequestError,
  InvalidTokenError,
  InsufficientScopeError,
  UnauthorizedError,
  AuthUnavailableError,
  InvalidDPoPProofError,
  UseDPoPNonceError,
  isBearerError,
} from './errors.js';
export type { BearerErrorCode, BearerErrorReason, BearerErrorBody, BearerErrorOptions } from './errors.js';
export { memoryReplayStore } from './replay.js';
export type { ReplayStore, MemoryReplayStore, MemoryReplayStoreOptions } from './replay.js';
export type { DPoPOptions, DPoPNonceOptions } from './dpop.js';
export type { MTLSOptions, ClientCertificate } from './mtls.js';
export type { DecryptionOptions } from './jwe.js';
export type { IntrospectionOptions } from './introspection.js';
export { extractToken } from './extract-token.js';
export type { TokenLocation, TokenRequest, ExtractOptions } from './extract-token.js';
export * from './exports/guards.js';
export { memoryRevocationStore } from './revocation.js';
export type { RevocationStore, MemoryRevocationStore, MemoryRevocationStoreOptions } from './revocation.js';
export type { AuthPayload, JWTHeader, JWTPayload } from './jws.js';
export type { JWK } from './keys/jwk.js';
export type { JWKSCacheOptions } from './jwks.js';
export type { JWKSEvent } from './key-source.js';
export { parseDuration } from './duration.js';
export type { Duration } from './duration.js';
