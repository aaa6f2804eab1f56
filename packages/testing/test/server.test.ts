import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createTestIssuer, type TestIssuer } from '../src/index.js';
import { verifyWithJose } from './helpers.js';

/** Resolves with the error code of a TCP connection attempt, or 'connected'. */
function tryConnect(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

describe('discovery and JWKS over HTTP', () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await createTestIssuer({ issuerPath: '/realms/test' });
  });
  afterAll(() => issuer.close());
  beforeEach(() => issuer.resetCounters());

  test('issuer and jwksUri are on 127.0.0.1 with the issuer path', () => {
    expect(issuer.issuer).toBe(`http://127.0.0.1:${issuer.port}/realms/test`);
    expect(issuer.jwksUri).toBe(`${issuer.issuer}/.well-known/jwks.json`);
    expect(issuer.wellKnown).toEqual({
      openidConfiguration: `${issuer.issuer}/.well-known/openid-configuration`,
      oauthAuthorizationServer: `${issuer.issuer}/.well-known/oauth-authorization-server`,
      jwksUri: issuer.jwksUri,
    });
  });

  test.each([
    ['openid-configuration', '/realms/test/.well-known/openid-configuration'],
    ['oauth-authorization-server (appended)', '/realms/test/.well-known/oauth-authorization-server'],
    ['oauth-authorization-server (RFC 8414 §3.1 inserted)', '/.well-known/oauth-authorization-server/realms/test'],
  ])('%s: exact metadata, application/json', async (_, path) => {
    const res = await fetch(`http://127.0.0.1:${issuer.port}${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({
      issuer: issuer.issuer,
      jwks_uri: issuer.jwksUri,
      introspection_endpoint: `${issuer.issuer}/introspect`,
      introspection_endpoint_auth_methods_supported: ['client_secret_basic'],
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
    });
  });

  test('JWKS: application/json, the public key set', async () => {
    const res = await fetch(issuer.jwksUri);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual(issuer.jwks);
  });

  test('unknown paths: 404 JSON; other methods: 405; HEAD: headers only', async () => {
    const missing = await fetch(`${issuer.issuer}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/json');
    expect(await missing.json()).toEqual({ error: 'not_found' });

    const post = await fetch(issuer.jwksUri, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(await post.json()).toEqual({ error: 'method_not_allowed' });

    const head = await fetch(issuer.jwksUri, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect(issuer.requests).toEqual({ jwks: 2, discovery: 0, other: 1 });
  });

  test('counters count each kind, return snapshots, and reset', async () => {
    await fetch(issuer.jwksUri);
    await fetch(issuer.jwksUri);
    await fetch(issuer.wellKnown.openidConfiguration);
    await fetch(`${issuer.jwksUri}?cache-bust=1`);
    const snapshot = issuer.requests;
    expect(snapshot).toEqual({ jwks: 3, discovery: 1, other: 0 });
    await fetch(issuer.wellKnown.oauthAuthorizationServer);
    expect(snapshot).toEqual({ jwks: 3, discovery: 1, other: 0 });
    expect(issuer.requests).toEqual({ jwks: 3, discovery: 2, other: 0 });
    issuer.resetCounters();
    expect(issuer.requests).toEqual({ jwks: 0, discovery: 0, other: 0 });
  });

  test('counts the JWKS fetches of a verifier (jose fetches once for one JWKS client)', async () => {
    const token = await issuer.sign({}, { audience: 'orders' });
    await verifyWithJose(issuer, token);
    expect(issuer.requests).toEqual({ jwks: 1, discovery: 0, other: 0 });
  });
});

describe('fault injection', () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await createTestIssuer({ alg: 'ES256' });
  });
  afterAll(() => issuer.close());
  beforeEach(() => {
    issuer.setAvailable(true);
    issuer.setDelay(0);
    issuer.setJWKSOverride(null);
    issuer.setDiscoveryOverride(null);
    issuer.setResponseHeaders(null);
    issuer.resetCounters();
  });

  test('setAvailable(false): JWKS and discovery answer 503 (still counted); true restores them', async () => {
    issuer.setAvailable(false);
    const jwks = await fetch(issuer.jwksUri);
    expect(jwks.status).toBe(503);
    expect(jwks.headers.get('content-type')).toBe('application/json');
    expect(await jwks.json()).toEqual({ error: 'temporarily_unavailable' });
    expect((await fetch(issuer.wellKnown.openidConfiguration)).status).toBe(503);
    expect(issuer.requests).toEqual({ jwks: 1, discovery: 1, other: 0 });
    await expect(verifyWithJose(issuer, await issuer.sign({}, { audience: 'orders' }))).rejects.toMatchObject({
      code: 'ERR_JOSE_GENERIC',
    });

    issuer.setAvailable(true);
    expect((await fetch(issuer.jwksUri)).status).toBe(200);
  });

  test('setDelay(ms): responses wait; jose times out against a short timeoutDuration', async () => {
    issuer.setDelay(300);
    const started = Date.now();
    const res = await fetch(issuer.jwksUri);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(res.status).toBe(200);
    const { createRemoteJWKSet, jwtVerify } = await import('jose');
    const jwks = createRemoteJWKSet(new URL(issuer.jwksUri), { timeoutDuration: 50 });
    await expect(jwtVerify(await issuer.sign(), jwks)).rejects.toMatchObject({ code: 'ERR_JWKS_TIMEOUT' });
    expect(() => issuer.setDelay(-1)).toThrow(TypeError);
  });

  test('setJWKSOverride: a JSON value or a verbatim string; null restores the real set', async () => {
    issuer.setJWKSOverride({ keys: [] });
    expect(await (await fetch(issuer.jwksUri)).json()).toEqual({ keys: [] });
    expect(issuer.jwks.keys).toHaveLength(1);
    issuer.setJWKSOverride('{"keys": [');
    expect(await (await fetch(issuer.jwksUri)).text()).toBe('{"keys": [');
    issuer.setJWKSOverride(null);
    expect(await (await fetch(issuer.jwksUri)).json()).toEqual(issuer.jwks);
  });

  test('setDiscoveryOverride replaces both discovery documents', async () => {
    const doc = { issuer: 'https://someone-else.example', jwks_uri: issuer.jwksUri };
    issuer.setDiscoveryOverride(doc);
    expect(await (await fetch(issuer.wellKnown.openidConfiguration)).json()).toEqual(doc);
    expect(await (await fetch(issuer.wellKnown.oauthAuthorizationServer)).json()).toEqual(doc);
    expect(await (await fetch(issuer.jwksUri)).json()).toEqual(issuer.jwks);
  });

  test('setResponseHeaders adds headers to successful responses only', async () => {
    issuer.setResponseHeaders({ 'cache-control': 'max-age=60' });
    expect((await fetch(issuer.jwksUri)).headers.get('cache-control')).toBe('max-age=60');
    expect((await fetch(`${issuer.issuer}/nope`)).headers.get('cache-control')).toBeNull();
    issuer.setResponseHeaders(null);
    expect((await fetch(issuer.jwksUri)).headers.get('cache-control')).toBeNull();
  });
});

