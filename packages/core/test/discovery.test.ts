import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  checkDiscoveryMetadata,
  createDiscoveredKeySource,
  discoveryUrls,
  type DiscoveredKeySource,
} from '../src/discovery.js';
import { AuthUnavailableError } from '../src/errors.js';
import { resolveJWKSCacheOptions, type JWKSCacheOptions } from '../src/jwks-options.js';
import type { JWKSEvent } from '../src/key-source.js';
import type { VerificationKey } from '../src/keys/verification-key.js';
import { makeJWK, sleep, startJWKSServer, type JWKSServer, type TestJWK } from './helpers/jwks-server.js';

const OIDC = '/.well-known/openid-configuration';
const OAUTH = '/.well-known/oauth-authorization-server';

let key: TestJWK;
beforeAll(async () => {
  key = await makeJWK('ES256', 'disc-1');
});

let server: JWKSServer;
const sources: DiscoveredKeySource[] = [];

beforeEach(async () => {
  server = await startJWKSServer({ keys: [key] });
});

afterEach(async () => {
  for (const source of sources.splice(0)) source.close();
  await server.close();
});

/** A source for `issuer` with these `jwksCache` options, resolved here as the verifier does. */
function source(
  issuer: string,
  options: { jwksCache?: JWKSCacheOptions } = {},
): DiscoveredKeySource & { events: JWKSEvent[] } {
  const events: JWKSEvent[] = [];
  const jwksCache = resolveJWKSCacheOptions(options.jwksCache);
  const created = createDiscoveredKeySource(issuer, { jwksCache, onEvent: (e) => events.push(e) });
  sources.push(created);
  return Object.assign(created, { events });
}

const lookup = { kid: 'disc-1', alg: 'ES256' } as const;

async function keysOf(s: DiscoveredKeySource): Promise<readonly VerificationKey[]> {
  return await s.getKeys(lookup);
}

async function failure(promise: unknown): Promise<AuthUnavailableError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AuthUnavailableError);
    const e = error as AuthUnavailableError;
    expect(e.status).toBe(503);
    expect(e.reason).toBe('discovery_failed');
    return e;
  }
  throw new Error('expected an AuthUnavailableError');
}

describe('discoveryUrls', () => {
  it('OIDC first, then RFC 8414 with the well-known segment inserted before the path, then the appended form', () => {
    expect(discoveryUrls('https://auth.example.com/tenant/')).toEqual([
      'https://auth.example.com/tenant/.well-known/openid-configuration',
      'https://auth.example.com/.well-known/oauth-authorization-server/tenant',
      'https://auth.example.com/tenant/.well-known/oauth-authorization-server',
    ]);
  });

  it('requests each URL once for an issuer without a path', () => {
    expect(discoveryUrls('https://auth.example.com')).toEqual([
      'https://auth.example.com/.well-known/openid-configuration',
      'https://auth.example.com/.well-known/oauth-authorization-server',
    ]);
    expect(discoveryUrls('https://auth.example.com/')).toHaveLength(2);
  });
});

