/**
 * @bearer-guard/fastify: JWT bearer-token verification for Fastify 4 and 5.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import bearerGuard, { requireScopes } from '@bearer-guard/fastify';
 *
 * const app = Fastify();
 * await app.register(bearerGuard, { issuer: 'https://auth.example.com/', audience: 'orders' });
 * app.get('/orders', { onRequest: requireScopes('read:orders') }, async (request) => ({ sub: request.auth?.payload.sub }));
 * ```
 * @packageDocumentation
 */
import { bearerGuard } from './plugin.js';

export default bearerGuard;
export { bearerGuard };
export type { BearerGuardOptions } from './plugin.js';
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
export type { GuardHook, GuardLike } from './guards.js';
export type { AuthPayload, RouteAuthConfig } from './types.js';
export { isBearerError, errorResponse } from '@bearer-guard/core';
export type { AuthOptions, AuthResult, BearerError, BearerErrorBody, Guard, JWTPayload } from '@bearer-guard/core';
