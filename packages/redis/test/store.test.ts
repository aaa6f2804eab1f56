/** The store against a real Redis: what it writes, the replica, expiry, the initial load, lifecycle. */
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  redisRevocationStore,
  type RedisClient,
  type RedisRevocationStore,
  type RedisRevocationStoreOptions,
} from '@bearer-guard/redis';
import { startRedisServer, type RedisServer } from './helpers/redis-server.js';
import { EventLog, expIn, jti, uniquePrefix, waitFor } from './helpers/wait.js';

let server: RedisServer;
let admin: RedisClient;
const stores: RedisRevocationStore[] = [];
const clients: RedisClient[] = [];

function open(options: RedisRevocationStoreOptions = {}): RedisRevocationStore {
  const store = redisRevocationStore({ url: server.url }, options);
  stores.push(store);
  return store;
}

async function connectedClients(): Promise<number> {
  const info = String(await admin.info('clients'));
  return Number(/connected_clients:(\d+)/.exec(info)?.[1]);
}

/** The server drops a closed connection a moment after the client has: poll for a while. */
async function expectClients(count: number): Promise<void> {
  const deadline = Date.now() + 2000;
  while ((await connectedClients()) !== count && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 10));
  expect(await connectedClients()).toBe(count);
}

beforeAll(async () => {
  server = await startRedisServer();
  admin = createClient({ url: server.url }) as RedisClient;
  clients.push(admin);
  await admin.connect();
});

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  await Promise.all(clients.filter((c) => c.isOpen).map((c) => c.close()));
  await server?.stop();
});

describe('revoke', () => {
  it('writes <prefix>revoked:<jti> = exp expiring at exp + clockTolerance, and publishes {jti, exp}', async () => {
    const keyPrefix = uniquePrefix();
    const store = open({ keyPrefix, clockTolerance: 30 });
    await store.ready;
    const listener = admin.duplicate();
    clients.push(listener);
    await listener.connect();
    const messages: string[] = [];
    await listener.subscribe(`${keyPrefix}revocations`, (message) => messages.push(message));

    const id = jti();
    const exp = expIn(300);
    await store.revoke(id, exp);
    expect(await admin.get(`${keyPrefix}revoked:${id}`)).toBe(String(exp));
    expect(await admin.pExpireTime(`${keyPrefix}revoked:${id}`)).toBe((exp + 30) * 1000);
    await waitFor(() => messages.length > 0, 1000, 'the published revocation');
    expect(JSON.parse(messages[0] as string)).toEqual({ jti: id, exp });
  });

  it("scoped to an issuer: <prefix>revoked-by:<base64url(iss)>:<jti>, refusing only that issuer's token, everywhere", async () => {
    const keyPrefix = uniquePrefix();
    const store = open({ keyPrefix, clockTolerance: 30 });
    const other = open({ keyPrefix });
    await Promise.all([store.ready, other.ready]);
    expect(store.retention).toBe(30);
    const id = jti();
    const exp = expIn(300);
    const tenant = 'https://tenant-b.example/';
    await store.revoke(id, exp, tenant);
    const key = `${keyPrefix}revoked-by:${Buffer.from(tenant).toString('base64url')}:${id}`;
    expect(await admin.get(key)).toBe(String(exp));
    expect(await admin.exists(`${keyPrefix}revoked:${id}`)).toBe(0);
    await waitFor(
      () => other.isRevoked({ iss: tenant, jti: id }) === true,
      1000,
      'the scoped revocation on the other instance',
    );
    expect([other.isRevoked({ iss: 'https://tenant-a.example/', jti: id }), other.isRevoked({ jti: id })]).toEqual([
      false,
      false,
    ]);
    const late = open({ keyPrefix });
    await late.ready;
    expect([
      late.isRevoked({ iss: tenant, jti: id }),
      late.isRevoked({ iss: 'https://tenant-a.example/', jti: id }),
    ]).toEqual([true, false]);
    await expect(store.revoke(id, exp, '')).rejects.toThrow('revoke: `issuer` must be a non-empty string when given');
  });

  it('answers from the replica synchronously: no Redis round trip', async () => {
    const store = open({ keyPrefix: uniquePrefix() });
    await store.ready;
    const id = jti();
    await store.revoke(id, expIn(300));
    expect(store.isRevoked({ jti: id })).toBe(true); // a boolean, not a promise
    expect(store.isRevoked({ jti: jti() })).toBe(false);
    expect(store.isRevoked({ sub: 'no-jti' })).toBe(false);
    expect(store.state).toBe('synced');
  });

  it('reaches every instance in this process, and an instance started later loads it', async () => {
    const keyPrefix = uniquePrefix();
    const a = open({ keyPrefix });
    const events = new EventLog();
    const b = open({ keyPrefix, onEvent: events.onEvent });
    await Promise.all([a.ready, b.ready]);
    const id = jti();
    const exp = expIn(300);
    const seen = events.next('revoked');
    await a.revoke(id, exp);
    expect(await seen).toEqual({ type: 'revoked', jti: id, expiresAt: exp, origin: 'remote' });
    expect(b.isRevoked({ jti: id })).toBe(true);

    const late = open({ keyPrefix });
    await late.ready;
    expect(late.isRevoked({ jti: id })).toBe(true);
    expect(late.size).toBe(1);
  });

  it('isRevoked before the initial load waits for it', async () => {
    const keyPrefix = uniquePrefix();
    const id = jti();
    const writer = open({ keyPrefix });
    await writer.revoke(id, expIn(300));
    const store = open({ keyPrefix });
    expect(store.state).toBe('loading');
    const answer = store.isRevoked({ jti: id });
    expect(answer).toBeInstanceOf(Promise);
    expect(await answer).toBe(true);
    expect(store.state).toBe('synced');
  });

  it('ignores a token that has already expired', async () => {
    const keyPrefix = uniquePrefix();
    const store = open({ keyPrefix, clockTolerance: 0 });
    await store.ready;
    const id = jti();
    await store.revoke(id, expIn(-10));
    expect(store.isRevoked({ jti: id })).toBe(false);
    expect(await admin.exists(`${keyPrefix}revoked:${id}`)).toBe(0);
  });

  it('rejects a bad jti or expiresAt', async () => {
    const store = open({ keyPrefix: uniquePrefix() });
    await expect(store.revoke('', expIn(60))).rejects.toThrow(TypeError);
    await expect(store.revoke(jti(), Number.NaN)).rejects.toThrow(TypeError);
    await expect(store.revoke(jti(), '123' as unknown as number)).rejects.toThrow(/expiresAt/);
  });
});

