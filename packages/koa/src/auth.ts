/**
 * `auth()`: the one middleware line that authenticates every request, and runs the guards of
 * the routes after it.
 */
import type { AuthOptions, AuthResult, TokenRequest } from '@bearer-guard/core';
import {
  authenticateNow,
  createAdapterBase,
  peerCertificateOf,
  responseHeadersOf,
  type AdapterHandle,
} from '@bearer-guard/core/adapter';
import type { Context, Middleware, Next } from 'koa';
import { handleError } from './respond.js';
import type { AuthState } from './types.js';

/** The middleware returned by {@link auth}: also exposes its verifier and a `close()` for shutdown. */
export type AuthMiddleware = Middleware<AuthState> & AdapterHandle;

/**
 * Creates Koa middleware that verifies the request's bearer token and sets
 * `ctx.state.auth = { payload, header, token }`.
 *
 * Options are the core `AuthOptions`, validated here: a configuration mistake throws a
 * `TypeError` at start-up. Failures are answered with the status, `WWW-Authenticate` header and
 * JSON body of the error (400/401/503), and `next` is not called. With `forwardErrors: true` the
 * error is thrown instead, for your error middleware: safe for any handler (Koa's default one
 * answers with the status text), it carries `status`, `headers` and `body`. A form-body token
 * (`tokenLocations: ['body']`) needs a body parser before `auth()`. The guards
 * (`requireScopes(…)` and the others) are route middleware of the `auth()` installed before them.
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
  // biome-ignore lint/complexity/noArguments: how a framework calling `auth` itself shows
  const base = createAdapterBase(options, arguments, async (guard, request, [next]) => {
    const ctx = request as Context;
    try {
      await base.verifier.authorize(ctx.state.auth, guard, { request: ctx });
    } catch (error) {
      handleError(error, ctx, base.forwardErrors);
      return;
    }
    await (next as Next)();
  });
  const { dpop, mtls } = base.verifier.config;
  return base.expose<Middleware<AuthState>>(function bearerGuardAuth(ctx, next) {
    const metadata = base.metadata(ctx.method, ctx.originalUrl);
    if (metadata) {
      // Written as is: Koa would add a charset to the media type, or turn an empty 405 into a 204.
      ctx.respond = false;
      ctx.res.writeHead(metadata.status, metadata.headers);
      ctx.res.end(metadata.body);
      return undefined;
    }
    const body = (ctx.request as { body?: unknown }).body;
    const parts: TokenRequest = {
      headers: ctx.req.headers,
      rawHeaders: ctx.req.rawHeaders,
      url: ctx.originalUrl,
      body,
      method: ctx.method,
    };
    // `ctx.protocol` and `ctx.host` read X-Forwarded-* only with `app.proxy`.
    if (dpop) parts.origin = () => `${ctx.protocol}://${ctx.host}`;
    if (mtls) parts.peerCertificate = peerCertificateOf(ctx.req.socket);
    // A failure is answered (or thrown, with `forwardErrors`). A result binds the request to this
    // adapter by itself (`ctx.state.auth`); any other outcome binds it here.
    const fail = (error: unknown): undefined => {
      base.bind(ctx);
      handleError(error, ctx, base.forwardErrors);
      return undefined;
    };
    const proceed = (result: AuthResult | undefined): Promise<void> | undefined => {
      try {
        if (result) {
          ctx.state.auth = result;
          const headers = responseHeadersOf(result);
          if (headers) ctx.set(headers);
        } else {
          base.bind(ctx);
        }
      } catch (error) {
        return fail(error);
      }
      return next();
    };
    let result: ReturnType<typeof authenticateNow>;
    try {
      result = authenticateNow(base.verifier, parts, { request: ctx });
    } catch (error) {
      return fail(error);
    }
    // A cached token: no promise, no turn of the event loop before the next middleware.
    if (!(result instanceof Promise)) return proceed(result);
    return result.then(proceed, fail);
  });
}
