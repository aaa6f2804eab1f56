/**
 * @bearer-guard/express: JWT bearer-token verification for Express 4 and 5.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { auth, requireScopes } from '@bearer-guard/express';
 *
 * const app = express();
 * app.use(auth({ issuer: 'https://auth.example.com/', audience: 'orders' }));
 * app.get('/orders', requireScopes('read:orders'), (req, res) => res.json({ sub: req.auth?.payload.sub }));
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
export type { AuthPayload } from './types.js';
export { isBearerError, errorResponse } from '@bearer-guard/core';
export type { AuthOptions, AuthResult, BearerError, BearerErrorBody, Guard, JWTPayload } from '@bearer-guard/core';
