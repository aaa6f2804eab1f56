/**
 * Finding an issuer's JWKS from its metadata: OpenID Connect Discovery 1.0, then RFC 8414
 * (OAuth 2.0 Authorization Server Metadata). Discovery happens once, lazily, and then a
 * {@link createRemoteJWKS} source does the rest.
 */
import { FetchJsonError, fetchJson } from './fetch-json.js';
import { createRemoteJWKS, type RemoteJWKS, type RemoteJWKSOptions } from './jwks.js';
import { JWKS_CACHE_DEFAULTS, type ResolvedJWKSCacheOptions } from './jwks-options.js';
import type { JWKSEvent, KeyLookup, KeySource } from './key-source.js';
import type { VerificationKey } from './keys/verification-key.js';
import { SingleFlight } from './single-flight.js';

/** Options of {@link discover}. */
export interface DiscoverOptions {
  /** Deadline of each request, in seconds. */
  timeout: number;
  /** Largest metadata document accepted, in bytes. Default 512 KiB. */
  maxResponseBytes?: number | undefined;
  /** Extra request headers. */
  headers?: Record<string, string> | undefined;
  /** Aborts the requests. */
  signal?: AbortSignal | undefined;
}

/** What {@link discover} found. */
export interface DiscoveryResult {
  /** The `jwks_uri` of the metadata: absolute, http(s). */
  jwksUri: string;
  /** The whole metadata document. */
  metadata: Record<string, unknown>;
  /** The URL the metadata came from. */
  url: string;
}

/**
 * The metadata URLs tried for `issuer`, in order, without repeats:
 * 1. `<issuer>/.well-known/openid-configuration` (OIDC Discovery §4);
 * 2. `<origin>/.well-known/oauth-authorization-server<path>` (RFC 8414 §3.1: the well-known
 *    segment goes between host and path);
 * 3. `<issuer>/.well-known/oauth-authorization-server` (the form many servers actually use).
 * For an issuer without a path, 2 and 3 are the same URL and it is requested once.
 */
export function discoveryUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const base = issuer.replace(/\/+$/, '');
  // RFC 8414 §3.1: a terminating "/" is removed before inserting the well-known segment.
  const path = url.pathname.replace(/\/+$/, '');
  return [
    ...new Set([
      `${base}/.well-known/openid-configuration`,
      `${url.origin}/.well-known/oauth-authorization-server${path}`,
      `${base}/.well-known/oauth-authorization-server`,
    ]),
  ];
}

/**
 * Checks a metadata document found for `issuer` and returns its `jwks_uri`.
 *
 * @param issuer - the configured issuer.
 * @param url - where the document came from (for messages).
 * @param body - the parsed document.
 * @throws Error when the document names another issuer, or its `jwks_uri` is not an absolute
 *   http(s) URL, or is plain http for an https issuer.
 */
export function checkDiscoveryMetadata(issuer: string, url: string, body: Record<string, unknown>): string {
  // RFC 8414 §3.3 and OIDC Discovery §4.3: the document must name exactly the configured
  // issuer, or an attacker-controlled document could substitute keys.
  if (body.issuer !== issuer) {
    throw new Error(
      `metadata at ${url} names issuer ${JSON.stringify(body.issuer)}, expected ${JSON.stringify(issuer)}`,
    );
  }
  const jwksUri = body.jwks_uri;
  if (typeof jwksUri !== 'string' || !URL.canParse(jwksUri)) {
    throw new Error(`metadata at ${url} has no absolute "jwks_uri" (got ${JSON.stringify(jwksUri)})`);
  }
  const protocol = new URL(jwksUri).protocol;
  if (protocol !== 'https:' && protocol !== 'http:') throw new Error(`"jwks_uri" ${jwksUri} is not an http(s) URL`);
  // An https issuer whose keys travel over plain http would make TLS on the issuer pointless.
  if (protocol === 'http:' && new URL(issuer).protocol === 'https:') {
    throw new Error(`"jwks_uri" ${jwksUri} is plain http for an https issuer`);
  }
  return jwksUri;
}

/**
 * Fetches an issuer's metadata and returns its `jwks_uri`.
 *
 * Tries the URLs of {@link discoveryUrls} in order, moving on when one answers with an HTTP
 * error or something that is not a JSON object; a network failure or timeout stops at once
 * (every URL is on the same host). The first document found must name `issuer` exactly and
 * carry an absolute http(s) `jwks_uri` (https for an https issuer).
 *
 * @throws Error describing every attempt when no usable document was found.
 */
