/**
 * redisReplayStore against a real redis-server: one `SET NX PXAT` per proof, true for a new key,
 * false for a replay, keys that expire, prefixes that isolate, and a bounded rejection when Redis
 * is down or silent.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisReplayStore, type RedisReplayStore, type RedisReplayStoreOptions } from '@bearer-guard/redis';
import { startRedisServer, type RedisServer } from './helpers/redis-server.js';
import { expIn, jti as key, uniquePrefix } from './helpers/wait.js';

let server: RedisServer;
let admin: ReturnType<typeof createClient>;
const stores: RedisReplayStore[] = [];

function open(options: Partial<RedisReplayStoreOptions> = {}): RedisReplayStore {
  const store = redisReplayStore({ url: server.url, keyPrefix: uniquePrefix(), ...options } as RedisReplayStoreOptions);
  stores.push(store);
  return store;
}

/** Connections the server has, this test's admin connection included. */
async function connections(): Promise<number> {
  const list = String(await admin.sendCommand(['CLIENT', 'LIST']));
  return list.split('\n').filter((line) => line.trim() !== '').length;
}

/** Settles `promise` and reports how long it took; never lets it hang the test (10 s). */
async function timed<T>(promise: Promise<T>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const error = await Promise.race([
    promise.then(
      () => undefined,
      (e: unknown) => e,
    ),
    new Promise((resolve) => {
      timer = setTimeout(resolve, 10_000, new Error('still pending after 10 s'));
    }),
  ]);
  clearTimeout(timer);
  return { error, ms: Date.now() - started };
}

beforeAll(async () => {
  server = await startRedisServer();
  admin = await createClient({ url: server.url })
    .on('error', () => {})
    .connect();
});

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  admin?.destroy();
  await server?.stop();
});

describe('remember', () => {
  it('is true for a new key and false for the same key again', async () => {
    const store = open();
    const k = key();
    expect(await store.remember(k, expIn(60))).toBe(true);
    expect(await store.remember(k, expIn(60))).toBe(false);
    expect(await store.remember(key(), expIn(60))).toBe(true);
  });

  it('writes one key, <keyPrefix>dpop:<key> = "1", expiring at expiresAt (PXAT)', async () => {
    const keyPrefix = uniquePrefix();
    const store = open({ keyPrefix });
    const k = key();
    const expiresAt = expIn(30);
    await store.remember(k, expiresAt);
    expect(await admin.keys(`${keyPrefix}*`)).toEqual([`${keyPrefix}dpop:${k}`]);
    expect(await admin.get(`${keyPrefix}dpop:${k}`)).toBe('1');
    expect(Number(await admin.sendCommand(['PEXPIRETIME', `${keyPrefix}dpop:${k}`]))).toBe(expiresAt * 1000);
  });

  it("uses 'bearer-guard:' as the default key prefix, as redisRevocationStore does", async () => {
    const store = redisReplayStore({ url: server.url });
    stores.push(store);
    const k = key();
    await store.remember(k, expIn(30));
    expect(await admin.get(`bearer-guard:dpop:${k}`)).toBe('1');
  });

  it('honours expiresAt: once it has passed, the key is new again', async () => {
    const store = open();
    const k = key();
    const expiresAt = Date.now() / 1000 + 0.3; // fractions of a second: PXAT rounds up to the millisecond
    expect(await store.remember(k, expiresAt)).toBe(true);
    expect(await store.remember(k, expiresAt)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await store.remember(k, expIn(60))).toBe(true);
  });

  it('keeps stores with different prefixes apart, and shares one prefix across connections', async () => {
    const shared = uniquePrefix();
    const a = open({ keyPrefix: shared });
    const b = open({ keyPrefix: shared });
    const other = open({ keyPrefix: uniquePrefix() });
    const k = key();
    expect(await a.remember(k, expIn(60))).toBe(true);
    expect(await other.remember(k, expIn(60))).toBe(true);
    expect(await b.remember(k, expIn(60))).toBe(false);
  });

  it('is atomic: of 40 concurrent calls with one key on two connections, exactly one is true', async () => {
    const keyPrefix = uniquePrefix();
    const a = open({ keyPrefix });
    const b = open({ keyPrefix });
    const k = key();
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).remember(k, expIn(60))),
    );
    expect(answers.filter(Boolean)).toHaveLength(1);
  });

  it('works on a client you pass, and close() leaves that client open', async () => {
    const client = await createClient({ url: server.url })
      .on('error', () => {})
      .connect();
    try {
      const store = redisReplayStore({ client, keyPrefix: uniquePrefix() });
      const k = key();
      expect(await store.remember(k, expIn(60))).toBe(true);
      expect(await store.remember(k, expIn(60))).toBe(false);
      await store.close();
      expect(client.isReady).toBe(true);
      expect(await client.ping()).toBe('PONG');
      await expect(store.remember(key(), expIn(60))).rejects.toThrow(/closed redisReplayStore/);
    } finally {
      client.destroy();
    }
  });

  it('close() closes the connection it opened from { url }; remember then rejects', async () => {
    const before = await connections();
    const store = redisReplayStore({ url: server.url, keyPrefix: uniquePrefix() });
    expect(await store.remember(key(), expIn(60))).toBe(true);
    expect(await connections()).toBe(before + 1);
    await store.close();
    // The server sees the close a moment later: polled, for at most 2 s.
    const deadline = Date.now() + 2000;
    while ((await connections()) !== before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await connections()).toBe(before);
    await expect(store.remember(key(), expIn(60))).rejects.toThrow(/closed redisReplayStore/);
    await store.close(); // twice is fine
  });

  it('rejects a key that is not a non-empty string, and an expiresAt that is not a time', async () => {
    const store = open();
    await expect(store.remember('', expIn(60))).rejects.toThrow(
      'bearer-guard: `redisReplayStore.remember` needs a non-empty string key',
    );
    await expect(store.remember(key(), Number.NaN)).rejects.toThrow(
      'bearer-guard: `redisReplayStore.remember` needs expiresAt in seconds since the epoch; got NaN',
    );
  });
});