describe('expiry', () => {
  it("an entry disappears from Redis and from the replica once the token's exp (+ clockTolerance) has passed", async () => {
    const strict = uniquePrefix();
    const tolerant = uniquePrefix();
    const a = open({ keyPrefix: strict, clockTolerance: 0 });
    const b = open({ keyPrefix: tolerant, clockTolerance: '1s' });
    await Promise.all([a.ready, b.ready]);
    const id = jti();
    const exp = expIn(2);
    await a.revoke(id, exp);
    await b.revoke(id, exp);
    expect(a.isRevoked({ jti: id })).toBe(true);

    await waitFor(() => Date.now() > exp * 1000 + 50, 3000, 'exp');
    expect(a.isRevoked({ jti: id })).toBe(false);
    expect(a.size).toBe(0);
    expect(await admin.exists(`${strict}revoked:${id}`)).toBe(0);
    // The verifier still accepts a token up to its clockTolerance past exp: so does the denylist.
    expect(b.isRevoked({ jti: id })).toBe(true);
    expect(await admin.exists(`${tolerant}revoked:${id}`)).toBe(1);

    await waitFor(() => Date.now() > (exp + 1) * 1000 + 50, 2000, 'exp + 1 s');
    expect(b.isRevoked({ jti: id })).toBe(false);
    expect(await admin.exists(`${tolerant}revoked:${id}`)).toBe(0);
  });
});

