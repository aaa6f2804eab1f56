import { createPublicKey } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthUnavailableError, isBearerError } from '../src/errors.js';
import { createRemoteJWKS, type RemoteJWKS, type RemoteJWKSOptions } from '../src/jwks.js';
import { resolveJWKSCacheOptions, type JWKSCacheOptions } from '../src/jwks-options.js';
import type { JWKSEvent } from '../src/key-source.js';
import type { VerificationKey } from '../src/keys/verification-key.js';
import {
  makeJWK,
  makeWeakRsaJWK,
  sleep,
  startJWKSServer,
  type JWKSServer,
  type TestJWK,
} from './helpers/jwks-server.js';

let rsa: TestJWK;
let ec: TestJWK;
let ed: TestJWK;
let rotated: TestJWK;
let weakRsa: TestJWK;

beforeAll(async () => {
  [rsa, ec, ed, rotated, weakRsa] = await Promise.all([
    makeJWK('RS256', 'rsa-1'),
    makeJWK('ES256', 'ec-1'),
    makeJWK('EdDSA', 'ed-1'),
    makeJWK('ES256', 'rotated-1'),
    makeWeakRsaJWK('weak-1'),
  ]);
});

let server: JWKSServer;
const sources: RemoteJWKS[] = [];

beforeEach(async () => {
  server = await startJWKSServer({ keys: [rsa, ec, ed] });
});

afterEach(async () => {
  for (const source of sources.splice(0)) source.close();
  vi.useRealTimers();
  vi.restoreAllMocks();
  await server.close();
});

afterAll(() => {
  expect(sources).toHaveLength(0);
});

/** A source with these `jwksCache` options (resolved here, as the verifier does) and `algorithms`. */
function remote(
  options: JWKSCacheOptions & Pick<RemoteJWKSOptions, 'algorithms'> = {},
  uri = server.jwksUri,
): RemoteJWKS & { events: JWKSEvent[] } {
  const events: JWKSEvent[] = [];
  const { algorithms, ...cache } = options;
  const jwksCache = resolveJWKSCacheOptions(cache);
  const source = createRemoteJWKS(uri, { jwksCache, algorithms, onEvent: (e) => events.push(e) });
  sources.push(source);
  return Object.assign(source, { events });
}

async function keysOf(source: RemoteJWKS, kid: string | undefined, alg = 'ES256'): Promise<readonly VerificationKey[]> {
  return await source.getKeys({ kid, alg: alg as never });
}

async function unavailable(promise: unknown): Promise<AuthUnavailableError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AuthUnavailableError);
    expect(isBearerError(error)).toBe(true);
    return error as AuthUnavailableError;
  }
  throw new Error('expected an AuthUnavailableError');
}

const randomKid = (): string => `attacker-${Math.random().toString(36).slice(2)}`;

describe('options', () => {
  it('accepts the documented shapes', () => {
    expect(() => resolveJWKSCacheOptions(undefined)).not.toThrow();
    expect(() =>
      resolveJWKSCacheOptions({
        maxAge: '10m',
        timeout: 5,
        maxStale: '24h',
        cooldown: '20s',
        burst: 3,
        maxResponseBytes: 1024,
        maxKeys: 10,
        warmUp: true,
        refreshInterval: false,
        headers: { 'x-api-key': 'k' },
      }),
    ).not.toThrow();
    expect(() => resolveJWKSCacheOptions({ refreshInterval: '1h', maxStale: 0 })).not.toThrow();
  });

  it.each([
    [{ maxAge: 'ten minutes' }, /jwksCache\.maxAge/],
    [{ maxAge: 0 }, /jwksCache\.maxAge/],
    [{ timeout: -1 }, /jwksCache\.timeout/],
    [{ cooldown: '5 parsecs' }, /jwksCache\.cooldown/],
    [{ burst: 0 }, /jwksCache\.burst/],
    [{ burst: 1.5 }, /jwksCache\.burst/],
    [{ maxResponseBytes: '1mb' }, /jwksCache\.maxResponseBytes/],
    [{ maxKeys: -3 }, /jwksCache\.maxKeys/],
    [{ warmUp: 'yes' }, /jwksCache\.warmUp/],
    [{ refreshInterval: true }, /jwksCache\.refreshInterval/],
    [{ headers: { a: 1 } }, /jwksCache\.headers/],
    [{ maxage: 10 }, /jwksCache\.maxage.*not an option/],
    ['10m', /jwksCache/],
  ])('refuses %j', (value, message) => {
    expect(() => resolveJWKSCacheOptions(value)).toThrow(TypeError);
    expect(() => resolveJWKSCacheOptions(value)).toThrow(message);
  });

  it('refuses a non-http(s) JWKS URL', () => {
    expect(() => createRemoteJWKS('ftp://example.com/jwks')).toThrow(/jwksUri/);
    expect(() => createRemoteJWKS('not a url')).toThrow(TypeError);
  });
});

