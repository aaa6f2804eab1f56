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
export type { AuthState } from './types.js';
export * from '@bearer-guard/core/guards';
