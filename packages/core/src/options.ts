/**
 * The one options object shared by every adapter, validated at construction: a configuration
 * mistake throws a TypeError naming the option at start-up, never at the first request.
 */
import type { KeyObject } from 'node:crypto';
import { SUPPORTED_ALGORITHMS, isHmacAlgorithm } from './algorithms.js';
import { normalizeMediaType, type ClaimRules } from './claims.js';
import { parseDuration } from './duration.js';
import { callback, checkKnownKeys, fail, flag, positiveInteger, stringList, urlOption } from './option-checks.js';
import type { BearerError } from './errors.js';
import type { TokenLocation } from './extract-token.js';
import type { ClaimLocations } from './guards.js';
import { resolveJWKSCacheOptions, type JWKSCacheOptions, type ResolvedJWKSCacheOptions } from './jwks-options.js';
import type { JWK } from './keys/jwk.js';
import type { JWKSEvent } from './key-source.js';
import type { RevocationStore } from './revocation.js';
import { resolveDPoP, type DPoPOptions, type ResolvedDPoP } from './dpop.js';
import { resolveMTLS, type MTLSOptions, type ResolvedMTLS } from './mtls.js';
import { resolveDecryption, type DecryptionOptions, type ResolvedDecryption } from './jwe.js';
import { resolveIntrospection, type IntrospectionOptions, type ResolvedIntrospection } from './introspection.js';
import {
  resolveResource,
  resolveResourceMetadata,
  type ResourceMetadataEndpoint,
  type ResourceMetadataOptions,
} from './resource-metadata.js';

/** Where a rejection happened, for the `onRejected` hook. Never holds the token. */
export interface RejectionContext {
  /** The framework's request object, when an adapter reports the rejection. */
  request?: unknown;
}

/**
 * Options of `createVerifier` and of every adapter's `auth()`: one object, the same everywhere.
 * `audience` is required, unless `resource` is set (it then defaults to `resource`).
 */
export type AuthOptions = CommonAuthOptions & AudienceOptions;

/** `audience`: required, or given by `resource` (RFC 8707). */
export type AudienceOptions =
  | {
      /**
       * Required. Expected `aud`: a token matches when any of its audiences is one of these. `false`
       * accepts any audience: explicit, because a token minted for another API would then pass.
       */
      audience: string | string[] | false;
    }
  | {
      /** This API's identifier (RFC 8707): `audience` defaults to it. */
      resource: string;
      /** Expected `aud`; default: `resource`. `false` accepts any audience. */
      audience?: string | string[] | false | undefined;
    };