describe('cache hits', () => {
  it('answers synchronously from a fresh cache, filtering by kid and alg', async () => {
    const source = remote();
    await source.warmUp();
    expect(server.count()).toBe(1);
    const hit = source.getKeys({ kid: 'ec-1', alg: 'ES256' });
    expect(Array.isArray(hit)).toBe(true);
    expect(hit).not.toBeInstanceOf(Promise);
    expect((hit as VerificationKey[]).map((k) => k.kid)).toEqual(['ec-1']);
    expect(source.getKeys({ kid: 'ec-1', alg: 'ES256' })).toBe(hit); // memoised: no allocation
    expect((hit as VerificationKey[])[0]!.key.equals(createPublicKey({ key: ec, format: 'jwk' }))).toBe(true);
    // Known kid, wrong alg: nothing, and no refetch.
    expect(source.getKeys({ kid: 'ec-1', alg: 'RS256' })).toEqual([]);
    // No kid: every key that can do the alg.
    expect((source.getKeys({ kid: undefined, alg: 'RS256' }) as VerificationKey[]).map((k) => k.kid)).toEqual([
      'rsa-1',
    ]);
    expect((source.getKeys({ kid: undefined, alg: 'EdDSA' }) as VerificationKey[]).map((k) => k.kid)).toEqual(['ed-1']);
    expect(server.count()).toBe(1);
    const fetch = source.events.find((e) => e.type === 'jwks_fetch');
    expect(fetch).toMatchObject({ type: 'jwks_fetch', uri: server.jwksUri, status: 200, keys: 3, skipped: 0 });
  });

  it('narrows keys to the `algorithms` option', async () => {
    const source = remote({ algorithms: new Set(['ES256']) });
    await source.warmUp();
    expect(source.stats.keys).toBe(1);
    expect(source.events.find((e) => e.type === 'jwks_fetch')).toMatchObject({ keys: 1, skipped: 2 });
  });

  it('sends the configured headers and asks for a JWKS', async () => {
    const source = remote({ headers: { 'x-api-key': 'secret-1' } });
    await source.warmUp();
    expect(server.lastHeaders?.['x-api-key']).toBe('secret-1');
    expect(server.lastHeaders?.accept).toContain('application/jwk-set+json');
  });
});

describe('single flight and cold start', () => {
  it('50 concurrent cold lookups share exactly one fetch', async () => {
    server.delayMs = 100;
    const source = remote();
    const results = await Promise.all(Array.from({ length: 50 }, () => keysOf(source, 'ec-1')));
    expect(server.count()).toBe(1);
    for (const keys of results) expect(keys.map((k) => k.kid)).toEqual(['ec-1']);
    // Everyone got the same imported key object.
    expect(new Set(results.map((keys) => keys[0])).size).toBe(1);
  });

  it('cold JWKS down → 503 jwks_unavailable with the cause; no fetch during the backoff; a retry after it', async () => {
    server.failure = 'status500';
    const source = remote();
    const error = await unavailable(keysOf(source, 'ec-1'));
    expect(error.status).toBe(503);
    expect(error.reason).toBe('jwks_unavailable');
    expect(error.headers['www-authenticate']).toBeUndefined();
    expect((error.cause as Error).message).toMatch(/500/);
    expect(server.count()).toBe(1);
    // Backoff: fail fast, no request.
    for (let i = 0; i < 20; i++) await unavailable(keysOf(source, 'ec-1'));
    expect(server.count()).toBe(1);
    expect(source.stats.backoffUntil).toBeGreaterThan(Date.now());
    // After the first backoff (1 s) one more attempt is made; it succeeds now.
    server.failure = undefined;
    await sleep(1050);
    expect((await keysOf(source, 'ec-1')).map((k) => k.kid)).toEqual(['ec-1']);
    expect(server.count()).toBe(2);
    expect(source.stats.backoffUntil).toBe(0);
    expect(source.events.map((e) => e.type)).toEqual(['jwks_fetch_error', 'jwks_fetch']);
    expect(source.events[0]).toMatchObject({ stale: false });
  });

  it('a cold fetch that finds no such kid answers empty and remembers the kid', async () => {
    const source = remote();
    expect(await keysOf(source, 'nope')).toEqual([]);
    expect(await keysOf(source, 'nope')).toEqual([]);
    expect(server.count()).toBe(1);
  });
});

