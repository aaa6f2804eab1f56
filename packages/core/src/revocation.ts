/**
 * Revocation: a denylist of `jti`s, each kept until the revoked token's own `exp`.
 */
import { parseDuration } from './duration.js';
import type { JWTPayload } from './jws.js';

/**
 * Where revoked token ids live. `@bearer-guard/redis` shares one across instances;
 * {@link memoryRevocationStore} keeps one in this process.
 */
export interface RevocationStore {
  /** True when the token is revoked; usually looks up `payload.jti`. */
  isRevoked(payload: JWTPayload): Promise<boolean> | boolean;
  /**
   * Revokes a token id until `expiresAt` (the token's `exp`, seconds since the epoch). Keep the
   * entry a little longer than that — at least the verifier's clock tolerance — since verifiers
   * accept a token until `exp` plus their tolerance.
   */
  revoke(jti: string, expiresAt: number): Promise<void> | void;
}

/** Options of {@link memoryRevocationStore}. */
export interface MemoryRevocationStoreOptions {
  /** Most entries kept; past it, the entry whose token expires soonest is dropped first. Default 100 000. */
  max?: number;
  /** How long past the token's `exp` an entry is kept, to cover verifiers' clock tolerance: seconds or `'1m'`. Default 60 s. */
  clockTolerance?: number | string;
  /** Clock, seconds since the epoch; for tests. Default `Date.now() / 1000`. */
  now?: () => number;
}

/** A {@link RevocationStore} with introspection, kept in this process's memory. */
export interface MemoryRevocationStore extends RevocationStore {
  /** Live entries. */
  readonly size: number;
  /** Forgets every entry whose token has expired; returns how many went. */
  sweep(): number;
}

/**
 * A revocation store in this process's memory: nothing is revoked until `revoke` is called;
 * each entry is forgotten once its token's `exp` has passed; memory is bounded.
 *
 * @example
 * ```ts
 * const revocation = memoryRevocationStore();
 * app.use(auth({ issuer, audience, revocation }));
 * await revocation.revoke(payload.jti, payload.exp);
 * ```
 */
export function memoryRevocationStore(options: MemoryRevocationStoreOptions = {}): MemoryRevocationStore {
  const max = options.max ?? 100_000;
  if (!Number.isInteger(max) || max < 1) throw new TypeError('memoryRevocationStore: `max` must be a positive integer');
  const now = options.now ?? (() => Date.now() / 1000);
  const tolerance = options.clockTolerance === undefined ? 60 : parseDuration(options.clockTolerance, 'memoryRevocationStore: clockTolerance');
  const entries = new Map<string, number>();

  const sweep = (): number => {
    const t = now();
    let removed = 0;
    for (const [jti, expiresAt] of entries) {
      if (expiresAt <= t) {
        entries.delete(jti);
        removed++;
      }
    }
    return removed;
  };

  return {
    isRevoked(payload) {
      const jti = payload.jti;
      if (typeof jti !== 'string') return false;
      const expiresAt = entries.get(jti);
      if (expiresAt === undefined) return false;
      if (expiresAt <= now()) {
        entries.delete(jti);
        return false;
      }
      return true;
    },
    revoke(jti, expiresAt) {
      if (typeof jti !== 'string' || jti.length === 0) throw new TypeError('revoke: `jti` must be a non-empty string');
      if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) throw new TypeError('revoke: `expiresAt` must be a finite number of seconds');
      const keepUntil = expiresAt + tolerance;
      if (keepUntil <= now()) return;
      if (!entries.has(jti) && entries.size >= max && sweep() === 0) {
        let soonest: string | undefined;
        let soonestAt = Infinity;
        for (const [id, at] of entries) if (at < soonestAt) [soonest, soonestAt] = [id, at];
        if (soonest !== undefined) entries.delete(soonest);
      }
      entries.set(jti, Math.max(keepUntil, entries.get(jti) ?? 0));
    },
    get size() {
      return entries.size;
    },
    sweep,
  };
}
