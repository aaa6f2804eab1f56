/**
 * OAuth 2.0 Token Introspection (RFC 7662): what an opaque token means, asked of the
 * authorization server. Also the "phantom token" pattern (`tokens: 'all'`), where every token is
 * introspected.
 *
 * The endpoint is a network dependency on the hot path, so every call is bounded like a JWKS
 * fetch: a deadline, a size limit, no redirects; one call in flight per token (single flight);
 * at most `MAX_IN_FLIGHT` calls at once, a bounded queue behind them, and 503 past it, so a flood
 * of junk tokens cannot become a flood of calls; answers cached by a SHA-256 of the token, active
 * ones never past `exp` nor `cache.maxAge`, inactive ones briefly.
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import { own } from './claim-path.js';
import { discover } from './discovery.js';
import { parseDuration, type Duration } from './duration.js';
import { AuthUnavailableError, InvalidTokenError } from './errors.js';
import { FetchJsonError, fetchJson } from './fetch-json.js';
import type { JWTPayload } from './jws.js';
import type { JWK } from './keys/jwk.js';
import { importPrivateKey } from './keys/private-key.js';
import { checkKnownKeys, fail, isRecord, nonEmptyString, urlOption } from './option-checks.js';

/** The `introspection` option: opaque (or all) tokens are introspected (RFC 7662). */
export interface IntrospectionOptions {
  /** The introspection endpoint. Default: `introspection_endpoint` from the issuer's metadata. */
  endpoint?: string | undefined;
  /** This API's client id at the authorization server. */
  clientId: string;
  /** `client_secret_basic` client authentication (RFC 6749 §2.3.1). */
  clientSecret?: string | undefined;
  /** `private_key_jwt` client authentication (RFC 7523): the key that signs the client assertion. */
  privateKey?: string | KeyObject | JWK | undefined;
  /**
   * `'opaque'` (default): a JWT (JWS, or JWE with `decryption`) is verified locally, any other
   * token is introspected. `'all'`: every token is introspected (phantom tokens, or to see
   * revocations at once).
   */
  tokens?: 'opaque' | 'all' | undefined;
  /** Answer cache: default on, `maxAge` 60 s (never past the token's `exp`); `false` disables. */
  cache?: false | { maxAge?: Duration | undefined } | undefined;
  /** Deadline of one call: seconds or `'2s'`. Default 5 s. */
  timeout?: Duration | undefined;
}

/** The `introspection` option, validated. */
export interface ResolvedIntrospection {
  endpoint: string | undefined;
  clientId: string;
  clientSecret: string | undefined;
  privateKey: KeyObject | undefined;
  all: boolean;
  maxAge: number;
  timeout: number;
}

const KEYS = new Set(['endpoint', 'clientId', 'clientSecret', 'privateKey', 'tokens', 'cache', 'timeout']);
/** Calls to the endpoint at once, at most. */
export const MAX_IN_FLIGHT = 16;
/** Calls waiting for a slot, at most: past it, 503. */
export const MAX_QUEUED = 256;
/** How long an inactive answer is kept, at most, in seconds. */
const INACTIVE_SECONDS = 10;
const CACHE_MAX = 10_000;
const MAX_RESPONSE_BYTES = 64 * 1024;

/** Validates the `introspection` option; `undefined` when absent. */
export function resolveIntrospection(
  value: unknown,
  issuers: readonly string[] | undefined,
): ResolvedIntrospection | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) fail('introspection', 'must be { clientId, clientSecret | privateKey, … }');
  const o = Object.assign(Object.create(null) as object, value) as unknown as IntrospectionOptions;
  checkKnownKeys(o as unknown as Record<string, unknown>, KEYS, 'introspection');
  const endpoint = o.endpoint === undefined ? undefined : urlOption(o.endpoint, 'introspection.endpoint').href;
  if (endpoint === undefined && issuers?.length !== 1) {
    fail(
      'introspection.endpoint',
      'is required unless exactly one `issuer` is configured (its metadata names the endpoint)',
    );
  }
  const clientId = nonEmptyString(o.clientId, 'introspection.clientId');
  if ((o.clientSecret === undefined) === (o.privateKey === undefined)) {
    fail(
      'introspection',
      'needs exactly one of `clientSecret` (client_secret_basic) and `privateKey` (private_key_jwt)',
    );
  }
  const clientSecret =
    o.clientSecret === undefined ? undefined : nonEmptyString(o.clientSecret, 'introspection.clientSecret');
  if (o.tokens !== undefined && o.tokens !== 'opaque' && o.tokens !== 'all') {
    fail('introspection.tokens', "must be 'opaque' or 'all'");
  }
  let maxAge = 60;
  if (o.cache === false) maxAge = 0;
  else if (o.cache !== undefined) {
    if (!isRecord(o.cache)) fail('introspection.cache', 'must be false or { maxAge }');
    if (o.cache.maxAge !== undefined) maxAge = parseDuration(o.cache.maxAge, 'introspection.cache.maxAge');
  }
  return {
    endpoint,
    clientId,
    clientSecret,
    privateKey: o.privateKey === undefined ? undefined : importPrivateKey(o.privateKey, 'introspection.privateKey').key,
    all: o.tokens === 'all',
    maxAge,
    timeout: o.timeout === undefined ? 5 : parseDuration(o.timeout, 'introspection.timeout'),
  };
}