describe('createDiscoveredKeySource', () => {
  it('finds the JWKS through the OIDC document, once, and then answers synchronously', async () => {
    const issuer = `${server.origin}/tenant`;
    server.route(`/tenant${OIDC}`, { body: { issuer, jwks_uri: server.jwksUri, token_endpoint: `${issuer}/token` } });
    const s = source(issuer);
    const results = await Promise.all(Array.from({ length: 20 }, () => keysOf(s)));
    for (const keys of results) expect(keys.map((k) => k.kid)).toEqual(['disc-1']);
    expect(server.count(`/tenant${OIDC}`)).toBe(1);
    expect(server.count()).toBe(1);
    expect(server.total()).toBe(2);
    const hit = s.getKeys(lookup);
    expect(Array.isArray(hit)).toBe(true);
    expect(s.jwks?.uri).toBe(server.jwksUri);
    expect(s.events.map((e) => e.type)).toEqual(['discovery', 'jwks_fetch']);
    expect(s.events[0]).toMatchObject({ type: 'discovery', issuer, jwksUri: server.jwksUri });
  });

  it('falls back to RFC 8414 with path insertion when the OIDC document is missing', async () => {
    const issuer = `${server.origin}/tenant`;
    server.route(`${OAUTH}/tenant`, { body: { issuer, jwks_uri: server.jwksUri } });
    const s = source(issuer);
    expect(await keysOf(s)).toHaveLength(1);
    expect(server.count(`/tenant${OIDC}`)).toBe(1);
    expect(server.count(`${OAUTH}/tenant`)).toBe(1);
    expect(server.count(`/tenant${OAUTH}`)).toBe(0);
  });

  it('then tries the appended form, and falls back past a document that is not JSON', async () => {
    const issuer = `${server.origin}/tenant/`;
    server.route(`/tenant${OIDC}`, { raw: '<html>login page</html>', headers: { 'content-type': 'text/html' } });
    server.route(`/tenant${OAUTH}`, { body: { issuer, jwks_uri: server.jwksUri } });
    const s = source(issuer);
    expect(await keysOf(s)).toHaveLength(1);
    expect(server.count(`/tenant${OIDC}`)).toBe(1);
    expect(server.count(`${OAUTH}/tenant`)).toBe(1);
    expect(server.count(`/tenant${OAUTH}`)).toBe(1);
  });

  it('for an issuer without a path, requests each URL once and fails with 503', async () => {
    const s = source(server.origin);
    const error = await failure(keysOf(s));
    expect(error.message).toMatch(/404/);
    // Said once: "discovery for X failed: <what each URL did>", never "failed: discovery for X failed: …".
    expect(error.message.startsWith(`discovery for ${server.origin} failed: `)).toBe(true);
    expect(error.message.split('failed:')).toHaveLength(2);
    expect(server.count(OIDC)).toBe(1);
    expect(server.count(OAUTH)).toBe(1);
    expect(server.total()).toBe(2);
    expect(s.events.map((e) => e.type)).toEqual(['discovery_error']);
  });

  it('refuses a document naming another issuer (503)', async () => {
    const issuer = `${server.origin}/tenant`;
    server.route(`/tenant${OIDC}`, { body: { issuer: `${issuer}/`, jwks_uri: server.jwksUri } });
    const error = await failure(keysOf(source(issuer)));
    expect(error.message).toMatch(/names issuer/);
    expect(server.count()).toBe(0);
  });

  it.each([
    ['relative', '/.well-known/jwks.json'],
    ['missing', undefined],
    ['not http', 'file:///etc/jwks.json'],
  ])('refuses a %s jwks_uri (503)', async (_, jwksUri) => {
    const issuer = server.origin;
    server.route(OIDC, { body: { issuer, jwks_uri: jwksUri } });
    await failure(keysOf(source(issuer)));
    expect(server.count()).toBe(0);
  });

  it('refuses a plain-http jwks_uri for an https issuer', () => {
    const url = 'https://auth.example.com/.well-known/openid-configuration';
    const issuer = 'https://auth.example.com';
    expect(() => checkDiscoveryMetadata(issuer, url, { issuer, jwks_uri: 'http://auth.example.com/keys' })).toThrow(
      /plain http/,
    );
    expect(checkDiscoveryMetadata(issuer, url, { issuer, jwks_uri: 'https://keys.example.com/jwks' })).toBe(
      'https://keys.example.com/jwks',
    );
    expect(
      checkDiscoveryMetadata('http://127.0.0.1:1', url, {
        issuer: 'http://127.0.0.1:1',
        jwks_uri: 'http://127.0.0.1:1/k',
      }),
    ).toBe('http://127.0.0.1:1/k');
  });

  it('backs off after a failure: calls during the backoff make no request', async () => {
    const s = source(server.origin);
    await failure(keysOf(s));
    const requests = server.total();
    for (let i = 0; i < 10; i++) {
      const error = await failure(keysOf(s));
      expect(error.message).toMatch(/backing off/);
    }
    expect(server.total()).toBe(requests);
    server.route(OIDC, { body: { issuer: server.origin, jwks_uri: server.jwksUri } });
    await sleep(1050);
    expect(await keysOf(s)).toHaveLength(1);
  });

  it('warmUp discovers and fetches now, and never throws', async () => {
    const issuer = server.origin;
    const down = source(issuer);
    await expect(down.warmUp()).resolves.toBeUndefined();
    server.route(OIDC, { body: { issuer, jwks_uri: server.jwksUri } });
    const s = source(issuer);
    await s.warmUp();
    expect(server.count()).toBe(1);
    expect(s.jwks?.stats.keys).toBe(1);
    expect(Array.isArray(s.getKeys(lookup))).toBe(true);
  });

  it('the warmUp option warms discovery and the JWKS at construction', async () => {
    server.route(OIDC, { body: { issuer: server.origin, jwks_uri: server.jwksUri } });
    const s = source(server.origin, { jwksCache: { warmUp: true } });
    await expect.poll(() => s.jwks?.stats.keys).toBe(1);
    expect(server.count()).toBe(1);
  });

  it('close() aborts a hanging discovery and closes the JWKS source', async () => {
    server.route(OIDC, { hang: true });
    const s = source(server.origin, { jwksCache: { timeout: 30 } });
    const pending = keysOf(s);
    await expect.poll(() => server.count(OIDC)).toBe(1);
    const started = performance.now();
    s.close();
    await failure(pending);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(server.count(OAUTH)).toBe(0); // an abort does not move on to the next URL
  });

  it('times out discovery per `jwksCache.timeout`', async () => {
    server.route(OIDC, { hang: true });
    const started = performance.now();
    await failure(keysOf(source(server.origin, { jwksCache: { timeout: 0.3 } })));
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('validates its options at construction', () => {
    expect(() => createDiscoveredKeySource('not a url')).toThrow(TypeError);
    // The `jwksCache` option is checked where it is resolved, once per verifier, before any source exists.
    expect(() =>
      createDiscoveredKeySource(server.origin, { jwksCache: resolveJWKSCacheOptions({ maxAge: 'soon' }) }),
    ).toThrow(/jwksCache\.maxAge/);
  });
});
