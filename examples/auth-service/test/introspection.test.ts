/**
 * Token formats per client (signed JWT, opaque reference, JWT encrypted to the API's key) and
 * RFC 7662 introspection over real HTTP: the exact answer for each live token, `{ active: false }`
 * for every other, client authentication and its errors, revocation of every format, the bound
 * on remembered tokens; then core's verifier reading all three formats from this service.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  calculateJwkThumbprint,
  compactDecrypt,
  CompactEncrypt,
  createRemoteJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  SignJWT,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createVerifier, memoryRevocationStore } from '@bearer-guard/core';
import { createAuthService } from '../index.mjs';

const api = generateKeyPairSync('rsa', { modulusLength: 2048 });
const apiPublicPem = api.publicKey.export({ type: 'spki', format: 'pem' }) as string;
const apiJwk = { ...api.publicKey.export({ format: 'jwk' }), kid: 'orders-api-2026' };
const MCP = 'https://mcp.example.com/mcp';

const clients = [
  { id: 'reader', secret: 'reader-secret-1', scopes: ['orders:read'] },
  { id: 'mobile', secret: 'mobile-secret-1', scopes: ['orders:read', 'orders:write'], tokenFormat: 'opaque' },
  {
    id: 'sealed',
    secret: 'sealed-secret-1',
    scopes: ['orders:read'],
    tokenFormat: 'encrypted',
    encryptionKey: apiPublicPem,
  },
  { id: 'sealed-jwk', secret: 'sealed-secret-2', scopes: [], tokenFormat: 'encrypted', encryptionKey: apiJwk },
  { id: 'orders-api', secret: 'orders-api-secret', scopes: [], introspect: true },
] as const;
type ClientId = (typeof clients)[number]['id'];
const secretOf = (id: ClientId) => clients.find((c) => c.id === id)!.secret;
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const CHALLENGE = 'Basic realm="auth-service", charset="UTF-8"';

type Service = Awaited<ReturnType<typeof createAuthService>>;
let service: Service;
const revocation = memoryRevocationStore();
beforeAll(async () => {
  service = await createAuthService({ clients: [...clients], revocation, tokenLifetime: 120, resources: [MCP] });
});
afterAll(() => service.close());

async function post(path: string, body: string, headers: Record<string, string> = {}, base = service.url) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text ? JSON.parse(text) : undefined };
}
async function tokenFor(id: ClientId, extra = '', headers: Record<string, string> = {}) {
  const res = await post('/token', `grant_type=client_credentials${extra}`, {
    authorization: basic(id, secretOf(id)),
    ...headers,
  });
  expect(res.status).toBe(200);
  return res.body as { access_token: string; token_type: string; expires_in: number; scope?: string };
}
const introspect = (token: string, as: ClientId = 'orders-api', extra = '', base = service.url) =>
  post('/introspect', `token=${encodeURIComponent(token)}${extra}`, { authorization: basic(as, secretOf(as)) }, base);
const revoke = (token: string, as: ClientId) =>
  post('/revoke', `token=${encodeURIComponent(token)}`, { authorization: basic(as, secretOf(as)) });
const jwks = () => createRemoteJWKSet(new URL(`${service.issuer}/jwks.json`));
const now = () => Math.floor(Date.now() / 1000);

/** The answer introspection must give for a live token with these claims. */
const activeAnswer = (claims: Record<string, unknown>, tokenType = 'Bearer') => ({
  active: true,
  iss: claims.iss,
  aud: claims.aud,
  sub: claims.sub,
  exp: claims.exp,
  iat: claims.iat,
  ...(claims.scope === undefined ? {} : { scope: claims.scope }),
  client_id: claims.client_id,
  jti: claims.jti,
  token_type: tokenType,
  ...(claims.cnf === undefined ? {} : { cnf: claims.cnf }),
});

