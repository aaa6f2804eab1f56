/**
 * `auth()`: the one middleware line that authenticates every request.
 */
import { attachVerifier, createVerifier, type AuthOptions, type AuthResult, type Verifier } from '@bearer-guard/core';
import type { RequestHandler } from 'express';
import { settle } from './respond.js';
import type { AuthPayload } from './types.js';

/**
 * Creates Express middleware that verifies the request's bearer token and sets
 * `req.auth = { payload, header, token }`.
 *
 * Options are the core `AuthOptions`, validated here: a configuration mistake throws a
 * `TypeError` at start-up. Failures are answered with the status, `WWW-Authenticate` header and
 * JSON body of the error (400/401/503), and the route handler does not run. With
 * `forwardErrors: true` they go to `next(err)` instead; the error carries `status`, `headers` and
 * `body`. With `optional: true` a request without a token continues and `req.auth` stays
 * undefined; a bad token is still refused.
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
/** The middleware returned by {@link auth}: also exposes its verifier and a `close()` for shutdown. */
export type AuthMiddleware = RequestHandler & {
  /** The core verifier behind the middleware (e.g. to `warmUp()` at start). */
  readonly verifier: Verifier;
  /** Stops the verifier's background work (JWKS refresh timers, in-flight fetches). */
  close(): void;
};

export function auth(options: AuthOptions): AuthMiddleware {
  const verifier = createVerifier(options);
  const forward = () => verifier.options.forwardErrors;
  const middleware: RequestHandler = function bearerGuardAuth(req, res, next) {
    attachVerifier(req, verifier);
    const task = verifier
      .authenticate(
        { headers: req.headers, rawHeaders: req.rawHeaders, url: req.originalUrl ?? req.url, body: req.body, method: req.method },
        { request: req },
      )
      .then((result) => {
        if (result) req.auth = result as AuthResult<AuthPayload>;
      });
    settle(task, res, next, forward);
  };
  return Object.assign(middleware, { verifier, close: () => verifier.close() });
}
