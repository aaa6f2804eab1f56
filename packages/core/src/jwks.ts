/**
 * The remote JWKS manager: keys fetched once and served from memory, refetched when they go
 * stale or when a token names a `kid` not seen yet (key rotation), within bounds an attacker
 * cannot push: one fetch for any number of concurrent misses, a token bucket for unknown kids,
 * a negative cache for kids already looked for, exponential backoff while the endpoint fails,
 * and stale keys kept usable (for `maxStale`) while refreshes fail.
 */
import type { Algorithm } from './algorithms.js';
import { parseDuration } from './duration.js';
import { checkKnownKeys, fail, isRecord, positiveInteger, urlOption } from './option-checks.js';
import { AuthUnavailableError } from './errors.js';
import { fetchJson, freshnessLifetime } from './fetch-json.js';
import type { JwksEvent, KeyLookup, KeySource } from './key-source.js';
import { importJwk, privateMembers } from './keys/jwk.js';
import type { VerificationKey } from './keys/verification-key.js';
import { ExpiringSet, TokenBucket, backoffMs } from './token-bucket.js';

/**
 * Tuning of a remote JWKS (`jwksCache` option). Durations are seconds (a number) or strings
 * such as `'30s'`, `'10m'`, `'1h'`, `'250ms'`.
 */
export interface JwksCacheOptions {
  /**
   * How long a fetched JWKS is fresh. A `Cache-Control: max-age` (less `Age`) of the response
   * may shorten it, never below 30 s (or `maxAge`, if smaller); `no-store`/`no-cache` mean 30 s.
   * Default `'10m'`.
   */
  maxAge?: number | string;
  /** Deadline of one fetch: connect, headers and body. Default `'5s'`. */
  timeout?: number | string;
  /**
   * Stale-if-error: how long past their freshness cached keys stay usable while refreshes
   * fail. After that, with the endpoint still failing, requests get 503. Default `'24h'`.
   */
  maxStale?: number | string;
  /**
   * Unknown-kid rate limit: one refetch token is regained per `cooldown`; a kid looked for and
   * not found is not looked for again during `cooldown`. Default `'20s'`.
   */
  cooldown?: number | string;
  /** Capacity of the unknown-kid token bucket: refetches allowed in a burst. Default 3. */
  burst?: number;
  /** Largest JWKS response accepted, in bytes; a larger one is a failed fetch. Default 524288 (512 KiB). */
  maxResponseBytes?: number;
  /** Most keys kept from one JWKS; the rest are ignored (and counted as skipped). Default 100. */
  maxKeys?: number;
  /** Fetch at construction instead of on the first request (failures only reported as events). Default false. */
  warmUp?: boolean;
  /** Refresh in the background this often (the timer never keeps the process alive). Default `false`. */
  refreshInterval?: number | string | false;
  /** Extra request headers, e.g. an API key of the key server. Default none. */
  headers?: Record<string, string>;
}

/** {@link JwksCacheOptions} after validation: every member present, durations in seconds. */
export type ResolvedJwksCacheOptions = { [K in keyof JwksCacheOptions]-?: Exclude<JwksCacheOptions[K], string> };

/** The defaults of {@link JwksCacheOptions}, durations in seconds. */
export const JWKS_CACHE_DEFAULTS: Readonly<ResolvedJwksCacheOptions> = Object.freeze({
  maxAge: 600, timeout: 5, maxStale: 86_400, cooldown: 20, burst: 3, maxResponseBytes: 512 * 1024,
  maxKeys: 100, warmUp: false, refreshInterval: false, headers: Object.freeze({}) as Record<string, string>,
});

/** Shortest freshness a `Cache-Control` header can impose: never a fetch per request. */
const CACHE_CONTROL_FLOOR = 30;
/** Kids remembered as absent, at most. */
const NEGATIVE_CACHE_SIZE = 1000;
const EMPTY: readonly VerificationKey[] = Object.freeze([]);
const KNOWN_OPTIONS = new Set(Object.keys(JWKS_CACHE_DEFAULTS));

function duration(value: unknown, option: string, fallback: number, allowZero: boolean): number {
  if (value === undefined) return fallback;
  const seconds = parseDuration(value, option);
  if (!allowZero && seconds <= 0) fail(option, 'must be greater than zero');
  return seconds;
}

/**
 * Validates `jwksCache` and fills in the defaults.
 *
 * @param value - the `jwksCache` option (`undefined` → all defaults).
 * @param prefix - option name used in error messages.
 * @throws TypeError naming the offending option, e.g. `jwksCache.maxAge`.
 */
