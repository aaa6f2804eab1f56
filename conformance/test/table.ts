/**
 * The conformance table: every behaviour an adapter must show, written once as data and run
 * against Express 4/5, Koa 2/3 and Fastify 4/5 by `conformance.test.ts`.
 *
 * Status codes, challenges and bodies are literal strings written out here, as API.md's error table
 * and core's `errors.ts` describe them, never computed by calling core: if core's answers change,
 * this fails.
 */
import { memoryRevocationStore, type AuthOptions } from '@bearer-guard/core';

/** Routes every app serves under each mount, GET, POST and OPTIONS; all but `protected` and `payload-shape` carry a guard. */
export type RouteName =
  | 'protected'
  | 'scoped'
  | 'any-scope'
  | 'roles'
  | 'permissions'
  | 'claim-equals'
  | 'claim-includes'
  | 'claim-check'
  | 'all-of'
  | 'any-of'
  | 'core-guard'
  // used by the hostile table (hostile-table.ts)
  | 'admin'
  | 'read-write'
  | 'throwing-check'
  | 'rejecting-check'
  | 'payload-shape'
  | 'header-shape'
  | 'require-auth'
  | 'required'
  | 'required-config';

/** Option values the runner fills in: the default JWKS, a JWKS of this row alone, a PEM. */
export const JWKS_URI = '$jwksUri';
export const ISOLATED_JWKS_URI = '$isolatedJWKSUri';
export const PUBLIC_KEY_PEM = '$publicKeyPem';

/** A time claim relative to the moment the token is minted: `{ $in: -60 }` = a minute ago. */
export interface Relative {
  $in: number;
}

/** How the row's token is minted; `{{token}}` in the request is replaced by it. */
export interface TokenSpec {
  /** Merged over the default claims; `undefined` removes a claim. */
  claims?: Record<string, unknown>;
  /** Merged over `{ alg: 'RS256', kid: <current kid> }`; `undefined` removes a member. */
  header?: Record<string, unknown>;
  /** `current` (default): the endpoint's current key; `impostor`: another key with kid `k1`;
   *  `hs256-public-key`: HMAC with the verifier's PEM public key as secret; `none`: unsigned. */
  sign?: 'current' | 'impostor' | 'hs256-public-key' | 'none';
  /** Damage done after signing. */
  mangle?: 'tamper-payload' | 'fake-signature' | 'two-segments' | 'four-segments' | 'five-segments' | 'pad-to-9000';
}

/**
 * Steps run (per target) before the row's request, against the row's own JWKS endpoint;
 * `send-first` sends the row's own request once (it must pass) before the one checked: a replay.
 */
export type Prepare = 'prime' | 'rotate' | 'down' | 'send-first';

/** One behaviour. */
export interface Row {
  name: string;
  /** Verifier options of this row, over {@link DEFAULT_OPTIONS}; the row then gets its own mount. */
  options?: Partial<AuthOptions>;
  /** Default `protected`. */
  route?: RouteName;
  request?: {
    method?: 'GET' | 'POST';
    /** Appended to the path, e.g. `?access_token={{token}}`. */
    query?: string;
    /** Default: `[['authorization', 'Bearer {{token}}']]` when the row has a token, else none. */
    headers?: [string, string][];
    body?: string;
    contentType?: string;
  };
  token?: TokenSpec;
  prepare?: Prepare[];
  expect: Expectation;
}

/** What every target must answer. */
export interface Expectation {
  status: number;
  /** Exact `WWW-Authenticate`, or null when absent. */
  wwwAuthenticate: string | null;
  /** Exact `Cache-Control`, or null when absent. */
  cacheControl: string | null;
  /** Exact JSON body. */
  body: unknown;
  handlerRan: boolean;
  /** The `reason` the onRejected hook receives; absent → the hook is not called. */
  reason?: string;
  /** JWKS requests caused by the row's request (its own endpoint). */
  jwksFetches?: number;
}

