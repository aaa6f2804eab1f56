/**
 * The three orders APIs through real HTTP, with tokens from the real auth service: the same
 * status per route and caller, and byte-identical answers (status, challenge, body) across
 * Express, Koa and Fastify; with Bearer tokens, and with DPoP-bound ones (`dpop: true`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthService } from '@bearer-guard/example-auth-service';
import { createOrdersApp as expressApp } from '@bearer-guard/example-orders-express';
import { createOrdersApp as fastifyApp } from '@bearer-guard/example-orders-fastify';
import { createOrdersApp as koaApp } from '@bearer-guard/example-orders-koa';
import { revocationStore } from '@bearer-guard/example-policy';
import { createDPoPClient, headerOf, tamper } from '../client.mjs';

const clients = [
  { id: 'reader', secret: 'reader-secret-1', scopes: ['orders:read'] },
  { id: 'writer', secret: 'writer-secret-1', scopes: ['orders:read', 'orders:write'] },
  { id: 'admin', secret: 'admin-secret-1', scopes: ['orders:read', 'orders:write', 'orders:admin'] },
];
const frameworks = { express: expressApp, koa: koaApp, fastify: fastifyApp } as const;
type Framework = keyof typeof frameworks;
const names = Object.keys(frameworks) as Framework[];

const revocation = revocationStore();
let auth: Awaited<ReturnType<typeof createAuthService>>;
const apps = {} as Record<Framework, { url: string; close(): Promise<void> }>;
const tokens: Record<string, string> = {};

async function tokenFor(id: string, scope?: string): Promise<string> {
  const client = clients.find((c) => c.id === id)!;
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: client.id,
    client_secret: client.secret,
    ...(scope ? { scope } : {}),
  });
  const res = await fetch(`${auth.url}/token`, { method: 'POST', body });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

beforeAll(async () => {
  auth = await createAuthService({ clients, revocation });
  for (const name of names) apps[name] = await frameworks[name]({ issuer: auth.issuer, revocation });
  tokens.reader = await tokenFor('reader');
  tokens.writer = await tokenFor('writer');
  tokens.admin = await tokenFor('admin');
  tokens.narrowed = await tokenFor('admin', 'orders:read orders:write');
  tokens.forged = tamper(tokens.reader, { scope: 'orders:read orders:write orders:admin' });
  tokens.expired = await auth.issueToken({
    clientId: 'admin',
    issuedAt: Math.floor(Date.now() / 1000) - 600,
    lifetime: 60,
  });
});
afterAll(async () => {
  await Promise.all(names.map((name) => apps[name]?.close()));
  await auth?.close();
});

async function call(name: Framework, method: string, path: string, who?: string, body?: unknown, raw?: string) {
  const headers: Record<string, string> = {};
  if (who) headers.authorization = `Bearer ${tokens[who]}`;
  if (body !== undefined || raw !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${apps[name].url}${path}`, {
    method,
    headers,
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.text();
  return {
    status: res.status,
    challenge: res.headers.get('www-authenticate'),
    location: res.headers.get('location'),
    text,
    error: text ? (JSON.parse(text) as { error?: string }).error : undefined,
  };
}

/** [method, path, caller, body, status, error code] — run in this order against every framework. */
const table: [string, string, string | undefined, unknown, number, string | undefined][] = [
  ['GET', '/health', undefined, undefined, 200, undefined],
  ['GET', '/orders', undefined, undefined, 401, 'unauthorized'],
  ['GET', '/orders/1', undefined, undefined, 401, 'unauthorized'],
  ['POST', '/orders', undefined, { item: 'tea' }, 401, 'unauthorized'],
  ['DELETE', '/orders/1', undefined, undefined, 401, 'unauthorized'],
  ['GET', '/orders', 'reader', undefined, 200, undefined],
  ['GET', '/orders/1', 'reader', undefined, 200, undefined],
  ['GET', '/orders/404', 'reader', undefined, 404, 'not_found'],
  ['POST', '/orders', 'reader', { item: 'tea' }, 403, 'insufficient_scope'],
  ['DELETE', '/orders/1', 'reader', undefined, 403, 'insufficient_scope'],
  ['POST', '/orders', 'writer', { item: 'tea', quantity: 3 }, 201, undefined],
  ['GET', '/orders/2', 'writer', undefined, 200, undefined],
  ['POST', '/orders', 'writer', { item: '' }, 400, 'invalid_order'],
  ['POST', '/orders', 'writer', { item: 'tea', quantity: 0 }, 400, 'invalid_order'],
  ['DELETE', '/orders/2', 'writer', undefined, 403, 'insufficient_scope'],
  ['DELETE', '/orders/2', 'narrowed', undefined, 403, 'insufficient_scope'],
  ['DELETE', '/orders/2', 'admin', undefined, 204, undefined],
  ['DELETE', '/orders/2', 'admin', undefined, 404, 'not_found'],
  ['GET', '/orders', 'forged', undefined, 401, 'invalid_token'],
  ['POST', '/orders', 'forged', { item: 'tea' }, 401, 'invalid_token'],
  ['GET', '/orders', 'expired', undefined, 401, 'invalid_token'],
  ['GET', '/nowhere', 'reader', undefined, 404, 'not_found'],
  ['GET', '/nowhere', undefined, undefined, 401, 'unauthorized'],
];

