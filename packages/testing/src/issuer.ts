/**
 * The test issuer: a JWKS and discovery server on 127.0.0.1 plus token minting, for tests of
 * code that verifies bearer tokens; also encrypted tokens (JWE) and opaque tokens answered by its
 * introspection endpoint (RFC 7662).
 */
import { fail } from '@bearer-guard/core/adapter';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { createDPoPKey, type DPoPKey, type DPoPKeyOptions } from './dpop.js';
import { epochSeconds } from './duration.js';
import {
  createEncryptionKey,
  encryptToken,
  type EncryptionKeyOptions,
  type EncryptOptions,
  type TestEncryptionKey,
} from './encryption.js';
import { IntrospectionEndpoint, type TestIntrospection } from './introspection.js';
import { createTestKey, type TestAlgorithm, type TestKey } from './keys.js';
import { KeyRing } from './keyring.js';
import { discoveryDocument, introspectionEndpointOf, wellKnownUrls, type WellKnownUrls } from './metadata.js';
import {
  buildPayload,
  decodeSegment,
  encodeSegment,
  encryptIfAsked,
  mintToken,
  type MintDefaults,
  type OpaqueTokenOptions,
  type SignOptions,
} from './mint.js';
import { resolveIssuerOptions, type ResolvedIssuerOptions, type TestIssuerOptions } from './options.js';
import { startMetadataServer, type MetadataServer, type RequestCounts } from './server.js';

/** Options for {@link TestIssuer.rotate}. */
export interface RotateOptions {
  /** Publish only the new key: every older key leaves the JWKS at once. Default `false`. */
  dropPrevious?: boolean;
}

/** `aud` written by {@link TestIssuer.tokenWithWrongAudience} unless `options.audience` names another. */
export const WRONG_AUDIENCE = 'wrong-audience';
/** `iss` written by {@link TestIssuer.tokenWithWrongIssuer} unless `options.issuer` names another. */
export const WRONG_ISSUER = 'https://wrong-issuer.invalid/';
/** How far in the past {@link TestIssuer.expiredToken} puts `exp`, and in the future {@link TestIssuer.notYetValidToken} puts `nbf`: one hour, beyond any sane clock tolerance. */
export const INVALID_TIME_OFFSET = 3600;

/**
 * A running test issuer. Create one with {@link createTestIssuer}; close it with {@link TestIssuer.close}.
 *
 * @example
 * ```ts
 * const issuer = await createTestIssuer();
 * const token = await issuer.sign({ sub: 'u1', scope: 'read:orders' }, { audience: 'orders' });
 * await issuer.close();
 * ```
 */
export class TestIssuer {
  /** The issuer URL, `http://127.0.0.1:PORT` plus `issuerPath`; the `iss` of minted tokens. */
  readonly issuer: string;
  /** `<issuer>/.well-known/jwks.json`. */
  readonly jwksUri: string;
  /** The discovery URLs (`openidConfiguration`, `oauthAuthorizationServer`) and `jwksUri`. */
  readonly wellKnown: WellKnownUrls;
  /** The port bound on 127.0.0.1. */
  readonly port: number;
  /** Signing algorithm of the issuer's keys. */
  readonly alg: TestAlgorithm;
  /** `<issuer>/introspect`: the token introspection endpoint (RFC 7662), also named by the discovery metadata. */
  readonly introspectionEndpoint: string;
  readonly #keys: KeyRing;
  readonly #server: MetadataServer;
  readonly #options: ResolvedIssuerOptions;
  readonly #introspection: IntrospectionEndpoint;
  #stranger: Promise<TestKey> | undefined;

  /** @internal Use {@link createTestIssuer}. */
  constructor(
    issuer: string,
    server: MetadataServer,
    keys: KeyRing,
    options: ResolvedIssuerOptions,
    introspection: IntrospectionEndpoint,
  ) {
    this.issuer = issuer;
    this.wellKnown = wellKnownUrls(issuer);
    this.jwksUri = this.wellKnown.jwksUri;
    this.introspectionEndpoint = introspectionEndpointOf(issuer);
    this.port = server.port;
    this.alg = options.alg;
    this.#server = server;
    this.#keys = keys;
    this.#options = options;
    this.#introspection = introspection;
  }

