/**
 * The orders APIs with `decryption` and `introspection` in the policy, on Express, Koa and
 * Fastify, with tokens from the real auth service in its three formats: a signed JWT (verified
 * locally), a JWE (decrypted with the API's key), an opaque token (introspected, RFC 7662). The
 * same answers in every framework; a revocation reaches each API through introspection.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthService } from '@bearer-guard/example-auth-service';
import { createOrdersApp as expressApp } from '@bearer-guard/example-orders-express';
import { createOrdersApp as fastifyApp } from '@bearer-guard/example-orders-fastify';
import { createOrdersApp as koaApp } from '@bearer-guard/example-orders-koa';

const apiKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const clients = [
  { id: 'reader', secret: 'reader-secret-1', scopes: ['orders:read'] },
  { id: 'mobile', secret: 'mobile-secret-1', scopes: ['orders:read'], tokenFormat: 'opaque' as const },
  {
    id: 'partner',
    secret: 'partner-secret-1',
    scopes: ['orders:read', 'orders:write'],
    tokenFormat: 'encrypted' as const,
    encryptionKey: apiKeys.publicKey,
  },
  { id: 'orders-api', secret: 'orders-api-secret', scopes: [], introspect: true },
];
const frameworks = { express: expressApp, koa: koaApp, fastify: fastifyApp } as const;
type Framework = keyof typeof frameworks;
const names = Object.keys(frameworks) as Framework[];
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

let auth: Awaited<ReturnType<typeof createAuthService>>;
const apps = {} as Record<Framework, { url: string; close(): Promise<void> }>;
const tokens: Record<string, string> = {};

async function tokenFor(id: string): Promise<string> {
  const client = clients.find((c) => c.id === id)!;
  const res = await fetch(`${auth.url}/token`, {
    method: 'POST',
    headers: { authorization: basic(client.id, client.secret) },
    body: new URLSearchParams({ grant_type: 'client_credentials' }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

beforeAll(async () => {
  auth = await createAuthService({ clients });
  for (const name of names) {
    apps[name] = await frameworks[name]({
      issuer: auth.issuer,
      decryption: { keys: [apiKeys.privateKey] },
      // No cache: the revocation test below sees the auth service's answer at once.
      introspection: { clientId: 'orders-api', clientSecret: 'orders-api-secret', cache: false },
    });
  }
  tokens.jwt = await tokenFor('reader');
  tokens.opaque = await tokenFor('mobile');
  tokens.encrypted = await tokenFor('partner');
  tokens.unknown = randomBytes(32).toString('base64url');
});
afterAll(async () => {
  await Promise.all(names.map((name) => apps[name]?.close()));
  await auth?.close();
});

async function call(name: Framework, method: string, path: string, who: string, body?: unknown) {
  const headers: Record<string, string> = { authorization: `Bearer ${tokens[who]}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${apps[name].url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    challenge: res.headers.get('www-authenticate'),
    body: text ? JSON.parse(text) : undefined,
  };
}

const INVALID = {
  status: 401,
  challenge: 'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"',
  body: { error: 'invalid_token', error_description: 'The access token is invalid' },
};

describe('three token formats, one policy, three frameworks', () => {
  const answers: Record<Framework, unknown[]> = { express: [], koa: [], fastify: [] };

  it.each(names)('%s', async (name) => {
    const record = async (...args: Parameters<typeof call>) => {
      const answer = await call(...args);
      answers[name].push(answer);
      return answer;
    };
    expect((await record(name, 'GET', '/orders', 'jwt')).status).toBe(200);
    expect((await record(name, 'GET', '/orders', 'opaque')).status).toBe(200);
    expect((await record(name, 'GET', '/orders', 'encrypted')).status).toBe(200);
    // The introspected scope is checked like a JWT's: mobile has orders:read only.
    expect(await record(name, 'POST', '/orders', 'opaque', { item: 'tea' })).toEqual({
      status: 403,
      challenge:
        'Bearer realm="api", error="insufficient_scope", error_description="The access token does not grant the required permissions", scope="orders:write"',
      body: {
        error: 'insufficient_scope',
        error_description: 'The access token does not grant the required permissions',
      },
    });
    expect((await record(name, 'POST', '/orders', 'encrypted', { item: 'tea', quantity: 1 })).status).toBe(201);
    expect(await record(name, 'GET', '/orders', 'unknown')).toEqual(INVALID);
  });

  it('the same answers in the three frameworks', () => {
    expect(answers.express).toHaveLength(6);
    expect(answers.koa).toEqual(answers.express);
    expect(answers.fastify).toEqual(answers.express);
  });

  it('an opaque token revoked at the auth service is refused by each (introspection, no cache)', async () => {
    tokens.doomed = await tokenFor('mobile');
    for (const name of names) expect((await call(name, 'GET', '/orders', 'doomed')).status).toBe(200);
    const res = await fetch(`${auth.url}/revoke`, {
      method: 'POST',
      headers: { authorization: basic('mobile', 'mobile-secret-1') },
      body: new URLSearchParams({ token: tokens.doomed }),
    });
    expect(res.status).toBe(200);
    for (const name of names) {
      expect(await call(name, 'GET', '/orders', 'doomed')).toEqual(INVALID);
      expect((await call(name, 'GET', '/orders', 'opaque')).status).toBe(200);
    }
  });
});
