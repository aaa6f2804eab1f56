import { describe, expect, it } from 'vitest';
import { memoryRevocationStore } from '@bearer-guard/core';

describe('memoryRevocationStore', () => {
  it('revokes until exp plus the clock tolerance, then forgets', () => {
    let t = 1000;
    const store = memoryRevocationStore({ now: () => t, clockTolerance: 30 });
    store.revoke('a', 1100);
    expect(store.isRevoked({ jti: 'a' })).toBe(true);
    expect(store.isRevoked({ jti: 'b' })).toBe(false);
    expect(store.isRevoked({})).toBe(false);
    t = 1120; // past exp, within tolerance: a verifier may still accept the token
    expect(store.isRevoked({ jti: 'a' })).toBe(true);
    t = 1131;
    expect(store.isRevoked({ jti: 'a' })).toBe(false);
    expect(store.size).toBe(0);
  });

  it('ignores tokens already dead and bounds memory, dropping the soonest-expiring entry', () => {
    const t = 1000;
    const store = memoryRevocationStore({ now: () => t, max: 2, clockTolerance: 0 });
    store.revoke('dead', 999);
    expect(store.size).toBe(0);
    store.revoke('x', 2000);
    store.revoke('y', 1500);
    store.revoke('z', 3000);
    expect([
      store.size,
      store.isRevoked({ jti: 'x' }),
      store.isRevoked({ jti: 'y' }),
      store.isRevoked({ jti: 'z' }),
    ]).toEqual([2, true, false, true]);
  });

  it('sweeps expired entries', () => {
    let t = 0;
    const store = memoryRevocationStore({ now: () => t, clockTolerance: '1m' });
    store.revoke('a', 10);
    store.revoke('b', 1000);
    t = 71;
    expect(store.sweep()).toBe(1);
    expect(store.size).toBe(1);
  });

  it('rejects bad arguments', () => {
    const store = memoryRevocationStore();
    expect(() => store.revoke('', 1)).toThrow(TypeError);
    expect(() => store.revoke('a', Number.NaN)).toThrow(TypeError);
    expect(() => memoryRevocationStore({ max: 0 })).toThrow(TypeError);
  });
});
