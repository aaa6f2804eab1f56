/** End to end through core: createVerifier({ revocation: redisRevocationStore(...) }) with real HS256 tokens. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, type Verifier } from '@bearer-guard/core';
import { redisRevocationStore, type RedisRevocationStore, type RedisRevocationStoreOptions } from '@bearer-guard/redis';
import { startRedisServer, type RedisServer } from './helpers/redis-server.js';
import { AUDIENCE, ISSUER, SECRET, mint } from './helpers/tokens.js';
import { EventLog, uniquePrefix, waitFor } from './helpers/wait.js';
import { rejection } from '../../core/test/helpers/rejection.js';

let server: RedisServer;
const stores: RedisRevocationStore[] = [];
const verifiers: Verifier[] = [];
const keyPrefix = uniquePrefix();

function instance(options: RedisRevocationStoreOptions = {}): { store: RedisRevocationStore; verifier: Verifier } {
  const store = redisRevocationStore({ url: server.url }, { keyPrefix, ...options });
  const verifier = createVerifier({ secret: SECRET, issuer: ISSUER, audience: AUDIENCE, revocation: store });
  stores.push(store);
  verifiers.push(verifier);
  return { store, verifier };
}

beforeAll(async () => {
  server = await startRedisServer();
});

afterAll(async () => {
  for (const verifier of verifiers) verifier.close();
  await Promise.all(stores.map((store) => store.close()));
  await server?.stop();
});

describe('through the verifier', () => {
  it('a revoked token is refused with 401 invalid_token (token_revoked) on every instance, cached or not', async () => {
    const a = instance();
    const b = instance();
    await Promise.all([a.store.ready, b.store.ready]);
    const { token, jti, exp } = await mint();
    const other = await mint();
    await a.verifier.verify(token);
    await b.verifier.verify(token); // cached in both from now on

    await a.store.revoke(jti, exp);
    await waitFor(() => b.store.isRevoked({ jti }) === true, 1000, 'b to learn the revocation');
    for (const { verifier } of [a, b]) {
      const error = await rejection(verifier.verify(token));
      expect(error).toMatchObject({ status: 401, code: 'invalid_token', reason: 'token_revoked' });
      expect(error.headers['www-authenticate']).toMatch(/^Bearer .*error="invalid_token"/);
      await expect(verifier.verify(other.token)).resolves.toMatchObject({ payload: { jti: other.jti } });
    }
  });

  it("Redis down under 'deny': 503 once maxStaleness has passed, and back to normal when Redis is", async () => {
    const events = new EventLog();
    const { store, verifier } = instance({ maxStaleness: '300ms', onEvent: events.onEvent });
    await store.ready;
    const { token } = await mint();
    await verifier.verify(token);

    await server.stop();
    await new Promise((resolve) => setTimeout(resolve, 400));
    const error = await rejection(verifier.verify(token));
    expect(error).toMatchObject({ status: 503, code: 'temporarily_unavailable', reason: 'revocation_unavailable' });
    expect(error.headers['www-authenticate']).toBeUndefined();

    const resynced = events.next('resynced', 10_000);
    await server.start();
    await resynced;
    await expect(verifier.verify(token)).resolves.toBeDefined();
  });
});
