/**
 * Redis going away and coming back: the failure policies, reconnection with re-sync, and a
 * restart that loses every key (no persistence) without losing a revocation.
 */
import { createClient } from 'redis';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { isBearerError } from '@bearer-guard/core';
import {
  redisRevocationStore,
  type RedisClient,
  type RedisRevocationStore,
  type RedisRevocationStoreOptions,
} from '@bearer-guard/redis';
import { startRedisServer, type RedisServer } from './helpers/redis-server.js';
import { EventLog, expIn, jti, uniquePrefix, waitFor } from './helpers/wait.js';

let server: RedisServer;
const stores: RedisRevocationStore[] = [];

function open(options: RedisRevocationStoreOptions): RedisRevocationStore {
  const store = redisRevocationStore({ url: server.url }, options);
  stores.push(store);
  return store;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

beforeAll(async () => {
  server = await startRedisServer();
});

beforeEach(async () => {
  await server.start(); // a test that stopped it may have failed before starting it again
});

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  await server?.stop();
});

describe("failurePolicy 'deny' (default)", () => {
  it('answers from the replica while the outage is shorter than maxStaleness, then 503; recovers after reconnect', async () => {
    const printed = [
      vi.spyOn(console, 'log'),
      vi.spyOn(console, 'info'),
      vi.spyOn(console, 'warn'),
      vi.spyOn(console, 'error'),
      vi.spyOn(process, 'emitWarning'),
    ];
    onTestFinished(() => {
      for (const spy of printed) spy.mockRestore();
    });
    const events = new EventLog();
    const store = open({ keyPrefix: uniquePrefix(), maxStaleness: '400ms', onEvent: events.onEvent });
    await store.ready;
    const revoked = jti();
    await store.revoke(revoked, expIn(300));

    const disconnected = events.next('disconnected');
    await server.stop();
    await disconnected;
    expect(store.state).toBe('stale');
    // Within maxStaleness: still served from the replica.
    expect(store.isRevoked({ jti: revoked })).toBe(true);
    expect(store.isRevoked({ jti: jti() })).toBe(false);

    await new Promise((resolve) => setTimeout(resolve, 500));
    const error = thrown(() => store.isRevoked({ jti: jti() }));
    expect(isBearerError(error)).toBe(true);
    expect(error).toMatchObject({ name: 'AuthUnavailableError', status: 503, reason: 'revocation_unavailable' });
    expect((error as Error).message).toMatch(/no contact with Redis/);
    expect(() => store.isRevoked({ jti: revoked })).toThrow(/cannot be trusted/);
    expect(events.of('stale')).toEqual([expect.objectContaining({ type: 'stale', policy: 'deny' })]);

    const resynced = events.next('resynced');
    await server.start();
    await resynced;
    expect(store.state).toBe('synced');
    expect(store.isRevoked({ jti: revoked })).toBe(true);
    expect(store.isRevoked({ jti: jti() })).toBe(false);
    // Without a logger, 'deny' prints nothing: the 503s and the events say it all.
    for (const spy of printed) expect(spy).not.toHaveBeenCalled();
  });

  it('a connection that stays open but stops answering (a partition) also goes stale, and recovers', async () => {
    const events = new EventLog();
    const store = open({ keyPrefix: uniquePrefix(), maxStaleness: '300ms', onEvent: events.onEvent });
    await store.ready;
    const admin = createClient({ url: server.url }) as RedisClient;
    await admin.connect();
    try {
      // Redis stops answering every client for 1 s, without closing a connection.
      await admin.sendCommand(['CLIENT', 'PAUSE', '1000', 'ALL']);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(store.state).toBe('stale');
      expect(() => store.isRevoked({ jti: jti() })).toThrow(expect.objectContaining({ status: 503 }));
      expect(events.of('disconnected')).toHaveLength(0);
      await waitFor(() => store.state === 'synced', 3000, 'the store to trust its replica again');
      expect(store.isRevoked({ jti: jti() })).toBe(false);
    } finally {
      await admin.close();
    }
  });

  it('when the initial load cannot finish within connectTimeout, isRevoked answers 503', async () => {
    await server.stop();
    const store = open({ keyPrefix: uniquePrefix(), connectTimeout: '300ms' });
    const started = Date.now();
    await expect(store.isRevoked({ jti: jti() })).rejects.toMatchObject({
      status: 503,
      reason: 'revocation_unavailable',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(store.state).toBe('loading');
    expect(() => store.isRevoked({ jti: jti() })).toThrow(/not loaded from Redis within connectTimeout/);
    await server.start();
    await store.ready;
    expect(store.isRevoked({ jti: jti() })).toBe(false);
  });
});

describe("failurePolicy 'allow'", () => {
  it('answers from the last replica and warns loudly, once per outage, through the logger', async () => {
    const logger = { warn: vi.fn(), error: vi.fn(), info: vi.fn() };
    const events = new EventLog();
    const store = open({
      keyPrefix: uniquePrefix(),
      failurePolicy: 'allow',
      maxStaleness: '300ms',
      logger,
      onEvent: events.onEvent,
    });
    await store.ready;
    const revoked = jti();
    await store.revoke(revoked, expIn(300));
    await server.stop();
    await new Promise((resolve) => setTimeout(resolve, 450));

    for (let i = 0; i < 3; i++) {
      expect(store.isRevoked({ jti: revoked })).toBe(true);
      expect(store.isRevoked({ jti: jti() })).toBe(false);
    }
    expect(store.state).toBe('stale');
    const failingOpen = logger.warn.mock.calls.filter(([message]) => /FAILING OPEN/.test(String(message)));
    expect(failingOpen).toHaveLength(1);
    expect(events.of('stale')).toHaveLength(1);

    const resynced = events.next('resynced');
    await server.start();
    await resynced;
    expect(store.state).toBe('synced');
  });

  it('without a logger, raises a process warning instead (failing open is never silent)', async () => {
    const emitWarning = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const store = open({ keyPrefix: uniquePrefix(), failurePolicy: 'allow', maxStaleness: '200ms' });
      await store.ready;
      await server.stop();
      await waitFor(() => emitWarning.mock.calls.length > 0, 2000, 'a process warning');
      expect(store.isRevoked({ jti: jti() })).toBe(false);
      expect(emitWarning).toHaveBeenCalledTimes(1);
      expect(emitWarning.mock.calls[0]?.[0]).toMatch(/FAILING OPEN/);
    } finally {
      emitWarning.mockRestore();
    }
  });
});

describe('Redis restarted without persistence', () => {
  it('forgets nothing: replicas keep their entries, re-sync, and write them back for new instances', async () => {
    const keyPrefix = uniquePrefix();
    const aEvents = new EventLog();
    const bEvents = new EventLog();
    const a = open({ keyPrefix, commandTimeout: '300ms', onEvent: aEvents.onEvent });
    const b = open({ keyPrefix, onEvent: bEvents.onEvent });
    await Promise.all([a.ready, b.ready]);
    const before = jti();
    await a.revoke(before, expIn(300));
    await waitFor(() => b.isRevoked({ jti: before }) === true, 1000, 'b to learn the revocation');

    await server.stop(); // every key is gone with it
    const during = jti();
    const started = Date.now();
    await expect(a.revoke(during, expIn(300))).rejects.toThrow(/not confirmed by Redis/);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(a.isRevoked({ jti: during })).toBe(true); // refused here already

    const aResynced = aEvents.next('resynced', 10_000);
    const bResynced = bEvents.next('resynced', 10_000);
    await server.start();
    await Promise.all([aResynced, bResynced]);
    expect(a.isRevoked({ jti: before })).toBe(true);
    expect(b.isRevoked({ jti: before })).toBe(true);
    await waitFor(() => b.isRevoked({ jti: during }) === true, 2000, 'b to learn what a revoked during the outage');

    // A brand-new instance, loading only from the restarted Redis, knows both.
    const c = open({ keyPrefix });
    await c.ready;
    expect(c.isRevoked({ jti: before })).toBe(true);
    expect(c.isRevoked({ jti: during })).toBe(true);

    const admin = createClient({ url: server.url }) as RedisClient;
    await admin.connect();
    try {
      expect(await admin.exists([`${keyPrefix}revoked:${before}`, `${keyPrefix}revoked:${during}`])).toBe(2);
    } finally {
      await admin.close();
    }
    const writtenBack = [...aEvents.of('resynced'), ...bEvents.of('resynced')].reduce((n, e) => n + e.writtenBack, 0);
    expect(writtenBack).toBeGreaterThanOrEqual(1);
  });
});