/** Every option of {@link AuthOptions} but `audience`. */
export interface CommonAuthOptions {
  /**
   * Required. Expected `iss` (any one of several). Alone, also where keys come from: discovery at
   * `<issuer>/.well-known/openid-configuration`, then RFC 8414 metadata. `false` accepts any
   * `iss` (with a key source of your own): explicit, because key sets shared across tenants
   * (Entra ID's common keys) then sign tokens of every tenant.
   */
  issuer: string | string[] | false;
  /** URL of a remote JWKS (skips discovery). */
  jwksUri?: string | undefined;
  /** A local JWKS. */
  jwks?: { keys: JWK[] } | undefined;
  /** One public key: PEM (SPKI, PKCS#1, X.509 certificate), OpenSSH one-line, JWK or KeyObject. */
  publicKey?: string | KeyObject | JWK | undefined;
  /** Shared HMAC secret (HS256/384/512 only, at least 32 bytes); never combined with public keys. */
  secret?: string | Uint8Array | undefined;
  /** Allow-list of JWS algorithms; default: every algorithm the key type permits. `none` is always refused. */
  algorithms?: string[] | undefined;
  /** Leeway for `exp`, `nbf`, `iat`: seconds or a duration such as `'30s'`. Default 5 s. */
  clockTolerance?: number | string | undefined;
  /** Refuses tokens whose `iat` is older than this (seconds or `'1h'`). */
  maxTokenAge?: number | string | undefined;
  /** Claims that must be present. Default `['exp']`; `[]` relaxes. */
  requiredClaims?: string[] | undefined;
  /** Expected header `typ`, e.g. `'at+jwt'` (RFC 9068); compared case-insensitively, `application/` optional. Default: not checked. */
  tokenType?: string | false | undefined;
  /** No token → the request continues unauthenticated; a bad token is still refused. */
  optional?: boolean | undefined;
  /** Where tokens may be sent (RFC 6750 §2). Default `['header']`. */
  tokenLocations?: TokenLocation[] | undefined;
  /** Cookie name for the `cookie` location. Default `access_token`. */
  cookieName?: string | undefined;
  /** Denylist of revoked tokens, checked on every request. */
  revocation?: RevocationStore | undefined;
  /** With a revocation store, refuse tokens without a `jti` (they cannot be revoked). Default true. */
  requireJti?: boolean | undefined;
  /** How long an asynchronous `isRevoked` may take before the store counts as down (503): seconds or `'500ms'`. Default 2 s. */
  revocationTimeout?: number | string | undefined;
  /** The verified-token cache; default on, 1000 entries. */
  cache?: false | { max?: number } | undefined;
  /** Remote JWKS tuning. */
  jwksCache?: JWKSCacheOptions | undefined;
  /** Claim name(s) or dotted path(s) holding scopes. Default `['scope', 'scp']`. */
  scopeClaim?: string | string[] | undefined;
  /** Claim name(s) or dotted path(s) holding roles, e.g. `'realm_access.roles'`, `'cognito:groups'`. Default `'roles'`. */
  rolesClaim?: string | string[] | undefined;
  /** Claim name(s) or dotted path(s) holding permissions. Default `'permissions'`. */
  permissionsClaim?: string | string[] | undefined;
  /** `realm` of the `WWW-Authenticate` challenge. Default `'api'`. */
  realm?: string | undefined;
  /** Longest token accepted, in characters; longer ones are refused before decoding. Default 8192. */
  maxTokenLength?: number | undefined;
  /**
   * Adapters: hand errors to the framework's own error path (Express `next(err)`, Koa `throw`,
   * Fastify's error handler) instead of answering them. Default false.
   */
  forwardErrors?: boolean | undefined;
  /**
   * DPoP-bound tokens (RFC 9449): `Authorization: DPoP <token>` with a `DPoP` proof header. `true`
   * accepts both DPoP-bound and plain bearer tokens; `{ required: true }` only DPoP-bound ones.
   * Off by default: then a `DPoP` scheme is no bearer token, and a DPoP-bound token is refused.
   */
  dpop?: boolean | DPoPOptions | undefined;
  /**
   * Certificate-bound tokens (RFC 8705): a token with `cnf["x5t#S256"]` passes only with that
   * client certificate. Off by default: then a certificate-bound token is refused.
   */
  mtls?: boolean | MTLSOptions | undefined;
  /**
   * Encrypted access tokens: a compact JWE holding a signed JWT is decrypted with these keys
   * (`jose`, loaded only when this is set), then verified like any token. Without it, a JWE is
   * `invalid_token`.
   */
  decryption?: DecryptionOptions | undefined;
  /**
   * Opaque tokens (RFC 7662): asked of the authorization server's introspection endpoint; the
   * answer's claims pass the same checks as a JWT's. `tokens: 'all'` introspects JWTs too.
   */
  introspection?: IntrospectionOptions | undefined;
  /**
   * This API's identifier, an absolute URL (RFC 8707), e.g. `'https://api.example.com/mcp'`.
   * `audience` defaults to it, and the adapters serve its protected resource metadata (RFC 9728)
   * at `/.well-known/oauth-protected-resource` plus its path, to which every challenge points.
   */
  resource?: string | undefined;
  /**
   * Members of the RFC 9728 metadata document besides those derived from the options
   * (`resource`, `authorization_servers` from `issuer`, `bearer_methods_supported` from
   * `tokenLocations`, the DPoP and mTLS members); `false` serves no document.
   */
  resourceMetadata?: false | ResourceMetadataOptions | undefined;
  /** Called with every rejection and its full reason (server-side only). Must not throw. */
  onRejected?: ((error: BearerError, context: RejectionContext) => void) | undefined;
  /** Remote JWKS and discovery events, for logs and metrics. */
  onEvent?: ((event: JWKSEvent) => void) | undefined;
}

/** Options after validation, in the shapes the verifier uses. */
export interface ResolvedOptions {
  source:
    | { kind: 'secret'; secret: string | Uint8Array }
    | { kind: 'publicKey'; publicKey: NonNullable<AuthOptions['publicKey']> }
    | { kind: 'jwks'; jwks: { keys: JWK[] } }
    | { kind: 'jwksUri'; jwksUri: string }
    | { kind: 'discovery'; issuers: string[] };
  algorithms: ReadonlySet<string> | undefined;
  claims: ClaimRules;
  claimLocations: ClaimLocations;
  optional: boolean;
  tokenLocations: TokenLocation[];
  cookieName: string;
  revocation: RevocationStore | undefined;
  requireJti: boolean;
  revocationTimeout: number;
  cacheMax: number;
  jwksCache: ResolvedJWKSCacheOptions;
  realm: string;
  maxTokenLength: number;
  forwardErrors: boolean;
  dpop: ResolvedDPoP | undefined;
  mtls: ResolvedMTLS | undefined;
  resource: string | undefined;
  resourceMetadata: ResourceMetadataEndpoint | undefined;
  decryption: ResolvedDecryption | undefined;
  introspection: ResolvedIntrospection | undefined;
  onRejected: AuthOptions['onRejected'];
  onEvent: AuthOptions['onEvent'];
}

