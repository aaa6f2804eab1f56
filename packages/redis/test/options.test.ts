/** Configuration mistakes throw a TypeError naming the option, at construction (no Redis needed). */
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { redisRevocationStore, type RedisConnection, type RedisRevocationStoreOptions } from '@bearer-guard/redis';

const url = 'redis://127.0.0.1:1'; // never reached: every case below throws before connecting

function construct(connection: unknown, options?: unknown): () => unknown {
  return () => redisRevocationStore(connection as RedisConnection, options as RedisRevocationStoreOptions);
}

describe('connection', () => {
  it.each([
    ['nothing', undefined, /first argument/],
    ['both', { url, client: createClient() }, /`client` or `url`/],
    ['neither', {}, /`client` or `url`/],
    ['a non-URL', { url: 'not a url' }, /`url` is not a valid URL/],
    ['an http URL', { url: 'http://localhost:6379' }, /`url` must be a redis:\/\/ or rediss:\/\//],
    ['an ioredis-like object', { client: { get() {}, set() {} } }, /`client` must be a node-redis v5 client/],
  ])('refuses %s', (_, connection, message) => {
    expect(construct(connection)).toThrow(TypeError);
    expect(construct(connection)).toThrow(message);
  });
});

describe('options', () => {
  it.each([
    [{ failurePolicy: 'open' }, /`failurePolicy` must be 'deny' or 'allow'/],
    [{ maxStaleness: -1 }, /`maxStaleness`/],
    [{ maxStaleness: '10ms' }, /`maxStaleness` must be at least 100 ms/],
    [{ connectTimeout: 'soon' }, /`connectTimeout`/],
    [{ commandTimeout: 0 }, /`commandTimeout` must be at least 1 ms/],
    [{ sweepInterval: '1ms' }, /`sweepInterval`/],
    [{ clockTolerance: '-5s' }, /`clockTolerance`/],
    [{ keyPrefix: 42 }, /`keyPrefix` must be a string/],
    [{ channel: '' }, /`channel` must be a non-empty string/],
    [{ onEvent: 'log' }, /`onEvent` must be a function/],
    [{ logger: { info() {} } }, /`logger` must be an object with a `warn\(message\)` method/],
    [{ maxStaleneess: '5s' }, /`maxStaleneess` is not an option/],
    ['deny', /options must be an object/],
  ])('refuses %j', (options, message) => {
    expect(construct({ url }, options)).toThrow(TypeError);
    expect(construct({ url }, options)).toThrow(message);
  });
});
