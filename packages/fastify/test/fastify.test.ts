/**
 * Fastify-specific behaviour (route config, `global: false`, body tokens in preValidation,
 * Fastify's own error handler); the shared behaviour is in conformance/.
 */
import type Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import fastify4 from 'fastify4';
import fastify5 from 'fastify5';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { claimEquals, requireScopes as coreScopes } from '@bearer-guard/core';
import bearerGuard, { requireRoles, requireScopes } from '../src/index.js';
import { VERIFIER, hs256 } from '../../../test/helpers/hs256.js';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

let factory: typeof Fastify;
function make(): FastifyInstance {
  const app = factory();
  apps.push(app);
  return app;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const ok = async (request: { auth?: { payload: { sub?: string } } | null }) => ({
  sub: request.auth?.payload.sub ?? null,
});

describe.each([
  ['fastify4', fastify4 as unknown as typeof Fastify],
  ['fastify5', fastify5 as unknown as typeof Fastify],
])('plugin on %s', (_name, fastify) => {
  beforeAll(() => {
    factory = fastify;
  });

  it('validates options at registration, `global` included', async () => {
    await expect(make().register(bearerGuard, { ...VERIFIER, audiense: 'x' } as never)).rejects.toThrow(TypeError);
    await expect(make().register(bearerGuard, { ...VERIFIER, global: 'yes' } as never)).rejects.toThrow(/global/);
  });

  it('authenticates every route by default; config.auth false opts out', async () => {
    const app = make();
    await app.register(bearerGuard, VERIFIER);
    app.get('/orders', ok);
    app.get('/health', { config: { auth: false } }, ok);
    expect((await app.inject('/orders')).statusCode).toBe(401);
    expect((await app.inject({ url: '/orders', headers: bearer(hs256()) })).json()).toEqual({ sub: 'user-1' });
    const health = await app.inject('/health');
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ sub: null });
  });

  it('with global: false protects only routes that opt in', async () => {
    const app = make();
    await app.register(bearerGuard, { ...VERIFIER, global: false });
    app.get('/public', ok);
    app.get('/private', { config: { auth: true } }, ok);
    app.get('/scoped', { config: { auth: { scopes: ['read'], roles: ['admin'] } } }, ok);
    app.get('/tenant', { config: { auth: { guard: claimEquals('tenant', 'acme') } } }, ok);
    expect((await app.inject('/public')).statusCode).toBe(200);
    expect((await app.inject('/private')).statusCode).toBe(401);
    expect((await app.inject({ url: '/private', headers: bearer(hs256()) })).statusCode).toBe(200);
    const refused = await app.inject({ url: '/scoped', headers: bearer(hs256({ scope: 'read' })) });
    expect(refused.statusCode).toBe(403);
    expect(refused.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="The access token does not grant the required permissions"',
    );
    expect(
      (await app.inject({ url: '/scoped', headers: bearer(hs256({ scope: 'read', roles: ['admin'] })) })).statusCode,
    ).toBe(200);
    expect((await app.inject({ url: '/tenant', headers: bearer(hs256({ tenant: 'acme' })) })).statusCode).toBe(200);
    expect((await app.inject({ url: '/tenant', headers: bearer(hs256({ tenant: 'x' })) })).statusCode).toBe(403);
  });

  it('with global: false, a route with a guard hook is authenticated too', async () => {
    const app = make();
    await app.register(bearerGuard, { ...VERIFIER, global: false });
    app.get('/orders', { onRequest: requireScopes('read') }, ok);
    app.get('/admin', { preHandler: [requireRoles('admin')] }, ok);
    app.get('/open', { config: { auth: false }, onRequest: requireScopes('read') }, ok);
    expect((await app.inject('/orders')).statusCode).toBe(401);
    expect((await app.inject({ url: '/orders', headers: bearer(hs256({ scope: 'read' })) })).json()).toEqual({
      sub: 'user-1',
    });
    expect((await app.inject({ url: '/orders', headers: bearer(hs256({ scope: 'x' })) })).statusCode).toBe(403);
    expect((await app.inject({ url: '/admin', headers: bearer(hs256({ roles: ['admin'] })) })).statusCode).toBe(200);
    // Not authenticated by request: the guard finds no request.auth.
    expect((await app.inject({ url: '/open', headers: bearer(hs256({ scope: 'read' })) })).statusCode).toBe(401);
  });

  it('route config optional: no token passes, a bad token does not', async () => {
    const app = make();
    await app.register(bearerGuard, VERIFIER);
    app.get('/feed', { config: { auth: { optional: true } } }, ok);
    expect((await app.inject('/feed')).json()).toEqual({ sub: null });
    expect((await app.inject({ url: '/feed', headers: bearer(hs256()) })).json()).toEqual({ sub: 'user-1' });
    expect((await app.inject({ url: '/feed', headers: bearer(hs256({ exp: 1 })) })).statusCode).toBe(401);
    expect((await app.inject({ url: '/feed', headers: { authorization: 'Bearer a b' } })).statusCode).toBe(400);
  });

  it('refuses a malformed config.auth when the route is added', async () => {
    const app = make();
    await app.register(bearerGuard, VERIFIER);
    expect(() => app.get('/x', { config: { auth: { scope: ['read'] } as never } }, ok)).toThrow(/unknown key "scope"/);
    expect(() => app.get('/y', { config: { auth: { scopes: [] } } }, ok)).toThrow(TypeError);
  });

  it('authenticates in preValidation when the body may hold the token; onRequest guards wait for it', async () => {
    const app = make();
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    await app.register(bearerGuard, { ...VERIFIER, tokenLocations: ['header', 'body'] });
    app.post('/orders', { onRequest: requireScopes('write'), preHandler: requireRoles('clerk') }, ok);
    const post = (claims: Record<string, unknown>) =>
      app.inject({
        method: 'POST',
        url: '/orders',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `access_token=${hs256(claims)}`,
      });
    expect((await post({ scope: 'write', roles: ['clerk'] })).statusCode).toBe(200);
    expect((await post({ scope: 'read', roles: ['clerk'] })).statusCode).toBe(403);
    expect((await post({ scope: 'write' })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: '/orders' })).statusCode).toBe(401);
  });

  it("forwardErrors: Fastify's default error handler keeps status and challenge", async () => {
    const app = make();
    await app.register(bearerGuard, { ...VERIFIER, forwardErrors: true });
    app.get('/', { onRequest: requireScopes('write') }, ok);
    const expired = await app.inject({ url: '/', headers: bearer(hs256({ exp: 1 })) });
    expect(expired.statusCode).toBe(401);
    expect(expired.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"',
    );
    // The default handler renders `message`: it must be the generic description, not the reason.
    expect(expired.json()).toEqual({
      statusCode: 401,
      code: 'invalid_token',
      error: 'Unauthorized',
      message: 'The access token is invalid',
    });
    const refused = await app.inject({ url: '/', headers: bearer(hs256({ scope: 'read' })) });
    expect(refused.statusCode).toBe(403);
    expect(refused.headers['www-authenticate']).toMatch(/^Bearer realm="api", error="insufficient_scope"/);
  });

  it('can be registered in several encapsulated contexts with different options', async () => {
    const app = make();
    // biome-ignore lint/nursery/noMisusedPromises: Fastify takes async plugins (FastifyPluginAsync)
    await app.register(async (child) => {
      await child.register(bearerGuard, { ...VERIFIER, realm: 'a' });
      child.get('/a', ok);
    });
    // biome-ignore lint/nursery/noMisusedPromises: Fastify takes async plugins (FastifyPluginAsync)
    await app.register(async (child) => {
      await child.register(bearerGuard, { ...VERIFIER, realm: 'b' });
      child.get('/b', { config: { auth: { guard: coreScopes('x') } } }, ok);
    });
    expect((await app.inject('/a')).headers['www-authenticate']).toBe('Bearer realm="a"');
    expect((await app.inject('/b')).headers['www-authenticate']).toBe('Bearer realm="b"');
  });
});
