/**
 * The remote JWKS manager: keys fetched once and served from memory, refetched when they go
 * stale or when a token names a `kid` not seen yet (key rotation), within bounds an attacker
 * cannot push: one fetch for any number of concurrent misses, a token bucket for unknown kids,
 * a negative cache for kids already looked for, exponential backoff while the endpoint fails,
 * and stale keys kept usable (for `maxStale`) while refreshes fail.
 */
import type { Algorithm } from './algorithms.js';
import { urlOption } from './option-checks.js';
import { fetchJson, freshnessLifetime } from './fetch-json.js';
import { JWKS_CACHE_DEFAULTS, type ResolvedJWKSCacheOptions } from './jwks-options.js';
import type { JWKSEvent, KeyLookup, KeySource } from './key-source.js';
import { importJWK, privateMembers } from './keys/jwk.js';
import type { VerificationKey } from './keys/verification-key.js';
import { SingleFlight } from './single-flight.js';
import { ExpiringSet, TokenBucket } from './token-bucket.js';

// The option's shape and resolution live in jwks-options.ts; the package root imports the type from here.
export type { JWKSCacheOptions } from './jwks-options.js';

/** Shortest freshness a `Cache-Control` header can impose: never a fetch per request. */
const CACHE_CONTROL_FLOOR = 30;
/** Kids remembered as absent, at most. */
const NEGATIVE_CACHE_SIZE = 1000;
const EMPTY: readonly VerificationKey[] = Object.freeze([]);

/** {@link createRemoteJWKS} options: what the verifier passes down. */
export interface RemoteJWKSOptions {
  /** The `jwksCache` option as `resolveJWKSCacheOptions` resolved it. Default: every default. */
  jwksCache?: ResolvedJWKSCacheOptions | undefined;
  /** The `algorithms` option: keys are narrowed to these at import. */
  algorithms?: ReadonlySet<string> | undefined;
  /** Receives fetch, failure, rate-limit and key-removal events. A throwing listener is ignored. */
  onEvent?: ((event: JWKSEvent) => void) | undefined;
}

/** Counters and state of a remote JWKS, for tests and metrics. Times are epoch milliseconds. */
export interface RemoteJWKSStats {
  /** Fetches started. */
  readonly fetches: number;
  /** Fetches that failed. */
  readonly failures: number;
  /** Keys currently cached. */
  readonly keys: number;
  /** When the cached JWKS was fetched, if ever. */
  readonly fetchedAt: number | undefined;
  /** Until when it is fresh; `undefined` before the first successful fetch. */
  readonly freshUntil: number | undefined;
  /** Until when it may be served while refreshes fail. */
  readonly usableUntil: number | undefined;
  /** Freshness applied to the last fetch, in seconds (after `Cache-Control`). */
  readonly maxAge: number | undefined;
  /** Tokens left in the unknown-kid bucket. */
  readonly tokens: number;
  /** Unknown-kid lookups answered empty because the bucket was empty. */
  readonly rateLimited: number;
  /** No fetch before this time after failures; 0 when not backing off. */
  readonly backoffUntil: number;
  /** Kids remembered as absent. */
  readonly negativeCacheSize: number;
}

/** A remote JWKS key source; see {@link createRemoteJWKS}. */
export interface RemoteJWKS extends KeySource {
  /** The JWKS URL. */
  readonly uri: string;
  /** Live counters. */
  readonly stats: RemoteJWKSStats;
  /** Fetches now; never throws (failures are reported as events). */
  warmUp(): Promise<void>;
  /** Clears every timer and aborts the fetch in flight; later lookups needing a fetch get 503. */
  close(): void;
}

function sameKey(a: VerificationKey, b: VerificationKey): boolean {
  if (a.kid !== b.kid || a.algorithms.size !== b.algorithms.size || !a.key.equals(b.key)) return false;
  for (const alg of a.algorithms) if (!b.algorithms.has(alg)) return false;
  return true;
}

/**
 * A key source over a remote JWKS (RFC 7517 §5).
 *
 * `getKeys` answers synchronously from a fresh cache when the kid is known (no fetch, no
 * promise). An unknown kid triggers a refetch when the token bucket allows it; with the bucket
 * empty it gets an empty list at once (the verifier answers 401 `no_matching_key`). A refetch,
 * whatever triggered it, loads the whole JWKS, so a flood of random kids cannot hide a rotated
 * key for longer than one `cooldown`. Fetch failures with nothing usable cached, or an unknown
 * kid that cannot be looked up because the endpoint fails, reject with a 503
 * `AuthUnavailableError('jwks_unavailable')`.
 *
 * @param uri - the JWKS URL (http or https).
 * @param options - {@link RemoteJWKSOptions}.
 * @throws TypeError for an invalid URL.
 */
