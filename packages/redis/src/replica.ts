/**
 * The local replica of the denylist: what `isRevoked` reads, with no Redis round trip.
 */

/**
 * Revoked token ids and their `exp`, in this process. An entry lives until
 * `exp + clockTolerance`: the verifier still accepts a token that long after its `exp`, so the
 * denylist must remember it that long too. Expired entries go lazily on lookup and in {@link sweep}.
 */
export class Replica {
  readonly #entries = new Map<string, number>();
  readonly #tolerance: number;

  /** @param tolerance - seconds an entry outlives its token's `exp`. */
  constructor(tolerance: number) {
    this.#tolerance = tolerance;
  }

  /** Seconds since the epoch after which an entry for a token expiring at `exp` may go. */
  deadline(exp: number): number {
    return exp + this.#tolerance;
  }

  /**
   * Adds (or extends) an entry. Returns true when the replica changed: the entry is new or later
   * than the one held; false for a duplicate or an entry already past its deadline.
   */
  add(jti: string, exp: number, now: number): boolean {
    if (this.deadline(exp) <= now) return false;
    const held = this.#entries.get(jti);
    if (held !== undefined && held >= exp) return false;
    this.#entries.set(jti, exp);
    return true;
  }

  /** True when `jti` is revoked at `now` (seconds); drops the entry if it has expired. */
  has(jti: string, now: number): boolean {
    const exp = this.#entries.get(jti);
    if (exp === undefined) return false;
    if (this.deadline(exp) <= now) {
      this.#entries.delete(jti);
      return false;
    }
    return true;
  }

  /** Drops every expired entry; returns how many went. */
  sweep(now: number): number {
    let removed = 0;
    for (const [jti, exp] of this.#entries) {
      if (this.deadline(exp) <= now) {
        this.#entries.delete(jti);
        removed++;
      }
    }
    return removed;
  }

  /** Entries held, expired ones included until swept. */
  get size(): number {
    return this.#entries.size;
  }

  /** The live entries at `now`, as `[jti, exp]`. */
  *live(now: number): IterableIterator<[string, number]> {
    for (const entry of this.#entries) if (this.deadline(entry[1]) > now) yield entry;
  }
}
