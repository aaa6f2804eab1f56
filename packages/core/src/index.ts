/**
 * @bearer-guard/core: framework-free JWT bearer-token verification.
 * @packageDocumentation
 */
export { createVerifier, authorize, attachVerifier, verifierOf, claimLocationsOf } from './verifier.js';
export type { AuthResult, AuthenticateContext, Verifier } from './verifier.js';
export type { AuthOptions, ResolvedOptions, RejectionContext } from './options.js';
export {
  BearerError,
  InvalidRequestError,
  InvalidTokenError,
  InsufficientScopeError,
  UnauthorizedError,
  AuthUnavailableError,
  isBearerError,
  errorResponse,
  forwardedError,
} from './errors.js';
export type { BearerErrorCode, BearerErrorReason, BearerErrorBody, BearerErrorResponse, BearerErrorOptions } from './errors.js';
export { extractToken, mayCarryBodyToken } from './extract-token.js';
export type { TokenLocation, TokenRequest, ExtractOptions } from './extract-token.js';
export {
  requireAuth,
  requireScopes,
  requireAnyScope,
  requireRoles,
  requirePermissions,
  claimEquals,
  claimIncludes,
  claimCheck,
  allOf,
  anyOf,
  isGuard,
  toGuard,
  checkGuard,
  guardFactories,
} from './guards.js';
export type { Guard, GuardLike, GuardFactories, ClaimLocations } from './guards.js';
export { memoryRevocationStore } from './revocation.js';
export { DenyList, checkRevokeArguments } from './deny-list.js';
export type { Revocation } from './deny-list.js';
export type { RevocationStore, MemoryRevocationStore, MemoryRevocationStoreOptions } from './revocation.js';
export type { JWTHeader, JWTPayload } from './jws.js';
export type { JWK } from './keys/jwk.js';
export type { JwksCacheOptions } from './jwks.js';
export type { JwksEvent } from './key-source.js';
export { SUPPORTED_ALGORITHMS } from './algorithms.js';
export type { Algorithm } from './algorithms.js';
export { parseDuration } from './duration.js';
export { parseOpenSshPublicKey, isOpenSshPublicKey } from './keys/openssh.js';
export { importPublicKey, importSecret } from './keys/import-key.js';
export type { VerificationKey } from './keys/verification-key.js';
