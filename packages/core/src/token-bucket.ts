/**
 * Timer-free state that bounds how often a remote source fetches: a token bucket, a bounded
 * set of recently-missed names, and the backoff after failures. Everything is computed from the
 * clock when asked, so idle state costs nothing and leaves nothing for `close()` to clear.
 */

/** A token bucket of `capacity` tokens, refilled at one token per `refillMs`; starts full. */
export class TokenBucket {
  /** Most tokens the bucket holds. */
  readonly capacity: number;
  /** Milliseconds to regain one token. */
  readonly refillMs: number;
  #tokens: number;
  #updatedAt: number;
  readonly #now: () => number;

  /**
   * @param capacity - bucket size (≥ 1): how many refetches a burst of unknown kids may cause.
   * @param refillMs - milliseconds per token (≥ 0; 0 means never empty).
   * @param now - clock in epoch milliseconds; `Date.now` unless a test supplies one.
   */
  constructor(capacity: number, refillMs: number, now: () => number = Date.now) {
    this.capacity = capacity;
    this.refillMs = refillMs;
    this.#tokens = capacity;
    this.#now = now;
    this.#updatedAt = now();
  }

  #refill(): void {
    const now = this.#now();
    const elapsed = now - this.#updatedAt;
    // A clock that went backwards (fake timers, NTP step) must not mint or eat tokens.
    if (elapsed <= 0) {
      this.#updatedAt = Math.min(this.#updatedAt, now);
      return;
    }
    this.#tokens = this.refillMs <= 0 ? this.capacity : Math.min(this.capacity, this.#tokens + elapsed / this.refillMs);
    this.#updatedAt = now;
  }

  /** Tokens available now (fractional while refilling). */
  get tokens(): number {
    this.#refill();
    return this.#tokens;
  }

  /** Takes one token when a whole one is available; false when the bucket is empty. */
  tryTake(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** A bounded set whose members expire after `ttlMs`; the oldest member goes first when full. */
export class ExpiringSet {
  readonly #until = new Map<string, number>();
  readonly #max: number;
  readonly #ttlMs: number;

  /**
   * @param max - members kept at most.
   * @param ttlMs - how long a member stays, in milliseconds.
   */
  constructor(max: number, ttlMs: number) {
    this.#max = max;
    this.#ttlMs = ttlMs;
  }

  /** Members, expired ones included until next looked at. */
  get size(): number {
    return this.#until.size;
  }

  /** True while `name` was added less than `ttlMs` ago. */
  has(name: string, now: number = Date.now()): boolean {
    const until = this.#until.get(name);
    if (until === undefined) return false;
    if (until > now) return true;
    this.#until.delete(name);
    return false;
  }

  /** Adds (or renews) `name`. */
  add(name: string, now: number = Date.now()): void {
    // Re-insertion moves the name to the end of the Map's order: the oldest stays first.
    this.#until.delete(name);
    if (this.#until.size >= this.#max) {
      const oldest = this.#until.keys().next();
      if (!oldest.done) this.#until.delete(oldest.value);
    }
    this.#until.set(name, now + this.#ttlMs);
  }
}

/**
 * Wait before the next attempt after `failures` consecutive failed ones: 1 s, 2 s, 4 s … at
 * most 30 s. Deterministic (no jitter): a process has at most one fetch per endpoint in flight,
 * so it has no herd of its own to spread.
 */
export function backoffMs(failures: number): number {
  return failures <= 0 ? 0 : Math.min(30_000, 1000 * 2 ** (failures - 1));
}