  /**
   * Core's `introspection` option for this issuer, a fresh copy: `{ endpoint, clientId, clientSecret }`.
   * Leave `endpoint` out to have core find it in the issuer's metadata.
   *
   * @example createVerifier({ issuer: issuer.issuer, audience: 'orders', introspection: issuer.introspection })
   */
  get introspection(): TestIntrospection {
    const { clientId, clientSecret } = this.#options.introspection;
    return { endpoint: this.introspectionEndpoint, clientId, clientSecret };
  }

  /** Requests to the introspection endpoint since start or {@link TestIssuer.resetCounters}. */
  get introspectionRequests(): number {
    return this.#server.introspectionRequests;
  }

  /** `kid` of the current signing key (the RFC 7638 thumbprint of its public key). */
  get kid(): string {
    return this.#keys.current.kid;
  }

  /** The public JWKS the issuer publishes (a copy; {@link TestIssuer.setJWKSOverride} changes only what HTTP serves). */
  get jwks(): JSONWebKeySet {
    return this.#keys.jwks();
  }

  /** A snapshot of request counts since start or {@link TestIssuer.resetCounters}: `{ jwks, discovery, other }`. */
  get requests(): RequestCounts {
    return this.#server.requests;
  }

  /**
   * Sets the request counters (`requests`, `introspectionRequests`) back to 0.
   *
   * @example
   * ```ts
   * issuer.resetCounters();
   * await verifier.verify(token);
   * expect(issuer.requests.jwks).toBe(1);
   * ```
   */
  resetCounters(): void {
    this.#server.resetCounters();
  }

  /**
   * Takes discovery, JWKS and introspection down (`503`) or brings them back; requests are still counted.
   *
   * @param available - `false` for 503 responses, `true` (the start state) for normal ones.
   * @example issuer.setAvailable(false); // the verifier should now fall back to cached keys or fail with 503
   */
  setAvailable(available: boolean): void {
    this.#server.setAvailable(available);
  }

  /**
   * Delays every response, e.g. to test a verifier's fetch timeout. Pending responses are dropped by `close()`.
   *
   * @param ms - milliseconds to wait before answering; 0 (the start state) answers at once.
   * @example issuer.setDelay(2_000);
   */
  setDelay(ms: number): void {
    this.#server.setDelay(ms);
  }

  /**
   * Serves `body` at `jwks_uri` instead of the real key set; `null` restores it.
   *
   * @param body - a string (sent verbatim, e.g. malformed JSON) or a value sent as JSON; `null` to stop overriding.
   * @example issuer.setJWKSOverride({ keys: [] });
   */
  setJWKSOverride(body: unknown): void {
    this.#server.setOverride('jwks', body);
  }

  /**
   * Serves `body` at both discovery URLs instead of the real metadata; `null` restores it.
   *
   * @param body - a string (sent verbatim) or a value sent as JSON; `null` to stop overriding.
   * @example issuer.setDiscoveryOverride({ issuer: 'https://someone-else.example', jwks_uri: issuer.jwksUri });
   */
  setDiscoveryOverride(body: unknown): void {
    this.#server.setOverride('discovery', body);
  }

  /**
   * Adds headers to successful discovery and JWKS responses (they may replace `content-type`).
   *
   * @param headers - header names and values; `null` removes them.
   * @example issuer.setResponseHeaders({ 'cache-control': 'max-age=60' });
   */
  setResponseHeaders(headers: Record<string, string> | null): void {
    this.#server.setResponseHeaders(headers);
  }

