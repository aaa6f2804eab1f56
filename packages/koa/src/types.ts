/**
 * The type of `ctx.state.auth`, declared once through declaration merging.
 */
import type { AuthResult, JWTPayload } from '@bearer-guard/core';

/**
 * The claims `ctx.state.auth.payload` is typed with. Empty on purpose: augment it once in your
 * app to type your own claims everywhere (`ctx.state.auth`, `claimCheck`).
 *
 * @example
 * ```ts
 * declare module '@bearer-guard/koa' {
 *   interface AuthPayload {
 *     tenant: string;
 *   }
 * }
 * router.get('/me', (ctx) => { ctx.body = { tenant: ctx.state.auth?.payload.tenant }; }); // string
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface AuthPayload extends JWTPayload {}

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
  auth?: AuthResult<AuthPayload>;
}

declare module 'koa' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface DefaultState extends AuthState {}
}