export function createRemoteJWKS(uri: string | URL, options: RemoteJWKSOptions = {}): RemoteJWKS {
  const { algorithms, onEvent } = options;
  const opts = options.jwksCache ?? JWKS_CACHE_DEFAULTS;
  const href = urlOption(uri, 'jwksUri').href;

  let keys: VerificationKey[] = [];
  let byKid = new Map<string, VerificationKey[]>();
  let byFingerprint = new Map<string, VerificationKey>();
  /** Lookup results per (alg, kid), rebuilt after each fetch: the hot path allocates nothing. */
  const memo = new Map<string, readonly VerificationKey[]>();
  let fetchedAt: number | undefined;
  let freshUntil = -Infinity;
  let usableUntil = -Infinity;
  let effectiveMaxAge: number | undefined;
  let fetches = 0;
  let failures = 0;
  let rateLimited = 0;
  let refreshTimer: NodeJS.Timeout | undefined;
  /** Kids looked for after a refetch and not found: not worth a token again for `cooldown`. */
  const absent = new ExpiringSet(NEGATIVE_CACHE_SIZE, opts.cooldown * 1000);
  const bucket = new TokenBucket(opts.burst, opts.cooldown * 1000);
  /** The fetch: single flight, backoff while the endpoint fails, 503 `jwks_unavailable`. */
  const flight = new SingleFlight(fetchOnce, {
    reason: 'jwks_unavailable',
    message: (detail) => `JWKS ${href} unavailable: ${detail}`,
  });

  function emit(event: JWKSEvent): void {
    try {
      onEvent?.(event);
    } catch {
      // A throwing listener must not break verification.
    }
  }

  type Rejected = { kid: string | undefined; reason: string };

  function reject(rejected: Rejected[], jwk: unknown, reason: string): void {
    const kid = typeof jwk === 'object' && jwk !== null ? (jwk as { kid?: unknown }).kid : undefined;
    const named = typeof kid === 'string' ? kid : undefined;
    rejected.push({ kid: named, reason });
    const secrets = typeof jwk === 'object' && jwk !== null ? privateMembers(jwk) : [];
    if (secrets.length > 0) emit({ type: 'jwks_private_key', uri: href, kid: named, members: secrets });
  }

  function install(rawKeys: unknown[], headers: Headers): Rejected[] {
    const next: VerificationKey[] = [];
    const nextFingerprints = new Map<string, VerificationKey>();
    const used = new Set<VerificationKey>();
    const rejected: Rejected[] = [];
    for (const jwk of rawKeys) {
      if (next.length >= opts.maxKeys) {
        reject(rejected, jwk, `over maxKeys (${opts.maxKeys})`);
        continue;
      }
      // Unchanged JSON → the same object without re-importing; a refresh costs no crypto.
      const fingerprint = JSON.stringify(jwk);
      let key = byFingerprint.get(fingerprint);
      if (key === undefined) {
        const imported = importJWK(jwk, algorithms);
        if (typeof imported === 'string') {
          reject(rejected, jwk, imported);
          continue;
        }
        // Same kid and public key under a different serialisation: still the same key object,
        // so verified-token cache entries made with it stay valid.
        key = keys.find((old) => !used.has(old) && sameKey(old, imported)) ?? imported;
      }
      if (used.has(key)) continue; // the same key listed twice: once is enough
      used.add(key);
      next.push(key);
      nextFingerprints.set(fingerprint, key);
    }
    for (const old of keys) {
      if (used.has(old)) continue;
      old.active = false;
      emit({ type: 'jwks_key_removed', uri: href, kid: old.kid });
    }
    keys = next;
    byFingerprint = nextFingerprints;
    byKid = new Map();
    for (const key of next) {
      if (key.kid === undefined) continue;
      const list = byKid.get(key.kid);
      if (list) list.push(key);
      else byKid.set(key.kid, [key]);
    }
    memo.clear();
    const now = Date.now();
    const fromHeader = freshnessLifetime(headers);
    effectiveMaxAge =
      fromHeader === undefined
        ? opts.maxAge
        : Math.min(opts.maxAge, Math.max(Math.min(CACHE_CONTROL_FLOOR, opts.maxAge), fromHeader));
    fetchedAt = now;
    freshUntil = now + effectiveMaxAge * 1000;
    usableUntil = freshUntil + opts.maxStale * 1000;
    return rejected;
  }

  async function fetchOnce(signal: AbortSignal): Promise<void> {
    fetches++;
    const started = performance.now();
    try {
      const response = await fetchJson(href, {
        timeoutMs: opts.timeout * 1000,
        maxBytes: opts.maxResponseBytes,
        headers: opts.headers,
        signal,
        accept: 'application/jwk-set+json, application/json',
      });
      const body = response.body as { keys?: unknown } | null;
      if (typeof body !== 'object' || body === null || Array.isArray(body) || !Array.isArray(body.keys)) {
        throw new Error(`JWKS response from ${href} is not a JSON object with a "keys" array`);
      }
      if (signal.aborted) throw new Error('key source closed');
      const rejected = install(body.keys, response.headers);
      const durationMs = performance.now() - started;
      emit({
        type: 'jwks_fetch',
        uri: href,
        status: response.status,
        keys: keys.length,
        durationMs,
        skipped: rejected.length,
        rejected,
      });
    } catch (error) {
      failures++;
      emit({
        type: 'jwks_fetch_error',
        uri: href,
        error: error as Error,
        durationMs: performance.now() - started,
        stale: Date.now() < usableUntil,
      });
      throw error;
    }
  }

  function lookup(kid: string | undefined, alg: Algorithm): readonly VerificationKey[] {
    // Unknown kids are never memoised (they are attacker-chosen): the memo stays bounded by
    // cached keys × algorithms.
    if (kid !== undefined && !byKid.has(kid)) return EMPTY;
    const memoKey = kid === undefined ? alg : `${alg} ${kid}`;
    let found = memo.get(memoKey);
    if (found === undefined) {
      const candidates = kid === undefined ? keys : (byKid.get(kid) as VerificationKey[]);
      found = Object.freeze(candidates.filter((k) => k.algorithms.has(alg)));
      memo.set(memoKey, found);
    }
    return found;
  }

  /** Fetches (or joins the fetch in flight; 503 while closed or backing off), then answers from the new cache. */
  async function fetchThenLookup(kid: string | undefined, alg: Algorithm): Promise<readonly VerificationKey[]> {
    await flight.request();
    if (kid !== undefined && !byKid.has(kid)) absent.add(kid);
    return lookup(kid, alg);
  }

  function getKeys({ kid, alg }: KeyLookup): readonly VerificationKey[] | Promise<readonly VerificationKey[]> {
    const now = Date.now();
    const known = kid === undefined || byKid.has(kid);
    if (now < freshUntil) {
      if (known) return lookup(kid, alg);
      if (absent.has(kid, now)) return EMPTY;
      // A fetch in flight answers this kid too; so does a failing endpoint (503), without a token.
      if (!flight.ready(now)) return fetchThenLookup(kid, alg);
      if (!bucket.tryTake()) {
        rateLimited++;
        emit({ type: 'jwks_rate_limited', uri: href, kid });
        return EMPTY;
      }
      return fetchThenLookup(kid, alg);
    }
    if (now < usableUntil) {
      // Stale-while-revalidate: one background refresh (not during backoff), stale keys meanwhile.
      if (flight.ready(now)) flight.run().catch(() => undefined);
      if (known) return lookup(kid, alg);
      if (absent.has(kid, now)) return EMPTY;
      return fetchThenLookup(kid, alg);
    }
    return fetchThenLookup(kid, alg);
  }

  async function warmUp(): Promise<void> {
    try {
      await flight.run(); // even while backing off; nothing once closed
    } catch {
      // Reported through onEvent; the first request will try again.
    }
  }

  function schedule(): void {
    if (flight.closed || opts.refreshInterval === false) return;
    refreshTimer = setTimeout(() => {
      refreshTimer = undefined;
      const run = flight.inFlight || Date.now() >= flight.backoffUntil ? flight.run() : Promise.resolve();
      void run.catch(() => undefined).then(schedule);
    }, opts.refreshInterval * 1000);
    refreshTimer.unref();
  }

  function close(): void {
    if (refreshTimer) clearTimeout(refreshTimer);
    refreshTimer = undefined;
    flight.close();
  }

  const stats: RemoteJWKSStats = {
    get fetches() {
      return fetches;
    },
    get failures() {
      return failures;
    },
    get keys() {
      return keys.length;
    },
    get fetchedAt() {
      return fetchedAt;
    },
    get freshUntil() {
      return fetchedAt === undefined ? undefined : freshUntil;
    },
    get usableUntil() {
      return fetchedAt === undefined ? undefined : usableUntil;
    },
    get maxAge() {
      return effectiveMaxAge;
    },
    get tokens() {
      return bucket.tokens;
    },
    get rateLimited() {
      return rateLimited;
    },
    get backoffUntil() {
      return flight.backoffUntil;
    },
    get negativeCacheSize() {
      return absent.size;
    },
  };

  schedule();
  if (opts.warmUp) void warmUp();
  return { uri: href, stats, getKeys, warmUp, close };
}
