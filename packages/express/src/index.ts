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
export * from '@bearer-guard/core/guards';
