import { calculateJwkThumbprint } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestIssuer, createTestKey, TEST_ALGORITHMS, type TestIssuer } from '../src/index.js';
import { headerOf, now, payloadOf, UUID, verifyWithJose } from './helpers.js';

const KEY_SHAPE = {
  RS256: { kty: 'RSA' },
  RS384: { kty: 'RSA' },
  RS512: { kty: 'RSA' },
  PS256: { kty: 'RSA' },
  PS384: { kty: 'RSA' },
  PS512: { kty: 'RSA' },
  ES256: { kty: 'EC', crv: 'P-256' },
  ES384: { kty: 'EC', crv: 'P-384' },
  ES512: { kty: 'EC', crv: 'P-521' },
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
} as const;

describe.each(TEST_ALGORITHMS)('%s issuer', (alg) => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await createTestIssuer({ alg });
  });
  afterAll(() => issuer.close());

  test('a signed token verifies with jose against the served JWKS, with exactly the expected claims', async () => {
    const before = now();
    const token = await issuer.sign({ sub: 'u1', scope: 'read:orders' }, { audience: 'orders', expiresIn: '5m' });
    const { payload, protectedHeader } = await verifyWithJose(issuer, token);

    expect(protectedHeader).toEqual({ alg, typ: 'at+jwt', kid: issuer.kid });
    expect(payload).toEqual({
      iss: issuer.issuer,
      sub: 'u1',
      scope: 'read:orders',
      aud: 'orders',
      iat: expect.any(Number),
      exp: expect.any(Number),
      jti: expect.stringMatching(UUID),
    });
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(payload.iat).toBeLessThanOrEqual(now());
    expect((payload.exp as number) - (payload.iat as number)).toBe(300);
  });

  test('publishes one public JWK: kid = RFC 7638 thumbprint, alg, use "sig", no private parts', async () => {
    const { keys } = issuer.jwks;
    expect(keys).toHaveLength(1);
    const jwk = keys[0]!;
    expect(jwk).toMatchObject({ ...KEY_SHAPE[alg], alg, use: 'sig', kid: issuer.kid });
    expect(jwk.kid).toBe(await calculateJwkThumbprint(jwk, 'sha256'));
    for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(jwk).not.toHaveProperty(secret);
    const served = await (await fetch(issuer.jwksUri)).json();
    expect(served).toEqual(issuer.jwks);
  });
});