  /**
   * Mints a signed JWT (compact JWS).
   *
   * Defaults: header `{ alg, kid, typ: tokenType }`; claims `iss` = {@link TestIssuer.issuer},
   * `aud` = the `audience` option (default `'test-api'`), `iat` = now, `exp` = `iat` + `expiresIn`
   * (default 5 minutes), `jti` = a random UUID. `options` override the defaults, and `claims` override both.
   *
   * With `dpopKey` or `certificate` the token is sender-constrained: `cnf: { jkt }` (RFC 9449) or
   * `cnf: { 'x5t#S256' }` (RFC 8705). With `encryptTo` it is then encrypted: a compact JWE.
   *
   * @param claims - payload claims, e.g. `{ sub: 'u1', scope: 'read:orders' }`.
   * @param options - per-token options; `null` omits a claim or header field.
   * @see https://www.rfc-editor.org/rfc/rfc9068 (JWT profile for access tokens)
   * @example
   * ```ts
   * const token = await issuer.sign({ sub: 'u1', scope: 'read:orders' }, { audience: 'orders', expiresIn: '5m' });
   * const bound = await issuer.sign({ sub: 'u1' }, { dpopKey: await issuer.dpopKey() });
   * const encrypted = await issuer.sign({ sub: 'u1' }, { encryptTo: await issuer.encryptionKey() });
   * ```
   */
  async sign(claims: JWTPayload = {}, options: SignOptions = {}): Promise<string> {
    return mintToken(this.#resolveKey(options.key), claims, options, this.#defaults());
  }

  /**
   * A new DPoP client key (RFC 9449): its `jkt` thumbprint, its `publicJWK`, and the proofs a DPoP
   * client sends. Bind a token to it with `sign(claims, { dpopKey: key })`.
   *
   * @param options - `alg` of the key and its proofs; default `'ES256'`.
   * @throws TypeError ``bearer-guard: `dpopKey.alg` …`` for an unsupported algorithm.
   * @see https://www.rfc-editor.org/rfc/rfc9449
   * @example
   * ```ts
   * const key = await issuer.dpopKey();
   * const token = await issuer.sign({ sub: 'u1', scope: 'read:orders' }, { dpopKey: key });
   * const res = await fetch(url, { headers: await key.headers({ method: 'GET', url, token }) });
   * ```
   */
  dpopKey(options: DPoPKeyOptions = {}): Promise<DPoPKey> {
    return createDPoPKey(options);
  }

  /**
   * A new encryption key pair for the API under test: encrypt tokens to it with
   * `sign(claims, { encryptTo: key })`, and give the API `key.decryption` (or `key.privateKey`,
   * `key.privateKeyPem`, `key.privateJWK` in core's `decryption.keys`).
   *
   * @param options - `alg` (default `'RSA-OAEP-256'`; `'ECDH-ES+A256KW'` etc. make an EC key), `enc` (default `'A256GCM'`), `crv`, `modulusLength`.
   * @throws TypeError ``bearer-guard: `encryptionKey.<option>` …`` for a wrong option.
   * @see https://www.rfc-editor.org/rfc/rfc7516
   * @example
   * ```ts
   * const key = await issuer.encryptionKey();
   * const verifier = createVerifier({ issuer: issuer.issuer, audience: 'orders', decryption: key.decryption });
   * const token = await issuer.sign({ sub: 'u1' }, { audience: 'orders', encryptTo: key });
   * ```
   */
  encryptionKey(options: EncryptionKeyOptions = {}): Promise<TestEncryptionKey> {
    return createEncryptionKey(options);
  }

  /**
   * Encrypts any token (a JWS from this issuer, an expired or unsigned one…) into a compact JWE, with
   * full control of its header: `{ alg, enc, kid, cty: 'JWT' }` by default, as `sign()`'s `encryptTo` writes it.
   *
   * @param token - the plaintext, usually a compact JWS.
   * @param options - the recipient `key`, and `alg`, `enc`, `kid`, `cty`, `header`.
   * @throws TypeError ``bearer-guard: `encrypt.<option>` …`` for a wrong option.
   * @see https://www.rfc-editor.org/rfc/rfc7519#section-11.2 (nested JWT)
   * @example const jwe = await issuer.encrypt(await issuer.expiredToken(), { key, enc: 'A128GCM' });
   */
  encrypt(token: string, options: EncryptOptions): Promise<string> {
    if (typeof token !== 'string' || token === '') fail('encrypt.token', 'must be a non-empty string');
    return encryptToken(token, options, 'encrypt');
  }

  /**
   * Mints an opaque reference token, answered by the introspection endpoint with
   * `{ active: true, ...claims }` until it expires or is revoked. The claims are built as
   * `sign()` builds a JWT's: `iss`, `aud`, `iat`, `exp`, `jti` by default, `options` and `claims` override them.
   *
   * @param claims - payload claims, e.g. `{ sub: 'u1', scope: 'read:orders' }`.
   * @param options - the claim options of `sign()` (`audience`, `issuer`, `subject`, `expiresIn`, `notBefore`, `issuedAt`, `jti`, `dpopKey`, `certificate`).
   * @returns 43 random base64url characters (no dots: never mistaken for a JWT).
   * @throws TypeError ``bearer-guard: `opaque.<option>` …`` for a wrong option.
   * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.2
   * @example
   * ```ts
   * const token = issuer.opaque({ sub: 'u1', scope: 'read:orders' }, { audience: 'orders' });
   * const verifier = createVerifier({ issuer: issuer.issuer, audience: 'orders', introspection: issuer.introspection });
   * (await verifier.verify(token)).source // 'introspection'
   * ```
   */
  opaque(claims: JWTPayload = {}, options: OpaqueTokenOptions = {}): string {
    return this.#introspection.mint(buildPayload(claims, options, this.#defaults(), {}, 'opaque'));
  }

  /**
   * Revokes a token at the introspection endpoint: from now on it answers `{ active: false }` for
   * it. An opaque token or a JWT of this issuer; a verifier that checks JWTs locally does not see this.
   *
   * @param token - the token, as minted.
   * @example issuer.revoke(token); // introspection: { "active": false } (after the verifier's cache)
   */
  revoke(token: string): void {
    if (typeof token !== 'string' || token === '') fail('revoke.token', 'must be a non-empty string');
    this.#introspection.revoke(token);
  }

  /**
   * A token whose `exp` passed one hour ago (`iat` = `exp` − `expiresIn`); verifiers reject it as expired.
   *
   * @param claims - payload claims (`exp` and `iat` are overwritten).
   * @param options - as for {@link TestIssuer.sign}.
   * @example await expect(jwtVerify(await issuer.expiredToken(), jwks)).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
   */
  async expiredToken(claims: JWTPayload = {}, options: SignOptions = {}): Promise<string> {
    const exp = epochSeconds() - INVALID_TIME_OFFSET;
    return this.#mint(claims, options, { iat: exp - this.#options.expiresIn, exp });
  }

  /**
   * A token valid only from one hour ahead (`nbf` = now + 1 h, `exp` = `nbf` + `expiresIn`).
   *
   * @param claims - payload claims (`nbf` and `exp` are overwritten).
   * @param options - as for {@link TestIssuer.sign}.
   * @example await issuer.notYetValidToken({ sub: 'u1' }) // jose: ERR_JWT_CLAIM_VALIDATION_FAILED, claim 'nbf'
   */
  async notYetValidToken(claims: JWTPayload = {}, options: SignOptions = {}): Promise<string> {
    const nbf = epochSeconds() + INVALID_TIME_OFFSET;
    return this.#mint(claims, options, { nbf, exp: nbf + this.#options.expiresIn });
  }

  /**
   * A correctly signed token for another audience: `aud` = `options.audience` or `'wrong-audience'`.
   *
   * @param claims - payload claims (`aud` is overwritten).
   * @param options - as for {@link TestIssuer.sign}; `audience` picks the wrong audience.
   * @example await issuer.tokenWithWrongAudience({ sub: 'u1' }, { audience: 'billing' })
   */
  async tokenWithWrongAudience(claims: JWTPayload = {}, options: SignOptions = {}): Promise<string> {
    return this.#mint(claims, options, { aud: options.audience ?? WRONG_AUDIENCE });
  }

  /**
   * A correctly signed token naming another issuer: `iss` = `options.issuer` or `'https://wrong-issuer.invalid/'`.
   *
   * @param claims - payload claims (`iss` is overwritten).
   * @param options - as for {@link TestIssuer.sign}; `issuer` picks the wrong issuer.
   * @example await issuer.tokenWithWrongIssuer({ sub: 'u1' }) // jose: ERR_JWT_CLAIM_VALIDATION_FAILED, claim 'iss'
   */
  async tokenWithWrongIssuer(claims: JWTPayload = {}, options: SignOptions = {}): Promise<string> {
    return this.#mint(claims, options, { iss: options.issuer ?? WRONG_ISSUER });
  }

  /**
   * A token signed by a key of the same algorithm that is not in the JWKS; its `kid` is that key's own
   * thumbprint, so a verifier finds no matching key. Pass `{ kid: issuer.kid }` to impersonate the
   * current key instead: the key is found and the signature fails.
   *
   * @param claims - payload claims.
   * @param options - as for {@link TestIssuer.sign} (`key` is ignored).
   * @example await issuer.tokenSignedByUnknownKey({ sub: 'u1' }) // jose: ERR_JWKS_NO_MATCHING_KEY
   */
  async tokenSignedByUnknownKey(claims: JWTPayload = {}, options: SignOptions = {}): Promise<string> {
    this.#stranger ??= createTestKey(this.alg, this.#rsaOptions());
    return mintToken(await this.#stranger, claims, options, this.#defaults());
  }

  /**
   * A validly signed token whose payload was changed afterwards, so the signature no longer matches.
   *
   * @param claims - the claims that were signed.
   * @param options - as for {@link TestIssuer.sign}.
   * @param changes - claims merged into the payload after signing; default `{ sub: 'attacker' }`.
   * @throws Error when `changes` leave the payload as it was.
   * @example await issuer.tamperedToken({ sub: 'u1', scope: 'read' }, {}, { scope: 'admin' }) // jose: ERR_JWS_SIGNATURE_VERIFICATION_FAILED
   */
  async tamperedToken(
    claims: JWTPayload = {},
    options: SignOptions = {},
    changes: JWTPayload = { sub: 'attacker' },
  ): Promise<string> {
    const { encryptTo, ...plain } = options;
    const [header, payload, signature] = (await this.sign(claims, plain)).split('.') as [string, string, string];
    const tampered = encodeSegment({ ...decodeSegment(payload), ...changes });
    if (tampered === payload) throw new Error('tamperedToken: the changes leave the payload unchanged');
    return encryptIfAsked(`${header}.${tampered}.${signature}`, encryptTo);
  }

  /**
   * An unsecured JWT (`alg: "none"`, empty signature) with the usual claims; verifiers must refuse it.
   *
   * @param claims - payload claims.
   * @param options - as for {@link TestIssuer.sign} (`alg` is forced to `'none'`).
   * @see https://www.rfc-editor.org/rfc/rfc7519#section-6 (unsecured JWTs)
   * @example await issuer.unsignedToken({ sub: 'u1' }) // 'eyJhbGciOiJub25lIi….eyJ…'
   */
  async unsignedToken(claims: JWTPayload = {}, options: SignOptions = {}): Promise<string> {
    return this.sign(claims, { ...options, alg: 'none', header: { ...options.header, alg: 'none' } });
  }

  /**
   * Rotates keys: a new key pair with a new `kid` signs from now on; the old public keys stay in
   * the JWKS (so tokens already issued still verify) unless `dropPrevious` is set.
   *
   * @param options - `{ dropPrevious: true }` to publish only the new key.
   * @returns the new `kid`.
   * @example
   * ```ts
   * const oldKid = issuer.kid;
   * await issuer.rotate();
   * issuer.removeKey(oldKid); // later: tokens signed with the old key stop verifying
   * ```
   */
  async rotate(options: RotateOptions = {}): Promise<string> {
    return (await this.#keys.rotate(options.dropPrevious === true)).kid;
  }

  /**
   * Removes a key from the JWKS. Removing the current key leaves it signing, but unpublished.
   *
   * @param kid - the key's `kid`.
   * @returns whether a published key had that `kid`.
   * @example issuer.removeKey(oldKid) // true
   */
  removeKey(kid: string): boolean {
    return this.#keys.remove(kid);
  }

  /**
   * Stops the server and destroys its open connections (keep-alive included); safe to call twice.
   *
   * @example afterAll(() => issuer.close());
   */
  close(): Promise<void> {
    return this.#server.close();
  }

  /**
   * Same as {@link TestIssuer.close}, for `await using issuer = await createTestIssuer()`.
   *
   * @example await using issuer = await createTestIssuer();
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #mint(claims: JWTPayload, options: SignOptions, forced: JWTPayload): Promise<string> {
    return mintToken(this.#resolveKey(options.key), claims, options, this.#defaults(), forced);
  }

  #resolveKey(key: SignOptions['key'] = 'current'): TestKey {
    if (key === 'current') return this.#keys.current;
    if (key === 'previous') {
      const previous = this.#keys.previous;
      if (!previous) throw new Error("sign: no 'previous' key before the first rotate()");
      return previous;
    }
    if (typeof key === 'object' && key !== null && 'privateKey' in key && 'kid' in key) return key;
    fail('sign.key', "must be 'current', 'previous' or a TestKey from createTestKey()");
  }

  #defaults(): MintDefaults {
    const { audience, expiresIn, tokenType } = this.#options;
    return { issuer: this.issuer, audience, expiresIn, tokenType };
  }

  #rsaOptions(): { modulusLength?: number } {
    return this.#options.modulusLength === undefined ? {} : { modulusLength: this.#options.modulusLength };
  }
}

/**
 * Starts a test issuer: one signing key, and discovery plus JWKS served over HTTP on 127.0.0.1.
 *
 * @param options - algorithm, default audience, issuer path, token type, lifetime, port, introspection client.
 * @throws TypeError naming the option when an option is invalid.
 * @example
 * ```ts
 * const issuer = await createTestIssuer({ alg: 'ES256', audience: 'orders' });
 * const token = await issuer.sign({ sub: 'u1', scope: 'read:orders' });
 * // verify with issuer: issuer.issuer, jwksUri: issuer.jwksUri …
 * await issuer.close();
 * ```
 */
export async function createTestIssuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  const resolved = resolveIssuerOptions(options);
  const rsa = resolved.modulusLength === undefined ? {} : { modulusLength: resolved.modulusLength };
  const keys = new KeyRing(await createTestKey(resolved.alg, rsa), () => createTestKey(resolved.alg, rsa));
  let issuer = '';
  // The endpoint answers for the JWTs this issuer signed with a published key, while they are valid.
  const introspection = new IntrospectionEndpoint(resolved.introspection, async (token) => {
    try {
      return (await jwtVerify(token, createLocalJWKSet(keys.jwks()))).payload;
    } catch {
      return undefined;
    }
  });
  const server = await startMetadataServer(
    resolved.port,
    resolved.issuerPath,
    (resource) => (resource === 'jwks' ? keys.jwks() : discoveryDocument(issuer, [resolved.alg])),
    (authorization, contentType, body) => introspection.answer(authorization, contentType, body),
  );
  issuer = `http://127.0.0.1:${server.port}${resolved.issuerPath}`;
  return new TestIssuer(issuer, server, keys, resolved, introspection);
}