describe('token formats', () => {
  it('jwt (default): the RFC 9068 JWT as before', async () => {
    const { access_token } = await tokenFor('reader');
    expect(access_token.split('.')).toHaveLength(3);
    expect(decodeProtectedHeader(access_token)).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
  });

  it('opaque: 32 random bytes, base64url, and the usual token response', async () => {
    const res = await tokenFor('mobile');
    expect(Object.keys(res).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    expect(res).toMatchObject({ token_type: 'Bearer', expires_in: 120, scope: 'orders:read orders:write' });
    expect(res.access_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(res.access_token, 'base64url')).toHaveLength(32);
    expect((await tokenFor('mobile')).access_token).not.toBe(res.access_token);
  });

  it('encrypted: a compact JWE (RSA-OAEP-256, A256GCM, cty JWT) holding the signed JWT', async () => {
    const { access_token, token_type } = await tokenFor('sealed');
    expect(token_type).toBe('Bearer');
    expect(access_token.split('.')).toHaveLength(5);
    expect(decodeProtectedHeader(access_token)).toEqual({ alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'JWT' });
    const { plaintext } = await compactDecrypt(access_token, api.privateKey);
    const { payload, protectedHeader } = await jwtVerify(new TextDecoder().decode(plaintext), jwks(), {
      issuer: service.issuer,
      audience: 'orders-api',
      typ: 'at+jwt',
    });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload).toMatchObject({ sub: 'sealed', client_id: 'sealed', scope: 'orders:read' });
    expect(payload.exp! - payload.iat!).toBe(120);
  });

  it('encrypted to a JWK: its kid goes into the JWE header', async () => {
    const { access_token } = await tokenFor('sealed-jwk');
    expect(decodeProtectedHeader(access_token)).toEqual({
      alg: 'RSA-OAEP-256',
      enc: 'A256GCM',
      cty: 'JWT',
      kid: 'orders-api-2026',
    });
  });

  it('issueToken mints in the client’s format too', async () => {
    expect(await service.issueToken({ clientId: 'mobile' })).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await service.issueToken({ clientId: 'sealed' })).split('.')).toHaveLength(5);
  });

  it.each([
    ['an unknown tokenFormat', { tokenFormat: 'paseto' }, /`tokenFormat` must be one of jwt, opaque, encrypted/],
    ['encrypted without a key', { tokenFormat: 'encrypted' }, /`encryptionKey` goes with `tokenFormat: 'encrypted'`/],
    ['a key without encrypted', { tokenFormat: 'opaque', encryptionKey: apiPublicPem }, /`encryptionKey` goes with/],
    [
      'a private PEM key',
      { tokenFormat: 'encrypted', encryptionKey: api.privateKey.export({ type: 'pkcs8', format: 'pem' }) },
      /must be a public key, not a private one/,
    ],
    [
      'a private JWK',
      { tokenFormat: 'encrypted', encryptionKey: api.privateKey.export({ format: 'jwk' }) },
      /must be a public key, not a private one/,
    ],
    [
      'an EC key',
      { tokenFormat: 'encrypted', encryptionKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey },
      /must be an RSA key of 2048 bits or more \(RSA-OAEP-256\)/,
    ],
    [
      'a 1024-bit RSA key',
      { tokenFormat: 'encrypted', encryptionKey: generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey },
      /must be an RSA key of 2048 bits or more/,
    ],
    ['garbage', { tokenFormat: 'encrypted', encryptionKey: 'not a key' }, /`encryptionKey` cannot be imported/],
    ['introspect not a boolean', { introspect: 'yes' }, /`introspect` must be a boolean/],
  ])('refuses %s at start-up, naming the client', async (_, extra, message) => {
    const config = [{ id: 'x', secret: 'x-secret-1', scopes: [], ...extra }];
    await expect(createAuthService({ clients: config as never })).rejects.toThrow(TypeError);
    await expect(createAuthService({ clients: config as never })).rejects.toThrow(message);
  });
});