const KNOWN = new Set<string>([
  'issuer',
  'jwksUri',
  'jwks',
  'publicKey',
  'secret',
  'audience',
  'algorithms',
  'clockTolerance',
  'maxTokenAge',
  'requiredClaims',
  'tokenType',
  'optional',
  'tokenLocations',
  'cookieName',
  'revocation',
  'requireJti',
  'revocationTimeout',
  'cache',
  'jwksCache',
  'scopeClaim',
  'rolesClaim',
  'permissionsClaim',
  'realm',
  'maxTokenLength',
  'forwardErrors',
  'dpop',
  'mtls',
  'resource',
  'resourceMetadata',
  'decryption',
  'introspection',
  'onRejected',
  'onEvent',
]);
const LOCATIONS = new Set<string>(['header', 'query', 'body', 'cookie']);

function resolveSource(o: AuthOptions, issuers: string[] | undefined): ResolvedOptions['source'] {
  const given = (['jwksUri', 'jwks', 'publicKey', 'secret'] as const).filter((k) => o[k] !== undefined);
  if (given.length > 1) fail(given.join('` and `'), 'cannot be combined: give exactly one key source');
  switch (given[0]) {
    case 'secret':
      return { kind: 'secret', secret: o.secret as string | Uint8Array };
    case 'publicKey':
      return { kind: 'publicKey', publicKey: o.publicKey as NonNullable<AuthOptions['publicKey']> };
    case 'jwks': {
      const jwks = o.jwks as unknown;
      if (typeof jwks !== 'object' || jwks === null || !Array.isArray((jwks as { keys?: unknown }).keys)) {
        fail('jwks', 'must be a JWKS object: { keys: [...] }');
      }
      return { kind: 'jwks', jwks: jwks as { keys: JWK[] } };
    }
    case 'jwksUri':
      return { kind: 'jwksUri', jwksUri: urlOption(o.jwksUri, 'jwksUri').href };
    default:
      if (!issuers) {
        fail(
          'issuer',
          'is false, and no key source is given: with `issuer: false`, give `jwksUri`, `jwks`, `publicKey` or `secret`',
        );
      }
      for (const issuer of issuers) urlOption(issuer, 'issuer');
      return { kind: 'discovery', issuers };
  }
}

function resolveAlgorithms(value: unknown, source: ResolvedOptions['source']): ReadonlySet<string> | undefined {
  const list = stringList(value, 'algorithms');
  if (!list) return undefined;
  for (const alg of list) {
    if (alg.toLowerCase() === 'none') fail('algorithms', 'must not contain "none": unsigned tokens are never accepted');
    if (!(SUPPORTED_ALGORITHMS as readonly string[]).includes(alg)) {
      fail(
        'algorithms',
        `contains unsupported algorithm ${JSON.stringify(alg)} (supported: ${SUPPORTED_ALGORITHMS.join(', ')})`,
      );
    }
    if (isHmacAlgorithm(alg) !== (source.kind === 'secret')) {
      fail('algorithms', `contains ${alg}, which does not fit the key source: HMAC and public keys never mix`);
    }
  }
  return new Set(list);
}

/**
 * Validates and normalizes {@link AuthOptions}.
 * @throws TypeError naming the first option that is wrong.
 */
