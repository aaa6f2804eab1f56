/**
 * `@bearer-guard/core/guards`: the guards, and the names an application uses next to them (its
 * options, its claims, its errors). Every adapter re-exports this entry as it is, so a guard added
 * here is a guard of every framework without a line in any adapter.
 * @packageDocumentation
 */
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
  guard,
} from '../guards.js';
export type { Guard } from '../guards.js';
export { isBearerError } from '../errors.js';
export type { BearerError, BearerErrorBody } from '../errors.js';
export type { AuthOptions } from '../options.js';
export type { AuthResult } from '../verifier.js';
export type { AuthPayload, JWTPayload } from '../jws.js';