describe('unknown kids', () => {
  it('300 random unknown kids after a warm fetch cost at most `burst` (3) fetches and all answer empty', async () => {
    const source = remote();
    await source.warmUp();
    for (let i = 0; i < 300; i++) expect(await keysOf(source, randomKid())).toEqual([]);
    expect(server.count() - 1).toBeLessThanOrEqual(3);
    expect(source.stats.rateLimited).toBeGreaterThanOrEqual(297);
    expect(source.events.filter((e) => e.type === 'jwks_rate_limited')).toHaveLength(source.stats.rateLimited);
    // Known kids are still served from the cache, synchronously.
    expect(Array.isArray(source.getKeys({ kid: 'ec-1', alg: 'ES256' }))).toBe(true);
  });

  it('300 concurrent unknown kids share a single fetch', async () => {
    const source = remote();
    await source.warmUp();
    server.delayMs = 50;
    const results = await Promise.all(Array.from({ length: 300 }, () => keysOf(source, randomKid())));
    expect(results.every((keys) => keys.length === 0)).toBe(true);
    expect(server.count()).toBe(2);
  });

  it('a key rotated in right after a fetch is picked up at once, with exactly one extra fetch', async () => {
    const source = remote();
    await source.warmUp();
    server.keys = [rsa, ec, ed, rotated];
    expect((await keysOf(source, 'rotated-1')).map((k) => k.kid)).toEqual(['rotated-1']);
    expect(server.count()).toBe(2);
    // And from then on it is a synchronous cache hit.
    expect(Array.isArray(source.getKeys({ kid: 'rotated-1', alg: 'ES256' }))).toBe(true);
    expect(server.count()).toBe(2);
  });

  it('a flood cannot starve a rotation: the next refilled token serves the rotated kid', async () => {
    const source = remote({ cooldown: 0.5, burst: 3 });
    await source.warmUp();
    for (let i = 0; i < 100; i++) await keysOf(source, randomKid());
    expect(server.count()).toBe(4);
    server.keys = [rsa, ec, ed, rotated];
    // Bucket empty: answered at once, empty (the verifier's 401), no fetch.
    const limited = source.getKeys({ kid: 'rotated-1', alg: 'ES256' });
    expect(limited).toEqual([]);
    expect(server.count()).toBe(4);
    await sleep(550);
    expect((await keysOf(source, 'rotated-1')).map((k) => k.kid)).toEqual(['rotated-1']);
    expect(server.count()).toBe(5);
  });

  it('even when the attacker wins the refilled token, the refetch brings the rotated key in', async () => {
    const source = remote({ cooldown: 0.5, burst: 2 });
    await source.warmUp();
    for (let i = 0; i < 50; i++) await keysOf(source, randomKid());
    server.keys = [rsa, ec, ed, rotated];
    await sleep(550);
    expect(await keysOf(source, randomKid())).toEqual([]); // spends the token, fetches the new JWKS
    const before = server.count();
    expect(source.getKeys({ kid: 'rotated-1', alg: 'ES256' })).toHaveLength(1); // synchronous hit
    expect(server.count()).toBe(before);
  });

  it('negative cache: the same unknown kid 100 times costs one fetch, until `cooldown` has passed', async () => {
    const source = remote({ cooldown: 0.5 });
    await source.warmUp();
    for (let i = 0; i < 100; i++) expect(await keysOf(source, 'ghost')).toEqual([]);
    expect(server.count()).toBe(2);
    expect(source.stats.rateLimited).toBe(0); // remembered, not rate-limited: no tokens spent
    expect(source.stats.tokens).toBeGreaterThanOrEqual(2);
    await sleep(550);
    await keysOf(source, 'ghost');
    expect(server.count()).toBe(3);
  });

  it('an unknown kid while the JWKS fails is a 503, not a 401', async () => {
    const source = remote();
    await source.warmUp();
    server.failure = 'status500';
    await unavailable(keysOf(source, 'rotated-1'));
    expect(server.count()).toBe(2);
    // During the backoff: 503 at once, no fetch, no token.
    await unavailable(keysOf(source, randomKid()));
    expect(server.count()).toBe(2);
    // Cached keys still work.
    expect(source.getKeys({ kid: 'ec-1', alg: 'ES256' })).toHaveLength(1);
  });
});

