import { createVerifier, type Verifier } from '@bearer-guard/core';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createTestIssuer, type TestIssuer } from '../src/index.js';
import { now } from './helpers.js';

let issuer: TestIssuer;
const verifiers: Verifier[] = [];

/** A core verifier for the issuer, closed after the file. */
function verifierWith(options: Partial<Parameters<typeof createVerifier>[0]> = {}): Verifier {
  const verifier = createVerifier({
    issuer: issuer.issuer,
    audience: 'orders',
    introspection: { ...issuer.introspection, cache: false },
    ...options,
  } as Parameters<typeof createVerifier>[0]);
  verifiers.push(verifier);
  return verifier;
}

/** POSTs to the endpoint as core does (client_secret_basic). */
function introspect(token: string | undefined, init: { secret?: string; contentType?: string; method?: string } = {}) {
  const { clientId, clientSecret } = issuer.introspection;
  const { secret = clientSecret, contentType = 'application/x-www-form-urlencoded', method = 'POST' } = init;
  return fetch(issuer.introspectionEndpoint, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
      'content-type': contentType,
    },
    ...(method === 'POST' ? { body: token === undefined ? '' : new URLSearchParams({ token }).toString() } : {}),
  });
}

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: 'orders', issuerPath: '/realms/test' });
});
afterAll(async () => {
  for (const verifier of verifiers) verifier.close();
  await issuer.close();
});
beforeEach(() => {
  issuer.setAvailable(true);
  issuer.resetCounters();
});

describe('the endpoint', () => {
  test('is <issuer>/introspect, named by the metadata; issuer.introspection is core’s option', async () => {
    expect(issuer.introspectionEndpoint).toBe(`http://127.0.0.1:${issuer.port}/realms/test/introspect`);
    expect(issuer.introspection).toEqual({
      endpoint: issuer.introspectionEndpoint,
      clientId: 'test-api',
      clientSecret: 'test-secret',
    });
    const metadata = (await (await fetch(issuer.wellKnown.openidConfiguration)).json()) as Record<string, unknown>;
    expect(metadata.introspection_endpoint).toBe(issuer.introspectionEndpoint);
    expect(metadata.introspection_endpoint_auth_methods_supported).toEqual(['client_secret_basic']);
  });

  test('an opaque token: { active: true, ...claims }; unknown: { active: false }', async () => {
    const token = issuer.opaque({ sub: 'u1', scope: 'read:orders' }, { jti: 'o-1', expiresIn: '10m' });
    expect(token).toMatch(/^[\w-]{43}$/);
    const res = await introspect(token);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = (await res.json()) as Record<string, unknown>;
    const iat = body.iat as number;
    expect(Math.abs(iat - now())).toBeLessThanOrEqual(2);
    expect(body).toEqual({
      active: true,
      iss: issuer.issuer,
      aud: 'orders',
      sub: 'u1',
      scope: 'read:orders',
      iat,
      exp: iat + 600,
      jti: 'o-1',
    });
    expect(await (await introspect('never-minted')).json()).toEqual({ active: false });
    expect(issuer.introspectionRequests).toBe(2);
    expect(issuer.requests).toEqual({ jwks: 0, discovery: 0, other: 0 });
  });

  test('expired opaque tokens and revoked ones are inactive; JWTs it signed are answered', async () => {
    expect(await (await introspect(issuer.opaque({}, { expiresIn: -1 }))).json()).toEqual({ active: false });
    const jwt = await issuer.sign({ sub: 'u1' }, { jti: 'j-1' });
    expect(await (await introspect(jwt)).json()).toMatchObject({
      active: true,
      sub: 'u1',
      jti: 'j-1',
      iss: issuer.issuer,
    });
    issuer.revoke(jwt);
    expect(await (await introspect(jwt)).json()).toEqual({ active: false });
    expect(await (await introspect(await issuer.tokenSignedByUnknownKey())).json()).toEqual({ active: false });
    expect(await (await introspect(await issuer.expiredToken())).json()).toEqual({ active: false });
  });

  test('wrong client secret: 401 invalid_client with a Basic challenge', async () => {
    const res = await introspect(issuer.opaque(), { secret: 'wrong' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="introspection"');
    expect(await res.json()).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
  });

  test('no token, no form: 400 invalid_request; GET: 405; unavailable: 503', async () => {
    const missing = await introspect(undefined);
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ error: 'invalid_request', error_description: 'token is missing' });
    const json = await introspect('x', { contentType: 'application/json' });
    expect(json.status).toBe(400);
    expect(await json.json()).toEqual({ error: 'invalid_request', error_description: 'expected a form body' });
    const get = await introspect(undefined, { method: 'GET' });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    issuer.setAvailable(false);
    expect((await introspect('x')).status).toBe(503);
    expect(issuer.introspectionRequests).toBe(4);
  });
});

