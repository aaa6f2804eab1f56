import { describe, expect, it } from 'vitest';
import { JWKS_CACHE_DEFAULTS, resolveJWKSCacheOptions } from '../src/jwks-options.js';
import { resolveOptions } from '../src/options.js';
import { createVerifier } from '../src/verifier.js';

/** A `jwksCache` option that counts how often its members are read. */
function counted(): { jwksCache: { maxAge: string; headers: Record<string, string> }; reads: () => number } {
  let reads = 0;
  const jwksCache = {
    get maxAge() {
      reads++;
      return '2m';
    },
    headers: { 'x-api-key': 'k' },
  };
  return { jwksCache, reads: () => reads };
}

describe('jwksCache resolution', () => {
  it('resolves durations to seconds and fills in the defaults', () => {
    expect(resolveJWKSCacheOptions(undefined)).toEqual(JWKS_CACHE_DEFAULTS);
    expect(resolveJWKSCacheOptions({ maxAge: '2m', cooldown: '250ms', refreshInterval: '1h', burst: 5 })).toEqual({
      ...JWKS_CACHE_DEFAULTS,
      maxAge: 120,
      cooldown: 0.25,
      refreshInterval: 3600,
      burst: 5,
    });
  });

  it('resolveOptions keeps the resolved option, defaults included', () => {
    expect(
      resolveOptions({ issuer: false, audience: false, jwksUri: 'https://keys.example.com/jwks' }).jwksCache,
    ).toEqual(JWKS_CACHE_DEFAULTS);
    const { jwksCache } = counted();
    expect(
      resolveOptions({ issuer: false, audience: false, jwksUri: 'https://keys.example.com/jwks', jwksCache }).jwksCache,
    ).toMatchObject({
      maxAge: 120,
      headers: { 'x-api-key': 'k' },
      timeout: 5,
    });
  });

  it('happens once per verifier, whatever the number of remote sources', () => {
    const remoteSources = [
      { issuer: false as const, jwksUri: 'https://keys.example.com/jwks' },
      { issuer: ['https://a.example.com', 'https://b.example.com'] },
    ];
    for (const keys of remoteSources) {
      const { jwksCache, reads } = counted();
      const verifier = createVerifier({ ...keys, audience: 'orders', jwksCache });
      verifier.close();
      expect(reads()).toBe(1);
    }
  });

  it('still refuses a bad option at construction, naming it', () => {
    expect(() =>
      createVerifier({
        issuer: false,
        audience: false,
        jwksUri: 'https://keys.example.com/jwks',
        jwksCache: { maxAge: 'soon' },
      }),
    ).toThrow(/^bearer-guard: `jwksCache\.maxAge` /);
  });
});
