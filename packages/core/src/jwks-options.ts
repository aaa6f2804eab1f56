/**
 * The `jwksCache` option: its shape, its defaults, and its resolution into seconds. It is
 * resolved once, by the verifier's `resolveOptions`; the remote key sources take the result.
 */
import { parseDuration } from './duration.js';
import { checkKnownKeys, fail, isRecord, positiveInteger } from './option-checks.js';

/**
 * Tuning of a remote JWKS (`jwksCache` option). Durations are seconds (a number) or strings
 * such as `'30s'`, `'10m'`, `'1h'`, `'250ms'`.
 */
export interface JWKSCacheOptions {
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

/** {@link JWKSCacheOptions} after validation: every member present, durations in seconds. */
export type ResolvedJWKSCacheOptions = { [K in keyof JWKSCacheOptions]-?: Exclude<JWKSCacheOptions[K], string> };

/** The defaults of {@link JWKSCacheOptions}, durations in seconds. */
export const JWKS_CACHE_DEFAULTS: Readonly<ResolvedJWKSCacheOptions> = Object.freeze({
  maxAge: 600,
  timeout: 5,
  maxStale: 86_400,
  cooldown: 20,
  burst: 3,
  maxResponseBytes: 512 * 1024,
  maxKeys: 100,
  warmUp: false,
  refreshInterval: false,
  headers: Object.freeze({}) as Record<string, string>,
});

const KNOWN_OPTIONS = new Set(Object.keys(JWKS_CACHE_DEFAULTS));

function duration(value: unknown, option: string, fallback: number, allowZero: boolean): number {
  if (value === undefined) return fallback;
  const seconds = parseDuration(value, option);
  if (!allowZero && seconds <= 0) fail(option, 'must be greater than zero');
  return seconds;
}

/**
 * Validates `jwksCache` and fills in the defaults. The verifier calls it once, at construction
 * (a typo fails at start-up, not at the first request), and hands the result to its key sources.
 *
 * @param value - the `jwksCache` option (`undefined` → all defaults).
 * @param prefix - option name used in error messages.
 * @throws TypeError naming the offending option, e.g. `jwksCache.maxAge`.
 */
export function resolveJWKSCacheOptions(value: unknown, prefix = 'jwksCache'): ResolvedJWKSCacheOptions {
  if (value === undefined) return { ...JWKS_CACHE_DEFAULTS, headers: {} };
  if (!isRecord(value)) fail(prefix, 'must be an object');
  const o = Object.assign(Object.create(null) as object, value) as Record<string, unknown>;
  checkKnownKeys(o, KNOWN_OPTIONS, prefix);
  const d = JWKS_CACHE_DEFAULTS;
  const warmUp = o.warmUp ?? d.warmUp;
  if (typeof warmUp !== 'boolean') fail(`${prefix}.warmUp`, 'must be a boolean');
  const headers = o.headers ?? {};
  if (
    typeof headers !== 'object' ||
    headers === null ||
    Array.isArray(headers) ||
    Object.values(headers).some((v) => typeof v !== 'string')
  ) {
    fail(`${prefix}.headers`, 'must be an object of string header values');
  }
  const refreshInterval =
    o.refreshInterval === undefined || o.refreshInterval === false
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
