/**
 * Revocations reach other instances — here, another PROCESS running the built package behind
 * core's verifier — within 100 ms (the bound the feature promises, not a benchmark).
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisRevocationStore, type RedisRevocationStore } from '@bearer-guard/redis';
import { ensureBuilt } from './helpers/built.js';
import { ChildInstance, type Message } from './helpers/child.js';
import { startRedisServer, type RedisServer } from './helpers/redis-server.js';
import { AUDIENCE, ISSUER, SECRET, mint } from './helpers/tokens.js';
import { uniquePrefix } from './helpers/wait.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/instance.mjs', import.meta.url));

/** An instance running test/fixtures/instance.mjs: core's verifier behind the built store. */
class RevocationInstance extends ChildInstance {
  #nextId = 0;

  async verify(token: string): Promise<Message> {
    const id = this.#nextId++;
    const reply = this.next((m) => m.type === 'verified' && m.id === id);
    this.send({ type: 'verify', id, token });
    return (await reply).message;
  }
}

let server: RedisServer;
let store: RedisRevocationStore;
const children: RevocationInstance[] = [];
const keyPrefix = uniquePrefix();

async function startChild(): Promise<RevocationInstance> {
  const child = new RevocationInstance(FIXTURE, {
    url: server.url,
    keyPrefix,
    secret: SECRET,
    issuer: ISSUER,
    audience: AUDIENCE,
  });
  children.push(child);
  await child.next((m) => m.type === 'ready');
  return child;
}

beforeAll(async () => {
  ensureBuilt();
  server = await startRedisServer();
  store = redisRevocationStore({ url: server.url }, { keyPrefix });
  await store.ready;
});

afterAll(async () => {
  await Promise.all(children.map((child) => child.close()));
  await store?.close();
  await server?.stop();
});

describe('across processes', () => {
  it('an instance in another process refuses a token within 100 ms of its revocation', async () => {
    const child = await startChild();
    const elapsed: number[] = [];
    for (let i = 0; i < 5; i++) {
      const { token, jti, exp } = await mint();
      const watching = child.next((m) => m.type === 'watching' && m.jti === jti);
      child.send({ type: 'watch', token });
      await watching; // the child has verified (and cached) the token: it is accepted so far
      const refused = child.next((m) => m.type === 'refused' && m.jti === jti);
      const started = performance.now();
      await store.revoke(jti, exp);
      const { message, at } = await refused;
      expect(message.reason).toBe('token_revoked');
      elapsed.push(at - started);
    }
    // From the revoke() call on this side to the other process having refused the token.
    expect(Math.max(...elapsed)).toBeLessThan(100);
  });

  it('an instance started after a revocation refuses the token (initial load)', async () => {
    const { token, jti, exp } = await mint();
    const fresh = await mint();
    await store.revoke(jti, exp);
    const child = await startChild();
    expect(await child.verify(token)).toMatchObject({ ok: false, status: 401, reason: 'token_revoked' });
    expect(await child.verify(fresh.token)).toMatchObject({ ok: true });
  });
});
