/**
 * Scopes per tool: checked inside a tool handler, against the `AuthInfo` the transport handed it.
 */
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

/** RFC 6749 §3.3 scope-token: visible ASCII but `"` and `\\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** `data` of an {@link InsufficientToolScopeError}: RFC 6750 §3.1's code and the scopes the tool needs. */
export interface InsufficientToolScopeData {
  error: 'insufficient_scope';
  /** The scopes the tool needs, space-delimited, as a `WWW-Authenticate` `scope` attribute. */
  scope: string;
}

/**
 * Thrown by {@link requireToolScopes} when the caller's token lacks a scope the tool needs. An
 * `McpError` (code `InvalidRequest`, -32600) whose `data` is `{ error: 'insufficient_scope', scope }`.
 */
export class InsufficientToolScopeError extends McpError {
  /** The scopes the tool needs (all of them, not only the missing ones). */
  readonly scopes: readonly string[];
  constructor(scopes: readonly string[]) {
    const scope = scopes.join(' ');
    super(ErrorCode.InvalidRequest, `Insufficient scope: this tool needs a token with scope "${scope}"`, {
      error: 'insufficient_scope',
      scope,
    } satisfies InsufficientToolScopeData);
    this.name = 'InsufficientToolScopeError';
    this.scopes = Object.freeze([...scopes]);
  }
}

/**
 * Checks, inside a tool handler, that the caller's token grants every one of `scopes`; returns
 * its `AuthInfo`.
 *
 * The answer to a missing scope, decided for MCP: an error thrown from the handler. `McpServer`
 * turns it into the tool's result with `isError: true` and the text `Insufficient scope: this tool
 * needs a token with scope "…"` — the MCP tools spec's channel for a tool that cannot run, which
 * the client and its model read; the other tools and the session keep working. A low-level
 * `Server` answers it as a JSON-RPC error (-32600) whose `data` is `{ error: 'insufficient_scope',
 * scope }`. It is not an HTTP 403: by the time a tool runs, the Streamable HTTP transport owns
 * the response. Scopes that every request needs belong in `mcpAuth({ scopes })`, which answers
 * the HTTP 403 with a `scope` challenge the spec's step-up authorization starts from.
 *
 * No `extra.authInfo` at all is a set-up mistake (no `mcpAuth()` or `requireBearerAuth` in
 * front of the transport): a `TypeError` that says so.
 *
 * @param extra - the tool handler's second argument (anything with `authInfo`).
 * @param scopes - the scopes this tool needs, all of them.
 * @example
 * ```ts
 * server.registerTool('list_orders', { description: 'Orders of the caller' }, async (extra) => {
 *   const auth = requireToolScopes(extra, 'orders:read');
 *   return { content: [{ type: 'text', text: `orders of ${auth.clientId}` }] };
 * });
 * ```
 * @see https://modelcontextprotocol.io/specification/2025-11-25/server/tools#error-handling
 */
export function requireToolScopes(extra: { authInfo?: AuthInfo | undefined }, ...scopes: string[]): AuthInfo {
  if (scopes.length === 0) throw new TypeError('requireToolScopes() needs at least one scope');
  for (const scope of scopes) {
    if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope)) {
      throw new TypeError(`requireToolScopes(): ${JSON.stringify(scope)} is not a valid scope (RFC 6749 §3.3)`);
    }
  }
  const auth = extra?.authInfo;
  if (auth === undefined) {
    throw new TypeError(
      'requireToolScopes(): the request has no authInfo: put mcpAuth(options) (or requireBearerAuth) in front of the MCP transport',
    );
  }
  const granted = new Set(auth.scopes);
  if (!scopes.every((scope) => granted.has(scope))) throw new InsufficientToolScopeError(scopes);
  return auth;
}