function signingAlgorithm(key: KeyObject): string {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return 'RS256';
    case 'rsa-pss':
      return 'PS256';
    case 'ed25519':
      return 'EdDSA';
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      return curve === 'secp384r1' ? 'ES384' : curve === 'secp521r1' ? 'ES512' : 'ES256';
    }
    default:
      throw new TypeError(`bearer-guard: \`introspection.privateKey\` of type ${key.asymmetricKeyType} cannot sign`);
  }
}

/** RFC 6749 §2.3.1: client id and secret are form-urlencoded before they are joined. */
function basic(clientId: string, secret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString('base64')}`;
}

interface CachedAnswer {
  payload: JWTPayload | undefined;
  /** Epoch ms after which the answer is asked again. */
  until: number;
}

type Unavailable = (message: string, cause?: unknown) => AuthUnavailableError;

/** Asks the endpoint about tokens; one per verifier. */
export class Introspector {
  readonly #config: ResolvedIntrospection;
  readonly #issuer: string | undefined;
  readonly #clockTolerance: number;
  readonly #cache = new Map<string, CachedAnswer>();
  readonly #inFlight = new Map<string, Promise<JWTPayload | undefined>>();
  readonly #waiting: (() => void)[] = [];
  readonly #lifetime = new AbortController();
  #running = 0;
  #endpoint: Promise<string> | undefined;

  /**
   * @param config - the resolved option.
   * @param issuer - the configured issuer, whose metadata names the endpoint when none is given.
   * @param clockTolerance - seconds past `exp` an answer may still be used.
   */
  constructor(config: ResolvedIntrospection, issuer: string | undefined, clockTolerance: number) {
    this.#config = config;
    this.#issuer = issuer;
    this.#clockTolerance = clockTolerance;
  }

  /** True when every token is introspected (`tokens: 'all'`). */
  get all(): boolean {
    return this.#config.all;
  }

  /**
   * The active token's claims, from the cache or the endpoint; `InvalidTokenError` when it is not
   * active (`token_inactive`) or the endpoint refused the request with an OAuth error
   * (`introspection_refused`); `AuthUnavailableError` when the endpoint cannot answer.
   */
  async introspect(token: string, digest: string): Promise<JWTPayload> {
    const now = Date.now();
    const cached = this.#cache.get(digest);
    let payload: JWTPayload | undefined;
    if (cached && cached.until > now) payload = cached.payload;
    else {
      if (cached) this.#cache.delete(digest);
      let flight = this.#inFlight.get(digest);
      if (!flight) {
        flight = this.#ask(token, digest).finally(() => this.#inFlight.delete(digest));
        this.#inFlight.set(digest, flight);
      }
      payload = await flight;
    }
    if (!payload)
      throw new InvalidTokenError('token_inactive', 'the authorization server says the token is not active');
    return payload;
  }

  /** Aborts calls in flight; no call starts afterwards. */
  close(): void {
    this.#lifetime.abort(new Error('verifier closed'));
    this.#cache.clear();
    for (const wake of this.#waiting.splice(0)) wake();
  }

  async #ask(token: string, digest: string): Promise<JWTPayload | undefined> {
    const unavailable: Unavailable = (message, cause) =>
      new AuthUnavailableError('introspection_unavailable', message, cause === undefined ? {} : { cause });
    await this.#slot(unavailable);
    try {
      const endpoint = await this.#endpointUrl(unavailable);
      const answer = await this.#post(endpoint, token, unavailable);
      this.#remember(digest, answer);
      return answer;
    } finally {
      this.#running--;
      this.#waiting.shift()?.();
    }
  }

  /** Waits for one of the `MAX_IN_FLIGHT` slots; 503 when `MAX_QUEUED` calls wait already. */
  async #slot(unavailable: Unavailable): Promise<void> {
    if (this.#lifetime.signal.aborted) throw unavailable('introspection: verifier closed');
    if (this.#running < MAX_IN_FLIGHT) {
      this.#running++;
      return;
    }
    if (this.#waiting.length >= MAX_QUEUED) {
      throw unavailable(`introspection: ${MAX_IN_FLIGHT} calls in flight and ${MAX_QUEUED} waiting`);
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
    if (this.#lifetime.signal.aborted) throw unavailable('introspection: verifier closed');
    this.#running++;
  }

  #endpointUrl(unavailable: Unavailable): Promise<string> {
    if (this.#config.endpoint) return Promise.resolve(this.#config.endpoint);
    const issuer = this.#issuer as string;
    this.#endpoint ??= discover(issuer, { timeout: this.#config.timeout, signal: this.#lifetime.signal }).then(
      ({ metadata, url }) => {
        const endpoint = own(metadata, 'introspection_endpoint');
        if (typeof endpoint !== 'string' || !URL.canParse(endpoint) || !/^https?:$/.test(new URL(endpoint).protocol)) {
          throw new Error(`metadata at ${url} has no http(s) "introspection_endpoint"`);
        }
        return endpoint;
      },
    );
    return this.#endpoint.catch((error: unknown) => {
      this.#endpoint = undefined; // asked again by the next call
      throw unavailable(`introspection endpoint of ${issuer} not found: ${(error as Error).message}`, error);
    });
  }

  async #post(endpoint: string, token: string, unavailable: Unavailable): Promise<JWTPayload | undefined> {
    const form = new URLSearchParams({ token, token_type_hint: 'access_token' });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    const { clientId, clientSecret, privateKey } = this.#config;
    if (clientSecret !== undefined) headers.authorization = basic(clientId, clientSecret);
    else {
      form.set('client_id', clientId);
      form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      form.set('client_assertion', await this.#assertion(endpoint, privateKey as KeyObject));
    }
    let status: number;
    let body: unknown;
    try {
      ({ status, body } = await fetchJson(endpoint, {
        method: 'POST',
        body: form.toString(),
        headers,
        timeoutMs: this.#config.timeout * 1000,
        maxBytes: MAX_RESPONSE_BYTES,
        signal: this.#lifetime.signal,
        statuses: [200, 400],
      }));
    } catch (error) {
      const detail = error instanceof FetchJsonError ? error.message : String(error);
      throw unavailable(`introspection at ${endpoint} failed: ${detail}`, error);
    }
    if (!isRecord(body)) throw unavailable(`introspection at ${endpoint} answered ${status} with no JSON object`);
    if (status === 400) {
      const error = own(body, 'error');
      if (typeof error !== 'string')
        throw unavailable(`introspection at ${endpoint} answered 400 without an OAuth error`);
      // About this API's own client, not the caller's token: a configuration problem, never a client error.
      if (error === 'invalid_client' || error === 'unauthorized_client') {
        throw unavailable(`introspection at ${endpoint} refused this API's client: ${error}`);
      }
      throw new InvalidTokenError('introspection_refused', `introspection refused the token: ${error.slice(0, 100)}`);
    }
    // RFC 7662 §2.2: `active` is REQUIRED and boolean; anything but exactly true is not active.
    if (own(body, 'active') !== true) return undefined;
    const { active: _active, ...claims } = body;
    return Object.freeze(claims) as JWTPayload;
  }

  async #assertion(audience: string, key: KeyObject): Promise<string> {
    const { SignJWT } = await import('jose');
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: signingAlgorithm(key), typ: 'JWT' })
      .setIssuer(this.#config.clientId)
      .setSubject(this.#config.clientId)
      .setAudience(audience)
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(key);
  }

  #remember(digest: string, payload: JWTPayload | undefined): void {
    const { maxAge } = this.#config;
    if (maxAge <= 0) return;
    const now = Date.now();
    let until = now + (payload ? maxAge : Math.min(maxAge, INACTIVE_SECONDS)) * 1000;
    const exp = payload ? own(payload, 'exp') : undefined;
    if (typeof exp === 'number') until = Math.min(until, (exp + this.#clockTolerance) * 1000);
    if (until <= now) return;
    if (this.#cache.size >= CACHE_MAX) this.#cache.delete(this.#cache.keys().next().value as string);
    this.#cache.set(digest, { payload, until });
  }
}
