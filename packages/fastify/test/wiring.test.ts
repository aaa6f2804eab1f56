/**
 * Fastify wiring an attacker could lean on, over real HTTP on 127.0.0.1: a guard hook in a hook
 * after the handler (`preSerialization`, `onSend`…) is refused when the route is added, and one
 * added with `app.addHook` (out of the plugin's sight) fails the request closed, never loops;
 * in body-token mode a request that cannot carry a form token is answered before its body is read.
 */
import type Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import fastify4 from 'fastify4';
import fastify5 from 'fastify5';
import { afterEach, describe, expect, it } from 'vitest';
import bearerGuard, { requireScopes } from '../src/index.js';
import { VERIFIER, hs256 } from '../../../test/helpers/hs256.js';

const MISPLACED =
  '@bearer-guard/fastify: a guard ran outside `onRequest`, `preValidation` and `preHandler`, after the handler; ' +
  'add guards as route hooks (`{ onRequest: requireScopes(…) }`) or in one of those hooks';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  return `http://127.0.0.1:${port}`;
}

/** A request that must be answered within 3 s: a hang is a failure, not a timeout of the test. */
async function get(url: string, token?: string) {
  const res = await fetch(url, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal: AbortSignal.timeout(3000),
  });
  return { status: res.status, challenge: res.headers.get('www-authenticate'), text: await res.text() };
}

describe.each([
  ['fastify4', fastify4 as unknown as typeof Fastify],
  ['fastify5', fastify5 as unknown as typeof Fastify],
])('guard placement on %s', (_name, fastify) => {
  function make(): FastifyInstance {
    const app = fastify();
    apps.push(app);
    return app;
  }

  it.each(['preSerialization', 'onSend', 'onResponse', 'preParsing', 'onError'])(
    'a guard in route %s is refused when the route is added',
    async (hook) => {
      const app = make();
      await app.register(bearerGuard, VERIFIER);
      expect(() => app.get('/x', { [hook]: requireScopes('read') }, async () => ({ ok: true }))).toThrow(
        `@bearer-guard/fastify: route GET /x has a guard in \`${hook}\`; guards run in \`onRequest\`, \`preValidation\` or \`preHandler\`, before the handler`,
      );
    },
  );

  it.each(['preSerialization', 'onSend'])(
    'a guard added with addHook(%s) fails closed and the server keeps answering',
    async (hook) => {
      const app = make();
      let handled = 0;
      await app.register(bearerGuard, { ...VERIFIER, optional: true });
      app.addHook(hook as 'onSend', requireScopes('read') as never);
      app.get('/x', async () => {
        handled++;
        return { ok: true };
      });
      const base = await listen(app);
      const misplaced = {
        status: 500,
        challenge: null,
        text: JSON.stringify({ statusCode: 500, error: 'Internal Server Error', message: MISPLACED }),
      };
      expect(await get(`${base}/x`)).toEqual(misplaced);
      expect(handled).toBe(1);
      // The process still answers: nothing looped, and a valid token is refused alike (fail closed).
      expect(await get(`${base}/x`, hs256({ scope: 'read' }))).toEqual(misplaced);
    },
  );

  it.each(['onRequest', 'preValidation', 'preHandler'])('a guard in route %s answers 401/403/200', async (hook) => {
    const app = make();
    await app.register(bearerGuard, { ...VERIFIER, optional: true });
    app.get('/x', { [hook]: requireScopes('read') }, async () => ({ ok: true }));
    const base = await listen(app);
    expect(await get(`${base}/x`)).toEqual({
      status: 401,
      challenge: 'Bearer realm="api"',
      text: '{"error":"unauthorized","error_description":"Authentication is required"}',
    });
    expect((await get(`${base}/x`, hs256({ scope: 'write' }))).status).toBe(403);
    expect(await get(`${base}/x`, hs256({ scope: 'read' }))).toEqual({
      status: 200,
      challenge: null,
      text: '{"ok":true}',
    });
  });
});

describe.each([
  ['fastify4', fastify4 as unknown as typeof Fastify],
  ['fastify5', fastify5 as unknown as typeof Fastify],
])('body-token mode on %s', (_name, fastify) => {
  async function start() {
    const app = fastify({ bodyLimit: 1024 });
    apps.push(app);
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    await app.register(bearerGuard, { ...VERIFIER, tokenLocations: ['header', 'body'] });
    app.post('/orders', async () => ({ ok: true }));
    return listen(app);
  }
  const post = (url: string, type: string, body: string, token?: string) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': type, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body,
      signal: AbortSignal.timeout(3000),
    });

  it('a JSON body over the limit and no token: 401 before the body is read (not 413)', async () => {
    const base = await start();
    const res = await post(`${base}/orders`, 'application/json', JSON.stringify({ blob: 'x'.repeat(1024 * 1024) }));
    // …and the connection is closed rather than kept to read a body nobody needs.
    expect([res.status, res.headers.get('connection'), res.headers.get('www-authenticate'), await res.text()]).toEqual([
      401,
      'close',
      'Bearer realm="api"',
      '{"error":"unauthorized","error_description":"Authentication is required"}',
    ]);
  });

  it('a form body may hold the token: it is read, within the limit (413 past it)', async () => {
    const base = await start();
    const token = hs256();
    expect((await post(`${base}/orders`, 'application/x-www-form-urlencoded', `access_token=${token}`)).status).toBe(
      200,
    );
    expect((await post(`${base}/orders`, 'application/x-www-form-urlencoded', `pad=${'x'.repeat(4096)}`)).status).toBe(
      413,
    );
    expect((await post(`${base}/orders`, 'application/json', '{}', token)).status).toBe(200);
  });
});
