/**
 * `@bearer-guard/core/adapter`: the kit of the packages built on core — framework adapters,
 * revocation and replay stores, tools. Application code does not need it.
 * @packageDocumentation
 */
export { createAdapterBase } from '../adapter-base.js';
export type { AdapterBase, AdapterHandle } from '../adapter-base.js';
export type { RequestBinding } from '../binding.js';
export { decideError, errorResponse, forwardedError } from '../errors.js';
export type { BearerErrorResponse, ErrorDecision } from '../errors.js';
export { mayCarryBodyToken } from '../extract-token.js';
export { authenticateNow, grantedScopes, responseHeadersOf } from '../verifier.js';
export { accessTokenHash, jwkThumbprint, normalizeHtu, requestHtu } from '../dpop.js';
export { certificateThumbprint, peerCertificateOf } from '../mtls.js';
export { isGuard } from '../guards.js';
export { DenyList, revocationIdOf } from '../deny-list.js';
export { parseJsonWithoutPrototypes } from '../claim-path.js';
export type { Revocation } from '../deny-list.js';
export {
  callback,
  checkKnownKeys,
  fail,
  flag,
  isRecord,
  nonEmptyString,
  optionError,
  positiveInteger,
  stringList,
  urlOption,
} from '../option-checks.js';
export { parseDuration } from '../duration.js';
export type { Duration, ParseDurationOptions } from '../duration.js';
