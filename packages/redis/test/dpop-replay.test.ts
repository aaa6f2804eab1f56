/**
 * A DPoP proof accepted by one instance of an API is refused by another as a replay: two Express
 * APIs (the built @bearer-guard/express, each in its own PROCESS) share one redis-server through
 * the built `redisReplayStore`. A load balancer keeps the `Host` header, so both instances see
 * the same request URL (`htu`): the proof is valid for either, and only the shared store can
 * tell that it was used. With Redis down, DPoP requests are answered 503.
 *
 * Tokens and proofs are minted here with jose, independently of the verifier under test.
 */
import { createHash, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import {
  calculateJwkThumbprint,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
} from 'jose';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './helpers/built.js';
import { ChildInstance } from './helpers/child.js';
import { startRedisServer, type RedisServer } from './helpers/redis-server.js';
import { AUDIENCE, ISSUER } from './helpers/tokens.js';
import { uniquePrefix } from './helpers/wait.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/dpop-instance.mjs', import.meta.url));
/** The API's public origin, as the load balancer in front of both instances passes it on. */
const HOST = 'api.test';
const HTU = `http://${HOST}/orders`;
const COMMAND_TIMEOUT_MS = 500;

const DPOP_CHALLENGE =
  'Bearer realm="api", DPoP realm="api", error="invalid_dpop_proof", ' +
  'error_description="The DPoP proof is invalid", algs="ES256 ES384 ES512 EdDSA Ed25519 PS256 PS384 PS512 RS256 RS384 RS512"';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** One HTTP request to 127.0.0.1:`port`, with the API's public `Host`; fails after 5 s. */
function send(port: number, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method: 'GET', path: '/orders', headers: { host: HOST, ...headers }, timeout: 5000 },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', reject);
    req.end();
  });
}

let server: RedisServer;
let admin: ReturnType<typeof createClient> | undefined;
let issuerKey: CryptoKey;
let publicKeyPem: string;
let clientKey: CryptoKey;
let clientJwk: JWK;
let jkt: string;
const keyPrefix = uniquePrefix();
const children: ChildInstance[] = [];
const ports = new Map<ChildInstance, number>();

/** An access token bound to the client's key (`cnf.jkt`, RFC 9449 §6.1). */
async function accessToken(): Promise<string> {
  return new SignJWT({ scope: 'read:orders', cnf: { jkt } })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject('user-1')
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(issuerKey);
}

/** A fresh DPoP proof for `GET HTU` with `token` (RFC 9449 §4.2). */
async function proof(token: string): Promise<string> {
  return new SignJWT({
    jti: randomUUID(),
    htm: 'GET',
    htu: HTU,
    iat: Math.floor(Date.now() / 1000),
    ath: createHash('sha256').update(token).digest('base64url'),
  })
    .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: clientJwk })
    .sign(clientKey);
}

async function startInstance(name: string): Promise<ChildInstance> {
  const child = new ChildInstance(FIXTURE, {
    name,
    url: server.url,
    keyPrefix,
    commandTimeout: `${COMMAND_TIMEOUT_MS}ms`,
    issuer: ISSUER,
    audience: AUDIENCE,
    publicKey: publicKeyPem,
  });
  children.push(child);
  const { message } = await child.next((m) => m.type === 'ready');
  ports.set(child, message.port as number);
  return child;
}

/** Sends `token` and `proofJwt` to `child`; returns the reply and what the instance reported (handled or rejected). */
async function call(child: ChildInstance, token: string, proofJwt: string) {
  const id = randomUUID();
  const reported = child.next((m) => (m.type === 'handled' || m.type === 'rejected') && m.id === id, 5000);
  const reply = await send(ports.get(child) as number, {
    authorization: `DPoP ${token}`,
    dpop: proofJwt,
    'x-request-id': id,
  });
  return { reply, report: (await reported).message, id };
}

/** The replay keys in Redis under this file's prefix, with their remaining lifetimes (ms). */
async function replayKeys(): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for await (const batch of (admin as NonNullable<typeof admin>).scanIterator({ MATCH: `${keyPrefix}dpop:*` })) {
    for (const key of batch) found.set(String(key), Number(await admin?.pTTL(key)));
  }
  return found;
}

let a: ChildInstance;
let b: ChildInstance;

