/**
 * tokenVerifier() behind the SDK's own requireBearerAuth: the SDK answers, with its own
 * challenge and body, from the SDK error classes bearer-guard throws.
 */
import { createTestIssuer, type TestIssuer } from '@bearer-guard/testing';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { InvalidTokenError, ServerError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenVerifier, type McpTokenVerifier } from '../src/index.js';
import { listen, type Listening } from './helpers.js';

let issuer: TestIssuer;
let down: TestIssuer;
let http: Listening;
let resource: string;
let metadataUrl: string;
const verifiers: McpTokenVerifier[] = [];

beforeAll(async () => {
  issuer = await createTestIssuer({ alg: 'RS256' });
  down = await createTestIssuer({ alg: 'RS256' });
  down.setAvailable(false);
  http = await listen();
  resource = `${http.origin}/mcp`;
  metadataUrl = `${http.origin}/.well-known/oauth-protected-resource/mcp`;
  const make = (options: Parameters<typeof tokenVerifier>[0]) => {
    const v = tokenVerifier(options);
    verifiers.push(v);
    return v;
  };
  const app = express();
  app.get(
    '/mcp',
    requireBearerAuth({
      verifier: make({ resource, issuer: issuer.issuer }),
      resourceMetadataUrl: metadataUrl,
      expectedResource: new URL(resource),
    }),
    (req, res) => {
      res.json({ clientId: req.auth?.clientId, scopes: req.auth?.scopes, resource: req.auth?.resource?.href });
    },
  );
  app.get(
    '/scoped',
    requireBearerAuth({ verifier: make({ resource, issuer: issuer.issuer, scopes: ['admin'] }) }),
    (_req, res) => res.json({ ok: true }),
  );
  app.get('/down', requireBearerAuth({ verifier: make({ resource, issuer: down.issuer }) }), (_req, res) =>
    res.json({ ok: true }),
  );
  http.serve(app);
});

afterAll(async () => {
  for (const v of verifiers) v.close();
  await http?.close();
  await issuer?.close();
  await down?.close();
});

const get = (path: string, bearer: string) =>
  fetch(`${http.origin}${path}`, { headers: { authorization: `Bearer ${bearer}` } });

describe('tokenVerifier behind requireBearerAuth', () => {
  it('resolves the AuthInfo the SDK middleware puts on req.auth', async () => {
    const token = await issuer.sign({ client_id: 'agent-1', scope: 'mcp:tools' }, { audience: resource });
    const res = await get('/mcp', token);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ clientId: 'agent-1', scopes: ['mcp:tools'], resource });
  });

  it('a bad token: the SDK answers 401 invalid_token with its own challenge', async () => {
    const res = await get('/mcp', await issuer.sign({ client_id: 'a' }, { audience: 'https://elsewhere.example/mcp' }));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer error="invalid_token", error_description="The access token is invalid", resource_metadata="${metadataUrl}"`,
    );
    expect(await res.json()).toEqual({ error: 'invalid_token', error_description: 'The access token is invalid' });
  });

  it('an expired token: 401 invalid_token, the reason kept off the wire', async () => {
    const res = await get('/mcp', await issuer.expiredToken({ client_id: 'a' }, { audience: resource }));
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'invalid_token', error_description: 'The access token is invalid' });
  });

  it('a missing scope of `scopes`: 403 insufficient_scope', async () => {
    const res = await get('/scoped', await issuer.sign({ client_id: 'a', scope: 'mcp:tools' }, { audience: resource }));
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      error: 'insufficient_scope',
      error_description: 'The access token does not grant the required permissions',
    });
  });

  it('keys unavailable: the SDK answers 500 server_error', async () => {
    const res = await get('/down', await down.sign({ client_id: 'a' }, { audience: resource }));
    expect(res.status).toBe(500);
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect(await res.json()).toEqual({
      error: 'server_error',
      error_description: 'The authentication backend is unavailable',
    });
  });
});

describe('verifyAccessToken', () => {
  it('throws the SDK classes, with the bearer-guard error as the cause', async () => {
    const verifier = tokenVerifier({ resource: 'https://api.example.com/mcp', issuer: issuer.issuer });
    verifiers.push(verifier);
    const bad = verifier.verifyAccessToken(await issuer.tamperedToken({}, { audience: 'https://api.example.com/mcp' }));
    await expect(bad).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(bad).rejects.toMatchObject({ cause: { reason: 'invalid_signature' } });
    const unavailable = tokenVerifier({ resource: 'https://api.example.com/mcp', issuer: down.issuer });
    verifiers.push(unavailable);
    const token = await down.sign({}, { audience: 'https://api.example.com/mcp' });
    await expect(unavailable.verifyAccessToken(token)).rejects.toBeInstanceOf(ServerError);
  });

  it('refuses sender-constrained tokens, and the dpop and mtls options', async () => {
    const verifier = tokenVerifier({ resource: 'https://api.example.com/mcp', issuer: issuer.issuer });
    verifiers.push(verifier);
    const bound = await issuer.sign({ cnf: { jkt: 'x'.repeat(43) } }, { audience: 'https://api.example.com/mcp' });
    await expect(verifier.verifyAccessToken(bound)).rejects.toBeInstanceOf(InvalidTokenError);
    expect(() => tokenVerifier({ resource: 'https://api.example.com/mcp', issuer: issuer.issuer, dpop: true })).toThrow(
      /mcpAuth/,
    );
  });

  it('reads scopes from scopeClaim, dotted paths included, and omits resource when aud does not name it', async () => {
    const verifier = tokenVerifier({
      resource: 'https://api.example.com/mcp',
      audience: 'legacy-api',
      issuer: issuer.issuer,
      scopeClaim: ['scope', 'ext.perms'],
    });
    verifiers.push(verifier);
    const token = await issuer.sign(
      { client_id: 'c', scope: 'a  b', ext: { perms: ['c', 1, 'a'] } },
      { audience: 'legacy-api' },
    );
    const info = await verifier.verifyAccessToken(token);
    expect(info.scopes).toEqual(['a', 'b', 'c']);
    expect(info.resource).toBeUndefined();
  });
});
