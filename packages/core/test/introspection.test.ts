/**
 * Introspection (RFC 7662) against a real endpoint on 127.0.0.1: client authentication
 * (client_secret_basic, private_key_jwt checked with jose), the claim checks on the answer, the
 * answer cache and its bounds, single flight, the bound on calls under a flood of junk tokens,
 * and every way the endpoint can fail.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportPKCS8, generateKeyPair, jwtVerify, SignJWT, type CryptoKey } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, isBearerError, type AuthOptions } from '@bearer-guard/core';

const ISS = 'https://as.test/';
const SECRET = 's'.repeat(32);
const now = () => Math.floor(Date.now() / 1000);

interface Endpoint {
  url: string;
  base: string;
  /** Introspection calls received. */
  calls: number;
  /** Most calls in progress at once. */
  peak: number;
  /** The answer for a token: status and JSON body, or a raw body. */
  answers: Map<string, { status?: number; body: unknown; raw?: string }>;
  /** Held this long before answering. */
  delayMs: number;
  /** What the last call sent: its form and authorization header. */
  last?: { form: URLSearchParams; authorization: string | undefined };
  /** Checks the client authentication of each call; throws to answer 401. */
  authenticate?: (form: URLSearchParams, authorization: string | undefined) => Promise<void>;
  server: Server;
}

async function startEndpoint(): Promise<Endpoint> {
  let inProgress = 0;
  const endpoint = {
    calls: 0,
    peak: 0,
    answers: new Map(),
    delayMs: 0,
  } as unknown as Endpoint;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      if (req.url === '/.well-known/openid-configuration') {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            issuer: `${endpoint.base}/`,
            jwks_uri: `${endpoint.base}/jwks`,
            introspection_endpoint: endpoint.url,
          }),
        );
        return;
      }
      endpoint.calls++;
      inProgress++;
      endpoint.peak = Math.max(endpoint.peak, inProgress);
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      endpoint.last = { form, authorization: req.headers.authorization };
      try {
        await endpoint.authenticate?.(form, req.headers.authorization);
      } catch {
        inProgress--;
        res.statusCode = 401;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ error: 'invalid_client' }));
        return;
      }
      if (endpoint.delayMs) await new Promise((r) => setTimeout(r, endpoint.delayMs));
      inProgress--;
      const answer = endpoint.answers.get(form.get('token') ?? '') ?? { body: { active: false } };
      res.statusCode = answer.status ?? 200;
      res.setHeader('content-type', 'application/json');
      res.end(answer.raw ?? JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(endpoint, { server, base, url: `${base}/introspect` });
}

let endpoint: Endpoint;
const verifiers: { close(): void }[] = [];

beforeAll(async () => {
  endpoint = await startEndpoint();
});
afterAll(async () => {
  endpoint.server.closeAllConnections();
  await new Promise((resolve) => endpoint.server.close(resolve));
});
afterEach(() => {
  for (const v of verifiers.splice(0)) v.close();
  endpoint.answers.clear();
  endpoint.calls = 0;
  endpoint.peak = 0;
  endpoint.delayMs = 0;
  delete endpoint.authenticate;
});

function verifier(
  introspection: Partial<NonNullable<AuthOptions['introspection']>> = {},
  extra: Partial<AuthOptions> = {},
) {
  const v = createVerifier({
    issuer: ISS,
    audience: 'orders',
    secret: SECRET,
    introspection: { endpoint: endpoint.url, clientId: 'orders-api', clientSecret: 'p@ss word', ...introspection },
    ...extra,
  } as AuthOptions);
  verifiers.push(v);
  return v;
}

function active(token: string, claims: Record<string, unknown> = {}) {
  endpoint.answers.set(token, {
    body: {
      active: true,
      iss: ISS,
      aud: 'orders',
      sub: 'u1',
      exp: now() + 300,
      scope: 'read',
      client_id: 'c1',
      ...claims,
    },
  });
}

async function reason(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'accepted';
  } catch (error) {
    if (!isBearerError(error)) throw error;
    return `${error.status} ${error.reason}`;
  }
}

