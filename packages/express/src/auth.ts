/**
 * `auth()`: the one middleware line that authenticates every request, and runs the guards of
 * the routes after it.
 */
import { createVerifier, type AuthOptions, type AuthResult, type Verifier } from '@bearer-guard/core';
import { bindRequest, checkAuthCall, type RequestBinding } from '@bearer-guard/core/adapter';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { settle } from './respond.js';

// `req.auth`, declared once through declaration merging. Its claims are core's `AuthPayload`:
// augment that interface (from `@bearer-guard/core` or from this package) to type your claims.
declare global {
  namespace Express {
    interface Request {
      /**
       * The verified token, set by `auth()`: `{ payload, header, token }`. Undefined when the
       * request carried no token and `auth()` is `optional` (or before `auth()` ran).
       */
      auth?: AuthResult;
    }
  }
}

/** The middleware returned by {@link auth}: also exposes its verifier and a `close()` for shutdown. */
export type AuthMiddleware = RequestHandler & {
  /** The core verifier behind the middleware (e.g. to `warmUp()` at start). */
  readonly verifier: Verifier;
  /** Stops the verifier's background work (JWKS refresh timers, in-flight fetches). */
  close(): void;
};

/**
 * Creates Express middleware that verifies the request's bearer token and sets
 * `req.auth = { payload, header, token }`.
 *
 * Options are the core `AuthOptions`, validated here: a configuration mistake throws a
 * `TypeError` at start-up. Failures are answered with the status, `WWW-Authenticate` header and
 * JSON body of the error (400/401/503), and the route handler does not run. With
 * `forwardErrors: true` they go to `next(err)` instead, as an error safe for any handler that
 * carries `status`, `headers` and `body`. With `optional: true` a request without a token
 * continues and `req.auth` stays undefined; a bad token is still refused. The guards
 * (`requireScopes(…)` and the others) are route middleware of the `auth()` installed before them.
 *
 * @param options - the core options: key source, `issuer`, `audience`, `tokenLocations`…
 * @example
 * ```ts
 * import express from 'express';
 * import { auth, requireScopes } from '@bearer-guard/express';
 *
 * const app = express();
 * app.use(auth({ issuer: 'https://auth.example.com/', audience: 'orders' }));
 * app.get('/orders', requireScopes('read:orders'), (req, res) => {
 *   res.json({ user: req.auth?.payload.sub });
 * });
 * app.listen(3000);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750
 */
export function auth(options: AuthOptions): AuthMiddleware {
  // biome-ignore lint/complexity/noArguments: how a framework calling `auth` itself shows
  checkAuthCall(arguments);
  const verifier = createVerifier(options);
  const { forwardErrors } = verifier.config;
  // Frozen: it is reachable from every request, and no request may change it.
  const binding = Object.freeze<RequestBinding>({
    verifier,
    runGuard(guard, request, [res, next]) {
      const req = request as Request;
      settle(
        verifier.authorize(req.auth, guard, { request: req }),
        res as Response,
        next as NextFunction,
        forwardErrors,
      );
      return undefined;
    },
  });
  const middleware: RequestHandler = function bearerGuardAuth(req, res, next) {
    bindRequest(req, binding);
    const parts = {
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      url: req.originalUrl ?? req.url,
      body: req.body,
      method: req.method,
    };
    const task = verifier.authenticate(parts, { request: req }).then((result) => {
      if (result) req.auth = result;
    });
    settle(task, res, next, forwardErrors);
  };
  return Object.assign(middleware, { verifier, close: () => verifier.close() });
}
