/**
 * The auth service over real HTTP: every /token error path (RFC 6749 §5.2), the issued tokens
 * (RFC 9068) checked with jose against the served JWKS, RFC 8414 metadata, key rotation and
 * RFC 7009 revocation.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { memoryRevocationStore } from '@bearer-guard/core';
import { createAuthService } from '../index.mjs';

const clients = [
  { id: 'reader', secret: 'reader-secret-1', scopes: ['orders:read'] },
  { id: 'writer', secret: 'writer-secret-1', scopes: ['orders:read', 'orders:write'] },
  // RFC 6749 §2.3.1: both are form-urlencoded before Basic; ':' '%' '+' ' ' must survive.
  { id: 'svc:billing', secret: 'p@ss:w%rd+ x', scopes: ['orders:read'] },
];
const [reader, writer, odd] = clients;
const MCP = 'https://mcp.example.com/mcp';
const CHALLENGE = 'Basic realm="auth-service", charset="UTF-8"';

type Service = Awaited<ReturnType<typeof createAuthService>>;
let service: Service;
const revocation = memoryRevocationStore();
beforeAll(async () => {
  service = await createAuthService({ clients, revocation, tokenLifetime: 120, resources: [MCP] });
});
afterAll(() => service.close());

const formEncode = (s: string) => new URLSearchParams({ s }).toString().slice(2);
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${formEncode(id)}:${formEncode(secret)}`).toString('base64')}`;

async function post(path: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${service.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text ? JSON.parse(text) : undefined };
}
const tokenAs = (client: { id: string; secret: string }, extra = '') =>
  post('/token', `grant_type=client_credentials${extra}`, { authorization: basic(client.id, client.secret) });
async function accessToken(client: { id: string; secret: string }, extra = ''): Promise<string> {
  const res = await tokenAs(client, extra);
  expect(res.status).toBe(200);
  return res.body.access_token;
}
const verify = (token: string) =>
  jwtVerify(token, createRemoteJWKSet(new URL(`${service.issuer}/jwks.json`)), {
    issuer: service.issuer,
    audience: 'orders-api',
    typ: 'at+jwt',
  });

describe('POST /token errors (RFC 6749 §5.2)', () => {
  it.each([
    [
      'unsupported grant type',
      'grant_type=password&username=a&password=b',
      { authorization: basic(reader.id, reader.secret) },
      400,
      'unsupported_grant_type',
      'Only the client_credentials grant is supported',
    ],
    [
      'missing grant_type',
      'scope=orders:read',
      { authorization: basic(reader.id, reader.secret) },
      400,
      'invalid_request',
      'The "grant_type" parameter is missing',
    ],
    [
      'a repeated parameter',
      'grant_type=client_credentials&grant_type=client_credentials',
      { authorization: basic(reader.id, reader.secret) },
      400,
      'invalid_request',
      'The "grant_type" parameter is repeated',
    ],
    [
      'Basic and body credentials at once',
      `grant_type=client_credentials&client_id=reader&client_secret=${reader.secret}`,
      { authorization: basic(reader.id, reader.secret) },
      400,
      'invalid_request',
      'Use exactly one client authentication method',
    ],
    [
      'Basic and a body client_id at once',
      'grant_type=client_credentials&client_id=reader',
      { authorization: basic(reader.id, reader.secret) },
      400,
      'invalid_request',
      'Use exactly one client authentication method',
    ],
    [
      'a wrong secret in the body',
      'grant_type=client_credentials&client_id=reader&client_secret=nope',
      {},
      400,
      'invalid_client',
      'Client authentication failed',
    ],
    [
      'an unknown client in the body',
      'grant_type=client_credentials&client_id=nobody&client_secret=reader-secret-1',
      {},
      400,
      'invalid_client',
      'Client authentication failed',
    ],
    [
      'a body client_id without secret',
      'grant_type=client_credentials&client_id=reader',
      {},
      400,
      'invalid_client',
      'Client authentication failed',
    ],
    [
      'a scope beyond the client',
      '&scope=orders:read%20orders:write',
      null,
      400,
      'invalid_scope',
      'The requested scope exceeds what this client may have',
    ],
    [
      'a malformed scope',
      '&scope=orders:read%20%20orders:read',
      null,
      400,
      'invalid_scope',
      'The requested scope is malformed',
    ],
  ])('%s', async (_, body, headers, status, error, description) => {
    const res = headers === null ? await tokenAs(reader, body) : await post('/token', body, headers);
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ error, error_description: description });
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-type')).toBe('application/json');
  });

  it.each([
    ['a wrong secret', basic(reader.id, 'wrong-secret')],
    ['an unknown client', basic('nobody', reader.secret)],
    ['an id and secret not form-urlencoded', `Basic ${Buffer.from(`${odd.id}:${odd.secret}`).toString('base64')}`],
    ['no colon', `Basic ${Buffer.from('reader').toString('base64')}`],
    ['not base64', 'Basic !!!'],
    ['another scheme', 'Bearer abc'],
  ])('invalid_client through the Authorization header (%s): 401 with a Basic challenge', async (_, authorization) => {
    const res = await post('/token', 'grant_type=client_credentials', { authorization });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(CHALLENGE);
    expect(res.body).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed' });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('no client authentication at all: 401 with a Basic challenge', async () => {
    const res = await post('/token', 'grant_type=client_credentials');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(CHALLENGE);
    expect(res.body).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed' });
  });

  it('refuses a body that is not form-encoded, and methods other than POST', async () => {
    const json = await post('/token', '{"grant_type":"client_credentials"}', {
      'content-type': 'application/json',
      authorization: basic(reader.id, reader.secret),
    });
    expect(json.status).toBe(400);
    expect(json.body).toEqual({
      error: 'invalid_request',
      error_description: 'The body must be application/x-www-form-urlencoded',
    });
    const get = await fetch(`${service.url}/token`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(await get.json()).toEqual({ error: 'invalid_request', error_description: 'Use POST' });
  });
});

describe('POST /token success', () => {
  it('issues an RFC 9068 access token, verified with jose against the served JWKS', async () => {
    const res = await tokenAs(writer);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(Object.keys(res.body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 120, scope: 'orders:read orders:write' });

    const { payload, protectedHeader } = await verify(res.body.access_token);
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(protectedHeader.kid).toBe(service.jwks().keys[0].kid);
    expect(payload).toMatchObject({
      iss: service.issuer,
      aud: 'orders-api',
      sub: 'writer',
      client_id: 'writer',
      scope: 'orders:read orders:write',
    });
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(payload.exp! - payload.iat!).toBe(120);
    expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(5);
  });

  it('narrows the scope to what the client asks for, a subset of what it may have', async () => {
    const res = await tokenAs(writer, '&scope=orders:read');
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('orders:read');
    expect((await verify(res.body.access_token)).payload.scope).toBe('orders:read');
  });

  it('treats an empty scope parameter as omitted (RFC 6749 §3.1): the full allowed scope', async () => {
    const res = await tokenAs(writer, '&scope=');
    expect(res.body.scope).toBe('orders:read orders:write');
  });

  it('accepts client_secret_post, and Basic credentials with form-urlencoded id and secret', async () => {
    const viaBody = await post(
      '/token',
      `grant_type=client_credentials&client_id=reader&client_secret=${reader.secret}`,
    );
    expect(viaBody.status).toBe(200);
    const viaBasic = await tokenAs(odd);
    expect(viaBasic.status).toBe(200);
    expect((await verify(viaBasic.body.access_token)).payload.sub).toBe('svc:billing');
  });

  it('gives every token its own jti', async () => {
    const [a, b] = await Promise.all([accessToken(reader), accessToken(reader)]);
    expect((await verify(a)).payload.jti).not.toBe((await verify(b)).payload.jti);
  });
});

describe('resource indicators (RFC 8707)', () => {
  it('a token for the resource the client names has that resource as its aud', async () => {
    const res = await tokenAs(reader, `&resource=${encodeURIComponent(MCP)}`);
    expect(res.status).toBe(200);
    const { payload } = await jwtVerify(
      res.body.access_token,
      createRemoteJWKSet(new URL(`${service.issuer}/jwks.json`)),
      {
        issuer: service.issuer,
        audience: MCP,
        typ: 'at+jwt',
      },
    );
    expect(payload).toMatchObject({ aud: MCP, client_id: 'reader', scope: 'orders:read' });
    expect((await service.issueToken({ clientId: 'reader', resource: MCP })).split('.')).toHaveLength(3);
  });

  it.each([
    ['a resource not in the allow-list', 'https://other.example.com/mcp'],
    ['a relative reference', '/mcp'],
    ['a resource with a fragment', `${MCP}#x`],
  ])('refuses %s: 400 invalid_target', async (_, resource) => {
    const res = await tokenAs(reader, `&resource=${encodeURIComponent(resource)}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({
      error: 'invalid_target',
      error_description: 'The requested resource is unknown to this authorization server',
    });
  });

  it('refuses an allow-list entry that is not an absolute URL, at start-up', async () => {
    await expect(createAuthService({ clients, resources: ['mcp'] })).rejects.toThrow(TypeError);
  });
});

describe('metadata and keys', () => {
  it('serves RFC 8414 metadata', async () => {
    const res = await fetch(`${service.url}/.well-known/oauth-authorization-server`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      issuer: service.issuer,
      token_endpoint: `${service.issuer}/token`,
      jwks_uri: `${service.issuer}/jwks.json`,
      revocation_endpoint: `${service.issuer}/revoke`,
      introspection_endpoint: `${service.issuer}/introspect`,
      grant_types_supported: ['client_credentials'],
      response_types_supported: [],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      scopes_supported: ['orders:read', 'orders:write'],
      dpop_signing_alg_values_supported: ['ES256', 'ES384', 'ES512', 'EdDSA', 'PS256', 'PS384', 'PS512', 'RS256'],
    });
    expect((await fetch(`${service.url}/.well-known/openid-configuration`)).status).toBe(404);
  });

  it('publishes public keys only', async () => {
    const jwks = await (await fetch(`${service.url}/jwks.json`)).json();
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(key).not.toHaveProperty('d');
    }
  });

  it('can mint an already-expired token for tests, which jose refuses', async () => {
    const token = await service.issueToken({
      clientId: 'reader',
      issuedAt: Math.floor(Date.now() / 1000) - 600,
      lifetime: 60,
    });
    await expect(verify(token)).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
    await expect(service.issueToken({ clientId: 'reader', scope: 'orders:write' })).rejects.toMatchObject({
      status: 400,
    });
    await expect(service.issueToken({ clientId: 'nobody' })).rejects.toThrow(TypeError);
  });
});

describe('key rotation', () => {
  afterEach(() => vi.useRealTimers());

  it('signs with the new key and keeps the old key published for the token lifetime', async () => {
    const local = await createAuthService({ clients, tokenLifetime: 60 });
    try {
      const jwks = createRemoteJWKSet(new URL(`${local.issuer}/jwks.json`));
      const check = (token: string) => jwtVerify(token, jwks, { issuer: local.issuer, typ: 'at+jwt' });
      const before = await local.issueToken({ clientId: 'reader' });
      const oldKid = decodeProtectedHeader(before).kid;
      const { kid: newKid } = await local.rotate();
      const after = await local.issueToken({ clientId: 'reader' });
      expect(decodeProtectedHeader(after).kid).toBe(newKid);
      expect(newKid).not.toBe(oldKid);
      expect(local.jwks().keys.map((k: { kid: string }) => k.kid)).toEqual([newKid, oldKid]);
      await expect(check(before)).resolves.toBeTruthy();
      await expect(check(after)).resolves.toBeTruthy();

      // Past the lifetime (plus a minute of clock skew) the old key is gone from the JWKS.
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 125_000 });
      expect(local.jwks().keys.map((k: { kid: string }) => k.kid)).toEqual([newKid]);
    } finally {
      await local.close();
    }
  });
});

describe('keys on disk', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'auth-keys-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('generates a key on first start (mode 0600) and reuses it on the next', async () => {
    const keysDir = join(tempDir(), 'keys');
    const first = await createAuthService({ clients, keysDir });
    const kid = first.jwks().keys[0].kid;
    await first.close();
    const files = readdirSync(keysDir);
    expect(files).toHaveLength(1);
    expect(statSync(join(keysDir, files[0])).mode & 0o777).toBe(0o600);
    const second = await createAuthService({ clients, keysDir });
    expect(second.jwks().keys.map((k: { kid: string }) => k.kid)).toEqual([kid]);
    const { kid: rotated } = await second.rotate();
    await second.close();
    expect(readdirSync(keysDir)).toHaveLength(2);
    const third = await createAuthService({ clients, keysDir });
    expect(third.jwks().keys.map((k: { kid: string }) => k.kid)).toEqual([rotated, kid]);
    await third.close();
  });

  const sshKeygen = (() => {
    try {
      execFileSync('ssh-keygen', ['-?'], { stdio: 'ignore' });
      return true;
    } catch (error) {
      return (error as { status?: number }).status !== undefined; // it ran, only complained about -?
    }
  })();

  it.skipIf(!sshKeygen)('signs with an `ssh-keygen -m pem` RSA key; explains the OpenSSH format', async () => {
    const keysDir = tempDir();
    execFileSync('ssh-keygen', [
      '-q',
      '-t',
      'rsa',
      '-b',
      '2048',
      '-m',
      'pem',
      '-N',
      '',
      '-f',
      join(keysDir, 'tutorial.pem'),
    ]);
    const local = await createAuthService({ clients, keysDir });
    try {
      const token = await local.issueToken({ clientId: 'reader' });
      expect(decodeProtectedHeader(token).alg).toBe('RS256');
      const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(`${local.issuer}/jwks.json`)), {
        issuer: local.issuer,
      });
      expect(payload.sub).toBe('reader');
    } finally {
      await local.close();
    }
    const openssh = tempDir();
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(openssh, 'id.pem')]);
    await expect(createAuthService({ clients, keysDir: openssh })).rejects.toThrow(/OpenSSH private key format/);
  });

  it('refuses a file that is not a private key', async () => {
    const keysDir = tempDir();
    writeFileSync(join(keysDir, 'junk.pem'), 'not a key');
    await expect(createAuthService({ clients, keysDir })).rejects.toThrow();
  });
});

describe('POST /revoke (RFC 7009)', () => {
  const revoke = (client: { id: string; secret: string }, body: string) =>
    post('/revoke', body, { authorization: basic(client.id, client.secret) });
  const claims = async (token: string) => (await verify(token)).payload;

  it('revokes the client’s own token into the revocation store: 200, empty body', async () => {
    const token = await accessToken(writer);
    const payload = await claims(token);
    expect(revocation.isRevoked(payload)).toBe(false);
    const res = await revoke(writer, `token=${token}&token_type_hint=access_token`);
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(revocation.isRevoked(payload)).toBe(true);
  });

  it('treats token_type_hint as a hint only, and accepts client_secret_post', async () => {
    const token = await accessToken(reader);
    const res = await post(
      '/revoke',
      `token=${token}&token_type_hint=refresh_token&client_id=reader&client_secret=${reader.secret}`,
    );
    expect(res.status).toBe(200);
    expect(revocation.isRevoked(await claims(token))).toBe(true);
  });

  it.each([
    ['garbage', 'not-a-token'],
    ['a JWT with a bad signature', 'eyJhbGciOiJFUzI1NiJ9.eyJqdGkiOiJ4In0.c2ln'],
  ])('answers 200 for an unknown or invalid token (%s) and stores nothing', async (_, token) => {
    const res = await revoke(writer, `token=${encodeURIComponent(token)}`);
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
  });

  it('answers 200 for an expired token', async () => {
    const token = await service.issueToken({
      clientId: 'writer',
      issuedAt: Math.floor(Date.now() / 1000) - 600,
      lifetime: 60,
    });
    expect((await revoke(writer, `token=${token}`)).status).toBe(200);
  });

  it('refuses to revoke another client’s token, which stays valid', async () => {
    const token = await accessToken(writer);
    const res = await revoke(reader, `token=${token}`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'unauthorized_client',
      error_description: 'The token was not issued to this client',
    });
    expect(revocation.isRevoked(await claims(token))).toBe(false);
  });

  it('needs client authentication and a token parameter', async () => {
    const token = await accessToken(writer);
    const anonymous = await post('/revoke', `token=${token}`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe(CHALLENGE);
    expect(anonymous.body).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed' });
    const missing = await revoke(writer, 'token_type_hint=access_token');
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: 'invalid_request', error_description: 'The "token" parameter is missing' });
    expect(revocation.isRevoked(await claims(token))).toBe(false);
  });

  it('answers 503 when the revocation store fails, so the client knows the token still works', async () => {
    const failing = await createAuthService({
      clients,
      revocation: { isRevoked: () => false, revoke: () => Promise.reject(new Error('redis down')) },
    });
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const token = await failing.issueToken({ clientId: 'writer' });
      const res = await fetch(`${failing.url}/revoke`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basic(writer.id, writer.secret),
        },
        body: `token=${token}`,
      });
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'The token could not be revoked; try again later',
      });
    } finally {
      errors.mockRestore();
      await failing.close();
    }
  });
});
