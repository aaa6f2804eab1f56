/**
 * `@bearer-guard/core/guards`: the guards, and nothing else. Every adapter re-exports this entry
 * as it is, so a guard added here is a guard of every framework without a line in any adapter.
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
