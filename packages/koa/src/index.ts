/**
 * @bearer-guard/koa: JWT bearer-token verification for Koa 2 and 3.
 *
 * @example
 * ```ts
 * import Koa from 'koa';
 * import { auth, requireScopes } from '@bearer-guard/koa';
 *
 * const app = new Koa();
 * app.use(auth({ issuer: 'https://auth.example.com/', audience: 'orders' }));
 * app.use(requireScopes('read:orders'));
 * app.use((ctx) => { ctx.body = { sub: ctx.state.auth?.payload.sub }; });
 * ```
 * @packageDocumentation
 */
export { auth, type AuthMiddleware } from './auth.js';
export {
  guard,
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
} from './guards.js';
export type { GuardMiddleware, GuardLike } from './guards.js';
export type { AuthPayload, AuthState } from './types.js';
export { isBearerError, errorResponse } from '@bearer-guard/core';
export type { AuthOptions, AuthResult, BearerError, BearerErrorBody, Guard, JWTPayload } from '@bearer-guard/core';
