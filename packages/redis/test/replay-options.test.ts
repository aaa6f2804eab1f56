/**
 * redisReplayStore's configuration mistakes throw a TypeError naming the option, at construction
 * (no Redis needed): bearer-guard: `redisReplayStore.<option>` …; and its types fit core's
 * `dpop.replay`.
 */
import { createClient } from 'redis';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { AuthOptions, ReplayStore } from '@bearer-guard/core';
import { redisReplayStore, type RedisReplayStore, type RedisReplayStoreOptions } from '@bearer-guard/redis';

const url = 'redis://127.0.0.1:1'; // never reached: every case below throws before connecting
const notADuration = "must be seconds (a number ≥ 0) or a duration such as '500ms', '30s', '5m', '2 days'";

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

describe('redisReplayStore options', () => {
  it.each([
    ['nothing', undefined, 'bearer-guard: `redisReplayStore` expects `{ client }` or `{ url }` as first argument'],
    [
      'both',
      { url, client: createClient() },
      'bearer-guard: `redisReplayStore.client` or `redisReplayStore.url`: give exactly one of the two',
    ],
    [
      'neither',
      { keyPrefix: 'app:' },
      'bearer-guard: `redisReplayStore.client` or `redisReplayStore.url`: give exactly one of the two',
    ],
    ['a non-URL', { url: 'not a url' }, 'bearer-guard: `redisReplayStore.url` is not a valid URL: "not a url"'],
    [
      'an http URL',
      { url: 'http://localhost:6379' },
      'bearer-guard: `redisReplayStore.url` must be a redis:// or rediss:// URL',
    ],
    [
      'an ioredis-like object',
      { client: { get() {}, set() {} } },
      'bearer-guard: `redisReplayStore.client` must be a node-redis v5 client (`createClient()` from `redis`)',
    ],
    [
      'an unknown option, before the missing URL',
      { uri: url },
      'bearer-guard: `redisReplayStore.uri` is not an option of `redisReplayStore` (known: client, url, keyPrefix, commandTimeout)',
    ],
    [
      "an option of redisRevocationStore's",
      { url, failurePolicy: 'deny' },
      'bearer-guard: `redisReplayStore.failurePolicy` is not an option of `redisReplayStore` (known: client, url, keyPrefix, commandTimeout)',
    ],
    ['a non-string keyPrefix', { url, keyPrefix: 42 }, 'bearer-guard: `redisReplayStore.keyPrefix` must be a string'],
    [
      'a zero commandTimeout',
      { url, commandTimeout: 0 },
      'bearer-guard: `redisReplayStore.commandTimeout` must be at least 1 ms; got 0',
    ],
    [
      'a commandTimeout that is no duration',
      { url, commandTimeout: 'soon' },
      `bearer-guard: \`redisReplayStore.commandTimeout\` ${notADuration}; got "soon"`,
    ],
  ])('refuses %s', (_, options, message) => {
    expectTypeError(() => redisReplayStore(options as RedisReplayStoreOptions), message);
  });

  it('accepts a duration in any of core’s forms, and a { url } store closes without ever connecting', async () => {
    const store = redisReplayStore({ url, keyPrefix: '', commandTimeout: '250ms' });
    await store.close();
    await expect(store.remember('k', Date.now() / 1000 + 60)).rejects.toThrow(/closed redisReplayStore/);
  });
});

describe('types', () => {
  it("is a ReplayStore for core's dpop.replay, with { url } or any node-redis client", () => {
    expectTypeOf<RedisReplayStore>().toExtend<ReplayStore>();
    expectTypeOf<{ replay: RedisReplayStore }>().toExtend<Exclude<AuthOptions['dpop'], boolean | undefined>>();
    expectTypeOf({ url: 'redis://localhost:6379', keyPrefix: 'app:' }).toExtend<RedisReplayStoreOptions>();
    expectTypeOf({ client: createClient({ RESP: 3 }), commandTimeout: '500ms' }).toExtend<RedisReplayStoreOptions>();
    expectTypeOf({ keyPrefix: 'app:' }).not.toExtend<RedisReplayStoreOptions>();
    expectTypeOf<RedisReplayStore['remember']>().returns.toEqualTypeOf<Promise<boolean>>();
  });
});
