/**
 * The SDK's `AuthInfo` made from a verified token: what the Streamable HTTP transport hands to
 * tool handlers as `extra.authInfo`.
 */
import type { AuthResult } from '@bearer-guard/core';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';

/** `AuthInfo.extra` as bearer-guard fills it: the verified claims and protected header. */
export interface McpAuthExtra extends Record<string, unknown> {
  /** The verified claims (frozen). */
  payload: AuthResult['payload'];
  /** The verified protected header (frozen). */
  header: AuthResult['header'];
}

function own(object: object, name: string): unknown {
  return Object.hasOwn(object, name) ? (object as Record<string, unknown>)[name] : undefined;
}

/**
 * The scopes a token grants, read as core's guards read them: each claim by name or dotted path,
 * own members only, a string split on spaces, an array's strings.
 */
// Core has no export for this yet (its guards read scopes through private helpers): kept in
// step with core's `readClaim` and `claimValues` by the tests of `scopeClaim`.
export function grantedScopes(payload: Readonly<Record<string, unknown>>, claims: readonly string[]): string[] {
  const scopes = new Set<string>();
  for (const claim of claims) {
    let value: unknown = own(payload, claim);
    if (value === undefined && claim.includes('.')) {
      value = payload;
      for (const part of claim.split('.')) {
        value = typeof value === 'object' && value !== null && !Array.isArray(value) ? own(value, part) : undefined;
      }
    }
    const list = typeof value === 'string' ? value.split(' ') : Array.isArray(value) ? value : [];
    for (const scope of list) if (typeof scope === 'string' && scope !== '') scopes.add(scope);
  }
  return [...scopes];
}

/**
 * `AuthInfo` of a verified token: `clientId` from `client_id` (RFC 9068 §2.2), else `azp`, else
 * `''`; `scopes` from the scope claims; `expiresAt` from `exp`; `resource` this server's
 * resource when the token's `aud` names it; `extra: { payload, header }`.
 */
export function toAuthInfo(auth: AuthResult, resource: string, scopeClaims: readonly string[]): AuthInfo {
  const { payload, header, token } = auth;
  const clientId = [own(payload, 'client_id'), own(payload, 'azp')].find((v) => typeof v === 'string');
  const exp = own(payload, 'exp');
  const aud = own(payload, 'aud');
  const audiences = Array.isArray(aud) ? aud : [aud];
  const extra: McpAuthExtra = { payload, header };
  return {
    token,
    clientId: (clientId as string | undefined) ?? '',
    scopes: grantedScopes(payload, scopeClaims),
    ...(typeof exp === 'number' ? { expiresAt: exp } : {}),
    ...(audiences.includes(resource) ? { resource: new URL(resource) } : {}),
    extra,
  };
}