describe('the same answers in Express, Koa and Fastify', () => {
  const answers: Record<Framework, unknown[]> = { express: [], koa: [], fastify: [] };

  describe.each(names)('%s', (name) => {
    it.each(table.map((row, i) => [i, ...row] as const))(
      '#%i %s %s as %s',
      async (_, method, path, who, body, status, error) => {
        const res = await call(name, method, path, who, body);
        expect(res.status).toBe(status);
        expect(res.error).toBe(error);
        answers[name].push(res);
      },
    );

    it('answers 401 with an RFC 6750 challenge, 403 naming the scope', async () => {
      expect((await call(name, 'GET', '/orders')).challenge).toBe('Bearer realm="api"');
      expect((await call(name, 'GET', '/orders', 'expired')).challenge).toMatch(
        /^Bearer realm="api", error="invalid_token"/,
      );
      expect((await call(name, 'POST', '/orders', 'reader', { item: 'x' })).challenge).toMatch(
        /error="insufficient_scope".*scope="orders:write"/,
      );
    });

    it('answers a body that is not JSON with 400 invalid_request', async () => {
      const res = await call(name, 'POST', '/orders', 'writer', undefined, '{not json');
      expect(res.status).toBe(400);
      expect(JSON.parse(res.text)).toEqual({
        error: 'invalid_request',
        error_description: 'The request body is not valid JSON',
      });
    });
  });

  it('status, challenge, Location and body are identical across the three frameworks', () => {
    expect(answers.express).toHaveLength(table.length);
    expect(answers.koa).toEqual(answers.express);
    expect(answers.fastify).toEqual(answers.express);
  });
});