describe('sign() defaults and options', () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await createTestIssuer({ alg: 'ES256' });
  });
  afterAll(() => issuer.close());

  test("aud defaults to 'test-api'; exp - iat to 300; jti is a fresh UUID each time", async () => {
    const a = payloadOf(await issuer.sign());
    const b = payloadOf(await issuer.sign());
    expect(a).toEqual({
      iss: issuer.issuer,
      aud: 'test-api',
      iat: a.iat,
      exp: (a.iat as number) + 300,
      jti: expect.stringMatching(UUID),
    });
    expect(b.jti).not.toBe(a.jti);
  });

  test('options set the standard claims', async () => {
    const token = await issuer.sign(
      {},
      {
        audience: ['orders', 'billing'],
        issuer: 'https://other.example/',
        subject: 'u9',
        expiresIn: 60,
        issuedAt: 1_700_000_000,
        notBefore: 1_700_000_010,
        jti: 'j-1',
      },
    );
    expect(payloadOf(token)).toEqual({
      iss: 'https://other.example/',
      sub: 'u9',
      aud: ['orders', 'billing'],
      iat: 1_700_000_000,
      nbf: 1_700_000_010,
      exp: 1_700_000_060,
      jti: 'j-1',
    });
  });

  test('relative times and Dates: issuedAt "-1h", notBefore "+10m", expiresIn "2 hours"', async () => {
    const t = now();
    const p = payloadOf(await issuer.sign({}, { issuedAt: '-1h', notBefore: '+10m', expiresIn: '2 hours' }));
    expect(p.iat).toBeGreaterThanOrEqual(t - 3600);
    expect(p.iat).toBeLessThanOrEqual(now() - 3600);
    expect((p.nbf as number) - (p.iat as number)).toBe(4200);
    expect((p.exp as number) - (p.iat as number)).toBe(7200);
    expect(payloadOf(await issuer.sign({}, { issuedAt: new Date(1_700_000_000_500) })).iat).toBe(1_700_000_000);
  });

  test('null omits exp, jti, aud, iss, iat and the typ and kid header fields', async () => {
    const token = await issuer.sign(
      { sub: 'u1' },
      { expiresIn: null, jti: null, audience: null, issuer: null, issuedAt: null, typ: null, kid: null },
    );
    expect(payloadOf(token)).toEqual({ sub: 'u1' });
    expect(headerOf(token)).toEqual({ alg: 'ES256' });
  });

  test('claims override both the defaults and the options', async () => {
    const token = await issuer.sign(
      { iss: 'x', aud: 'y', exp: 42, iat: 41, jti: 'z', sub: 's' },
      { audience: 'orders', subject: 'ignored' },
    );
    expect(payloadOf(token)).toEqual({ iss: 'x', aud: 'y', exp: 42, iat: 41, jti: 'z', sub: 's' });
  });

  test('typ and header: custom typ, extra header fields, header overrides', async () => {
    expect(headerOf(await issuer.sign({}, { typ: 'JWT' }))).toEqual({ alg: 'ES256', typ: 'JWT', kid: issuer.kid });
    expect(headerOf(await issuer.sign({}, { header: { kid: 'k-2', x5t: 'abc' } }))).toEqual({
      alg: 'ES256',
      typ: 'at+jwt',
      kid: 'k-2',
      x5t: 'abc',
    });
  });

  test('a crit header is signed as given, and jose then refuses the unknown extension', async () => {
    const token = await issuer.sign(
      {},
      { audience: 'orders', header: { crit: ['urn:example:ext'], 'urn:example:ext': 1 } },
    );
    expect(headerOf(token)).toMatchObject({ crit: ['urn:example:ext'] });
    await expect(verifyWithJose(issuer, token)).rejects.toMatchObject({ code: 'ERR_JOSE_NOT_SUPPORTED' });
  });

  test("key: a foreign TestKey signs with its own kid; 'previous' needs a rotation first", async () => {
    const foreign = await createTestKey('ES256');
    const token = await issuer.sign({}, { key: foreign, audience: 'orders' });
    expect(headerOf(token).kid).toBe(foreign.kid);
    expect(foreign.kid).not.toBe(issuer.kid);
    await expect(verifyWithJose(issuer, token)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    await expect(issuer.sign({}, { key: 'previous' })).rejects.toThrow("no 'previous' key");
    await expect(issuer.sign({}, { key: 'nope' as never })).rejects.toThrow(TypeError);
  });

  test('issuer-level options: audience, expiresIn, tokenType, issuerPath', async () => {
    const custom = await createTestIssuer({
      alg: 'EdDSA',
      audience: 'orders',
      expiresIn: 90,
      tokenType: 'JWT',
      issuerPath: '/realms/test',
    });
    try {
      expect(custom.issuer).toBe(`http://127.0.0.1:${custom.port}/realms/test`);
      expect(custom.jwksUri).toBe(`http://127.0.0.1:${custom.port}/realms/test/.well-known/jwks.json`);
      const token = await custom.sign({ sub: 'u1' });
      const { payload, protectedHeader } = await verifyWithJose(custom, token, { typ: 'JWT' });
      expect(protectedHeader.typ).toBe('JWT');
      expect(payload.aud).toBe('orders');
      expect(payload.iss).toBe(custom.issuer);
      expect((payload.exp as number) - (payload.iat as number)).toBe(90);
    } finally {
      await custom.close();
    }
  });

  test('tokenType null mints tokens without typ', async () => {
    const custom = await createTestIssuer({ alg: 'ES256', tokenType: null });
    try {
      expect(headerOf(await custom.sign())).toEqual({ alg: 'ES256', kid: custom.kid });
    } finally {
      await custom.close();
    }
  });
});