/** The table's verifier, unless a row says otherwise. */
export const DEFAULT_OPTIONS: Partial<AuthOptions> = {
  issuer: 'https://issuer.conformance.test/',
  audience: 'orders',
  jwksUri: JWKS_URI,
};

/** Default claims; `scope` lets `/scoped` pass. */
export const DEFAULT_CLAIMS: Record<string, unknown> = {
  iss: 'https://issuer.conformance.test/',
  aud: 'orders',
  sub: 'user-1',
  iat: { $in: 0 },
  exp: { $in: 300 },
  scope: 'read:orders',
};

const bearer = (value: string): [string, string][] => [['authorization', value]];
const FORM = 'application/x-www-form-urlencoded';

export const ok = (route: RouteName = 'protected', sub: string | null = 'user-1'): Expectation => ({
  status: 200,
  wwwAuthenticate: null,
  cacheControl: null,
  body: { route, sub, authenticated: sub !== null },
  handlerRan: true,
});

export const NO_TOKEN: Expectation = {
  status: 401,
  wwwAuthenticate: 'Bearer realm="api"',
  cacheControl: 'no-store',
  body: { error: 'unauthorized', error_description: 'Authentication is required' },
  handlerRan: false,
  reason: 'missing_token',
};

export const INVALID_TOKEN: Expectation = {
  status: 401,
  wwwAuthenticate: 'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"',
  cacheControl: 'no-store',
  body: { error: 'invalid_token', error_description: 'The access token is invalid' },
  handlerRan: false,
};

export const MALFORMED_HEADER: Expectation = {
  status: 400,
  wwwAuthenticate:
    'Bearer realm="api", error="invalid_request", error_description="The Authorization header is malformed"',
  cacheControl: 'no-store',
  body: { error: 'invalid_request', error_description: 'The Authorization header is malformed' },
  handlerRan: false,
  reason: 'malformed_authorization_header',
};

export const TWO_HEADERS: Expectation = {
  status: 400,
  wwwAuthenticate:
    'Bearer realm="api", error="invalid_request", error_description="More than one Authorization header was sent"',
  cacheControl: 'no-store',
  body: { error: 'invalid_request', error_description: 'More than one Authorization header was sent' },
  handlerRan: false,
  reason: 'multiple_authorization_headers',
};

export const TWO_LOCATIONS: Expectation = {
  status: 400,
  wwwAuthenticate:
    'Bearer realm="api", error="invalid_request", error_description="The access token was sent in more than one location"',
  cacheControl: 'no-store',
  body: { error: 'invalid_request', error_description: 'The access token was sent in more than one location' },
  handlerRan: false,
  reason: 'multiple_token_locations',
};

export const BAD_PARAMETER: Expectation = {
  status: 400,
  wwwAuthenticate:
    'Bearer realm="api", error="invalid_request", error_description="The access_token parameter is malformed"',
  cacheControl: 'no-store',
  body: { error: 'invalid_request', error_description: 'The access_token parameter is malformed' },
  handlerRan: false,
  reason: 'malformed_token_parameter',
};

export const FORBIDDEN_BODY = {
  error: 'insufficient_scope',
  error_description: 'The access token does not grant the required permissions',
};

export const forbidden = (reason: string, scope?: string): Expectation => ({
  status: 403,
  wwwAuthenticate:
    'Bearer realm="api", error="insufficient_scope", error_description="The access token does not grant the required permissions"' +
    (scope === undefined ? '' : `, scope="${scope}"`),
  cacheControl: 'no-store',
  body: FORBIDDEN_BODY,
  handlerRan: false,
  reason,
});

export const UNAVAILABLE: Expectation = {
  status: 503,
  wwwAuthenticate: null,
  cacheControl: 'no-store',
  body: { error: 'temporarily_unavailable', error_description: 'The authentication backend is unavailable' },
  handlerRan: false,
  reason: 'jwks_unavailable',
};