describe('close()', () => {
  test('frees the port (new connections are refused), ends keep-alive sockets, and is idempotent', async () => {
    const issuer = await createTestIssuer({ alg: 'ES256' });
    const { port } = issuer;
    expect(await tryConnect(port)).toBe('connected');
    await fetch(issuer.jwksUri); // leaves a keep-alive connection in fetch's pool

    const started = Date.now();
    await issuer.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await tryConnect(port)).toBe('ECONNREFUSED');
    await expect(fetch(issuer.jwksUri)).rejects.toThrow();
    await expect(issuer.close()).resolves.toBeUndefined();
  });

  test('drops responses still waiting on setDelay', async () => {
    const issuer = await createTestIssuer({ alg: 'ES256' });
    issuer.setDelay(10_000);
    const pending = fetch(issuer.jwksUri);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await issuer.close();
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(pending).rejects.toThrow();
  });

  test('Symbol.asyncDispose closes too (await using)', async () => {
    let port = 0;
    {
      await using issuer = await createTestIssuer({ alg: 'ES256' });
      port = issuer.port;
      expect(await tryConnect(port)).toBe('connected');
    }
    expect(await tryConnect(port)).toBe('ECONNREFUSED');
  });

  test('binds 127.0.0.1 only; a fixed port can be chosen', async () => {
    const probe = await createTestIssuer({ alg: 'ES256' });
    const { port } = probe;
    await probe.close();
    const issuer = await createTestIssuer({ alg: 'ES256', port });
    try {
      expect(issuer.port).toBe(port);
      expect(issuer.issuer).toBe(`http://127.0.0.1:${port}`);
      expect(await tryConnect(port, '::1')).not.toBe('connected');
      await expect(createTestIssuer({ alg: 'ES256', port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await issuer.close();
    }
  });
});