describe('freshness, stale-while-revalidate, stale-if-error', () => {
  it('serves stale keys synchronously while one background refresh runs', async () => {
    const source = remote({ maxAge: 0.2 });
    await source.warmUp();
    const before = source.getKeys({ kid: 'ec-1', alg: 'ES256' });
    server.delayMs = 200;
    server.keys = [rsa, ec, ed, rotated];
    await sleep(250);
    for (let i = 0; i < 20; i++) expect(source.getKeys({ kid: 'ec-1', alg: 'ES256' })).toEqual(before);
    await vi.waitFor(() => expect(source.getKeys({ kid: 'rotated-1', alg: 'ES256' })).toHaveLength(1));
    expect(server.count()).toBe(2); // one refresh for all twenty
  });

  it('JWKS down with keys cached: keys still served until maxStale, then 503', async () => {
    const source = remote({ maxAge: 0.2, maxStale: 0.5 });
    await source.warmUp();
    server.failure = 'status500';
    await sleep(250); // stale, within maxStale
    expect(source.getKeys({ kid: 'ec-1', alg: 'ES256' })).toHaveLength(1);
    await sleep(50);
    expect(server.count()).toBe(2); // the background refresh was tried, and failed
    const error = source.events.find((e) => e.type === 'jwks_fetch_error');
    expect(error).toMatchObject({ stale: true });
    expect(source.getKeys({ kid: 'ec-1', alg: 'ES256' })).toHaveLength(1);
    await sleep(500); // past maxAge + maxStale
    const failure = await unavailable(keysOf(source, 'ec-1'));
    expect(failure.status).toBe(503);
  });

  it('keeps the cached keys when a refresh returns garbage', async () => {
    const source = remote();
    await source.warmUp();
    for (const failure of ['invalid-json', 'no-keys', 'not-object', 'status404', 'huge', 'redirect'] as const) {
      server.failure = failure;
      await source.warmUp(); // never throws
    }
    expect(source.stats.failures).toBe(6);
    expect(source.getKeys({ kid: 'ec-1', alg: 'ES256' })).toHaveLength(1);
  });

  it('honours Cache-Control max-age within [30 s, maxAge]', async () => {
    const cases: [string | undefined, number, string?][] = [
      [undefined, 600],
      ['public, max-age=120', 120],
      ['max-age=5', 30],
      ['max-age=86400', 600],
      ['no-store', 30],
      ['no-cache', 30],
      ['max-age=120', 70, '50'], // Age is subtracted
    ];
    for (const [cacheControl, expected, age] of cases) {
      server.cacheControl = cacheControl;
      server.extraHeaders = age ? { age } : {};
      const source = remote();
      await source.warmUp();
      expect([cacheControl, source.stats.maxAge]).toEqual([cacheControl, expected]);
      expect(source.stats.freshUntil! - source.stats.fetchedAt!).toBe(expected * 1000);
    }
    // A maxAge below the floor wins over it.
    server.cacheControl = 'no-store';
    const short = remote({ maxAge: 10 });
    await short.warmUp();
    expect(short.stats.maxAge).toBe(10);
  });

  it('refetches once max-age from the header has passed (fake Date, real fetch)', async () => {
    server.cacheControl = 'max-age=60';
    const source = remote();
    await source.warmUp();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 59_000);
    for (let i = 0; i < 10; i++) await source.getKeys({ kid: 'ec-1', alg: 'ES256' });
    await sleep(50);
    expect(server.count()).toBe(1);
    vi.setSystemTime(Date.now() + 2_000);
    expect(source.getKeys({ kid: 'ec-1', alg: 'ES256' })).toHaveLength(1); // stale, served
    await vi.waitFor(() => expect(server.count()).toBe(2));
    vi.setSystemTime(Date.now() + 1_000);
    await source.getKeys({ kid: 'ec-1', alg: 'ES256' });
    await sleep(50);
    expect(server.count()).toBe(2); // fresh again
  });
});