export const invalid = (reason: string): Expectation => ({ ...INVALID_TOKEN, reason });

/** Forwarded errors, rendered by each app's own error handler as `{ forwarded, status, body }`. */
const forwarded = (expectation: Expectation): Expectation => ({
  ...expectation,
  body: { forwarded: true, status: expectation.status, body: expectation.body },
});

const QUERY = { tokenLocations: ['header', 'query'] } satisfies Partial<AuthOptions>;
const BODY = { tokenLocations: ['header', 'body'] } satisfies Partial<AuthOptions>;
const COOKIE = { tokenLocations: ['header', 'cookie'] } satisfies Partial<AuthOptions>;
const AT_JWT = { tokenType: 'at+jwt' } satisfies Partial<AuthOptions>;
const PEM = { jwksUri: undefined, publicKey: PUBLIC_KEY_PEM } satisfies Partial<AuthOptions>;
const ISOLATED = { jwksUri: ISOLATED_JWKS_URI } satisfies Partial<AuthOptions>;

const revocation = memoryRevocationStore();
void revocation.revoke('revoked-jti', Math.floor(Date.now() / 1000) + 3600);

export const rows: Row[] = [
  // ── Authorization header (RFC 6750 §2.1) ───────────────────────────────────────────
  { name: 'no token → 401 without error code', expect: NO_TOKEN },
  { name: 'valid token → 200, handler sees sub', token: {}, expect: ok() },
  { name: 'scheme in lower case', token: {}, request: { headers: bearer('bearer {{token}}') }, expect: ok() },
  { name: 'scheme in upper case', token: {}, request: { headers: bearer('BEARER {{token}}') }, expect: ok() },
  {
    name: 'several spaces after the scheme (1*SP)',
    token: {},
    request: { headers: bearer('Bearer   {{token}}') },
    expect: ok(),
  },
  { name: '"Bearer" alone', request: { headers: bearer('Bearer') }, expect: MALFORMED_HEADER },
  { name: '"Bearer " with an empty token', request: { headers: bearer('Bearer ') }, expect: MALFORMED_HEADER },
  { name: 'empty Authorization header', request: { headers: bearer('') }, expect: MALFORMED_HEADER },
  { name: '"Bearer a b"', request: { headers: bearer('Bearer a b') }, expect: MALFORMED_HEADER },
  {
    name: 'tab between scheme and token',
    token: {},
    request: { headers: bearer('Bearer\t{{token}}') },
    expect: MALFORMED_HEADER,
  },
  {
    name: 'token with characters outside b64token',
    request: { headers: bearer('Bearer abc$def') },
    expect: MALFORMED_HEADER,
  },
  {
    name: 'Basic credentials are not a bearer token',
    request: { headers: bearer('Basic dXNlcjpwYXNz') },
    expect: NO_TOKEN,
  },
  {
    name: 'DPoP scheme is not a bearer token',
    token: {},
    request: { headers: bearer('DPoP {{token}}') },
    expect: NO_TOKEN,
  },
  {
    name: 'two Authorization headers → 400',
    token: {},
    request: {
      headers: [
        ['authorization', 'Bearer {{token}}'],
        ['authorization', 'Bearer {{token}}'],
      ],
    },
    expect: TWO_HEADERS,
  },
  {
    name: 'Bearer and Basic Authorization headers → 400',
    token: {},
    request: {
      headers: [
        ['authorization', 'Bearer {{token}}'],
        ['authorization', 'Basic dXNlcjpwYXNz'],
      ],
    },
    expect: TWO_HEADERS,
  },

  // ── Other locations (RFC 6750 §2.2, §2.3, cookie) ──────────────────────────────────
  {
    name: 'query token, query enabled',
    options: QUERY,
    token: {},
    request: { headers: [], query: '?access_token={{token}}' },
    expect: ok(),
  },
  {
    name: 'query token, query not enabled → ignored',
    token: {},
    request: { headers: [], query: '?access_token={{token}}' },
    expect: NO_TOKEN,
  },
  {
    name: 'header and query token → 400',
    options: QUERY,
    token: {},
    request: { query: '?access_token={{token}}' },
    expect: TWO_LOCATIONS,
  },
  {
    name: 'query access_token given twice → 400',
    options: QUERY,
    token: {},
    request: { headers: [], query: '?access_token={{token}}&access_token={{token}}' },
    expect: BAD_PARAMETER,
  },
  {
    name: 'form body token, body enabled',
    options: BODY,
    token: {},
    request: { method: 'POST', headers: [], contentType: FORM, body: 'access_token={{token}}' },
    expect: ok(),
  },
  {
    name: 'form body token, body not enabled → ignored',
    token: {},
    request: { method: 'POST', headers: [], contentType: FORM, body: 'access_token={{token}}' },
    expect: NO_TOKEN,
  },
  {
    name: 'JSON body token is not a form parameter → ignored',
    options: BODY,
    token: {},
    request: { method: 'POST', headers: [], contentType: 'application/json', body: '{"access_token":"{{token}}"}' },
    expect: NO_TOKEN,
  },
  {
    name: 'header and form body token → 400',
    options: BODY,
    token: {},
    request: { method: 'POST', contentType: FORM, body: 'access_token={{token}}' },
    expect: TWO_LOCATIONS,
  },
  {
    name: 'form body token on a guarded route (guard waits for authentication)',
    options: BODY,
    route: 'scoped',
    token: {},
    request: { method: 'POST', headers: [], contentType: FORM, body: 'access_token={{token}}' },
    expect: ok('scoped'),
  },
  {
    name: 'form body token on a guarded route, scope missing → 403',
    options: BODY,
    route: 'scoped',
    token: { claims: { scope: 'write:orders' } },
    request: { method: 'POST', headers: [], contentType: FORM, body: 'access_token={{token}}' },
    expect: forbidden('insufficient_scope', 'read:orders'),
  },
  {
    name: 'cookie token, cookie enabled',
    options: COOKIE,
    token: {},
    request: { headers: [['cookie', 'access_token={{token}}']] },
    expect: ok(),
  },
  {
    name: 'cookie token among other cookies',
    options: COOKIE,
    token: {},
    request: { headers: [['cookie', 'theme=dark; access_token={{token}}; lang=en']] },
    expect: ok(),
  },
  {
    name: 'cookie token, cookie not enabled → ignored',
    token: {},
    request: { headers: [['cookie', 'access_token={{token}}']] },
    expect: NO_TOKEN,
  },

  // ── Token checks ───────────────────────────────────────────────────────────────────
  { name: 'expired', token: { claims: { exp: { $in: -60 } } }, expect: invalid('token_expired') },
  { name: 'expired within the clock tolerance (5 s)', token: { claims: { exp: { $in: -2 } } }, expect: ok() },
  { name: 'not yet valid (nbf)', token: { claims: { nbf: { $in: 600 } } }, expect: invalid('token_not_yet_valid') },
  {
    name: 'issued in the future (iat)',
    token: { claims: { iat: { $in: 600 } } },
    expect: invalid('token_issued_in_future'),
  },
  { name: 'no exp claim', token: { claims: { exp: undefined } }, expect: invalid('missing_claim') },
  { name: 'wrong issuer', token: { claims: { iss: 'https://evil.example/' } }, expect: invalid('invalid_issuer') },
  { name: 'wrong audience', token: { claims: { aud: 'billing' } }, expect: invalid('invalid_audience') },
  {
    name: 'audience array with the expected audience',
    token: { claims: { aud: ['billing', 'orders'] } },
    expect: ok(),
  },
  { name: 'sub that is not a string', token: { claims: { sub: 42 } }, expect: invalid('invalid_claim') },
  {
    name: 'typ JWT when at+jwt is required',
    options: AT_JWT,
    token: { header: { typ: 'JWT' } },
    expect: invalid('invalid_token_type'),
  },
  { name: 'no typ when at+jwt is required', options: AT_JWT, token: {}, expect: invalid('invalid_token_type') },
  { name: 'typ at+jwt when at+jwt is required', options: AT_JWT, token: { header: { typ: 'at+jwt' } }, expect: ok() },
  {
    name: 'typ application/at+jwt when at+jwt is required',
    options: AT_JWT,
    token: { header: { typ: 'application/at+jwt' } },
    expect: ok(),
  },
  {
    name: 'bad signature (another key with the same kid)',
    token: { sign: 'impostor' },
    expect: invalid('invalid_signature'),
  },
  { name: 'payload changed after signing', token: { mangle: 'tamper-payload' }, expect: invalid('invalid_signature') },
  { name: 'unknown kid', token: { header: { kid: 'no-such-kid' } }, expect: invalid('no_matching_key') },
  {
    name: 'alg none, empty signature',
    token: { sign: 'none', header: { alg: 'none' } },
    expect: invalid('malformed_token'),
  },
  {
    name: 'alg none with a signature',
    token: { sign: 'none', header: { alg: 'none' }, mangle: 'fake-signature' },
    expect: invalid('algorithm_not_allowed'),
  },
  {
    name: 'alg NONE with a signature',
    token: { sign: 'none', header: { alg: 'NONE' }, mangle: 'fake-signature' },
    expect: invalid('algorithm_not_allowed'),
  },
  { name: 'RS256 with a PEM public key', options: PEM, token: {}, expect: ok() },
  {
    name: 'HS256 signed with the PEM public key as secret',
    options: PEM,
    token: { sign: 'hs256-public-key', header: { alg: 'HS256' } },
    expect: invalid('algorithm_not_allowed'),
  },
  { name: 'two segments', token: { mangle: 'two-segments' }, expect: invalid('unsupported_token_format') },
  { name: 'four segments', token: { mangle: 'four-segments' }, expect: invalid('unsupported_token_format') },
  { name: 'five segments (JWE)', token: { mangle: 'five-segments' }, expect: invalid('unsupported_token_format') },
  {
    name: 'segments that are not base64url JSON',
    request: { headers: bearer('Bearer abc.def.ghi') },
    expect: invalid('malformed_token'),
  },
  { name: 'token over 8192 characters', token: { mangle: 'pad-to-9000' }, expect: invalid('token_too_long') },
  {
    name: 'unknown critical header',
    token: { header: { crit: ['exp-ext'], 'exp-ext': 1 } },
    expect: invalid('unsupported_critical_header'),
  },
  {
    name: 'revoked jti',
    options: { revocation },
    token: { claims: { jti: 'revoked-jti' } },
    expect: invalid('token_revoked'),
  },
  { name: 'no jti with a revocation store', options: { revocation }, token: {}, expect: invalid('missing_jti') },
  { name: 'jti not revoked', options: { revocation }, token: { claims: { jti: 'live-jti' } }, expect: ok() },

  // ── Guards ─────────────────────────────────────────────────────────────────────────
  { name: 'requireScopes passes', route: 'scoped', token: {}, expect: ok('scoped') },
  {
    name: 'requireScopes passes with scp array',
    route: 'scoped',
    token: { claims: { scope: undefined, scp: ['read:orders'] } },
    expect: ok('scoped'),
  },
  {
    name: 'requireScopes fails → 403 with scope',
    route: 'scoped',
    token: { claims: { scope: 'write:orders' } },
    expect: forbidden('insufficient_scope', 'read:orders'),
  },
  {
    name: 'requireScopes fails without scope claim',
    route: 'scoped',
    token: { claims: { scope: undefined } },
    expect: forbidden('insufficient_scope', 'read:orders'),
  },
  { name: 'requireScopes: no token → 401, not 403', route: 'scoped', expect: NO_TOKEN },
  {
    name: 'requireScopes: invalid token → 401, not 403',
    route: 'scoped',
    token: { claims: { exp: { $in: -60 }, scope: 'write:orders' } },
    expect: invalid('token_expired'),
  },
  {
    name: 'requireAnyScope passes with one of them',
    route: 'any-scope',
    token: { claims: { scope: 'admin' } },
    expect: ok('any-scope'),
  },
  {
    name: 'requireAnyScope fails',
    route: 'any-scope',
    token: { claims: { scope: 'write:orders' } },
    expect: forbidden('insufficient_scope', 'read:orders admin'),
  },
  {
    name: 'requireRoles passes',
    route: 'roles',
    token: { claims: { roles: ['admin', 'support'] } },
    expect: ok('roles'),
  },
  {
    name: 'requireRoles fails → 403 without scope',
    route: 'roles',
    token: { claims: { roles: ['support'] } },
    expect: forbidden('insufficient_role'),
  },
  {
    name: 'requireRoles from a dotted rolesClaim',
    options: { rolesClaim: 'realm_access.roles' },
    route: 'roles',
    token: { claims: { realm_access: { roles: ['admin'] } } },
    expect: ok('roles'),
  },
  {
    name: 'requirePermissions passes',
    route: 'permissions',
    token: { claims: { permissions: ['create:orders'] } },
    expect: ok('permissions'),
  },
  {
    name: 'requirePermissions fails',
    route: 'permissions',
    token: { claims: { permissions: ['read:orders'] } },
    expect: forbidden('insufficient_scope'),
  },
  {
    name: 'claimEquals passes',
    route: 'claim-equals',
    token: { claims: { tenant: 'acme' } },
    expect: ok('claim-equals'),
  },
  {
    name: 'claimEquals fails',
    route: 'claim-equals',
    token: { claims: { tenant: 'globex' } },
    expect: forbidden('claim_check_failed'),
  },
  {
    name: 'claimIncludes passes',
    route: 'claim-includes',
    token: { claims: { groups: ['billing', 'ops'] } },
    expect: ok('claim-includes'),
  },
  {
    name: 'claimIncludes fails',
    route: 'claim-includes',
    token: { claims: { groups: ['ops'] } },
    expect: forbidden('claim_check_failed'),
  },
  {
    name: 'claimCheck passes',
    route: 'claim-check',
    token: { claims: { email_verified: true } },
    expect: ok('claim-check'),
  },
  {
    name: 'claimCheck fails on "true" as a string',
    route: 'claim-check',
    token: { claims: { email_verified: 'true' } },
    expect: forbidden('claim_check_failed'),
  },
  { name: 'allOf passes', route: 'all-of', token: { claims: { roles: ['admin'] } }, expect: ok('all-of') },
  {
    name: 'allOf fails on its role',
    route: 'all-of',
    token: { claims: { roles: [] } },
    expect: forbidden('insufficient_role'),
  },
  {
    name: 'allOf fails on its scope',
    route: 'all-of',
    token: { claims: { scope: 'write:orders', roles: ['admin'] } },
    expect: forbidden('insufficient_scope', 'read:orders'),
  },
  {
    name: 'anyOf passes on its second guard',
    route: 'any-of',
    token: { claims: { roles: ['admin'] } },
    expect: ok('any-of'),
  },
  { name: 'anyOf fails', route: 'any-of', token: {}, expect: forbidden('insufficient_scope', 'write:orders') },
  {
    name: 'a core guard through guard() passes',
    route: 'core-guard',
    token: { claims: { tenant: 'acme' } },
    expect: ok('core-guard'),
  },
  {
    name: 'a core guard through guard() fails',
    route: 'core-guard',
    token: { claims: { tenant: 'globex' } },
    expect: forbidden('claim_check_failed'),
  },
  {
    name: 'a core guard through guard() fails on scope',
    route: 'core-guard',
    token: { claims: { tenant: 'acme', scope: 'x' } },
    expect: forbidden('insufficient_scope', 'read:orders'),
  },

  // ── optional ───────────────────────────────────────────────────────────────────────
  { name: 'optional: no token → 200 unauthenticated', options: { optional: true }, expect: ok('protected', null) },
  { name: 'optional: valid token → 200 authenticated', options: { optional: true }, token: {}, expect: ok() },
  {
    name: 'optional: bad token → 401',
    options: { optional: true },
    token: { claims: { exp: { $in: -60 } } },
    expect: invalid('token_expired'),
  },
  {
    name: 'optional: malformed header → 400',
    options: { optional: true },
    request: { headers: bearer('Bearer a b') },
    expect: MALFORMED_HEADER,
  },
  {
    name: 'optional: no token on a guarded route → 401',
    options: { optional: true },
    route: 'scoped',
    expect: NO_TOKEN,
  },

  // ── Remote JWKS ────────────────────────────────────────────────────────────────────
  {
    name: 'rotation: a new kid is fetched once → 200',
    options: ISOLATED,
    prepare: ['prime', 'rotate'],
    token: {},
    expect: { ...ok(), jwksFetches: 1 },
  },
  {
    name: 'JWKS down, fresh cached keys → 200',
    options: ISOLATED,
    prepare: ['prime', 'down'],
    token: {},
    expect: { ...ok(), jwksFetches: 0 },
  },
  {
    name: 'JWKS down, stale cached keys → 200',
    options: { ...ISOLATED, jwksCache: { maxAge: '1ms' } },
    prepare: ['prime', 'down'],
    token: {},
    expect: ok(),
  },
  {
    name: 'JWKS down, nothing cached → 503',
    options: ISOLATED,
    prepare: ['down'],
    token: {},
    expect: { ...UNAVAILABLE, jwksFetches: 1 },
  },

  // ── realm ──────────────────────────────────────────────────────────────────────────
  {
    name: 'realm option in the 401 challenge',
    options: { realm: 'orders-api' },
    expect: { ...NO_TOKEN, wwwAuthenticate: 'Bearer realm="orders-api"' },
  },
  {
    name: 'realm option in a guard 403 challenge',
    options: { realm: 'orders-api' },
    route: 'scoped',
    token: { claims: { scope: 'write:orders' } },
    expect: {
      ...forbidden('insufficient_scope'),
      wwwAuthenticate:
        'Bearer realm="orders-api", error="insufficient_scope", error_description="The access token does not grant the required permissions", scope="read:orders"',
    },
  },

  // ── forwardErrors: through the framework's error handler ───────────────────────────
  { name: 'forwardErrors: no token', options: { forwardErrors: true }, expect: forwarded(NO_TOKEN) },
  {
    name: 'forwardErrors: expired',
    options: { forwardErrors: true },
    token: { claims: { exp: { $in: -60 } } },
    expect: forwarded(invalid('token_expired')),
  },
  {
    name: 'forwardErrors: malformed header',
    options: { forwardErrors: true },
    request: { headers: bearer('Bearer a b') },
    expect: forwarded(MALFORMED_HEADER),
  },
  {
    name: 'forwardErrors: guard fails',
    options: { forwardErrors: true },
    route: 'scoped',
    token: { claims: { scope: 'write:orders' } },
    expect: forwarded(forbidden('insufficient_scope', 'read:orders')),
  },
  {
    name: 'forwardErrors: JWKS down, nothing cached',
    options: { ...ISOLATED, forwardErrors: true },
    prepare: ['down'],
    token: {},
    expect: forwarded(UNAVAILABLE),
  },
  {
    name: 'forwardErrors: valid token',
    options: { forwardErrors: true },
    route: 'scoped',
    token: {},
    expect: ok('scoped'),
  },
];
