/**
 * DPoP at the token endpoint (RFC 9449 §5) over real HTTP: a valid proof gets a token bound to
 * its key (`cnf.jkt`, `token_type: "DPoP"`), no proof gets a Bearer token as before, and every
 * defect of §4.3 is a 400 `invalid_dpop_proof`. Proofs are made here with jose, by hand, so that
 * each can be broken in exactly one way.
 */
import { request } from 'node:http';
import {
  calculateJwkThumbprint,
  createRemoteJWKSet,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JWK,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthService } from '../index.mjs';

const clients = [{ id: 'reader', secret: 'reader-secret-1', scopes: ['orders:read'] }];
const basic = `Basic ${Buffer.from('reader:reader-secret-1').toString('base64')}`;
const FORM = 'grant_type=client_credentials';

type Service = Awaited<ReturnType<typeof createAuthService>>;
let service: Service;
let endpoint: string;
interface Key {
  privateKey: CryptoKey;
  jwk: JWK;
  jkt: string;
}
let key: Key;
let other: Key;

async function newKey(alg = 'ES256'): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
}

beforeAll(async () => {
  service = await createAuthService({ clients, tokenLifetime: 120 });
  endpoint = `${service.issuer}/token`;
  [key, other] = await Promise.all([newKey(), newKey()]);
});
afterAll(() => service.close());

interface ProofOptions {
  claims?: Record<string, unknown>;
  header?: Record<string, unknown>;
  signer?: Key;
}

/** A proof for `POST <token endpoint>` by `key`, with one thing changed. */
let counter = 0;
function proof({ claims = {}, header = {}, signer = key }: ProofOptions = {}): Promise<string> {
  return new SignJWT({
    jti: `proof-${++counter}-${Date.now()}`,
    htm: 'POST',
    htu: endpoint,
    iat: Math.floor(Date.now() / 1000),
    ...claims,
  })
    .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.jwk, ...header })
    .sign(signer.privateKey);
}

async function tokenRequest(dpop?: string, authorization = basic) {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization,
      ...(dpop === undefined ? {} : { dpop }),
    },
    body: FORM,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const verify = (token: string) =>
  jwtVerify(token, createRemoteJWKSet(new URL(`${service.issuer}/jwks.json`)), {
    issuer: service.issuer,
    audience: 'orders-api',
    typ: 'at+jwt',
  });

describe('POST /token with a DPoP proof', () => {
  it('issues a token bound to the proof key: cnf.jkt, token_type "DPoP"', async () => {
    const res = await tokenRequest(await proof());
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({
      access_token: expect.any(String),
      token_type: 'DPoP',
      expires_in: 120,
      scope: 'orders:read',
    });
    const { payload } = await verify(res.body.access_token);
    expect(payload.cnf).toEqual({ jkt: key.jkt });
    expect(payload).toMatchObject({ sub: 'reader', client_id: 'reader', scope: 'orders:read' });
  });

  it('without a proof, a Bearer token without cnf, as before', async () => {
    const res = await tokenRequest();
    expect(res.status).toBe(200);
    expect(res.body.token_type).toBe('Bearer');
    expect((await verify(res.body.access_token)).payload).not.toHaveProperty('cnf');
  });

  it('accepts any asymmetric key: an EdDSA proof binds to the EdDSA key', async () => {
    const ed = await newKey('EdDSA');
    const res = await tokenRequest(
      await proof({ header: { alg: 'EdDSA', jwk: ed.jwk }, signer: ed, claims: { htu: `${endpoint}?x=1#f` } }),
    );
    expect(res.status).toBe(200);
    expect((await verify(res.body.access_token)).payload.cnf).toEqual({ jkt: ed.jkt });
  });

  it('authenticates the client first: a proof does not help a wrong secret', async () => {
    const res = await tokenRequest(await proof(), `Basic ${Buffer.from('reader:nope').toString('base64')}`);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed' });
  });

  it('refuses the same proof twice (jti): 400 invalid_dpop_proof', async () => {
    const once = await proof();
    expect((await tokenRequest(once)).status).toBe(200);
    const again = await tokenRequest(once);
    expect(again.status).toBe(400);
    expect(again.body).toEqual({
      error: 'invalid_dpop_proof',
      error_description: 'The DPoP proof was used before ("jti")',
    });
  });

  const malformed = 'The DPoP proof is malformed, badly signed or expired';
  const now = () => Math.floor(Date.now() / 1000);
  it.each<[string, () => Promise<string> | string, string]>([
    ['htm GET', () => proof({ claims: { htm: 'GET' } }), 'The DPoP proof is for another HTTP method ("htm")'],
    [
      'htu of another endpoint',
      () => proof({ claims: { htu: `${service.issuer}/revoke` } }),
      'The DPoP proof is for another URL ("htu")',
    ],
    [
      'htu of another host',
      () => proof({ claims: { htu: 'https://evil.example/token' } }),
      'The DPoP proof is for another URL ("htu")',
    ],
    ['htu not a URL', () => proof({ claims: { htu: 'token' } }), 'The DPoP proof is for another URL ("htu")'],
    ['iat 5 minutes ago', () => proof({ claims: { iat: now() - 300 } }), malformed],
    ['iat 5 minutes ahead', () => proof({ claims: { iat: now() + 300 } }), malformed],
    ['no iat', () => proof({ claims: { iat: undefined } }), malformed],
    ['no jti', () => proof({ claims: { jti: undefined } }), malformed],
    ['no htu', () => proof({ claims: { htu: undefined } }), malformed],
    ['typ JWT', () => proof({ header: { typ: 'JWT' } }), malformed],
    ['no jwk', () => proof({ header: { jwk: undefined } }), malformed],
    [
      'a jwk with its private key',
      async () => proof({ header: { jwk: { ...key.jwk, d: (await exportJWK(key.privateKey)).d } } }),
      malformed,
    ],
    ['signed by another key than its jwk', () => proof({ signer: other }), malformed],
    [
      'HS256 with a symmetric jwk',
      () =>
        new SignJWT({ jti: 'h', htm: 'POST', htu: endpoint, iat: now() })
          .setProtectedHeader({
            typ: 'dpop+jwt',
            alg: 'HS256',
            jwk: { kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXh4eHg' },
          })
          .sign(Buffer.from('secret-secret-secret-secret-xxxx')),
      malformed,
    ],
    ['not a JWS', () => 'not-a-proof', malformed],
    ['an empty DPoP header', () => '', 'The DPoP header is empty or too long'],
  ])('refuses a proof with %s: 400 invalid_dpop_proof', async (_, make, description) => {
    const res = await tokenRequest(await make());
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_dpop_proof', error_description: description });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('refuses two DPoP headers: 400 invalid_dpop_proof', async () => {
    const [a, b] = await Promise.all([proof(), proof()]);
    const url = new URL(endpoint);
    const answer = await new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic, dpop: [a, b] },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      req.end(FORM);
    });
    expect(answer).toEqual({
      status: 400,
      body: { error: 'invalid_dpop_proof', error_description: 'More than one DPoP header was sent' },
    });
  });
});