describe('response handling', () => {
  it('times out a hanging server with a 503 within about `timeout`', async () => {
    server.failure = 'hang';
    const source = remote({ timeout: 0.3 });
    const started = performance.now();
    const error = await unavailable(keysOf(source, 'ec-1'));
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(1500);
    expect((error.cause as Error).message).toMatch(/300 ms/);
  });

  it.each(['huge', 'huge-declared'] as const)('fails an oversize body (%s)', async (failure) => {
    server.failure = failure;
    const source = remote({ maxResponseBytes: 100_000 });
    const error = await unavailable(keysOf(source, 'ec-1'));
    expect((error.cause as Error).message).toMatch(/100000-byte limit/);
  });

  it.each([
    ['invalid-json', /not JSON/],
    ['no-keys', /"keys" array/],
    ['not-object', /"keys" array/],
    ['status404', /404/],
    ['redirect', /fetch failed|redirect/i],
  ] as const)('fails a %s response', async (failure, message) => {
    server.failure = failure;
    const source = remote();
    const error = await unavailable(keysOf(source, 'ec-1'));
    expect((error.cause as Error).message).toMatch(message);
  });

  it('skips unusable keys without throwing, and counts them', async () => {
    const offCurve = { ...ec, kid: 'off-curve', y: Buffer.alloc(32, 7).toString('base64url') };
    server.keys = [
      { ...rsa, use: 'enc', kid: 'enc-1' },
      { kty: 'oct', k: Buffer.alloc(32, 1).toString('base64url'), kid: 'oct-1' },
      weakRsa,
      offCurve,
      'not even an object',
      ec,
    ];
    const source = remote();
    expect((await keysOf(source, 'ec-1')).map((k) => k.kid)).toEqual(['ec-1']);
    expect(source.events.find((e) => e.type === 'jwks_fetch')).toMatchObject({ keys: 1, skipped: 5 });
    for (const kid of ['enc-1', 'oct-1', 'weak-1', 'off-curve']) {
      expect(await keysOf(source, kid, kid === 'off-curve' ? 'ES256' : 'RS256')).toEqual([]);
    }
  });

  it('keeps every key of a duplicated kid, bounded by maxKeys', async () => {
    const twin = { ...(await makeJWK('ES256')), kid: 'ec-1' };
    server.keys = [ec, twin, rsa];
    const source = remote({ maxKeys: 2 });
    expect(await keysOf(source, 'ec-1')).toHaveLength(2);
    expect(source.stats.keys).toBe(2);
    expect(source.events.find((e) => e.type === 'jwks_fetch')).toMatchObject({ keys: 2, skipped: 1 });
  });
});

