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
export type { RouteAuthConfig } from './types.js';
export * from '@bearer-guard/core/guards';