export function resolveOptions(options: AuthOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('bearer-guard: options must be an object');
  checkKnownKeys(options as unknown as Record<string, unknown>, KNOWN, '');
  // Own members only: an option that other code put on Object.prototype is no option of ours.
  const o = Object.assign(Object.create(null) as object, options) as AuthOptions;
  if (o.issuer === undefined) {
    fail(
      'issuer',
      'is required: write issuer: \'https://auth.example.com/\' (the "iss" your tokens carry; alone, it is also where ' +
        'keys are discovered), or issuer: false to accept any issuer (with a key source of your own)',
    );
  }
  const resource = resolveResource((o as { resource?: unknown }).resource);
  if (resource === undefined && (o as { resourceMetadata?: unknown }).resourceMetadata !== undefined) {
    fail('resourceMetadata', 'needs `resource`: the identifier the document describes');
  }
  if (o.audience === undefined && resource === undefined) {
    fail(
      'audience',
      'is required: write audience: \'https://api.example.com\' (the "aud" your tokens carry for this API), ' +
        'or audience: false to accept any audience (risky: a token minted for another API would pass)',
    );
  }
  const issuers = o.issuer === false ? undefined : stringList(o.issuer, 'issuer');
  const source = resolveSource(o, issuers);
  const algorithms = resolveAlgorithms(o.algorithms, source);
  const audiences =
    o.audience === false
      ? undefined
      : o.audience === undefined
        ? [resource as string]
        : stringList(o.audience, 'audience');
  const requiredClaims = stringList(o.requiredClaims, 'requiredClaims', true) ?? ['exp'];
  if (
    o.tokenType !== undefined &&
    o.tokenType !== false &&
    (typeof o.tokenType !== 'string' || o.tokenType.length === 0)
  ) {
    fail('tokenType', "must be a media type such as 'at+jwt', or false");
  }
  const tokenLocations = o.tokenLocations ?? ['header'];
  if (!Array.isArray(tokenLocations) || tokenLocations.length === 0 || tokenLocations.some((l) => !LOCATIONS.has(l))) {
    fail('tokenLocations', "must be a non-empty array of 'header', 'query', 'body', 'cookie'");
  }
  if (
    o.cookieName !== undefined &&
    (typeof o.cookieName !== 'string' || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(o.cookieName))
  ) {
    fail('cookieName', 'must be a valid cookie name');
  }
  const revocation = o.revocation;
  if (
    revocation !== undefined &&
    (typeof revocation?.isRevoked !== 'function' || typeof revocation.revoke !== 'function')
  ) {
    fail('revocation', 'must be a RevocationStore ({ isRevoked, revoke })');
  }
  const clockTolerance = o.clockTolerance === undefined ? 5 : parseDuration(o.clockTolerance, 'clockTolerance');
  const retention = revocation?.retention;
  if (typeof retention === 'number' && retention < clockTolerance) {
    fail(
      'revocation',
      `keeps a revoked token for ${retention} s past its "exp", less than \`clockTolerance\` (${clockTolerance} s): ` +
        `the token would pass again in between. Give the store a clockTolerance of at least ${clockTolerance} s`,
    );
  }
  let cacheMax = 1000;
  if (o.cache === false) cacheMax = 0;
  else if (o.cache !== undefined) {
    if (typeof o.cache !== 'object' || o.cache === null) fail('cache', 'must be false or { max }');
    cacheMax = positiveInteger(o.cache.max, 'cache.max', 1000);
  }
  const jwksCache = resolveJWKSCacheOptions(o.jwksCache);
  const realm = o.realm ?? 'api';
  // It goes into every WWW-Authenticate header: printable ASCII only, nothing to escape.
  if (typeof realm !== 'string' || !/^[\x20\x21\x23-\x5b\x5d-\x7e]+$/.test(realm)) {
    fail('realm', 'must be a non-empty string of printable ASCII without quotes or backslashes');
  }
  const claimPaths = (value: unknown, option: string, fallback: readonly string[]) =>
    stringList(value, option) ?? fallback;
  const dpop = resolveDPoP(o.dpop);
  const mtls = resolveMTLS(o.mtls);
  const locations = [...new Set(tokenLocations)];
  const resourceMetadata =
    resource === undefined
      ? undefined
      : resolveResourceMetadata(resource, (o as { resourceMetadata?: unknown }).resourceMetadata, {
          issuers,
          tokenLocations: locations,
          dpop,
          mtls: mtls !== undefined,
        });
  return {
    source,
    algorithms,
    claims: {
      issuers: issuers ? new Set(issuers) : undefined,
      audiences: audiences ? new Set(audiences) : undefined,
      clockTolerance,
      maxTokenAge: o.maxTokenAge === undefined ? undefined : parseDuration(o.maxTokenAge, 'maxTokenAge'),
      requiredClaims,
      tokenType: typeof o.tokenType === 'string' ? normalizeMediaType(o.tokenType) : undefined,
    },
    claimLocations: {
      scopeClaim: claimPaths(o.scopeClaim, 'scopeClaim', ['scope', 'scp']),
      rolesClaim: claimPaths(o.rolesClaim, 'rolesClaim', ['roles']),
      permissionsClaim: claimPaths(o.permissionsClaim, 'permissionsClaim', ['permissions']),
    },
    optional: flag(o.optional, 'optional', false),
    tokenLocations: locations,
    cookieName: o.cookieName ?? 'access_token',
    revocation,
    requireJti: flag(o.requireJti, 'requireJti', true),
    revocationTimeout: o.revocationTimeout === undefined ? 2 : parseDuration(o.revocationTimeout, 'revocationTimeout'),
    cacheMax,
    jwksCache,
    realm,
    maxTokenLength: positiveInteger(o.maxTokenLength, 'maxTokenLength', 8192),
    forwardErrors: flag(o.forwardErrors, 'forwardErrors', false),
    dpop,
    mtls,
    resource,
    resourceMetadata,
    decryption: resolveDecryption(o.decryption),
    introspection: resolveIntrospection(o.introspection, issuers),
    onRejected: callback(o.onRejected, 'onRejected'),
    onEvent: callback(o.onEvent, 'onEvent'),
  };
}
