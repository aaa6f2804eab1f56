/**
 * Safe defaults in every framework (issue 13), against a real local issuer (discovery + JWKS from
 * `@bearer-guard/testing`): one `auth({ optional: true })` for the whole app and `requireAuth()`
 * on the routes that need a token — one discovery and one JWKS fetch, where a second `auth()` for
 * the mandatory routes used to cost a second of each; and a guard where no `auth()` ran is a
 * set-up error, in every framework.
 */
import { createTestIssuer, type TestIssuer } from '@bearer-guard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTSIDE_PATH, type RunningApp } from './apps/routes.js';
import { targets } from './targets.js';

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(async () => {
  await issuer?.close();
});

const NO_TOKEN = { error: 'unauthorized', error_description: 'Authentication is required' };
const SETUP_ERROR =
  'bearer-guard: requireAuth() ran on a request that no auth() has seen. Install auth(options) before this guard: ' +
  'app.use(auth(options)) ahead of the route (Express, Koa), or register the plugin in the scope of the route (Fastify)';

describe.each(targets)('%s', (_target, factory) => {
  let app: RunningApp;
  const hits: string[] = [];
  beforeAll(async () => {
    issuer.resetCounters();
    app = await factory({
      mounts: [{ prefix: 'app', options: { issuer: issuer.issuer, audience: 'test-api', optional: true } }],
      hit: (id) => hits.push(id),
    });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('one optional auth() app-wide, requireAuth() where a token is needed: one discovery, one JWKS fetch', async () => {
    const token = await issuer.sign({ sub: 'u1' });
    const call = async (route: string, withToken: boolean) => {
      const res = await fetch(`${app.base}/app/${route}`, {
        headers: { 'x-row-id': route, ...(withToken ? { authorization: `Bearer ${token}` } : {}) },
      });
      return { status: res.status, challenge: res.headers.get('www-authenticate'), body: await res.json() };
    };
    expect(await call('protected', false)).toEqual({
      status: 200,
      challenge: null,
      body: { route: 'protected', sub: null, authenticated: false },
    });
    expect(await call('require-auth', false)).toEqual({ status: 401, challenge: 'Bearer realm="api"', body: NO_TOKEN });
    expect(await call('require-auth', true)).toEqual({
      status: 200,
      challenge: null,
      body: { route: 'require-auth', sub: 'u1', authenticated: true },
    });
    expect(await call('protected', true)).toEqual({
      status: 200,
      challenge: null,
      body: { route: 'protected', sub: 'u1', authenticated: true },
    });
    expect(issuer.requests).toEqual({ discovery: 1, jwks: 1, other: 0 });
  });

  // A guard on a route that no auth() covers (before it, on another router, outside the Fastify
  // plugin's scope) is the app's mistake: a TypeError naming the fix, never a silent 401.
  it('a guard where no auth() ran is a set-up error naming the fix; the handler never runs', async () => {
    const token = await issuer.sign({ sub: 'u1' });
    const res = await fetch(`${app.base}${OUTSIDE_PATH}`, {
      headers: { 'x-row-id': 'outside', authorization: `Bearer ${token}` },
    });
    expect([res.status, await res.json(), hits.includes('outside')]).toEqual([500, { setupError: SETUP_ERROR }, false]);
  });
});
