/**
 * Revocations reach other instances — here, another PROCESS running the built package behind
 * core's verifier — within 100 ms (the bound the feature promises, not a benchmark).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisRevocationStore, type RedisRevocationStore } from '@bearer-guard/redis';
import { ensureBuilt } from './helpers/built.js';
import { startRedisServer, type RedisServer } from './helpers/redis-server.js';
import { AUDIENCE, ISSUER, SECRET, mint } from './helpers/tokens.js';
import { uniquePrefix } from './helpers/wait.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/instance.mjs', import.meta.url));

type Message = { type: string; [key: string]: unknown };

/** Another API instance in a child process. */
class ChildInstance {
  readonly #child: ChildProcess;
  readonly #listeners = new Set<(message: Message, at: number) => void>();
  #nextId = 0;

  constructor(config: Record<string, string>) {
    this.#child = fork(FIXTURE, [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#child.on('message', (message) => {
      const at = performance.now();
      for (const listener of this.#listeners) listener(message as Message, at);
    });
  }

  /** Resolves with the first message matching `predicate`, and when it arrived (performance.now()). */
  next(predicate: (message: Message) => boolean, timeoutMs = 10_000): Promise<{ message: Message; at: number }> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => done(new Error(`instance exited (${code})`));
      const timer = setTimeout(
        () => done(new Error(`no matching message from the instance within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const listener = (message: Message, at: number) => {
        if (message.type === 'error') done(new Error(String(message.message)));
        else if (predicate(message)) done(undefined, { message, at });
      };
      const done = (error?: Error, value?: { message: Message; at: number }) => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
        this.#child.off('exit', onExit);
        if (error) reject(error);
        else resolve(value as { message: Message; at: number });
      };
      this.#listeners.add(listener);
      this.#child.once('exit', onExit);
    });
  }

  send(message: Message): void {
    this.#child.send(message);
  }

  async verify(token: string): Promise<Message> {
    const id = this.#nextId++;
    const reply = this.next((m) => m.type === 'verified' && m.id === id);
    this.send({ type: 'verify', id, token });
    return (await reply).message;
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    if (this.#child.connected) this.send({ type: 'close' });
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
}

let server: RedisServer;
let store: RedisRevocationStore;
const children: ChildInstance[] = [];
const keyPrefix = uniquePrefix();

async function startChild(): Promise<ChildInstance> {
  const child = new ChildInstance({ url: server.url, keyPrefix, secret: SECRET, issuer: ISSUER, audience: AUDIENCE });
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
