/**
 * A small OAuth 2.0 authorization server for service-to-service calls: the client credentials
 * grant (RFC 6749 §4.4) issuing RFC 9068 JWT access tokens, its public keys as a JWKS, RFC 8414
 * metadata, key rotation, RFC 7009 revocation into the `RevocationStore` the APIs read, and
 * DPoP-bound tokens (RFC 9449) for clients that send a DPoP proof with their token request.
 * Per client, tokens may instead be opaque references or encrypted JWTs (JWE); RFC 7662
 * introspection (`POST /introspect`) tells resource servers what any of them means.
 *
 * @example
 * ```js
 * const auth = await createAuthService({ clients: [{ id: 'reader', secret: '…', scopes: ['orders:read'] }] });
 * // POST ${auth.url}/token  grant_type=client_credentials, Basic reader:…
 * await auth.rotate();
 * await auth.close();
 * ```
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import { memoryRevocationStore, parseDuration } from '@bearer-guard/core';
import { createClientRegistry, SCOPE_TOKEN } from './clients.mjs';
import { createProofChecker, DPOP_ALGORITHMS } from './dpop.mjs';
import { NO_STORE, OAuthError, readForm, send, sendError } from './http.mjs';
import { createKeyring } from './keys.mjs';
import { createIssuedTokens, encryptToken, opaqueToken } from './token-formats.mjs';
import { accessTokenClaims, signAccessToken, verifyOwnToken } from './tokens.mjs';

/** Seconds a replaced key outlives the last token it signed, for the verifiers' clock tolerance. */
const CLOCK_SKEW = 60;
const PUBLIC = { 'cache-control': 'public, max-age=60' };

/**
 * @typedef {object} AuthServiceOptions
 * @property {import('./clients.mjs').ClientConfig[]} clients - who may ask for tokens, and for which scopes
 * @property {number} [port] - default 0 (a free port)
 * @property {string} [host] - default '127.0.0.1'
 * @property {string} [issuer] - public origin, e.g. 'https://auth.example.com'; default the listening URL
 * @property {string} [audience] - `aud` of tokens requested without `resource`; default 'orders-api'
 * @property {string[]} [resources] - resource indicators (RFC 8707) clients may ask tokens for: such a
 *   token's `aud` is that resource; default none
 * @property {string} [keysDir] - PEM private keys, generated there on first start; default: keys in memory only
 * @property {string} [alg] - algorithm of generated keys; default 'ES256'
 * @property {number | string} [tokenLifetime] - seconds or '5m'; default 300
 * @property {import('@bearer-guard/core').RevocationStore} [revocation] - where `/revoke` writes (and
 *   `/introspect` reads); default in memory
 * @property {number} [maxStoredTokens] - opaque and encrypted tokens remembered until they expire, at
 *   most; past it `/token` answers 503 for clients with those formats. Default 10 000
 */

/**
 * Starts the auth service.
 * @param {AuthServiceOptions} options
 */