describe('introspection (RFC 7662)', () => {
  it('an active opaque token: its claims, source "introspection", an empty header; client_secret_basic form-encoded', async () => {
    active('opaque-1');
    const auth = await verifier().verify('opaque-1');
    expect(auth.source).toBe('introspection');
    expect(auth.payload).toEqual({
      iss: ISS,
      aud: 'orders',
      sub: 'u1',
      exp: auth.payload.exp,
      scope: 'read',
      client_id: 'c1',
    });
    expect(auth.header).toEqual({});
    expect(Object.isFrozen(auth.payload)).toBe(true);
    expect(endpoint.last?.form.get('token')).toBe('opaque-1');
    expect(endpoint.last?.form.get('token_type_hint')).toBe('access_token');
    expect(endpoint.last?.authorization).toBe(`Basic ${Buffer.from('orders-api:p%40ss+word').toString('base64')}`);
  });

  it('a JWS is verified locally in the default mode; with tokens: "all" it is introspected too', async () => {
    const jwt = await new SignJWT({ sub: 'u1' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISS)
      .setAudience('orders')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(SECRET));
    expect((await verifier().verify(jwt)).source).toBe('jwt');
    expect(endpoint.calls).toBe(0);
    active(jwt, { sub: 'from-introspection' });
    const auth = await verifier({ tokens: 'all' }).verify(jwt);
    expect(auth.source).toBe('introspection');
    expect(auth.payload.sub).toBe('from-introspection');
    expect(endpoint.calls).toBe(1);
  });

  it.each([
    ['not active', { body: { active: false } }, '401 token_inactive'],
    [
      '"active": "true" (a string)',
      { body: { active: 'true', iss: ISS, aud: 'orders', exp: now() + 60 } },
      '401 token_inactive',
    ],
    ['another audience', { body: { active: true, iss: ISS, aud: 'billing', exp: now() + 60 } }, '401 invalid_audience'],
    [
      'another issuer',
      { body: { active: true, iss: 'https://evil.test/', aud: 'orders', exp: now() + 60 } },
      '401 invalid_issuer',
    ],
    ['expired', { body: { active: true, iss: ISS, aud: 'orders', exp: now() - 60 } }, '401 token_expired'],
    ['no exp (required by default)', { body: { active: true, iss: ISS, aud: 'orders' } }, '401 missing_claim'],
    [
      'an OAuth error (400 unsupported_token_type)',
      { status: 400, body: { error: 'unsupported_token_type' } },
      '401 introspection_refused',
    ],
    ['400 without an OAuth error', { status: 400, body: { message: 'bad' } }, '503 introspection_unavailable'],
    [
      '400 invalid_client (our own client)',
      { status: 400, body: { error: 'invalid_client' } },
      '503 introspection_unavailable',
    ],
    [
      '400 unauthorized_client (our own client)',
      { status: 400, body: { error: 'unauthorized_client' } },
      '503 introspection_unavailable',
    ],
    ['500', { status: 500, body: { error: 'server_error' } }, '503 introspection_unavailable'],
    ['a body that is not JSON', { body: null, raw: '<html>' }, '503 introspection_unavailable'],
    ['a JSON array', { body: [true] }, '503 introspection_unavailable'],
  ])('%s → %s', async (_name, answer, expected) => {
    endpoint.answers.set('opaque-x', answer as { body: unknown });
    expect(await reason(verifier().verify('opaque-x'))).toBe(expected);
  });

  it('client authentication refused by the endpoint (401) → 503, never a client error', async () => {
    endpoint.authenticate = async () => {
      throw new Error('no');
    };
    active('opaque-2');
    expect(await reason(verifier().verify('opaque-2'))).toBe('503 introspection_unavailable');
  });

  it('private_key_jwt: a client assertion the endpoint verifies with the public key (RFC 7523)', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    endpoint.authenticate = async (form) => {
      expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      const { payload } = await jwtVerify(form.get('client_assertion') ?? '', publicKey as CryptoKey, {
        issuer: 'orders-api',
        subject: 'orders-api',
        audience: endpoint.url,
        maxTokenAge: '2m',
      });
      expect(typeof payload.jti).toBe('string');
    };
    active('opaque-3');
    const v = verifier({ clientSecret: undefined, privateKey: await exportPKCS8(privateKey) });
    expect((await v.verify('opaque-3')).payload.sub).toBe('u1');
    expect(endpoint.last?.authorization).toBeUndefined();
  });

  it('the endpoint comes from the issuer metadata when none is given', async () => {
    const issuer = `${endpoint.base}/`;
    const v = createVerifier({
      issuer,
      audience: 'orders',
      secret: SECRET,
      introspection: { clientId: 'orders-api', clientSecret: 'x' },
    });
    verifiers.push(v);
    active('opaque-4', { iss: issuer });
    expect((await v.verify('opaque-4')).payload.iss).toBe(issuer);
    expect(endpoint.calls).toBe(1);
  });

  it('answers are cached by token: one call for repeated and concurrent requests (single flight)', async () => {
    active('opaque-5');
    const v = verifier();
    endpoint.delayMs = 50;
    const all = await Promise.all(Array.from({ length: 20 }, () => v.verify('opaque-5')));
    expect(all.every((a) => a.payload.sub === 'u1')).toBe(true);
    await v.verify('opaque-5');
    expect(endpoint.calls).toBe(1);
  });

  it('a revocation at the authorization server shows once cache.maxAge has passed', async () => {
    active('opaque-6');
    const v = verifier({ cache: { maxAge: '300ms' } });
    expect((await v.verify('opaque-6')).payload.sub).toBe('u1');
    endpoint.answers.set('opaque-6', { body: { active: false } });
    expect((await v.verify('opaque-6')).payload.sub).toBe('u1');
    await new Promise((r) => setTimeout(r, 350));
    expect(await reason(v.verify('opaque-6'))).toBe('401 token_inactive');
    expect(endpoint.calls).toBe(2);
  });

  it('an answer is never used past the token exp', async () => {
    active('opaque-7', { exp: now() + 1 });
    const v = verifier({ cache: { maxAge: 60 } }, { clockTolerance: 0 });
    await v.verify('opaque-7');
    await new Promise((r) => setTimeout(r, 2100));
    endpoint.answers.set('opaque-7', { body: { active: false } });
    expect(await reason(v.verify('opaque-7'))).toBe('401 token_inactive');
  });

  it('an inactive answer is cached too: repeating a junk token costs one call', async () => {
    const v = verifier();
    for (let i = 0; i < 5; i++) expect(await reason(v.verify('junk-1'))).toBe('401 token_inactive');
    expect(endpoint.calls).toBe(1);
  });

  it('a flood of distinct junk tokens: at most 16 calls at once, the rest queued or refused with 503', async () => {
    endpoint.delayMs = 150;
    const v = verifier();
    const outcomes = await Promise.all(Array.from({ length: 400 }, (_, i) => reason(v.verify(`junk-flood-${i}`))));
    expect(endpoint.peak).toBeLessThanOrEqual(16);
    const refused = outcomes.filter((o) => o === '503 introspection_unavailable').length;
    const inactive = outcomes.filter((o) => o === '401 token_inactive').length;
    expect(inactive).toBe(16 + 256);
    expect(refused).toBe(400 - 16 - 256);
    expect(endpoint.calls).toBe(16 + 256);
  });

  it('an endpoint slower than the timeout → 503', async () => {
    endpoint.delayMs = 500;
    active('opaque-8');
    expect(await reason(verifier({ timeout: '100ms' }).verify('opaque-8'))).toBe('503 introspection_unavailable');
  });

  it('an endpoint that is down → 503', async () => {
    const v = verifier({ endpoint: 'http://127.0.0.1:9/introspect' });
    expect(await reason(v.verify('opaque-9'))).toBe('503 introspection_unavailable');
  });

  it('guards see the introspected claims', async () => {
    active('opaque-10', { scope: 'read write' });
    const { requireScopes } = await import('@bearer-guard/core');
    const v = verifier();
    const auth = await v.verify('opaque-10');
    await expect(v.authorize(auth, requireScopes('write'))).resolves.toBeUndefined();
    expect(await reason(v.authorize(auth, requireScopes('admin')))).toBe('403 insufficient_scope');
  });

  it.each([
    [
      { clientId: 'a' },
      'bearer-guard: `introspection` needs exactly one of `clientSecret` (client_secret_basic) and `privateKey` (private_key_jwt)',
    ],
    [{ clientId: 'a', clientSecret: 'x', privateKey: 'y' }, 'needs exactly one of'],
    [{ clientSecret: 'x' }, 'bearer-guard: `introspection.clientId`'],
    [
      { clientId: 'a', clientSecret: 'x', tokens: 'some' },
      "bearer-guard: `introspection.tokens` must be 'opaque' or 'all'",
    ],
    [
      { clientId: 'a', privateKey: 'not a key' },
      'bearer-guard: `introspection.privateKey` cannot be imported as a private key',
    ],
    [{ clientId: 'a', clientSecret: 'x', endpoint: 'ftp://x' }, 'bearer-guard: `introspection.endpoint`'],
    [
      { clientId: 'a', clientSecret: 'x', extra: 1 },
      'bearer-guard: `introspection.extra` is not an option of `introspection`',
    ],
  ])('%j is refused at start-up', (introspection, message) => {
    expect(() =>
      createVerifier({ issuer: ISS, audience: 'orders', secret: SECRET, introspection } as unknown as AuthOptions),
    ).toThrow(message);
  });

  it('without an endpoint, one issuer is needed', () => {
    expect(() =>
      createVerifier({
        issuer: [ISS, 'https://other.test/'],
        audience: 'orders',
        secret: SECRET,
        introspection: { clientId: 'a', clientSecret: 'x' },
      }),
    ).toThrow('bearer-guard: `introspection.endpoint` is required unless exactly one `issuer` is configured');
  });
});
