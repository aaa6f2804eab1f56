/**
 * DPoP (RFC 9449) for users' tests: `issuer.dpopKey()`, its proofs and headers, and tokens bound to
 * it by `sign(claims, { dpopKey })`, checked with jose and against a real core verifier with
 * `dpop: true` that finds the issuer's keys through discovery.
 */
import { createHash } from 'node:crypto';
import { createVerifier, type Verifier } from '@bearer-guard/core';
import { calculateJwkThumbprint, EmbeddedJWK, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDPoPKey, createTestIssuer, TEST_ALGORITHMS, type DPoPKey, type TestIssuer } from '../src/index.js';
import { headerOf, now, payloadOf, UUID } from './helpers.js';

const URL_ = 'https://api.example.com/orders';
const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');
const exactly = (message: string) => new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);

let issuer: TestIssuer;
let verifier: Verifier;
beforeAll(async () => {
  issuer = await createTestIssuer({ alg: 'ES256', audience: 'orders' });
  verifier = createVerifier({ issuer: issuer.issuer, audience: 'orders', dpop: true });
});
afterAll(async () => {
  verifier.close();
  await issuer.close();
});

/** What an adapter hands core for a request to `url` with these headers. */
const request = (headers: Record<string, string>, method = 'GET', href = URL_) => {
  const { origin, pathname, search } = new URL(href);
  return { headers, method, origin, url: pathname + search };
};

describe('issuer.dpopKey()', () => {
  test('ES256 by default: jkt is the RFC 7638 thumbprint of publicJWK, which holds only the public members', async () => {
    const key = await issuer.dpopKey();
    expect(key.alg).toBe('ES256');
    expect(Object.keys(key.publicJWK).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    expect(key.publicJWK).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect(key.jkt).toBe(await calculateJwkThumbprint(key.publicJWK, 'sha256'));
    expect(key.jkt).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Object.isFrozen(key)).toBe(true);
    expect((await issuer.dpopKey()).jkt).not.toBe(key.jkt);
  });

  test('{ alg } picks the algorithm; an unsupported one is a TypeError naming dpopKey.alg', async () => {
    const key = await issuer.dpopKey({ alg: 'EdDSA' });
    expect(key.alg).toBe('EdDSA');
    expect(Object.keys(key.publicJWK).sort()).toEqual(['crv', 'kty', 'x']);
    await expect(issuer.dpopKey({ alg: 'HS256' as never })).rejects.toThrow(
      exactly(`bearer-guard: \`dpopKey.alg\` must be one of ${TEST_ALGORITHMS.join(', ')}; got "HS256"`),
    );
    await expect(createDPoPKey(null as never)).rejects.toThrow(
      exactly('bearer-guard: `dpopKey` options must be an object'),
    );
  });
});

describe('key.proof()', () => {
  let key: DPoPKey;
  beforeAll(async () => {
    key = await issuer.dpopKey();
  });

  test('header { typ: dpop+jwt, alg, jwk }; claims jti, htm, htu without query and fragment, iat, ath; signed by the key', async () => {
    const before = now();
    const proof = await key.proof({ method: 'POST', url: `${URL_}?page=2#top`, token: 'the-token' });
    expect(headerOf(proof)).toEqual({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.publicJWK });
    const claims = payloadOf(proof);
    expect(claims).toEqual({
      jti: expect.stringMatching(UUID),
      htm: 'POST',
      htu: URL_,
      iat: claims.iat,
      ath: sha256('the-token'),
    });
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(claims.iat).toBeLessThanOrEqual(now());
    const { payload } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'] });
    expect(payload).toEqual(claims);
    expect(payloadOf(await key.proof({ method: 'POST', url: URL_ })).jti).not.toBe(claims.jti);
  });

  test('no token: no ath (a token request); nonce, iat and jti as given; a URL object works', async () => {
    const proof = await key.proof({
      method: 'POST',
      url: new URL('https://auth.example.com/token'),
      nonce: 'n-1',
      iat: 1_700_000_000,
      jti: 'proof-1',
    });
    expect(payloadOf(proof)).toEqual({
      jti: 'proof-1',
      htm: 'POST',
      htu: 'https://auth.example.com/token',
      iat: 1_700_000_000,
      nonce: 'n-1',
    });
    expect(payloadOf(await key.proof({ method: 'GET', url: URL_, iat: '-5m' })).iat).toBeLessThanOrEqual(now() - 300);
  });

  test.each([
    [{ method: '', url: URL_ }, 'bearer-guard: `proof.method` must be an HTTP method such as \'GET\'; got ""'],
    [
      { method: 'GET /', url: URL_ },
      'bearer-guard: `proof.method` must be an HTTP method such as \'GET\'; got "GET /"',
    ],
    [{ method: 'GET', url: '/orders' }, 'bearer-guard: `proof.url` is not a valid URL: "/orders"'],
    [
      { method: 'GET', url: 'ftp://x.example/' },
      'bearer-guard: `proof.url` must be a https or http URL; got "ftp://x.example/"',
    ],
    [{ method: 'GET', url: URL_, token: '' }, 'bearer-guard: `proof.token` must be a non-empty string'],
    [{ method: 'GET', url: URL_, nonce: 42 }, 'bearer-guard: `proof.nonce` must be a non-empty string'],
    [{ method: 'GET', url: URL_, jti: '' }, 'bearer-guard: `proof.jti` must be a non-empty string'],
    [
      { method: 'GET', url: URL_, iat: 'soon' },
      "bearer-guard: `proof.iat` must be seconds (a number) or a duration such as '500ms', '30s', '5m', '2 days'; got \"soon\"",
    ],
    [undefined, 'bearer-guard: `proof` options must be an object'],
  ])('proof(%j) throws a TypeError naming the option', async (options, message) => {
    await expect(key.proof(options as never)).rejects.toThrow(TypeError);
    await expect(key.proof(options as never)).rejects.toThrow(exactly(message));
  });
});