beforeAll(async () => {
  ensureBuilt(['core', 'express']);
  const issuer = await generateKeyPair('ES256', { extractable: true });
  issuerKey = issuer.privateKey;
  publicKeyPem = await exportSPKI(issuer.publicKey);
  const client = await generateKeyPair('ES256', { extractable: true });
  clientKey = client.privateKey;
  clientJwk = await exportJWK(client.publicKey);
  jkt = await calculateJwkThumbprint(clientJwk, 'sha256');
  server = await startRedisServer();
  admin = await createClient({ url: server.url })
    .on('error', () => {})
    .connect();
  [a, b] = await Promise.all([startInstance('a'), startInstance('b')]);
}, 30_000);

afterAll(async () => {
  await Promise.all(children.map((child) => child.close()));
  if (admin?.isOpen) admin.destroy();
  await server?.stop();
});

describe('DPoP replay across processes (one Redis, two instances)', () => {
  it('a proof accepted by instance A is refused by instance B: 401 invalid_dpop_proof (dpop_proof_replayed)', async () => {
    const token = await accessToken();
    const first = await proof(token);

    const accepted = await call(a, token, first);
    expect(accepted.reply.status).toBe(200);
    expect(accepted.reply.body).toEqual({ instance: 'a', sub: 'user-1', confirmation: { jkt } });
    expect(accepted.report).toEqual({ type: 'handled', id: accepted.id });
    // One key in Redis for the proof, living no longer than the proof window (60 s + 5 s tolerance).
    const keys = [...(await replayKeys()).values()];
    expect(keys).toHaveLength(1);
    expect(keys[0]).toBeGreaterThan(55_000);
    expect(keys[0]).toBeLessThanOrEqual(66_000);

    const replayed = await call(b, token, first);
    expect(replayed.reply.status).toBe(401);
    expect(replayed.reply.headers['www-authenticate']).toBe(DPOP_CHALLENGE);
    expect(replayed.reply.headers['cache-control']).toBe('no-store');
    expect(replayed.reply.headers['content-type']).toMatch(/^application\/json/);
    expect(replayed.reply.body).toEqual({
      error: 'invalid_dpop_proof',
      error_description: 'The DPoP proof is invalid',
    });
    // B never saw this proof: only the shared store can have told it; and its handler did not run.
    expect(replayed.report).toMatchObject({ type: 'rejected', status: 401, reason: 'dpop_proof_replayed' });
    expect(b.messages.filter((m) => m.type === 'handled' && m.id === replayed.id)).toEqual([]);

    // B accepts a fresh proof for the same token and URL: the refusal above was the replay, nothing else.
    const fresh = await proof(token);
    const other = await call(b, token, fresh);
    expect(other.reply.status).toBe(200);
    expect(other.reply.body).toMatchObject({ instance: 'b' });
    // … and that one is now refused by A, and by B itself.
    for (const child of [a, b]) {
      const again = await call(child, token, fresh);
      expect(again.reply.status).toBe(401);
      expect(again.reply.headers['www-authenticate']).toBe(DPOP_CHALLENGE);
      expect(again.report).toMatchObject({ reason: 'dpop_proof_replayed' });
    }
  });

  it('Redis down: the next DPoP request is answered 503 within the command timeout, on every instance', async () => {
    const token = await accessToken();
    admin?.destroy();
    await server.stop();

    for (const child of [a, b]) {
      const started = Date.now();
      const { reply, report } = await call(child, token, await proof(token));
      const elapsed = Date.now() - started;
      expect(reply.status).toBe(503);
      expect(reply.headers['www-authenticate']).toBeUndefined();
      expect(reply.headers['cache-control']).toBe('no-store');
      expect(reply.body).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'The authentication backend is unavailable',
      });
      expect(report).toMatchObject({ type: 'rejected', status: 503, reason: 'replay_unavailable' });
      // The store's own bound answered (not the verifier's 2 s one), and the request waited no longer.
      expect(report.cause).toMatch(/redisReplayStore could not record a DPoP proof/);
      expect(elapsed).toBeLessThan(COMMAND_TIMEOUT_MS + 1500);
    }
  });

  it('Redis back (empty, no persistence): DPoP requests pass again without a restart of the instances', async () => {
    await server.start();
    const token = await accessToken();
    // Each instance reconnects on its own schedule: each is polled with fresh proofs (each is
    // single-use) until it has reconnected; bounded.
    const deadline = Date.now() + 10_000;
    for (const child of [a, b]) {
      let status = 0;
      while (status !== 200 && Date.now() < deadline) {
        status = (await call(child, token, await proof(token))).reply.status;
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(status).toBe(200);
    }
    // Back for good: the next request on each instance passes at once.
    for (const child of [a, b]) expect((await call(child, token, await proof(token))).reply.status).toBe(200);
  });
});