export async function createAuthService(options) {
  const { port = 0, host = '127.0.0.1', audience = 'orders-api', keysDir, alg, clients } = options;
  const revocation = options.revocation ?? memoryRevocationStore();
  const lifetime = parseDuration(options.tokenLifetime ?? 300, 'auth-service: `tokenLifetime`');
  if (!Number.isInteger(lifetime) || lifetime < 1)
    throw new TypeError('auth-service: `tokenLifetime` must be a whole number of seconds');
  if (options.issuer !== undefined && new URL(options.issuer).pathname !== '/') {
    throw new TypeError('auth-service: `issuer` must be an origin such as https://auth.example.com (no path)');
  }
  const registry = createClientRegistry(clients);
  const resources = new Set(options.resources ?? []);
  for (const resource of resources) {
    // RFC 8707 §2: an absolute URI without a fragment.
    if (!URL.canParse(resource) || resource.includes('#'))
      throw new TypeError(
        `auth-service: resource ${JSON.stringify(resource)} must be an absolute URL without a fragment`,
      );
  }
  const keyring = await createKeyring({ keysDir, alg, retention: lifetime + CLOCK_SKEW });
  const issued = createIssuedTokens({ max: options.maxStoredTokens });

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (error instanceof OAuthError) return sendError(res, error);
      console.error('auth-service: unexpected error', error);
      if (!res.headersSent) send(res, 500, { error: 'server_error', error_description: 'Something went wrong' });
      else res.destroy();
    });
  });
  server.listen(port, host);
  await once(server, 'listening');
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  const issuer = (options.issuer ?? url).replace(/\/+$/, '');
  const proofs = createProofChecker({ tokenEndpoint: `${issuer}/token` });

  /** RFC 8414 authorization server metadata. */
  const metadata = () => ({
    issuer,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/jwks.json`,
    revocation_endpoint: `${issuer}/revoke`,
    introspection_endpoint: `${issuer}/introspect`,
    grant_types_supported: ['client_credentials'],
    response_types_supported: [], // no authorization endpoint: client credentials only
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    // No private_key_jwt: the service knows its clients' secrets, not their keys.
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    scopes_supported: registry.scopes(),
    dpop_signing_alg_values_supported: [...DPOP_ALGORITHMS], // RFC 9449 §5.1
  });

  /**
   * The scopes to grant: all the client may have when it names none, else exactly the ones it
   * asks for, each of which it must be allowed (RFC 6749 §3.3).
   * @param {import('./clients.mjs').Client} client @param {string | undefined} requested
   */
  function grantedScopes(client, requested) {
    if (requested === undefined) return [...client.scopes];
    const wanted = requested.split(' ');
    if (!wanted.every((s) => SCOPE_TOKEN.test(s)))
      throw new OAuthError(400, 'invalid_scope', 'The requested scope is malformed');
    if (!wanted.every((s) => client.scopes.has(s)))
      throw new OAuthError(400, 'invalid_scope', 'The requested scope exceeds what this client may have');
    return [...new Set(wanted)];
  }

  /**
   * The `aud` of a token: `audience`, or the resource the client names (RFC 8707 §2), which must
   * be one this service issues tokens for (else `invalid_target`).
   * @param {string | undefined} resource
   */
  function audienceFor(resource) {
    if (resource === undefined) return audience;
    if (!resources.has(resource))
      throw new OAuthError(400, 'invalid_target', 'The requested resource is unknown to this authorization server');
    return resource;
  }

  /**
   * Issues an access token as `POST /token` would grant it, in the client's format. For tests
   * and the demo, which also use it to mint already-expired tokens (`issuedAt` in the past); it
   * never exposes the key.
   * @param {{ clientId: string, scope?: string, resource?: string, lifetime?: number, issuedAt?: number }} request
   *   `lifetime` at most the service's `tokenLifetime`; `issuedAt` in seconds since the epoch
   */
  async function issueToken({ clientId, scope, resource, lifetime: seconds = lifetime, issuedAt }) {
    const client = registry.get(clientId);
    if (!client) throw new TypeError(`issueToken: unknown client ${JSON.stringify(clientId)}`);
    if (!(seconds > 0 && seconds <= lifetime))
      throw new RangeError(`issueToken: \`lifetime\` must be 1..${lifetime} seconds`);
    // Past or present only: a replaced key is published for `tokenLifetime` after rotation, no longer.
    if (issuedAt !== undefined && issuedAt > Date.now() / 1000)
      throw new RangeError('issueToken: `issuedAt` must not be in the future');
    const scopes = grantedScopes(client, scope);
    const aud = audienceFor(resource);
    return mint(client, accessTokenClaims({ issuer, audience: aud, clientId, scopes, lifetime: seconds, issuedAt }));
  }

  /**
   * The access token with these claims, in the client's `tokenFormat`: a signed JWT; an opaque
   * reference; or the signed JWT encrypted to the client's `encryptionKey`. The last two are
   * remembered until they expire, for introspection and revocation.
   * @param {import('./clients.mjs').Client} client
   * @param {import('./tokens.mjs').AccessTokenClaims} claims
   */
  async function mint(client, claims) {
    if (client.tokenFormat === 'opaque') {
      const reference = opaqueToken();
      issued.remember(reference, claims);
      return reference;
    }
    const jwt = await signAccessToken(keyring.current(), claims);
    if (client.tokenFormat === 'jwt') return jwt;
    const encrypted = await encryptToken(
      jwt,
      /** @type {import('./token-formats.mjs').EncryptionKey} */ (client.encryptionKey),
    );
    issued.remember(encrypted, claims);
    return encrypted;
  }

  /**
   * The claims of a live token this service issued, in any format, or undefined (unknown,
   * malformed, forged, expired). Revocation is not looked at here.
   * @param {string} token
   */
  async function claimsOf(token) {
    return issued.lookup(token) ?? (await verifyOwnToken(token, keyring.jwks(), issuer));
  }

  /** `revocation.isRevoked`, as a 503 when the store cannot answer. @param {import('jose').JWTPayload} payload */
  async function isRevoked(payload) {
    try {
      return await revocation.isRevoked(payload);
    } catch (error) {
      console.error('auth-service: revocation store failed', error);
      throw new OAuthError(503, 'temporarily_unavailable', 'The revocation store cannot answer; try again later', {
        'retry-after': '1',
      });
    }
  }

  /**
   * `POST /token`: RFC 6749 §4.4.2, answered as §5.1 / §5.2. With a `DPoP` proof (RFC 9449 §5)
   * the token is bound to the proof's key and its type is `DPoP`; without one, `Bearer`. With a
   * `resource` parameter (RFC 8707 §2.2) the token's `aud` is that resource (one per request).
   */
  async function token(
    /** @type {import('node:http').IncomingMessage} */ req,
    /** @type {import('node:http').ServerResponse} */ res,
  ) {
    const params = await readForm(req);
    const grantType = params.get('grant_type');
    if (grantType === undefined) throw new OAuthError(400, 'invalid_request', 'The "grant_type" parameter is missing');
    const client = registry.authenticate(req, params);
    if (grantType !== 'client_credentials')
      throw new OAuthError(400, 'unsupported_grant_type', 'Only the client_credentials grant is supported');
    const scopes = grantedScopes(client, params.get('scope'));
    const aud = audienceFor(params.get('resource'));
    // Checked once the client is authenticated: strangers cannot fill the store of seen proofs.
    const jkt = await proofs.check(req);
    const accessToken = await mint(
      client,
      accessTokenClaims({ issuer, audience: aud, clientId: client.id, scopes, lifetime, jkt }),
    );
    const scope = scopes.length > 0 ? { scope: scopes.join(' ') } : {};
    const tokenType = jkt === undefined ? 'Bearer' : 'DPoP';
    send(res, 200, { access_token: accessToken, token_type: tokenType, expires_in: lifetime, ...scope });
  }

  /**
   * `POST /revoke`, RFC 7009: 200 for a token that is unknown, invalid or expired already (§2.2);
   * a valid token of another client is refused (§2.1). `token_type_hint` is only a hint: every
   * token is looked up as an access token, the one kind this service issues, in any format.
   */
  async function revoke(
    /** @type {import('node:http').IncomingMessage} */ req,
    /** @type {import('node:http').ServerResponse} */ res,
  ) {
    const params = await readForm(req);
    const client = registry.authenticate(req, params);
    const presented = params.get('token');
    if (presented === undefined) throw new OAuthError(400, 'invalid_request', 'The "token" parameter is missing');
    const payload = await claimsOf(presented);
    if (payload && payload.client_id !== client.id)
      throw new OAuthError(400, 'unauthorized_client', 'The token was not issued to this client');
    if (payload && typeof payload.jti === 'string' && typeof payload.exp === 'number') {
      try {
        await revocation.revoke(payload.jti, payload.exp);
      } catch (error) {
        console.error('auth-service: revocation store failed', error);
        throw new OAuthError(503, 'temporarily_unavailable', 'The token could not be revoked; try again later', {
          'retry-after': '1',
        });
      }
    }
    send(res, 200, undefined);
  }

  /**
   * `POST /introspect`, RFC 7662: for a client allowed to introspect (a resource server,
   * `introspect: true`), the claims of a live token this service issued — JWT, opaque or
   * encrypted — with `active: true` (§2.2); `{ active: false }` for any other token: expired,
   * revoked, unknown, malformed (§2.2 says no more about it). `token_type_hint` is only a hint
   * (§2.1): every token is looked up in every format.
   */
  async function introspect(
    /** @type {import('node:http').IncomingMessage} */ req,
    /** @type {import('node:http').ServerResponse} */ res,
  ) {
    const params = await readForm(req);
    const client = registry.authenticate(req, params);
    // §4: only resource servers may ask, or any client could probe the tokens it comes across.
    if (!client.introspect) throw new OAuthError(400, 'unauthorized_client', 'This client may not introspect tokens');
    const presented = params.get('token');
    if (presented === undefined) throw new OAuthError(400, 'invalid_request', 'The "token" parameter is missing');
    const payload = await claimsOf(presented);
    if (!payload || (await isRevoked(payload))) return send(res, 200, { active: false });
    const { iss, aud, sub, exp, iat, scope, client_id, jti, cnf } = payload;
    send(res, 200, {
      active: true,
      iss,
      aud,
      sub,
      exp,
      iat,
      ...(scope === undefined ? {} : { scope }),
      client_id,
      jti,
      // RFC 9449 §6.2: a DPoP-bound token says so, and names its key.
      token_type: cnf === undefined ? 'Bearer' : 'DPoP',
      ...(cnf === undefined ? {} : { cnf }),
    });
  }

  /** @type {Record<string, { method: 'GET' | 'POST', run: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => unknown }>} */
  const routes = {
    '/token': { method: 'POST', run: token },
    '/revoke': { method: 'POST', run: revoke },
    '/introspect': { method: 'POST', run: introspect },
    '/jwks.json': { method: 'GET', run: (_, res) => send(res, 200, keyring.jwks(), PUBLIC) },
    '/.well-known/oauth-authorization-server': { method: 'GET', run: (_, res) => send(res, 200, metadata(), PUBLIC) },
  };

  async function handle(
    /** @type {import('node:http').IncomingMessage} */ req,
    /** @type {import('node:http').ServerResponse} */ res,
  ) {
    const { pathname } = new URL(req.url ?? '/', url);
    const route = Object.hasOwn(routes, pathname) ? routes[pathname] : undefined;
    if (!route) return send(res, 404, { error: 'not_found', error_description: 'No such endpoint' });
    if (req.method !== route.method && !(route.method === 'GET' && req.method === 'HEAD')) {
      return send(
        res,
        405,
        { error: 'invalid_request', error_description: `Use ${route.method}` },
        { ...NO_STORE, allow: route.method },
      );
    }
    return route.run(req, res);
  }

  return {
    /** Where the service listens, e.g. `http://127.0.0.1:41234`. */
    url,
    /** The `iss` of every token, and the discovery base of the APIs' `issuer` option. */
    issuer,
    /** The store `POST /revoke` writes to. */
    revocation,
    /** The public JWKS being served. */
    jwks: () => keyring.jwks(),
    /** Rotates the signing key; tokens signed by the old key keep verifying until they expire. */
    rotate: () => keyring.rotate(),
    issueToken,
    /** Stops listening and drops open connections. */
    async close() {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    },
  };
}
