/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728): the document that tells a client which
 * authorization servers issue tokens for this API, and the `resource_metadata` parameter that
 * points every challenge at it (§5.1). The Model Context Protocol requires both of MCP servers.
 */
import type { TokenLocation } from './extract-token.js';
import { fail, isRecord, stringList, urlOption } from './option-checks.js';

/** The `resourceMetadata` option: members of the document besides the ones bearer-guard fills in. */
export interface ResourceMetadataOptions {
  /** Issuers of tokens for this API. Default: the `issuer` option's values, unchanged. */
  authorization_servers?: string[] | undefined;
  /** Scopes clients may request for this API. */
  scopes_supported?: string[] | undefined;
  /** A human-readable name of the API. */
  resource_name?: string | undefined;
  /** URL of the API's documentation for developers. */
  resource_documentation?: string | undefined;
  /** Any other RFC 9728 §2 member (`resource_policy_uri`, `resource_tos_uri`…). */
  [member: string]: unknown;
}

/** One HTTP answer of the metadata endpoint. */
export interface MetadataAnswer {
  status: number;
  headers: Record<string, string>;
  /** The JSON text; empty for HEAD, OPTIONS and 405. */
  body: string;
}

/** What adapters serve: the document at its RFC 9728 §3.1 path. */
export interface ResourceMetadataEndpoint {
  /** `/.well-known/oauth-protected-resource` plus the resource's path. */
  readonly path: string;
  /** The absolute URL of the document: the `resource_metadata` of every challenge. */
  readonly url: string;
  /** The document (frozen). */
  readonly document: Readonly<Record<string, unknown>>;
  /** The answer to a request for `path` with this method: 200 for GET and HEAD, 204 for OPTIONS, 405 otherwise. */
  answer(method: string): MetadataAnswer;
}

/** What the document says of the verifier's other options. */
export interface MetadataContext {
  issuers: readonly string[] | undefined;
  tokenLocations: readonly TokenLocation[];
  dpop: { algorithms: ReadonlySet<string>; required: boolean } | undefined;
  mtls: boolean;
}

const WELL_KNOWN = '/.well-known/oauth-protected-resource';
const METHODS = { header: 'header', body: 'body', query: 'query' } as const;

/** Validates `resource` (RFC 8707 §2: an absolute URI without a fragment; no query either). */
export function resolveResource(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const url = urlOption(value, 'resource');
  if (url.hash !== '' || (value as string).includes('#')) fail('resource', 'must not have a fragment (RFC 8707 §2)');
  if (url.search !== '' || (value as string).includes('?')) {
    fail('resource', 'must not have a query: the metadata path is made from its path (RFC 9728 §3.1)');
  }
  return value as string;
}

/**
 * The metadata endpoint of `resource`, or `undefined` when `resourceMetadata` is `false`.
 * @see https://www.rfc-editor.org/rfc/rfc9728
 */
export function resolveResourceMetadata(
  resource: string,
  value: unknown,
  context: MetadataContext,
): ResourceMetadataEndpoint | undefined {
  if (value === false) return undefined;
  if (value !== undefined && !isRecord(value))
    fail('resourceMetadata', 'must be false or an object of RFC 9728 members');
  const given = Object.assign(Object.create(null) as object, value) as ResourceMetadataOptions;
  if (Object.hasOwn(given, 'resource')) {
    fail('resourceMetadata', 'must not set `resource`: it is the `resource` option');
  }
  const authorizationServers =
    stringList(given.authorization_servers, 'resourceMetadata.authorization_servers') ??
    (context.issuers ? [...context.issuers] : undefined);
  const scopes = stringList(given.scopes_supported, 'resourceMetadata.scopes_supported', true);
  const methods = context.tokenLocations.flatMap((l) => (l === 'cookie' ? [] : [METHODS[l]]));
  const document: Record<string, unknown> = {
    resource,
    ...(authorizationServers ? { authorization_servers: authorizationServers } : {}),
    bearer_methods_supported: methods,
    ...(scopes ? { scopes_supported: scopes } : {}),
    ...(context.dpop
      ? {
          dpop_signing_alg_values_supported: [...context.dpop.algorithms],
          dpop_bound_access_tokens_required: context.dpop.required,
        }
      : {}),
    ...(context.mtls ? { tls_client_certificate_bound_access_tokens: true } : {}),
  };
  for (const [member, memberValue] of Object.entries(given)) {
    if (memberValue !== undefined && !(member in document)) document[member] = memberValue;
  }
  const url = new URL(resource);
  const path = WELL_KNOWN + (url.pathname === '/' ? '' : url.pathname);
  const body = JSON.stringify(document);
  const headers = Object.freeze({
    'content-type': 'application/json',
    // Public and the same for everyone: caches and browser-based clients (MCP inspectors) may read it.
    'cache-control': 'public, max-age=3600',
    'access-control-allow-origin': '*',
  });
  return Object.freeze({
    path,
    url: `${url.origin}${path}`,
    document: Object.freeze(JSON.parse(body) as Record<string, unknown>),
    answer(method: string): MetadataAnswer {
      if (method === 'GET') return { status: 200, headers: { ...headers }, body };
      if (method === 'HEAD') return { status: 200, headers: { ...headers }, body: '' };
      const allow = 'GET, HEAD, OPTIONS';
      if (method === 'OPTIONS') {
        return {
          status: 204,
          headers: { allow, 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET, HEAD' },
          body: '',
        };
      }
      return { status: 405, headers: { allow, 'cache-control': 'no-store' }, body: '' };
    },
  });
}
