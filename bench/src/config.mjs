/**
 * Every knob of the run in one place. `BENCH_QUICK=1` shrinks time slices and durations for a
 * smoke run (figures are then indicative only); the full settings are what RESULTS.md is for.
 */
export const QUICK = process.env.BENCH_QUICK === '1';

export const ISSUER = 'https://issuer.bench.local/';
export const AUDIENCE = 'orders-api';
export const KID = 'bench-key-1';

export const config = QUICK
  ? {
      mode: 'quick',
      verify: {
        algs: ['RS256', 'PS256', 'ES256', 'EdDSA'],
        uniqueTokens: 2000,
        reps: 3,
        sliceMs: 100,
        warmupMs: 50,
        inFlight: 32,
      },
      http: { connections: 50, reps: 2, durationSec: 0.5, warmupSec: 0.2, uniqueTokens: 20_000, pipelining: 10 },
      memory: { entries: 5000, trials: 1 },
      revocation: { revokedEntries: 1000 },
      watchdogMs: 6 * 60_000,
    }
  : {
      mode: 'full',
      verify: {
        algs: ['RS256', 'PS256', 'ES256', 'EdDSA'],
        uniqueTokens: 2000,
        reps: 7,
        sliceMs: 300,
        warmupMs: 200,
        inFlight: 32,
      },
      http: { connections: 50, reps: 5, durationSec: 1.5, warmupSec: 0.5, uniqueTokens: 20_000, pipelining: 10 },
      memory: { entries: 10_000, trials: 3 },
      revocation: { revokedEntries: 1000 },
      watchdogMs: 15 * 60_000,
    };

/** The verified-token cache bound of `@bearer-guard/core` when `cache` is not given. */
export const DEFAULT_CACHE_MAX = 1000;
