/**
 * `tokenVerifier()`: bearer-guard's verification behind the MCP SDK's own `requireBearerAuth`,
 * for servers that keep the SDK's middleware.
 */
import { createVerifier, isBearerError, type BearerError, type Verifier } from '@bearer-guard/core';
import { requireScopes } from '@bearer-guard/core';
import type { AdapterHandle } from '@bearer-guard/core/adapter';
import {
  InsufficientScopeError,
  InvalidTokenError,
  ServerError,
} from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { toAuthInfo } from './auth-info.js';
import { resolveMcpOptions, type McpAuthOptions } from './options.js';

/** What {@link tokenVerifier} returns: the SDK's `OAuthTokenVerifier`, with the verifier and `close()`. */
export type McpTokenVerifier = OAuthTokenVerifier & AdapterHandle;

/** The SDK's error for a bearer-guard error: what `requireBearerAuth` turns into its answer. */
function sdkError(error: BearerError): Error {
  // Generic descriptions only: the detailed reason stays on the server (the `onRejected` hook, NODE_DEBUG).
  const sdk =
    error.status === 503
      ? new ServerError(error.description) // requireBearerAuth: 500 server_error
      : error.status === 403
        ? new InsufficientScopeError(error.description) // 403 insufficient_scope
        : new InvalidTokenError(error.description); // 401 invalid_token (400 invalid_request included)
  return Object.assign(sdk, { cause: error });
}

/**
 * Creates an `OAuthTokenVerifier` for the SDK's `requireBearerAuth({ verifier })`:
 * `verifyAccessToken(token)` verifies the token with bearer-guard (signature, `iss`, `aud` =
 * `resource` unless `audience` says otherwise, `exp`, revocation…) and resolves the same
 * `AuthInfo` as {@link mcpAuth}, or rejects with the SDK's own error classes, so that its
 * middleware answers: `InvalidTokenError` (401) for any bad token, `InsufficientScopeError` (403)
 * when one of `scopes` is missing, `ServerError` (500) when keys cannot be had (JWKS down, nothing
 * cached). Sender-constrained tokens (`cnf`) are refused: `requireBearerAuth` cannot check a
 * DPoP proof or a client certificate.
 *
 * @param options - as {@link mcpAuth}'s; `dpop` and `mtls` are refused.
 * @example
 * ```ts
 * import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
 * import { tokenVerifier } from '@bearer-guard/mcp';
 *
 * const resource = 'https://api.example.com/mcp';
 * app.post('/mcp', requireBearerAuth({ verifier: tokenVerifier({ resource, issuer: 'https://auth.example.com/' }) }), handler);
 * ```
 */
export function tokenVerifier(options: McpAuthOptions): McpTokenVerifier {
  const { core, resource, scopes } = resolveMcpOptions(options, 'tokenVerifier()');
  for (const name of ['dpop', 'mtls'] as const) {
    const value: unknown = core[name];
    if (value !== undefined && value !== false) {
      throw new TypeError(
        `tokenVerifier(): \`${name}\` cannot be checked behind requireBearerAuth, which sees only the token; use mcpAuth()`,
      );
    }
  }
  const verifier: Verifier = createVerifier(core);
  const needed = scopes.length > 0 ? requireScopes(...scopes) : undefined;
  return {
    async verifyAccessToken(token: string): Promise<AuthInfo> {
      try {
        const auth = await verifier.verify(token);
        if (Object.hasOwn(auth.payload, 'cnf')) {
          throw new InvalidTokenError('The access token is invalid');
        }
        if (needed) await verifier.authorize(auth, needed);
        return toAuthInfo(auth, resource);
      } catch (error) {
        throw isBearerError(error) ? sdkError(error) : error;
      }
    },
    verifier,
    close: () => verifier.close(),
  };
}