describe('key.headers()', () => {
  test('{ authorization: "DPoP <token>", dpop: a fresh proof for that request and token }', async () => {
    const key = await issuer.dpopKey();
    const headers = await key.headers({ method: 'DELETE', url: `${URL_}/7?force=1`, token: 'tok', nonce: 'n' });
    expect(Object.keys(headers)).toEqual(['authorization', 'dpop']);
    expect(headers.authorization).toBe('DPoP tok');
    expect(headerOf(headers.dpop)).toEqual({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.publicJWK });
    expect(payloadOf(headers.dpop)).toEqual({
      jti: expect.stringMatching(UUID),
      htm: 'DELETE',
      htu: `${URL_}/7`,
      iat: expect.any(Number),
      ath: sha256('tok'),
      nonce: 'n',
    });
    await expect(key.headers({ method: 'GET', url: URL_ } as never)).rejects.toThrow(
      exactly('bearer-guard: `headers.token` must be a non-empty string'),
    );
    await expect(key.headers({ method: 'GET', url: 'nope', token: 't' })).rejects.toThrow(
      exactly('bearer-guard: `headers.url` is not a valid URL: "nope"'),
    );
  });
});

describe('sign(claims, { dpopKey }): bound tokens against a core verifier with dpop: true', () => {
  test.each(TEST_ALGORITHMS)('a %s key: the bound token and its proof pass, with confirmation { jkt }', async (alg) => {
    const key = await issuer.dpopKey({ alg });
    const token = await issuer.sign({ sub: 'u1', scope: 'read:orders' }, { dpopKey: key });
    expect(payloadOf(token).cnf).toEqual({ jkt: key.jkt });
    const auth = await verifier.authenticate(request(await key.headers({ method: 'GET', url: URL_, token })));
    expect(auth?.payload.sub).toBe('u1');
    expect(auth?.confirmation).toEqual({ jkt: key.jkt });
  });

  test('cnf and the other claims: options beside dpopKey still apply, claims still win', async () => {
    const key = await issuer.dpopKey();
    expect(payloadOf(await issuer.sign({ sub: 'u1' }, { dpopKey: key, jti: 'j', issuedAt: 1_700_000_000 }))).toEqual({
      iss: issuer.issuer,
      sub: 'u1',
      aud: 'orders',
      iat: 1_700_000_000,
      exp: 1_700_000_300,
      jti: 'j',
      cnf: { jkt: key.jkt },
    });
    expect(payloadOf(await issuer.sign({ cnf: { jkt: 'mine' } }, { dpopKey: key })).cnf).toEqual({ jkt: 'mine' });
    expect(payloadOf(await issuer.sign({}, { dpopKey: { jkt: key.jkt } })).cnf).toEqual({ jkt: key.jkt });
  });

  test('a proof for another URL: 401 invalid_dpop_proof', async () => {
    const key = await issuer.dpopKey();
    const token = await issuer.sign({ sub: 'u1' }, { dpopKey: key });
    const headers = await key.headers({ method: 'GET', url: 'https://api.example.com/invoices', token });
    await expect(verifier.authenticate(request(headers))).rejects.toMatchObject({
      status: 401,
      code: 'invalid_dpop_proof',
      reason: 'dpop_proof_invalid',
      message: '"htu" is "https://api.example.com/invoices", the request\'s URL is "https://api.example.com/orders"',
    });
  });

  test('a proof for another method: 401 invalid_dpop_proof', async () => {
    const key = await issuer.dpopKey();
    const token = await issuer.sign({ sub: 'u1' }, { dpopKey: key });
    const headers = await key.headers({ method: 'POST', url: URL_, token });
    await expect(verifier.authenticate(request(headers, 'GET'))).rejects.toMatchObject({
      status: 401,
      code: 'invalid_dpop_proof',
      reason: 'dpop_proof_invalid',
    });
  });

  test('a proof signed by another key: 401 invalid_token (dpop_key_mismatch)', async () => {
    const [key, other] = await Promise.all([issuer.dpopKey(), issuer.dpopKey()]);
    const token = await issuer.sign({ sub: 'u1' }, { dpopKey: key });
    const headers = await other.headers({ method: 'GET', url: URL_, token });
    await expect(verifier.authenticate(request(headers))).rejects.toMatchObject({
      status: 401,
      code: 'invalid_token',
      reason: 'dpop_key_mismatch',
    });
  });

  test('the same proof twice: the second is a replay, 401 invalid_dpop_proof', async () => {
    const key = await issuer.dpopKey();
    const token = await issuer.sign({ sub: 'u1' }, { dpopKey: key });
    const headers = await key.headers({ method: 'GET', url: URL_, token });
    expect((await verifier.authenticate(request(headers)))?.confirmation).toEqual({ jkt: key.jkt });
    await expect(verifier.authenticate(request(headers))).rejects.toMatchObject({
      status: 401,
      code: 'invalid_dpop_proof',
      reason: 'dpop_proof_replayed',
    });
  });

  test('the bound token sent as Bearer: 401 invalid_token (bound_token_as_bearer)', async () => {
    const key = await issuer.dpopKey();
    const token = await issuer.sign({ sub: 'u1' }, { dpopKey: key });
    await expect(verifier.authenticate(request({ authorization: `Bearer ${token}` }))).rejects.toMatchObject({
      status: 401,
      code: 'invalid_token',
      reason: 'bound_token_as_bearer',
    });
  });

  test('a stale proof (iat 5 minutes ago): 401 invalid_dpop_proof', async () => {
    const key = await issuer.dpopKey();
    const token = await issuer.sign({ sub: 'u1' }, { dpopKey: key });
    const dpop = await key.proof({ method: 'GET', url: URL_, token, iat: '-5m' });
    await expect(verifier.authenticate(request({ authorization: `DPoP ${token}`, dpop }))).rejects.toMatchObject({
      status: 401,
      code: 'invalid_dpop_proof',
      reason: 'dpop_proof_invalid',
    });
  });

  test('a proof for another token (ath): 401 invalid_dpop_proof', async () => {
    const key = await issuer.dpopKey();
    const [token, other] = await Promise.all([
      issuer.sign({ sub: 'u1' }, { dpopKey: key }),
      issuer.sign({ sub: 'u2' }, { dpopKey: key }),
    ]);
    const dpop = await key.proof({ method: 'GET', url: URL_, token: other });
    await expect(verifier.authenticate(request({ authorization: `DPoP ${token}`, dpop }))).rejects.toMatchObject({
      status: 401,
      code: 'invalid_dpop_proof',
      reason: 'dpop_proof_invalid',
      message: '"ath" does not match the access token',
    });
  });

  test('sign.dpopKey must carry a thumbprint', async () => {
    const message = exactly(
      'bearer-guard: `sign.dpopKey` must be a key from issuer.dpopKey() (or { jkt: <RFC 7638 SHA-256 thumbprint> })',
    );
    for (const dpopKey of [{}, { jkt: 'short' }, 'a'.repeat(43), null]) {
      await expect(issuer.sign({}, { dpopKey: dpopKey as never })).rejects.toThrow(TypeError);
      await expect(issuer.sign({}, { dpopKey: dpopKey as never })).rejects.toThrow(message);
    }
  });
});
