/**
 * Options of {@link redisRevocationStore}, and where Redis is for both stores, validated at
 * construction with core's option checks: every error reads
 * ``bearer-guard: `<store>.<option>` <what is wrong>`` (`redisRevocationStore`, `redisReplayStore`).
 */
import type { Duration } from '@bearer-guard/core';
import { callback, checkKnownKeys, fail, nonEmptyString, parseDuration } from '@bearer-guard/core/adapter';
import type { RedisClientType } from 'redis';
import type { RedisRevocationEvent, RevocationLogger } from './events.js';

/** A node-redis v5 client (`createClient()`), whatever its modules, scripts or RESP version. */
// biome-ignore lint/suspicious/noExplicitAny: any modules, functions, scripts, RESP version and type mapping
export type RedisClient = RedisClientType<any, any, any, any, any>;

/**
 * Where Redis is: a client you created and own (the store duplicates it for its subscription and
 * never closes it), or a URL (the store creates, reconnects and closes its own clients).
 */
export type RedisConnection = { client: RedisClient; url?: undefined } | { url: string; client?: undefined };

/**
 * What `isRevoked` does when the replica cannot be trusted (Redis unreachable for longer than
 * `maxStaleness`, or the initial load not done within `connectTimeout`):
 * - `'deny'`: throw `AuthUnavailableError('revocation_unavailable')`, so requests get 503;
 * - `'allow'`: answer from the last replica and warn loudly: revocations made meanwhile are missed.
 */
export type FailurePolicy = 'deny' | 'allow';

/**
 * Options of {@link redisRevocationStore}. Durations are core's {@link Duration}: seconds, or strings
 * such as `'500ms'`, `'5s'`, `'2 days'`.
 */
export interface RedisRevocationStoreOptions {
  /** Prefix of every key the store writes (`<keyPrefix>revoked:<jti>`). Default `'bearer-guard:'`. */
  keyPrefix?: string;
  /** Pub/sub channel announcing revocations. Default `'<keyPrefix>revocations'`. */
  channel?: string;
  /** What to do when the replica cannot be trusted; see {@link FailurePolicy}. Default `'deny'`. */
  failurePolicy?: FailurePolicy;
  /**
   * How long the replica is trusted without proof from Redis that it is complete (the
   * subscription is pinged every second). Past it, the failure policy applies. Default `'5s'`.
   */
  maxStaleness?: Duration;
  /**
   * How long, counted from creation, `isRevoked` waits for the initial load before applying the
   * failure policy. Default `'5s'`.
   */
  connectTimeout?: Duration;
  /** How long `revoke` waits for Redis to confirm the write before rejecting. Default `'2s'`. */
  commandTimeout?: Duration;
  /** How often expired entries are swept from the replica (lookups drop them too). Default `'60s'`. */
  sweepInterval?: Duration;
  /**
   * How long an entry outlives its token's `exp`. The verifier accepts a token up to its
   * `clockTolerance` past `exp`, so this must be at least the verifier's (core's default is 5 s).
   * Default `'60s'`.
   */
  clockTolerance?: Duration;
  /** Receives every {@link RedisRevocationEvent}; for metrics and alerting. Must not throw. */
  onEvent?: (event: RedisRevocationEvent) => void;
  /**
   * Where to log disconnects, staleness, re-syncs and errors (one string per call). Nothing is
   * logged without it, except that failing open under `'allow'` raises a process warning.
   */
  logger?: RevocationLogger;
}

/** The validated options; durations in milliseconds, except `clockTolerance` in seconds. */
export interface ResolvedStoreOptions {
  keyPrefix: string;
  channel: string;
  failurePolicy: FailurePolicy;
  maxStalenessMs: number;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  sweepIntervalMs: number;
  heartbeatMs: number;
  clockTolerance: number;
  onEvent: ((event: RedisRevocationEvent) => void) | undefined;
  logger: RevocationLogger | undefined;
}

const SCOPE = 'redisRevocationStore';
const KNOWN = new Set<string>([
  'keyPrefix',
  'channel',
  'failurePolicy',
  'maxStaleness',
  'connectTimeout',
  'commandTimeout',
  'sweepInterval',
  'clockTolerance',
  'onEvent',
  'logger',
]);
const CLIENT_METHODS = [
  'duplicate',
  'connect',
  'subscribe',
  'scanIterator',
  'mGet',
  'set',
  'publish',
  'multi',
  'on',
  'withAbortSignal',
] as const;