describe('key identity across refreshes', () => {
  it('keeps the same VerificationKey object for an unchanged key, even re-serialised', async () => {
    const source = remote();
    await source.warmUp();
    const [first] = await keysOf(source, 'ec-1');
    await source.warmUp();
    expect((await keysOf(source, 'ec-1'))[0]).toBe(first);
    // Same key, members in another order and an extra member: still the same object.
    const { x, y, ...rest } = ec;
    server.keys = [rsa, { y, x, ...rest, x5t: 'abc' }, ed];
    await source.warmUp();
    expect((await keysOf(source, 'ec-1'))[0]).toBe(first);
    expect(first!.active).toBe(true);
    expect(source.events.filter((e) => e.type === 'jwks_key_removed')).toEqual([]);
  });

  it('marks a key that left the JWKS inactive and reports it', async () => {
    const source = remote();
    await source.warmUp();
    const [gone] = await keysOf(source, 'rsa-1', 'RS256');
    const [kept] = await keysOf(source, 'ec-1');
    server.keys = [ec, ed];
    await source.warmUp();
    expect(gone!.active).toBe(false);
    expect(kept!.active).toBe(true);
    expect(source.events.filter((e) => e.type === 'jwks_key_removed')).toEqual([
      { type: 'jwks_key_removed', uri: server.jwksUri, kid: 'rsa-1' },
    ]);
    // A kid whose key changed is a new object; the old one is inactive.
    const replacement = { ...(await makeJWK('ES256')), kid: 'ec-1' };
    server.keys = [replacement, ed];
    await source.warmUp();
    const [fresh] = await keysOf(source, 'ec-1');
    expect(fresh).not.toBe(kept);
    expect(kept!.active).toBe(false);
  });
});

describe('lifecycle', () => {
  it('warmUp option fetches at construction and never throws', async () => {
    const source = remote({ warmUp: true });
    await vi.waitFor(() => expect(source.stats.keys).toBe(3));
    expect(server.count()).toBe(1);
    server.failure = 'status500';
    const failing = remote({ warmUp: true });
    await vi.waitFor(() => expect(failing.events.map((e) => e.type)).toEqual(['jwks_fetch_error']));
    await expect(failing.warmUp()).resolves.toBeUndefined();
  });

  it('a throwing onEvent listener does not break lookups', async () => {
    const source = createRemoteJWKS(server.jwksUri, {
      onEvent: () => {
        throw new Error('listener bug');
      },
    });
    sources.push(source);
    expect(await keysOf(source, 'ec-1')).toHaveLength(1);
  });

  it('refreshInterval refreshes in the background', async () => {
    const source = remote({ refreshInterval: 0.1 });
    await vi.waitFor(() => expect(server.count()).toBeGreaterThanOrEqual(2), { timeout: 2000 });
    source.close();
    const count = server.count();
    await sleep(250);
    expect(server.count()).toBe(count);
  });

  it('close() clears every timer it made and aborts a hung fetch', async () => {
    // Track the timers our sources make (by call site), and keep them referenced so that
    // getActiveResourcesInfo lists them while they live.
    const realSetTimeout = globalThis.setTimeout;
    const realClearTimeout = globalThis.clearTimeout;
    const live = new Set<NodeJS.Timeout>();
    let unrefCalls = 0;
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      if (!/src[\\/](jwks|fetch-json|discovery)\.ts/.test(new Error().stack ?? '')) return realSetTimeout(fn, ms);
      const handle: NodeJS.Timeout = realSetTimeout(() => {
        live.delete(handle);
        fn();
      }, ms);
      live.add(handle);
      handle.unref = () => {
        unrefCalls++;
        return handle;
      };
      return handle;
    }) as unknown as typeof setTimeout);
    vi.spyOn(globalThis, 'clearTimeout').mockImplementation((handle?: NodeJS.Timeout | string | number) => {
      live.delete(handle as NodeJS.Timeout);
      realClearTimeout(handle);
    });
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    server.failure = 'hang';
    const source = remote({ timeout: 30, refreshInterval: 60 });
    const pending = keysOf(source, 'ec-1');
    pending.catch(() => undefined);
    await vi.waitFor(() => expect(server.count()).toBe(1));
    expect(live.size).toBe(2); // refresh timer + fetch deadline
    expect(unrefCalls).toBe(2); // both unref()ed in normal operation
    const during = timers();
    const started = performance.now();
    source.close();
    const error = await unavailable(pending);
    expect(performance.now() - started).toBeLessThan(1000);
    expect((error.cause as Error).message).toMatch(/abort/i);
    expect(live.size).toBe(0);
    expect(during - timers()).toBeGreaterThanOrEqual(2);
    // Closed: anything that needs a fetch is a 503, without a request.
    await unavailable(keysOf(source, 'ec-1'));
    await expect(source.warmUp()).resolves.toBeUndefined();
    expect(server.count()).toBe(1);
  });
});
