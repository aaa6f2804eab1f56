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
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { handleError, settle } from './respond.js';

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
export type AuthMiddleware = RequestHandler & AdapterHandle;

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
  const base = createAdapterBase(options, arguments, (guard, request, [res, next]) => {
    const req = request as Request;
    settle(base.verifier.authorize(req.auth, guard, { request: req }), next as NextFunction, (error) =>
      handleError(error, res as Response, next as NextFunction, base.forwardErrors),
    );
    return undefined;
  });
  const { dpop, mtls } = base.verifier.config;
  return base.expose<RequestHandler>(function bearerGuardAuth(req, res, next) {
    const metadata = base.metadata(req.method, req.originalUrl ?? req.url);
    if (metadata) {
      // Node's own setHeader: Express's `res.set` would append a charset to the media type.
      res.statusCode = metadata.status;
      for (const [name, value] of Object.entries(metadata.headers)) res.setHeader(name, value);
      res.end(metadata.body);
      return;
    }
    const parts: TokenRequest = {
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      url: req.originalUrl ?? req.url,
      body: req.body,
      method: req.method,
    };
    if (dpop) parts.origin = () => originOf(req);
    if (mtls) parts.peerCertificate = peerCertificateOf(req.socket);
    // A result binds the request to this adapter by itself; any other outcome binds it here
    // (a property added to an Express request costs microseconds: none on the common path).
    const attach = (result: AuthResult | undefined): void => {
      if (!result) {
        base.bind(req);
        return;
      }
      req.auth = result;
      const headers = responseHeadersOf(result);
      if (headers) res.set(headers);
    };
    const fail = (error: unknown): void => {
      base.bind(req);
      handleError(error, res, next, base.forwardErrors);
    };
    let result: ReturnType<typeof authenticateNow>;
    try {
      result = authenticateNow(base.verifier, parts, { request: req });
    } catch (error) {
      fail(error);
      return;
    }
    if (result instanceof Promise) {
      settle(result.then(attach), next, fail);
      return;
    }
    // A cached token: no promise, no turn of the event loop.
    attach(result);
    next();
  });
}

/**
 * The origin the client used, as Express reports it: `req.protocol` and the host (`X-Forwarded-Proto`
 * and `X-Forwarded-Host` only when `trust proxy` trusts the peer). The host keeps its port, which
 * Express 4's `req.hostname` drops. Core checks that it is nothing but a host and a port.
 */
function originOf(req: Request): string {
  const trust = req.app.get('trust proxy fn') as ((address: string | undefined, hop: number) => boolean) | undefined;
  let host = req.get('x-forwarded-host');
  if (host && trust?.(req.socket.remoteAddress, 0)) host = host.split(',')[0]?.trim();
  else host = req.get('host');
  return `${req.protocol}://${host ?? ''}`;
}