describe('with core verifiers', () => {
  test('an opaque token passes: source introspection, the claims as minted', async () => {
    const verifier = verifierWith();
    const token = issuer.opaque({ sub: 'u1', scope: 'read:orders' }, { jti: 'o-2' });
    const auth = await verifier.verify(token);
    expect(auth.source).toBe('introspection');
    expect(auth.header).toEqual({});
    const iat = auth.payload.iat as number;
    expect(auth.payload).toEqual({
      iss: issuer.issuer,
      aud: 'orders',
      sub: 'u1',
      scope: 'read:orders',
      iat,
      exp: iat + 300,
      jti: 'o-2',
    });
  });

  test('revoked: refused at the next call without a cache (token_inactive); a cache keeps it until maxAge', async () => {
    const uncached = verifierWith();
    const cached = verifierWith({ introspection: { ...issuer.introspection, cache: { maxAge: '1m' } } });
    const token = issuer.opaque({ sub: 'u1' });
    await expect(uncached.verify(token)).resolves.toMatchObject({ source: 'introspection' });
    await expect(cached.verify(token)).resolves.toMatchObject({ source: 'introspection' });
    issuer.revoke(token);
    await expect(uncached.verify(token)).rejects.toMatchObject({
      status: 401,
      code: 'invalid_token',
      reason: 'token_inactive',
    });
    await expect(cached.verify(token)).resolves.toMatchObject({ source: 'introspection' });
    expect(issuer.introspectionRequests).toBe(3);
  });

  test('another audience or an unknown token: 401 invalid_token', async () => {
    const verifier = verifierWith();
    await expect(verifier.verify(issuer.opaque({}, { audience: 'billing' }))).rejects.toMatchObject({
      code: 'invalid_token',
      reason: 'invalid_audience',
    });
    await expect(verifier.verify('not-a-token-we-know')).rejects.toMatchObject({
      code: 'invalid_token',
      reason: 'token_inactive',
    });
  });

  test('wrong client secret: the endpoint answers 401, core says unavailable (503)', async () => {
    const verifier = verifierWith({ introspection: { ...issuer.introspection, clientSecret: 'wrong', cache: false } });
    await expect(verifier.verify(issuer.opaque())).rejects.toMatchObject({
      status: 503,
      code: 'temporarily_unavailable',
      reason: 'introspection_unavailable',
    });
  });

  test('the endpoint found in the issuer’s metadata (no endpoint given)', async () => {
    const { clientId, clientSecret } = issuer.introspection;
    const verifier = verifierWith({ introspection: { clientId, clientSecret, cache: false } });
    const auth = await verifier.verify(issuer.opaque({ sub: 'u3' }));
    expect(auth.source).toBe('introspection');
    expect(auth.payload.sub).toBe('u3');
    expect(issuer.requests.discovery).toBe(1);
    expect(issuer.introspectionRequests).toBe(1);
  });

  test("phantom tokens (tokens: 'all'): the issuer's JWTs are introspected, and revocable", async () => {
    const verifier = verifierWith({ introspection: { ...issuer.introspection, tokens: 'all', cache: false } });
    const jwt = await issuer.sign({ sub: 'u4' });
    const auth = await verifier.verify(jwt);
    expect(auth.source).toBe('introspection');
    expect(auth.payload.sub).toBe('u4');
    issuer.revoke(jwt);
    await expect(verifier.verify(jwt)).rejects.toMatchObject({ code: 'invalid_token', reason: 'token_inactive' });
  });
});

describe('options', () => {
  test('a client of your own', async () => {
    const custom = await createTestIssuer({ introspection: { clientId: 'orders api', clientSecret: 's3cret:+' } });
    try {
      expect(custom.introspection).toEqual({
        endpoint: `${custom.issuer}/introspect`,
        clientId: 'orders api',
        clientSecret: 's3cret:+',
      });
      const verifier = createVerifier({
        issuer: custom.issuer,
        audience: 'test-api',
        introspection: custom.introspection,
      });
      await expect(verifier.verify(custom.opaque({ sub: 'u5' }))).resolves.toMatchObject({ payload: { sub: 'u5' } });
      verifier.close();
    } finally {
      await custom.close();
    }
  });

  test.each([
    [{ introspection: 'x' }, 'createTestIssuer.introspection', 'must be { clientId?, clientSecret? }'],
    [
      { introspection: { clientSecret: '' } },
      'createTestIssuer.introspection.clientSecret',
      'must be a non-empty string; got ""',
    ],
    [
      { introspection: { clientId: 7 } },
      'createTestIssuer.introspection.clientId',
      'must be a non-empty string; got 7',
    ],
    [
      { introspection: { secret: 'x' } },
      'createTestIssuer.introspection.secret',
      'is not an option (known: clientId, clientSecret)',
    ],
  ])('%j → TypeError naming %s', async (options, option, message) => {
    await expect(createTestIssuer(options as never)).rejects.toThrow(
      new TypeError(`bearer-guard: \`${option}\` ${message}`),
    );
  });

  test('opaque() and revoke() name their options', () => {
    expect(() => issuer.opaque({}, { audience: 5 as never })).toThrow(
      new TypeError('bearer-guard: `opaque.audience` must be a non-empty string, a non-empty array of them, or null'),
    );
    expect(() => issuer.opaque({}, { expiresIn: 'soon' })).toThrow(/^bearer-guard: `opaque\.expiresIn` /);
    expect(() => issuer.revoke('')).toThrow(new TypeError('bearer-guard: `revoke.token` must be a non-empty string'));
  });
});