export function resolveJwksCacheOptions(value: unknown, prefix = 'jwksCache'): ResolvedJwksCacheOptions {
  if (value === undefined) return { ...JWKS_CACHE_DEFAULTS, headers: {} };
  if (!isRecord(value)) fail(prefix, 'must be an object');
  const o = Object.assign(Object.create(null) as object, value) as Record<string, unknown>;
  checkKnownKeys(o, KNOWN_OPTIONS, prefix);
  const d = JWKS_CACHE_DEFAULTS;
  const warmUp = o.warmUp ?? d.warmUp;
  if (typeof warmUp !== 'boolean') fail(`${prefix}.warmUp`, 'must be a boolean');
  const headers = o.headers ?? {};
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers) || Object.values(headers).some((v) => typeof v !== 'string')) {
    fail(`${prefix}.headers`, 'must be an object of string header values');
  }
  const refreshInterval = o.refreshInterval === undefined || o.refreshInterval === false
    ? false
    : duration(o.refreshInterval, `${prefix}.refreshInterval`, 0, false);
  return {
    maxAge: duration(o.maxAge, `${prefix}.maxAge`, d.maxAge, false),
    timeout: duration(o.timeout, `${prefix}.timeout`, d.timeout, false),
    maxStale: duration(o.maxStale, `${prefix}.maxStale`, d.maxStale, true),
    cooldown: duration(o.cooldown, `${prefix}.cooldown`, d.cooldown, false),
    burst: positiveInteger(o.burst, `${prefix}.burst`, d.burst),
    maxResponseBytes: positiveInteger(o.maxResponseBytes, `${prefix}.maxResponseBytes`, d.maxResponseBytes),
    maxKeys: positiveInteger(o.maxKeys, `${prefix}.maxKeys`, d.maxKeys),
    warmUp,
    refreshInterval,
    headers: { ...(headers as Record<string, string>) },
  };
}

/**
 * Checks a `jwksCache` option; the verifier calls it at construction so that a typo fails at
 * start-up, not at the first request.
 *
 * @throws TypeError naming the offending option, e.g. `jwksCache.maxAge`.
 */
export function validateJwksCacheOptions(value: unknown): void {
  resolveJwksCacheOptions(value);
}

/** {@link createRemoteJwks} options: the cache tuning plus what the verifier passes down. */
export interface RemoteJwksOptions extends JwksCacheOptions {
  /** The `algorithms` option: keys are narrowed to these at import. */
  algorithms?: ReadonlySet<string> | undefined;
  /** Receives fetch, failure, rate-limit and key-removal events. A throwing listener is ignored. */
  onEvent?: ((event: JwksEvent) => void) | undefined;
}

