/**
 * Replay protection for DPoP proofs (RFC 9449 §11.1): each proof's `jti` is remembered for as
 * long as the proof could be accepted, and a second sight of it is refused.
 */
import { positiveInteger } from './option-checks.js';

/**
 * Where the `jti`s of accepted DPoP proofs are remembered. `@bearer-guard/redis` shares one across
 * instances (`redisReplayStore()`); {@link memoryReplayStore} keeps one in this process.
 */
export interface ReplayStore {
  /**
   * Records `key` until `expiresAt` (seconds since the epoch). Returns `true` when the key was
   * new, `false` when it was seen before (a replay). Must be atomic: of two concurrent calls with
   * one key, exactly one returns `true`. A store that cannot answer throws or rejects (503).
   */
  remember(key: string, expiresAt: number): boolean | Promise<boolean>;
}

/** Options of {@link memoryReplayStore}. */
export interface MemoryReplayStoreOptions {
  /**
   * Most keys kept; when every one is still live, a new proof is refused with 503 rather than
   * forgetting a live one (which would let it be replayed). Default 100 000: 1 500 proofs a
   * second under the default 60 s proof window.
   */
  max?: number;
  /** Clock, seconds since the epoch; for tests. Default `Date.now() / 1000`. */
  now?: () => number;
}

/** A {@link ReplayStore} in this process's memory. */
export interface MemoryReplayStore extends ReplayStore {
  /** Keys held, expired ones included until the next sweep. */
  readonly size: number;
}

/**
 * A replay store in this process's memory: bounded, each key kept only until its proof can no
 * longer be accepted. Enough for one instance; several instances behind a load balancer need a
 * shared store (`redisReplayStore()` from `@bearer-guard/redis`), or a proof refused by one could
 * be replayed to another.
 *
 * @example
 * ```ts
 * app.use(auth({ issuer, audience, dpop: { replay: memoryReplayStore({ max: 500_000 }) } }));
 * ```
 */
export function memoryReplayStore(options: MemoryReplayStoreOptions = {}): MemoryReplayStore {
  const max = positiveInteger(options.max, 'memoryReplayStore.max', 100_000);
  const now = options.now ?? (() => Date.now() / 1000);
  // Insertion order is close to expiry order (every proof gets the same window), so a sweep from
  // the front stops at the first live key.
  const seen = new Map<string, number>();

  function sweep(t: number, whole: boolean): void {
    for (const [key, expiresAt] of seen) {
      if (expiresAt > t) {
        if (whole) continue;
        break;
      }
      seen.delete(key);
    }
  }

  return {
    remember(key, expiresAt) {
      const t = now();
      const known = seen.get(key);
      if (known !== undefined && known > t) return false;
      sweep(t, false);
      if (seen.size >= max) {
        sweep(t, true);
        if (seen.size >= max) throw new Error(`memoryReplayStore is full: ${max} live proofs`);
      }
      seen.delete(key);
      seen.set(key, expiresAt);
      return true;
    },
    get size() {
      return seen.size;
    },
  };
}
