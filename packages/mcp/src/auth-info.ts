/**
 * The SDK's `AuthInfo` made from a verified token: what the Streamable HTTP transport hands to
 * tool handlers as `extra.authInfo`.
 */
import type { AuthResult } from '@bearer-guard/core';
import { grantedScopes } from '@bearer-guard/core/adapter';
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
 * `AuthInfo` of a verified token: `clientId` from `client_id` (RFC 9068 §2.2), else `azp`, else
 * `''`; `scopes` from the scope claims (as core's guards read them); `expiresAt` from `exp`; `resource` this server's
 * resource when the token's `aud` names it; `extra: { payload, header }`.
 */
export function toAuthInfo(auth: AuthResult, resource: string): AuthInfo {
  const { payload, header, token } = auth;
  const clientId = [own(payload, 'client_id'), own(payload, 'azp')].find((v) => typeof v === 'string');
  const exp = own(payload, 'exp');
  const aud = own(payload, 'aud');
  const audiences = Array.isArray(aud) ? aud : [aud];
  const extra: McpAuthExtra = { payload, header };
  return {
    token,
    clientId: (clientId as string | undefined) ?? '',
    scopes: grantedScopes(auth),
    ...(typeof exp === 'number' ? { expiresAt: exp } : {}),
    ...(audiences.includes(resource) ? { resource: new URL(resource) } : {}),
    extra,
  };
}
