/**
 * The type of `ctx.state.auth`, declared once through declaration merging. Its claims are core's
 * `AuthPayload`: augment that interface (from `@bearer-guard/core` or from this package) to type
 * your own claims in `ctx.state.auth` and in every guard.
 */
import type { AuthResult } from '@bearer-guard/core';

/**
 * The state `auth()` adds: `ctx.state.auth`. Use it in your own state type when you give Koa one;
 * the default state (`new Koa()`) is augmented already.
 * @example
 * ```ts
 * const app = new Koa<AuthState & { requestId: string }>();
 * app.use(auth({ issuer: 'https://auth.example.com/', audience: 'orders' }));
 * app.use((ctx) => { ctx.body = { sub: ctx.state.auth?.payload.sub, id: ctx.state.requestId }; });
 * ```
 */
export interface AuthState {
  /**
   * The verified token, set by `auth()`: `{ payload, header, token }`. Undefined when the request
   * carried no token and `auth()` is `optional` (or before `auth()` ran).
   */
  auth?: AuthResult;
}

declare module 'koa' {
  interface DefaultState extends AuthState {}
}