describe('rotation and revocation, through the auth service', () => {
  it('accepts tokens signed before and after a key rotation', async () => {
    const { kid } = await auth.rotate();
    tokens.rotated = await tokenFor('reader');
    expect(headerOf(tokens.rotated).kid).toBe(kid);
    expect(headerOf(tokens.reader).kid).not.toBe(kid);
    for (const name of names) {
      expect((await call(name, 'GET', '/orders', 'reader')).status).toBe(200);
      expect((await call(name, 'GET', '/orders', 'rotated')).status).toBe(200);
    }
  });

  it('refuses a token revoked through POST /revoke in all three, and only that token', async () => {
    tokens.doomed = await tokenFor('writer');
    for (const name of names) expect((await call(name, 'GET', '/orders', 'doomed')).status).toBe(200);
    const res = await fetch(`${auth.url}/revoke`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('writer:writer-secret-1').toString('base64')}` },
      body: new URLSearchParams({ token: tokens.doomed }),
    });
    expect(res.status).toBe(200);
    for (const name of names) {
      const refused = await call(name, 'GET', '/orders', 'doomed');
      expect(refused.status).toBe(401);
      expect(refused.error).toBe('invalid_token');
      expect((await call(name, 'GET', '/orders', 'writer')).status).toBe(200);
    }
  });
});

describe('DPoP-bound tokens (RFC 9449), with dpop: true in the policy', () => {
  const dpopApps = {} as Record<Framework, { url: string; close(): Promise<void> }>;
  let client: Awaited<ReturnType<typeof createDPoPClient>>;
  let stranger: Awaited<ReturnType<typeof createDPoPClient>>;
  let bound: string;
  const ALGS = 'algs="ES256 ES384 ES512 EdDSA Ed25519 PS256 PS384 PS512 RS256 RS384 RS512"';
  const answers: Record<Framework, unknown[]> = { express: [], koa: [], fastify: [] };

  beforeAll(async () => {
    for (const name of names) dpopApps[name] = await frameworks[name]({ issuer: auth.issuer, revocation, dpop: true });
    [client, stranger] = await Promise.all([createDPoPClient(), createDPoPClient()]);
    const reader = clients[0]!;
    const res = await fetch(`${auth.url}/token`, {
      method: 'POST',
      headers: { dpop: await client.proof('POST', `${auth.issuer}/token`) },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: reader.id,
        client_secret: reader.secret,
      }),
    });
    const body = (await res.json()) as { access_token: string; token_type: string };
    expect(body.token_type).toBe('DPoP');
    bound = body.access_token;
  });
  afterAll(async () => {
    await Promise.all(names.map((name) => dpopApps[name]?.close()));
  });

  /** `GET /orders` with `token` as `DPoP <token>` and `proof`, or as `Bearer <token>` without one. */
  async function get(name: Framework, token?: string, proof?: string) {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `${proof === undefined ? 'Bearer' : 'DPoP'} ${token}`;
    if (proof !== undefined) headers.dpop = proof;
    const res = await fetch(`${dpopApps[name].url}/orders`, { headers });
    const answer = { status: res.status, challenge: res.headers.get('www-authenticate'), body: await res.json() };
    answers[name].push(answer);
    return answer;
  }
  const invalidToken = { error: 'invalid_token', error_description: 'The access token is invalid' };
  const invalidProof = { error: 'invalid_dpop_proof', error_description: 'The DPoP proof is invalid' };

  it.each(names)(
    '%s: 200 with a fresh proof; 401 as Bearer, replayed, by another key; Bearer tokens still pass',
    async (name) => {
      const url = `${dpopApps[name].url}/orders`;
      const proof = await client.proof('GET', url, bound);
      expect((await get(name, bound, proof)).status).toBe(200);
      expect(await get(name, bound)).toEqual({
        status: 401,
        challenge: `Bearer realm="api", error="invalid_token", error_description="The access token is invalid", DPoP realm="api", ${ALGS}`,
        body: invalidToken,
      });
      expect(await get(name, bound, proof)).toEqual({
        status: 401,
        challenge: `Bearer realm="api", DPoP realm="api", error="invalid_dpop_proof", error_description="The DPoP proof is invalid", ${ALGS}`,
        body: invalidProof,
      });
      expect(await get(name, bound, await stranger.proof('GET', url, bound))).toEqual({
        status: 401,
        challenge: `Bearer realm="api", DPoP realm="api", error="invalid_token", error_description="The access token is invalid", ${ALGS}`,
        body: invalidToken,
      });
      expect(await get(name)).toEqual({
        status: 401,
        challenge: `Bearer realm="api", DPoP realm="api", ${ALGS}`,
        body: { error: 'unauthorized', error_description: 'Authentication is required' },
      });
      expect((await get(name, tokens.reader)).status).toBe(200);
    },
  );

  it('the same answers in the three frameworks', () => {
    expect(answers.express).toHaveLength(6);
    expect(answers.koa).toEqual(answers.express);
    expect(answers.fastify).toEqual(answers.express);
  });
});