describe('when Redis does not answer', () => {
  it('rejects within commandTimeout while Redis is down, and answers again once it is back', async () => {
    const own = await startRedisServer();
    const store = redisReplayStore({ url: own.url, commandTimeout: '300ms' });
    try {
      expect(await store.remember(key(), expIn(60))).toBe(true);
      await own.stop();
      for (let i = 0; i < 3; i++) {
        const { error, ms } = await timed(store.remember(key(), expIn(60)));
        expect(error).toBeInstanceOf(Error);
        expect((error as Error).message).toMatch(
          /^@bearer-guard\/redis: redisReplayStore could not record a DPoP proof/,
        );
        expect(ms).toBeLessThan(300 + 500);
      }
      await own.start();
      const deadline = Date.now() + 10_000;
      let answer: unknown;
      while (answer !== true && Date.now() < deadline) {
        answer = await store.remember(key(), expIn(60)).catch((error: unknown) => error);
        if (answer !== true) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(answer).toBe(true);
      // The restarted Redis is empty, and the writes that timed out were taken out of the
      // client's queue rather than replayed on reconnect: only the last key is there.
      const check = await createClient({ url: own.url })
        .on('error', () => {})
        .connect();
      try {
        expect(await check.keys('bearer-guard:dpop:*')).toHaveLength(1);
      } finally {
        check.destroy();
      }
    } finally {
      await store.close();
      await own.stop();
    }
  });

  it('rejects within commandTimeout when the server accepts connections and never answers', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const store = redisReplayStore({ url: `redis://127.0.0.1:${port}`, commandTimeout: '200ms' });
    try {
      const { error, ms } = await timed(store.remember(key(), expIn(60)));
      expect((error as Error).message).toBe(
        '@bearer-guard/redis: redisReplayStore could not record a DPoP proof (no answer from Redis within 200 ms)',
      );
      expect(ms).toBeGreaterThanOrEqual(190);
      expect(ms).toBeLessThan(200 + 500);
    } finally {
      await store.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
