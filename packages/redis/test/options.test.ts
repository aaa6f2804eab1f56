/**
 * Configuration mistakes throw a TypeError naming the option, at construction (no Redis needed),
 * in the shape of every bearer-guard option error: bearer-guard: `redisRevocationStore.<option>` …
 */
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { redisRevocationStore, type RedisConnection, type RedisRevocationStoreOptions } from '@bearer-guard/redis';
import { resolveStoreOptions } from '../src/options.js';

const url = 'redis://127.0.0.1:1'; // never reached: every case below throws before connecting
const notADuration = "must be seconds (a number ≥ 0) or a duration such as '500ms', '30s', '5m', '2 days'";

function construct(connection: unknown, options?: unknown): () => unknown {
  return () => redisRevocationStore(connection as RedisConnection, options as RedisRevocationStoreOptions);
}

/** The error `fn` throws: a TypeError with exactly `message`. */
function expectTypeError(fn: () => unknown, message: string): void {
  let error: unknown;
  try {
    fn();
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(TypeError);
  expect((error as Error).message).toBe(message);
}

describe('connection', () => {
  it.each([
    ['nothing', undefined, 'bearer-guard: `redisRevocationStore` expects `{ client }` or `{ url }` as first argument'],
    [
      'both',
      { url, client: createClient() },
      'bearer-guard: `redisRevocationStore.client` or `redisRevocationStore.url`: give exactly one of the two',
    ],
    [
      'neither',
      {},
      'bearer-guard: `redisRevocationStore.client` or `redisRevocationStore.url`: give exactly one of the two',
    ],
    ['a non-URL', { url: 'not a url' }, 'bearer-guard: `redisRevocationStore.url` is not a valid URL: "not a url"'],
    [
      'an http URL',
      { url: 'http://localhost:6379' },
      'bearer-guard: `redisRevocationStore.url` must be a redis:// or rediss:// URL',
    ],
    [
      'a non-string URL',
      { url: 6379 },
      'bearer-guard: `redisRevocationStore.url` must be a string such as "redis://localhost:6379"',
    ],
    [
      'an ioredis-like object',
      { client: { get() {}, set() {} } },
      'bearer-guard: `redisRevocationStore.client` must be a node-redis v5 client (`createClient()` from `redis`)',
    ],
  ])('refuses %s', (_, connection, message) => {
    expectTypeError(construct(connection), message);
  });
});

describe('options', () => {
  it.each([
    [{ failurePolicy: 'open' }, "bearer-guard: `redisRevocationStore.failurePolicy` must be 'deny' or 'allow'"],
    [{ maxStaleness: -1 }, `bearer-guard: \`redisRevocationStore.maxStaleness\` ${notADuration}; got -1`],
    [{ maxStaleness: '10ms' }, 'bearer-guard: `redisRevocationStore.maxStaleness` must be at least 100 ms; got "10ms"'],
    [{ connectTimeout: 'soon' }, `bearer-guard: \`redisRevocationStore.connectTimeout\` ${notADuration}; got "soon"`],
    [{ commandTimeout: 0 }, 'bearer-guard: `redisRevocationStore.commandTimeout` must be at least 1 ms; got 0'],
    [{ sweepInterval: '1ms' }, 'bearer-guard: `redisRevocationStore.sweepInterval` must be at least 100 ms; got "1ms"'],
    [{ clockTolerance: '-5s' }, `bearer-guard: \`redisRevocationStore.clockTolerance\` ${notADuration}; got "-5s"`],
    [{ keyPrefix: 42 }, 'bearer-guard: `redisRevocationStore.keyPrefix` must be a string'],
    [{ channel: '' }, 'bearer-guard: `redisRevocationStore.channel` must be a non-empty string'],
    [{ onEvent: 'log' }, 'bearer-guard: `redisRevocationStore.onEvent` must be a function'],
    [
      { logger: { info() {} } },
      'bearer-guard: `redisRevocationStore.logger` must be an object with a `warn(message)` method (console, pino, winston…)',
    ],
    [
      { maxStaleneess: '5s' },
      'bearer-guard: `redisRevocationStore.maxStaleneess` is not an option of `redisRevocationStore` (known: keyPrefix, channel, ' +
        'failurePolicy, maxStaleness, connectTimeout, commandTimeout, sweepInterval, clockTolerance, onEvent, logger)',
    ],
    ['deny', 'bearer-guard: `redisRevocationStore` options must be an object'],
  ])('refuses %j', (options, message) => {
    expectTypeError(construct({ url }, options), message);
  });

  it("reads durations in core's grammar: milliseconds, long unit names", () => {
    const o = resolveStoreOptions({
      maxStaleness: '500ms',
      connectTimeout: '1.5 seconds',
      commandTimeout: 2,
      sweepInterval: '1 min',
      clockTolerance: '2 minutes',
    });
    expect(o).toMatchObject({
      maxStalenessMs: 500,
      connectTimeoutMs: 1500,
      commandTimeoutMs: 2000,
      sweepIntervalMs: 60_000,
      clockTolerance: 120,
      heartbeatMs: 125,
    });
  });
});