/** `redisRevocationStore.<option>`: how option errors name an option. */
const named = (option: string) => `${SCOPE}.${option}`;

/**
 * A {@link Duration} option in milliseconds, at least `min`; `fallback` when undefined.
 * `option` is the option's full name (`redisReplayStore.commandTimeout`).
 */
export function milliseconds(value: unknown, option: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const ms = parseDuration(value, option) * 1000;
  if (ms < min) fail(option, `must be at least ${min} ms; got ${JSON.stringify(value)}`);
  return ms;
}

/** The `keyPrefix` option of either store: a string (empty allowed), default `'bearer-guard:'`. */
export function keyPrefixOption(value: unknown, option: string): string {
  if (value === undefined) return 'bearer-guard:';
  if (typeof value !== 'string') fail(option, 'must be a string');
  return value;
}

/** True for what looks like a node-redis v5 client (checked by shape: several copies may be loaded). */
export function isNodeRedisClient(value: unknown): value is RedisClient {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return CLIENT_METHODS.every((name) => typeof record[name] === 'function');
}

/**
 * Validates where Redis is (`{ client }` or `{ url }`); returns the URL or the user's client.
 * `scope` names the store in option errors: `redisRevocationStore` (default) or `redisReplayStore`.
 */
export function resolveConnection(connection: unknown, scope = SCOPE): RedisConnection {
  const at = (option: string) => `${scope}.${option}`;
  if (typeof connection !== 'object' || connection === null) {
    fail(scope, 'expects `{ client }` or `{ url }` as first argument');
  }
  const { client, url } = connection as Record<string, unknown>;
  if ((client === undefined) === (url === undefined))
    fail(at('client'), `or \`${at('url')}\`: give exactly one of the two`);
  if (client !== undefined) {
    if (!isNodeRedisClient(client))
      fail(at('client'), 'must be a node-redis v5 client (`createClient()` from `redis`)');
    return { client };
  }
  if (typeof url !== 'string') fail(at('url'), 'must be a string such as "redis://localhost:6379"');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    fail(at('url'), `is not a valid URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    fail(at('url'), 'must be a redis:// or rediss:// URL');
  return { url };
}

/** Validates the options; throws a `TypeError` naming the option. */
export function resolveStoreOptions(options: unknown): ResolvedStoreOptions {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null) fail(SCOPE, 'options must be an object');
  const o = options as Record<string, unknown>;
  checkKnownKeys(o, KNOWN, SCOPE);

  const keyPrefix = keyPrefixOption(o.keyPrefix, named('keyPrefix'));
  const channel = nonEmptyString(o.channel, named('channel'), `${keyPrefix}revocations`);
  const failurePolicy = o.failurePolicy ?? 'deny';
  if (failurePolicy !== 'deny' && failurePolicy !== 'allow') fail(named('failurePolicy'), "must be 'deny' or 'allow'");
  const onEvent = callback<ResolvedStoreOptions['onEvent']>(o.onEvent, named('onEvent'));
  const logger = o.logger as RevocationLogger | undefined;
  if (logger !== undefined && (typeof logger !== 'object' || logger === null || typeof logger.warn !== 'function')) {
    fail(named('logger'), 'must be an object with a `warn(message)` method (console, pino, winston…)');
  }

  const maxStalenessMs = milliseconds(o.maxStaleness, named('maxStaleness'), 5000, 100);
  return {
    keyPrefix,
    channel,
    failurePolicy,
    maxStalenessMs,
    connectTimeoutMs: milliseconds(o.connectTimeout, named('connectTimeout'), 5000, 0),
    commandTimeoutMs: milliseconds(o.commandTimeout, named('commandTimeout'), 2000, 1),
    sweepIntervalMs: milliseconds(o.sweepInterval, named('sweepInterval'), 60_000, 100),
    // A few heartbeats fit in `maxStaleness`, so one lost ping does not make the replica stale.
    heartbeatMs: Math.max(25, Math.min(1000, maxStalenessMs / 4)),
    clockTolerance: o.clockTolerance === undefined ? 60 : parseDuration(o.clockTolerance, named('clockTolerance')),
    onEvent,
    logger,
  };
}