describe('POST /introspect (RFC 7662): active tokens', () => {
  it('a JWT: its claims, active, token_type Bearer; no-store', async () => {
    const { access_token } = await tokenFor('reader');
    const { payload } = await jwtVerify(access_token, jwks(), { typ: 'at+jwt' });
    const res = await introspect(access_token);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.body).toEqual(activeAnswer(payload));
    expect(res.body).toEqual({
      active: true,
      iss: service.issuer,
      aud: 'orders-api',
      sub: 'reader',
      exp: payload.exp,
      iat: payload.iat,
      scope: 'orders:read',
      client_id: 'reader',
      jti: payload.jti,
      token_type: 'Bearer',
    });
  });

  it('an opaque token: the claims it stands for', async () => {
    const before = now();
    const { access_token } = await tokenFor('mobile', '&scope=orders:write');
    const res = await introspect(access_token);
    expect(res.status).toBe(200);
    const { iat, jti } = res.body;
    expect(iat).toBeGreaterThanOrEqual(before);
    expect(iat).toBeLessThanOrEqual(now());
    expect(jti).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(res.body).toEqual({
      active: true,
      iss: service.issuer,
      aud: 'orders-api',
      sub: 'mobile',
      exp: iat + 120,
      iat,
      scope: 'orders:write',
      client_id: 'mobile',
      jti,
      token_type: 'Bearer',
    });
  });

  it('an encrypted token: the claims of the JWT inside', async () => {
    const { access_token } = await tokenFor('sealed');
    const { plaintext } = await compactDecrypt(access_token, api.privateKey);
    const { payload } = await jwtVerify(new TextDecoder().decode(plaintext), jwks());
    expect((await introspect(access_token)).body).toEqual(activeAnswer(payload));
  });

  it('a token without scope has no scope member; with resource, aud is the resource (RFC 8707)', async () => {
    const sealed = await tokenFor('sealed-jwk');
    const answer = (await introspect(sealed.access_token)).body;
    expect(answer).not.toHaveProperty('scope');
    expect(answer).toMatchObject({ active: true, sub: 'sealed-jwk', aud: 'orders-api' });
    const opaque = await tokenFor('mobile', `&resource=${encodeURIComponent(MCP)}`);
    expect((await introspect(opaque.access_token)).body).toMatchObject({ active: true, aud: MCP, sub: 'mobile' });
  });

  it('a DPoP-bound opaque token: token_type DPoP and cnf.jkt (RFC 9449 §6.2)', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = await exportJWK(publicKey);
    const proof = await new SignJWT({ jti: `p-${Date.now()}`, htm: 'POST', htu: `${service.issuer}/token`, iat: now() })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk })
      .sign(privateKey);
    const res = await tokenFor('mobile', '', { dpop: proof });
    expect(res.token_type).toBe('DPoP');
    const answer = (await introspect(res.access_token)).body;
    expect(answer).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: await calculateJwkThumbprint(jwk) } });
    expect(answer).toEqual(activeAnswer(answer, 'DPoP'));
  });

  it('token_type_hint is only a hint (§2.1), and a client may authenticate in the body', async () => {
    const { access_token } = await tokenFor('mobile');
    const hinted = await introspect(access_token, 'orders-api', '&token_type_hint=refresh_token');
    expect(hinted.body.active).toBe(true);
    const viaBody = await post(
      '/introspect',
      `token=${access_token}&client_id=orders-api&client_secret=${secretOf('orders-api')}`,
    );
    expect(viaBody.body).toEqual(hinted.body);
  });
});

describe('POST /introspect: { active: false } for anything else', () => {
  const past = () => ({ issuedAt: now() - 600, lifetime: 60 });

  it.each(['reader', 'mobile', 'sealed'] as const)('an expired token of %s', async (clientId) => {
    const token = await service.issueToken({ clientId, ...past() });
    const res = await introspect(token);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({ active: false });
  });

  it.each(['reader', 'mobile', 'sealed'] as const)(
    'a token of %s revoked by its client (RFC 7009), in every format',
    async (clientId) => {
      const { access_token } = await tokenFor(clientId);
      expect((await introspect(access_token)).body.active).toBe(true);
      const res = await revoke(access_token, clientId);
      expect(res.status).toBe(200);
      expect(res.text).toBe('');
      expect((await introspect(access_token)).body).toEqual({ active: false });
    },
  );

  it('another client may not revoke an opaque token, which stays active', async () => {
    const { access_token } = await tokenFor('mobile');
    const res = await revoke(access_token, 'reader');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'unauthorized_client',
      error_description: 'The token was not issued to this client',
    });
    expect((await introspect(access_token)).body.active).toBe(true);
  });

  it('a JWT signed by another key, even with our iss and kid', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const kid = service.jwks().keys[0].kid;
    const forged = await new SignJWT({ client_id: 'reader', scope: 'orders:read' })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
      .setIssuer(service.issuer)
      .setAudience('orders-api')
      .setSubject('reader')
      .setJti('forged')
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(privateKey);
    expect((await introspect(forged)).body).toEqual({ active: false });
  });

  it('a JWE this service did not issue, though made for the same key', async () => {
    const jwt = await tokenFor('reader');
    const jwe = await new CompactEncrypt(new TextEncoder().encode(jwt.access_token))
      .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'JWT' })
      .encrypt(api.publicKey);
    expect((await introspect(jwe)).body).toEqual({ active: false });
  });

  it.each([
    ['an unknown opaque token', randomBytes(32).toString('base64url')],
    ['garbage', 'not-a-token'],
    ['a malformed JWT', 'eyJhbGciOiJFUzI1NiJ9.eyJqdGkiOiJ4In0.c2ln'],
    ['five empty segments', '....'],
    ['a long string', 'a'.repeat(8000)],
  ])('%s', async (_, token) => {
    const res = await introspect(token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ active: false });
  });
});

