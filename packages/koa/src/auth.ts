/**
 * `auth()`: the one middleware line that authenticates every request.
 */
import { attachVerifier, createVerifier, type AuthOptions, type AuthResult, type Verifier } from '@bearer-guard/core';
import type { Middleware } from 'koa';
import { handleError } from './respond.js';
import type { AuthPayload, AuthState } from './types.js';

/**
 * Creates Koa middleware that verifies the request's bearer token and sets
 * `ctx.state.auth = { payload, header, token }`.
 *
 * Options are the core `AuthOptions`, validated here: a configuration mistake throws a
 * `TypeError` at start-up. Failures are answered with the status, `WWW-Authenticate` header and
 * JSON body of the error (400/401/503), and `next` is not called. With `forwardErrors: true` the
 * error is thrown instead, for your error middleware; it carries `status`, `headers` and `body`
 * (`expose` is left unset, so Koa's default handler answers with the status text, never with the
 * server-side `message`). A form-body token (`tokenLocations: ['body']`) needs a body parser
 * before `auth()`.
 *
 * @param options - the core options: key source, `issuer`, `audience`, `tokenLocations`…
 * @example
 * ```ts
 * import Koa from 'koa';
 * import Router from '@koa/router';
 * import { auth, requireScopes } from '@bearer-guard/koa';
 *
 * const app = new Koa();
 * const router = new Router();
 * router.get('/orders', requireScopes('read:orders'), (ctx) => {
 *   ctx.body = { user: ctx.state.auth?.payload.sub };
 * });
 * app.use(auth({ issuer: 'https://auth.example.com/', audience: 'orders' }));
 * app.use(router.routes());
 * app.listen(3000);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750
 */
export function auth(options: AuthOptions): AuthMiddleware {
  const verifier = createVerifier(options);
  const middleware: Middleware<AuthState> = async function bearerGuardAuth(ctx, next) {
    attachVerifier(ctx, verifier);
    let result: AuthResult | undefined;
    try {
      result = await verifier.authenticate(
        {
          headers: ctx.req.headers,
          rawHeaders: ctx.req.rawHeaders,
          url: ctx.originalUrl,
          body: (ctx.request as { body?: unknown }).body,
          method: ctx.method,
        },
        { request: ctx },
      );
    } catch (error) {
      handleError(error, ctx, verifier.options.forwardErrors);
      return;
    }
    if (result) ctx.state.auth = result as AuthResult<AuthPayload>;
    await next();
  };
  return Object.assign(middleware, { verifier, close: () => verifier.close() });
}

/** The middleware returned by {@link auth}: also exposes its verifier and a `close()` for shutdown. */
export type AuthMiddleware = Middleware<AuthState> & {
  /** The core verifier behind the middleware (e.g. to `warmUp()` at start). */
  readonly verifier: Verifier;
  /** Stops the verifier's background work (JWKS refresh timers, in-flight fetches). */
  close(): void;
};
