/**
 * Revocation: a denylist of `jti`s, each kept until the revoked token's own `exp`.
 */
import { DenyList } from './deny-list.js';
import { parseDuration, type Duration } from './duration.js';
import { positiveInteger } from './option-checks.js';
import type { JWTPayload } from './jws.js';

/**
 * Where revoked token ids live. `@bearer-guard/redis` shares one across instances;
 * {@link memoryRevocationStore} keeps one in this process.
 */
export interface RevocationStore {
  /** True when the token is revoked; usually looks up `payload.jti` (and `payload.iss`, for scoped entries). */
  isRevoked(payload: JWTPayload): Promise<boolean> | boolean;
  /**
   * Revokes a token id until `expiresAt` (the token's `exp`, seconds since the epoch). Keep the
   * entry a little longer than that — at least the verifier's clock tolerance — since verifiers
   * accept a token until `exp` plus their tolerance.
   *
   * With `issuer` (the token's `iss`), the entry refuses only that issuer's token with this
   * `jti`; without it, every issuer's. Pass it whenever a verifier accepts several issuers,
   * whose `jti`s may collide (one tenant must not be able to revoke another's token).
   */
  revoke(jti: string, expiresAt: number, issuer?: string): Promise<void> | void;
  /**
   * Called by a verifier that accepts several issuers: from then on `revoke` must name the
   * token's issuer (and throws a TypeError otherwise), since their `jti`s may collide.
   */
  requireIssuer?(): void;
  /**
   * Seconds an entry is kept past its token's `exp`, when the store knows it. A verifier refuses
   * a store whose retention is shorter than its `clockTolerance` (a revoked token would pass
   * again in between).
   */
  readonly retention?: number;
}

/** Options of {@link memoryRevocationStore}. */
export interface MemoryRevocationStoreOptions {
  /** Most entries kept; past it, the entry whose token expires soonest is dropped first. Default 100 000. */
  max?: number;
  /**
   * How long past the token's `exp` an entry is kept, to cover verifiers' clock tolerance:
   * seconds or `'1m'`. Default 60 s. A verifier with a longer `clockTolerance` refuses the store.
   */
  clockTolerance?: Duration;
  /** Clock, seconds since the epoch; for tests. Default `Date.now() / 1000`. */
  now?: () => number;
}

/** A {@link RevocationStore} with introspection, kept in this process's memory. */
export interface MemoryRevocationStore extends RevocationStore {
  /** Seconds an entry is kept past its token's `exp` (the `clockTolerance` option). */
  readonly retention: number;
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
 * const { jti, exp, iss } = req.auth.payload;
 * await revocation.revoke(jti, exp, iss);
 * ```
 */
export function memoryRevocationStore(options: MemoryRevocationStoreOptions = {}): MemoryRevocationStore {
  const max = positiveInteger(options.max, 'memoryRevocationStore.max', 100_000);
  const now = options.now ?? (() => Date.now() / 1000);
  const retention =
    options.clockTolerance === undefined
      ? 60
      : parseDuration(options.clockTolerance, 'memoryRevocationStore.clockTolerance');
  const list = new DenyList(retention);

  return {
    isRevoked: (payload) => list.revokes(payload, now()),
    revoke(jti, expiresAt, issuer) {
      list.checkRevoke(jti, expiresAt, issuer);
      const t = now();
      if (list.deadline(expiresAt) <= t) return;
      if (!list.holds(jti, issuer) && list.size >= max && list.sweep(t) === 0) list.dropSoonest();
      list.add(jti, expiresAt, issuer, t);
    },
    retention,
    requireIssuer: () => list.requireIssuer(),
    get size() {
      return list.size;
    },
    sweep: () => list.sweep(now()),
  };
}