describe('POST /introspect: errors', () => {
  it('no client authentication: 401 with a Basic challenge (§2.1, RFC 6749 §5.2)', async () => {
    const res = await post('/introspect', 'token=x');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(CHALLENGE);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed' });
  });

  it('a wrong secret: 401', async () => {
    const res = await post('/introspect', 'token=x', { authorization: basic('orders-api', 'wrong-secret') });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(CHALLENGE);
    expect(res.body).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed' });
  });

  it('a client that is not a resource server: 400 unauthorized_client (§4), answered before the token is read', async () => {
    const { access_token } = await tokenFor('reader');
    const res = await introspect(access_token, 'reader');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'unauthorized_client',
      error_description: 'This client may not introspect tokens',
    });
    const noToken = await post('/introspect', '', { authorization: basic('mobile', secretOf('mobile')) });
    expect(noToken.body.error).toBe('unauthorized_client');
  });

  it('no token parameter: 400 invalid_request', async () => {
    const res = await post('/introspect', 'token_type_hint=access_token', {
      authorization: basic('orders-api', secretOf('orders-api')),
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_request', error_description: 'The "token" parameter is missing' });
  });

  it('GET: 405, Allow POST', async () => {
    const res = await fetch(`${service.url}/introspect`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(await res.json()).toEqual({ error: 'invalid_request', error_description: 'Use POST' });
  });

  it('the revocation store cannot answer: 503, never active', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const failing = await createAuthService({
      clients: [...clients],
      revocation: { isRevoked: () => Promise.reject(new Error('redis down')), revoke: () => {} },
    });
    try {
      const token = await failing.issueToken({ clientId: 'mobile' });
      const res = await introspect(token, 'orders-api', '', failing.url);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.body).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'The revocation store cannot answer; try again later',
      });
    } finally {
      errors.mockRestore();
      await failing.close();
    }
  });
});

describe('remembered tokens are bounded (maxStoredTokens)', () => {
  it('expired ones make room; live ones are never dropped: 503 instead', async () => {
    const small = await createAuthService({ clients: [...clients], maxStoredTokens: 2 });
    try {
      const form = (id: ClientId) =>
        post('/token', 'grant_type=client_credentials', { authorization: basic(id, secretOf(id)) }, small.url);
      await small.issueToken({ clientId: 'mobile', issuedAt: now() - 600, lifetime: 60 });
      await small.issueToken({ clientId: 'sealed', issuedAt: now() - 600, lifetime: 60 });
      const first = await form('mobile'); // the two expired ones are swept
      expect(first.status).toBe(200);
      expect((await form('sealed')).status).toBe(200);
      const full = await form('mobile');
      expect(full.status).toBe(503);
      expect(full.headers.get('retry-after')).toBe('1');
      expect(full.body).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'Too many tokens are live; try again later',
      });
      expect((await form('reader')).status).toBe(200); // signed JWTs are not remembered
      expect((await introspect(first.body.access_token, 'orders-api', '', small.url)).body.active).toBe(true);
    } finally {
      await small.close();
    }
    await expect(createAuthService({ clients: [...clients], maxStoredTokens: 0 })).rejects.toThrow(
      /`maxStoredTokens` must be a positive integer/,
    );
  });
});

describe('core’s verifier against this service', () => {
  it('verifies a JWT locally, an encrypted token by decrypting it, an opaque one by introspection', async () => {
    const verifier = createVerifier({
      issuer: service.issuer,
      audience: 'orders-api',
      requiredClaims: ['exp', 'iat', 'jti', 'sub', 'client_id'],
      decryption: { keys: [createPrivateKey(api.privateKey.export({ type: 'pkcs8', format: 'pem' }))] },
      introspection: { clientId: 'orders-api', clientSecret: secretOf('orders-api') },
    });
    try {
      const jwt = await verifier.verify((await tokenFor('reader')).access_token);
      expect([jwt.source, jwt.payload.sub]).toEqual(['jwt', 'reader']);
      const sealed = await verifier.verify((await tokenFor('sealed')).access_token);
      expect([sealed.source, sealed.payload.sub]).toEqual(['jwt', 'sealed']);
      const opaque = await verifier.verify((await tokenFor('mobile')).access_token);
      expect([opaque.source, opaque.payload.sub, opaque.payload.scope]).toEqual([
        'introspection',
        'mobile',
        'orders:read orders:write',
      ]);
      await expect(verifier.verify(randomBytes(32).toString('base64url'))).rejects.toMatchObject({
        code: 'invalid_token',
      });
    } finally {
      verifier.close();
    }
  });
});