export async function discover(issuer: string, options: DiscoverOptions): Promise<DiscoveryResult> {
  const attempts: string[] = [];
  for (const url of discoveryUrls(issuer)) {
    let body: unknown;
    try {
      ({ body } = await fetchJson(url, {
        timeoutMs: options.timeout * 1000,
        maxBytes: options.maxResponseBytes ?? 512 * 1024,
        headers: options.headers,
        signal: options.signal,
      }));
    } catch (error) {
      const retryable = error instanceof FetchJsonError && (error.kind === 'status' || error.kind === 'invalid_json');
      attempts.push((error as Error).message);
      if (retryable) continue;
      break;
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      attempts.push(`metadata at ${url} is not a JSON object`);
      continue;
    }
    const metadata = body as Record<string, unknown>;
    return { jwksUri: checkDiscoveryMetadata(issuer, url, metadata), metadata, url };
  }
  // The key source names the issuer ("discovery for <issuer> failed: …"): say only what each URL did.
  throw new Error(attempts.join('; '));
}

/** Options of {@link createDiscoveredKeySource}: those of the JWKS source it creates. */
export interface DiscoveredKeySourceOptions extends RemoteJWKSOptions {
  /**
   * Tuning of the discovered JWKS, as `resolveJWKSCacheOptions` resolved it; `timeout`,
   * `maxResponseBytes` and `headers` also apply to discovery. Default: every default.
   */
  jwksCache?: ResolvedJWKSCacheOptions | undefined;
  /** Receives discovery and JWKS events. A throwing listener is ignored. */
  onEvent?: ((event: JWKSEvent) => void) | undefined;
}

/** A key source found through discovery; see {@link createDiscoveredKeySource}. */
export interface DiscoveredKeySource extends KeySource {
  /** The configured issuer. */
  readonly issuer: string;
  /** The JWKS source, once discovery has succeeded. */
  readonly jwks: RemoteJWKS | undefined;
  /** Discovers and fetches now; never throws. */
  warmUp(): Promise<void>;
  /** Aborts discovery in flight and closes the JWKS source. */
  close(): void;
}

/**
 * A key source for an issuer alone: discovery on the first `getKeys` (single flight, with the
 * JWKS source's backoff on failure), then a remote JWKS. Failure → 503
 * `AuthUnavailableError('discovery_failed')`. A successful discovery is kept for the source's
 * lifetime: issuers do not move their `jwks_uri` in practice, and the JWKS itself is refreshed.
 *
 * @throws TypeError when `issuer` is not an http(s) URL.
 */
export function createDiscoveredKeySource(
  issuer: string,
  options: DiscoveredKeySourceOptions = {},
): DiscoveredKeySource {
  const cache = options.jwksCache ?? JWKS_CACHE_DEFAULTS;
  const protocol = URL.canParse(issuer) ? new URL(issuer).protocol : '';
  if (protocol !== 'https:' && protocol !== 'http:') {
    throw new TypeError(`bearer-guard: \`issuer\` must be an http(s) URL for discovery; got ${JSON.stringify(issuer)}`);
  }
  const { algorithms, onEvent } = options;
  let remote: RemoteJWKS | undefined;
  /** Discovery: single flight, backoff after a failure, 503 `discovery_failed`. */
  const flight = new SingleFlight(run, {
    reason: 'discovery_failed',
    message: (detail) => `discovery for ${issuer} failed: ${detail}`,
  });

  function emit(event: JWKSEvent): void {
    try {
      onEvent?.(event);
    } catch {
      // A throwing listener must not break verification.
    }
  }

  async function run(signal: AbortSignal): Promise<RemoteJWKS> {
    const started = performance.now();
    try {
      const { jwksUri } = await discover(issuer, {
        timeout: cache.timeout,
        maxResponseBytes: cache.maxResponseBytes,
        headers: cache.headers,
        signal,
      });
      if (signal.aborted) throw new Error('key source closed');
      remote = createRemoteJWKS(jwksUri, { jwksCache: cache, algorithms, onEvent });
      emit({ type: 'discovery', issuer, jwksUri, durationMs: performance.now() - started });
      return remote;
    } catch (error) {
      emit({ type: 'discovery_error', issuer, error: error as Error, durationMs: performance.now() - started });
      throw error;
    }
  }

  function ensureRemote(): Promise<RemoteJWKS> {
    return remote ? Promise.resolve(remote) : flight.request();
  }

  async function discoverThenGet(lookup: KeyLookup): Promise<readonly VerificationKey[]> {
    const jwks = await ensureRemote();
    return jwks.getKeys(lookup);
  }

  async function warmUp(): Promise<void> {
    try {
      await (await ensureRemote()).warmUp();
    } catch {
      // Reported through onEvent; the first request will try again.
    }
  }

  const source: DiscoveredKeySource = {
    issuer,
    get jwks() {
      return remote;
    },
    // Once discovered, straight through: the JWKS source's synchronous hot path stays synchronous.
    getKeys: (lookup) => (remote ? remote.getKeys(lookup) : discoverThenGet(lookup)),
    warmUp,
    close() {
      flight.close();
      remote?.close();
    },
  };
  if (cache.warmUp) void warmUp();
  return source;
}
