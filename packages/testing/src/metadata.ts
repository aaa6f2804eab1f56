/**
 * Where the test issuer publishes its metadata, keys and introspection endpoint, and what the metadata says.
 */

/** What a path of the issuer serves. */
export type Resource = 'discovery' | 'jwks' | 'introspection';

/** The URLs of an issuer's well-known documents. */
export interface WellKnownUrls {
  /** `<issuer>/.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §4). */
  openidConfiguration: string;
  /** `<issuer>/.well-known/oauth-authorization-server` (appended, as bearer-guard's discovery looks it up). */
  oauthAuthorizationServer: string;
  /** `<issuer>/.well-known/jwks.json`, the `jwks_uri`. */
  jwksUri: string;
}

/**
 * The well-known URLs for an issuer (a trailing slash on the issuer is not doubled).
 *
 * @param issuer - the issuer URL, e.g. `http://127.0.0.1:4000/realms/test`.
 * @example wellKnownUrls('http://127.0.0.1:4000/').jwksUri // 'http://127.0.0.1:4000/.well-known/jwks.json'
 */
export function wellKnownUrls(issuer: string): WellKnownUrls {
  const base = issuer.replace(/\/$/, '');
  return {
    openidConfiguration: `${base}/.well-known/openid-configuration`,
    oauthAuthorizationServer: `${base}/.well-known/oauth-authorization-server`,
    jwksUri: `${base}/.well-known/jwks.json`,
  };
}

/**
 * The token introspection endpoint of an issuer (a trailing slash on the issuer is not doubled).
 *
 * @param issuer - the issuer URL.
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2
 * @example introspectionEndpointOf('http://127.0.0.1:4000') // 'http://127.0.0.1:4000/introspect'
 */
export function introspectionEndpointOf(issuer: string): string {
  return `${issuer.replace(/\/$/, '')}/introspect`;
}

/**
 * Request paths the server answers, for an issuer path such as `'/realms/test'`.
 *
 * Both the appended form (`/realms/test/.well-known/oauth-authorization-server`) and the RFC 8414
 * §3.1 inserted form (`/.well-known/oauth-authorization-server/realms/test`) serve the metadata.
 *
 * @param issuerPath - the issuer's path ('' or starting with '/').
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.1
 * @example routes('').get('/.well-known/jwks.json') // 'jwks'
 */
export function routes(issuerPath: string): Map<string, Resource> {
  const base = issuerPath.replace(/\/$/, '');
  const table = new Map<string, Resource>([
    [`${base}/.well-known/openid-configuration`, 'discovery'],
    [`${base}/.well-known/oauth-authorization-server`, 'discovery'],
    [`${base}/.well-known/jwks.json`, 'jwks'],
    [`${base}/introspect`, 'introspection'],
  ]);
  if (base !== '') table.set(`/.well-known/oauth-authorization-server${base}`, 'discovery');
  return table;
}

/**
 * The discovery document (OpenID Connect Discovery / RFC 8414 authorization server metadata).
 *
 * Only what a resource server needs is advertised: keys and the introspection endpoint
 * (RFC 7662, `client_secret_basic`); the issuer serves no authorization or token endpoint.
 *
 * @param issuer - the `issuer` value.
 * @param algorithms - the signing algorithms of the published keys.
 * @example discoveryDocument('http://127.0.0.1:4000', ['RS256']).jwks_uri // 'http://127.0.0.1:4000/.well-known/jwks.json'
 */
export function discoveryDocument(issuer: string, algorithms: readonly string[]): Record<string, unknown> {
  return {
    issuer,
    jwks_uri: wellKnownUrls(issuer).jwksUri,
    introspection_endpoint: introspectionEndpointOf(issuer),
    introspection_endpoint_auth_methods_supported: ['client_secret_basic'],
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [...algorithms],
  };
}
