/**
 * `mcpAuth()`: the Express middleware of an MCP server's resource: serves its protected resource
 * metadata (RFC 9728), verifies the bearer token of every request to the resource's path and
 * below, and sets `req.auth` to the MCP SDK's `AuthInfo`.
 */
import type { AuthResult } from '@bearer-guard/core';
import { requireScopes } from '@bearer-guard/core';
import { createAdapterBase, responseHeadersOf, type AdapterHandle } from '@bearer-guard/core/adapter';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { toAuthInfo } from './auth-info.js';
import { resolveMcpOptions, type McpAuthOptions } from './options.js';
import { settle } from './respond.js';

/** The middleware returned by {@link mcpAuth}: also exposes its verifier and a `close()` for shutdown. */
export type McpAuthMiddleware = RequestHandler & AdapterHandle;

/** The verified results behind each request's `AuthInfo`: what core guards on later routes check. */
const results = new WeakMap<object, AuthResult>();

/**
 * Creates the Express middleware of an MCP server's resource.
 *
 * - `GET /.well-known/oauth-protected-resource` plus the resource's path (RFC 9728 §3.1) answers
 *   the metadata document, without a token;
 * - a request to the resource's path or below (`/mcp`, `/mcp/…`; never `/mcp-public`) needs a
 *   valid bearer token whose `aud` is `resource` (unless `audience` says otherwise) and that
 *   grants every one of `scopes`: else 401, 403 or 503 as every bearer-guard adapter answers
 *   (status, `WWW-Authenticate` with `resource_metadata`, JSON body), and the route does not run;
 * - then `req.auth` is the SDK's `AuthInfo` (`{ token, clientId, scopes, expiresAt, resource,
 *   extra: { payload, header } }`), which `StreamableHTTPServerTransport.handleRequest` hands to
 *   tool handlers as `extra.authInfo`;
 * - any other path passes untouched.
 *
 * Options are validated here: a configuration mistake throws a `TypeError` at start-up. Core's
 * guards (`requireScopes(…)` from `@bearer-guard/core`) work as route middleware after it.
 *
 * @param options - core's options, with `resource` required and `scopes` (see {@link McpAuthOptions}).
 * @example
 * ```ts
 * import express from 'express';
 * import { mcpAuth } from '@bearer-guard/mcp';
 *
 * const app = express();
 * app.use(express.json());
 * app.use(mcpAuth({ resource: 'https://api.example.com/mcp', issuer: 'https://auth.example.com/', scopes: ['mcp:tools'] }));
 * app.post('/mcp', (req, res) => transport.handleRequest(req, res, req.body));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization
 */
export function mcpAuth(options: McpAuthOptions): McpAuthMiddleware {
  // biome-ignore lint/complexity/noArguments: how a framework calling `mcpAuth` itself shows
  const args = arguments;
  if (args.length > 1 || (typeof options === 'object' && options !== null && 'socket' in options)) {
    throw new TypeError('bearer-guard: mcpAuth was installed without being called: write app.use(mcpAuth(options))');
  }
  const { core, resource, scopes } = resolveMcpOptions(options, 'mcpAuth()');
  const needed = scopes.length > 0 ? requireScopes(...scopes) : undefined;
  const base = createAdapterBase(core, args, (guard, request, [res, next]) => {
    settle(
      base.verifier.authorize(results.get(request), guard, { request }),
      res as Response,
      next as NextFunction,
      base.forwardErrors,
    );
    return undefined;
  });
  const covers = pathMatcher(new URL(resource).pathname);
  return base.expose<RequestHandler>(function bearerGuardMcpAuth(req, res, next) {
    const url = req.originalUrl ?? req.url;
    const metadata = base.metadata(req.method, url);
    if (metadata) {
      // Node's own setHeader: Express's `res.set` would append a charset to the media type.
      res.statusCode = metadata.status;
      for (const [name, value] of Object.entries(metadata.headers)) res.setHeader(name, value);
      res.end(metadata.body);
      return;
    }
    if (!covers(url)) {
      next();
      return;
    }
    base.bind(req);
    const parts = { headers: req.headers, rawHeaders: req.rawHeaders, url, method: req.method };
    const task = base.verifier.authenticate(parts, { request: req }).then(async (result) => {
      if (!result) return;
      if (needed) await base.verifier.authorize(result, needed, { request: req });
      results.set(req, result);
      (req as Request & { auth?: AuthInfo }).auth = toAuthInfo(result, resource);
      const headers = responseHeadersOf(result);
      if (headers) res.set(headers);
    });
    settle(task, res, next, base.forwardErrors);
  });
}

/**
 * Whether a request URL (path and query) is the resource's path or below it. Compared without
 * case: Express routes ignore case by default, so `/MCP` reaches the `/mcp` route and must be
 * guarded too. A resource at `/` covers every path.
 */
function pathMatcher(resourcePath: string): (url: string) => boolean {
  const base = resourcePath.replace(/\/+$/, '').toLowerCase();
  if (base === '') return () => true;
  return (url) => {
    const end = url.search(/[?#]/);
    const path = (end === -1 ? url : url.slice(0, end)).toLowerCase();
    return path === base || path.startsWith(`${base}/`);
  };
}