describe('initial load', () => {
  it('loads 20 000 revocations in bounded time (< 5 s)', async () => {
    const keyPrefix = uniquePrefix();
    const writer = open({ keyPrefix });
    await writer.ready;
    const exp = expIn(600);
    const ids = Array.from({ length: 20_000 }, () => jti());
    for (let i = 0; i < ids.length; i += 2000) {
      await Promise.all(ids.slice(i, i + 2000).map((id) => writer.revoke(id, exp)));
    }

    const events = new EventLog();
    const started = performance.now();
    const reader = open({ keyPrefix, onEvent: events.onEvent });
    const synced = events.next('sync');
    await reader.ready;
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(5000);
    expect(reader.size).toBe(20_000);
    expect(await synced).toMatchObject({ loaded: 20_000, writtenBack: 0 });
    expect(ids.every((id) => reader.isRevoked({ jti: id }) === true)).toBe(true);
  });

  it('a load that outlasts maxStaleness still ends trusted: once ready, the store answers at once', async () => {
    // 60 000 entries written straight into Redis: loading them takes several times the 100 ms
    // maxStaleness below, so trust dated from the start of the load would be stale at `ready`.
    const keyPrefix = uniquePrefix();
    const exp = expIn(600);
    const ids = Array.from({ length: 60_000 }, () => jti());
    for (let i = 0; i < ids.length; i += 5000) {
      await Promise.all(
        ids
          .slice(i, i + 5000)
          .map((id) =>
            admin.sendCommand(['SET', `${keyPrefix}revoked:${id}`, String(exp), 'PXAT', String((exp + 60) * 1000)]),
          ),
      );
    }

    const reader = open({ keyPrefix, maxStaleness: '100ms', failurePolicy: 'deny' });
    await reader.ready;
    // Checked synchronously after `ready`, before any heartbeat could answer.
    expect(reader.state).toBe('synced');
    expect(reader.size).toBe(60_000);
    expect(reader.isRevoked({ jti: ids[0] })).toBe(true);
    expect(reader.isRevoked({ jti: jti() })).toBe(false);
  });

  it('matches only its own prefix, even one with glob characters', async () => {
    const odd = `bg-test:*?[x]:${jti().slice(0, 4)}:`;
    const other = uniquePrefix();
    const a = open({ keyPrefix: odd });
    const b = open({ keyPrefix: other });
    await Promise.all([a.ready, b.ready]);
    await b.revoke('foreign', expIn(300));
    await a.revoke('own', expIn(300));
    const reader = open({ keyPrefix: odd });
    await reader.ready;
    expect(reader.isRevoked({ jti: 'own' })).toBe(true);
    expect(reader.isRevoked({ jti: 'foreign' })).toBe(false);
  });
});

describe('lifecycle', () => {
  it('with { client }: duplicates it for the subscription, closes only the duplicate', async () => {
    const client = createClient({ url: server.url }) as RedisClient;
    client.on('error', () => {});
    clients.push(client);
    await client.connect();
    const before = await connectedClients();
    const store = redisRevocationStore({ client }, { keyPrefix: uniquePrefix() });
    await store.ready;
    expect(await connectedClients()).toBe(before + 1);
    await store.close();
    expect(store.state).toBe('closed');
    expect(client.isReady).toBe(true);
    expect(await client.ping()).toBe('PONG');
    await expectClients(before);
  });

  it('with { client } not yet connected: waits for its owner to connect it', async () => {
    const client = createClient({ url: server.url }) as RedisClient;
    client.on('error', () => {});
    clients.push(client);
    const store = redisRevocationStore({ client }, { keyPrefix: uniquePrefix() });
    stores.push(store);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(store.state).toBe('loading');
    await client.connect();
    await store.ready;
    expect(store.state).toBe('synced');
  });

  it('with { url }: close() quits both connections it created; later calls fail clearly', async () => {
    const before = await connectedClients();
    const store = redisRevocationStore({ url: server.url }, { keyPrefix: uniquePrefix() });
    await store.ready;
    expect(await connectedClients()).toBe(before + 2);
    await Promise.all([store.close(), store.close()]);
    await expectClients(before);
    await expect(store.revoke(jti(), expIn(60))).rejects.toThrow(/closed/);
    expect(() => store.isRevoked({ jti: 'x' })).toThrow(
      expect.objectContaining({ status: 503, reason: 'revocation_unavailable' }),
    );
  });

  it('close() before the initial load rejects ready, without an unhandled rejection', async () => {
    const store = redisRevocationStore({ url: server.url }, { keyPrefix: uniquePrefix() });
    await store.close();
    await expect(store.ready).rejects.toThrow(/closed before the initial load/);
  });
});