/** Counters and state of a remote JWKS, for tests and metrics. Times are epoch milliseconds. */
export interface RemoteJwksStats {
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

/** A remote JWKS key source; see {@link createRemoteJwks}. */
export interface RemoteJwks extends KeySource {
  /** The JWKS URL. */
  readonly uri: string;
  /** Live counters. */
  readonly stats: RemoteJwksStats;
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
 * @param options - {@link RemoteJwksOptions}.
 * @throws TypeError for an invalid URL or option.
 */
export function createRemoteJwks(uri: string | URL, options: RemoteJwksOptions = {}): RemoteJwks {
  const { algorithms, onEvent, ...cacheOptions } = options;
  const opts = resolveJwksCacheOptions(cacheOptions);
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
  let inflight: Promise<void> | undefined;
  let backoffUntil = 0;
  let consecutiveFailures = 0;
  let lastError: Error | undefined;
  let fetches = 0;
  let failures = 0;
  let rateLimited = 0;
  let closed = false;
  let refreshTimer: NodeJS.Timeout | undefined;
  /** Kids looked for after a refetch and not found: not worth a token again for `cooldown`. */
  const absent = new ExpiringSet(NEGATIVE_CACHE_SIZE, opts.cooldown * 1000);
  const bucket = new TokenBucket(opts.burst, opts.cooldown * 1000);
  const lifetime = new AbortController();

  function emit(event: JwksEvent): void {
    try {
      onEvent?.(event);
    } catch {
      // A throwing listener must not break verification.
    }
  }

  function unavailable(cause: unknown, detail?: string): AuthUnavailableError {
    const message = (cause as Error)?.message ?? String(cause);
    return new AuthUnavailableError('jwks_unavailable', `JWKS ${href} unavailable: ${detail ?? message}`, { cause });
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
        const imported = importJwk(jwk, algorithms);
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
    effectiveMaxAge = fromHeader === undefined
      ? opts.maxAge
      : Math.min(opts.maxAge, Math.max(Math.min(CACHE_CONTROL_FLOOR, opts.maxAge), fromHeader));
    fetchedAt = now;
    freshUntil = now + effectiveMaxAge * 1000;
    usableUntil = freshUntil + opts.maxStale * 1000;
    return rejected;
  }

  async function fetchOnce(): Promise<void> {
    fetches++;
    const started = performance.now();
    try {
      const response = await fetchJson(href, {
        timeoutMs: opts.timeout * 1000,
        maxBytes: opts.maxResponseBytes,
        headers: opts.headers,
        signal: lifetime.signal,
        accept: 'application/jwk-set+json, application/json',
      });
      const body = response.body as { keys?: unknown } | null;
      if (typeof body !== 'object' || body === null || Array.isArray(body) || !Array.isArray(body.keys)) {
        throw new Error(`JWKS response from ${href} is not a JSON object with a "keys" array`);
      }
      if (closed) throw new Error('key source closed');
      const rejected = install(body.keys, response.headers);
      consecutiveFailures = 0;
      backoffUntil = 0;
      const durationMs = performance.now() - started;
      emit({ type: 'jwks_fetch', uri: href, status: response.status, keys: keys.length, durationMs, skipped: rejected.length, rejected });
    } catch (error) {
      failures++;
      consecutiveFailures++;
      lastError = error as Error;
      backoffUntil = Date.now() + backoffMs(consecutiveFailures);
      emit({ type: 'jwks_fetch_error', uri: href, error: error as Error, durationMs: performance.now() - started, stale: Date.now() < usableUntil });
      throw error;
    }
  }

  /** Single flight: every caller that needs a fetch while one runs shares it. */
  function refresh(): Promise<void> {
    inflight ??= fetchOnce().finally(() => {
      inflight = undefined;
    });
    return inflight;
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

  /** Fetches (or joins the fetch in flight), then answers from the new cache. */
  async function fetchThenLookup(kid: string | undefined, alg: Algorithm): Promise<readonly VerificationKey[]> {
    if (!inflight) {
      if (closed) throw unavailable(new Error('key source closed'));
      const wait = backoffUntil - Date.now();
      if (wait > 0) throw unavailable(lastError, `backing off for ${wait} ms after: ${lastError?.message ?? 'failure'}`);
    }
    try {
      await refresh();
    } catch (error) {
      throw unavailable(error);
    }
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
      if (inflight || closed || now < backoffUntil) return fetchThenLookup(kid, alg);
      if (!bucket.tryTake()) {
        rateLimited++;
        emit({ type: 'jwks_rate_limited', uri: href, kid });
        return EMPTY;
      }
      return fetchThenLookup(kid, alg);
    }
    if (now < usableUntil) {
      // Stale-while-revalidate: one background refresh (not during backoff), stale keys meanwhile.
      if (!inflight && !closed && now >= backoffUntil) refresh().catch(() => undefined);
      if (known) return lookup(kid, alg);
      if (absent.has(kid, now)) return EMPTY;
      return fetchThenLookup(kid, alg);
    }
    return fetchThenLookup(kid, alg);
  }

  async function warmUp(): Promise<void> {
    if (closed) return;
    try {
      await refresh();
    } catch {
      // Reported through onEvent; the first request will try again.
    }
  }

  function schedule(): void {
    if (closed || opts.refreshInterval === false) return;
    refreshTimer = setTimeout(() => {
      refreshTimer = undefined;
      const run = inflight || Date.now() >= backoffUntil ? refresh() : Promise.resolve();
      run.catch(() => undefined).then(schedule);
    }, opts.refreshInterval * 1000);
    refreshTimer.unref();
  }

  function close(): void {
    closed = true;
    if (refreshTimer) clearTimeout(refreshTimer);
    refreshTimer = undefined;
    lifetime.abort(new Error('key source closed'));
  }

  const stats: RemoteJwksStats = {
    get fetches() { return fetches; },
    get failures() { return failures; },
    get keys() { return keys.length; },
    get fetchedAt() { return fetchedAt; },
    get freshUntil() { return fetchedAt === undefined ? undefined : freshUntil; },
    get usableUntil() { return fetchedAt === undefined ? undefined : usableUntil; },
    get maxAge() { return effectiveMaxAge; },
    get tokens() { return bucket.tokens; },
    get rateLimited() { return rateLimited; },
    get backoffUntil() { return backoffUntil; },
    get negativeCacheSize() { return absent.size; },
  };

  schedule();
  if (opts.warmUp) void warmUp();
  return { uri: href, stats, getKeys, warmUp, close };
}
