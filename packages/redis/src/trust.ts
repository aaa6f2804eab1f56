/**
 * How far the Redis store's replica (core's `DenyList`) can be trusted, kept apart from the I/O
 * so that it can be tested with a fake clock.
 *
 * Correctness rests on one invariant: the replica holds every revocation made before
 * `trustedAt`. A full load (SCAN) started while the subscription is up establishes it as of the
 * load's start: older revocations are in Redis, newer ones are published to a subscription that
 * already exists. A PING answered on the same subscribed connection then moves `trustedAt` to the
 * moment it was sent, since Redis delivers on one connection in order. When the subscription
 * drops (`epoch` changes) nothing moves `trustedAt` until a new load on the new connection.
 *
 * The store reports those events ({@link ReplicaTrust.nextEpoch}, {@link ReplicaTrust.loaded},
 * {@link ReplicaTrust.proven}); this unit only keeps the state and answers from it. The replica
 * is trusted while `now - trustedAt <= maxStaleness` and the store is not closed. It does no I/O
 * and reads the time only through the clock it is given.
 */

/** Options of {@link ReplicaTrust}. */
export interface ReplicaTrustOptions {
  /** How long (ms) the replica is trusted after the latest proof that it was complete. */
  maxStalenessMs: number;
  /** How long (ms), counted from creation, the initial load may take before the replica is stale. */
  connectTimeoutMs: number;
  /** The clock, in milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
}

/** The trust state of one store's replica. Times are milliseconds of the clock given. */
export class ReplicaTrust {
  /** When the store was created (the clock's reading at construction). */
  readonly createdAt: number;
  readonly #now: () => number;
  readonly #maxStalenessMs: number;
  readonly #connectTimeoutMs: number;
  #epoch = 0; // +1 every time the subscription drops or is replaced
  #trustedEpoch = -1; // the epoch whose load established the invariant
  #trustedAt = -Infinity; // the replica holds every revocation made before it
  #everSynced = false; // the initial load was proven and announced
  #staleReported = false; // the current outage was reported (at most once per outage)
  #closed = false;

  constructor(options: ReplicaTrustOptions) {
    this.#now = options.now ?? (() => Date.now());
    this.#maxStalenessMs = options.maxStalenessMs;
    this.#connectTimeoutMs = options.connectTimeoutMs;
    this.createdAt = this.#now();
  }

  /** The subscription's generation: proofs carry the epoch they started in. */
  get epoch(): number {
    return this.#epoch;
  }

  /** The replica holds every revocation made before this time (`-Infinity` until the first load). */
  get trustedAt(): number {
    return this.#trustedAt;
  }

  /** True once {@link synced} was called: the initial load is done. */
  get everSynced(): boolean {
    return this.#everSynced;
  }

  /** The subscription dropped, or a new connection replaced it: nothing proven on the old one carries over. */
  nextEpoch(): void {
    this.#epoch++;
  }

  /**
   * A full load started at `startedAt`, in `epoch`, with the subscription up, has completed: the
   * invariant holds as of `startedAt`. Returns false, establishing nothing, when the subscription
   * dropped meanwhile (`epoch` is no longer the current one).
   */
  loaded(epoch: number, startedAt: number): boolean {
    if (epoch !== this.#epoch) return false;
    this.#trustedEpoch = epoch;
    this.#markTrusted(startedAt);
    return true;
  }

  /**
   * A PING sent at `sentAt` on the subscribed connection of `epoch` was answered: the replica held
   * every revocation made before `sentAt`, provided a load on that same connection established
   * the invariant. Otherwise it proves nothing.
   */
  proven(epoch: number, sentAt: number): void {
    if (epoch === this.#epoch && epoch === this.#trustedEpoch) this.#markTrusted(sentAt);
  }

  /** The initial load was proven and announced. Returns true the first time only. */
  synced(): boolean {
    const first = !this.#everSynced;
    this.#everSynced = true;
    return first;
  }

  /** The store is closed: the replica is never trusted again. */
  close(): void {
    this.#closed = true;
  }

  /** True while the replica was proven complete within `maxStaleness` and the store is open. */
  trusted(now: number = this.#now()): boolean {
    return !this.#closed && now - this.#trustedAt <= this.#maxStalenessMs;
  }

  /** Trusted by proof made on the current subscription (the store is `'synced'` if, besides, it is up). */
  current(now: number = this.#now()): boolean {
    return this.#trustedEpoch === this.#epoch && this.trusted(now);
  }

  /** The initial load may still come: not synced, not closed, and `connectTimeout` not yet over. */
  starting(now: number = this.#now()): boolean {
    return !this.#everSynced && !this.#closed && now - this.createdAt < this.#connectTimeoutMs;
  }

  /** Stale, to be reported: untrusted after the initial load, or no initial load within `connectTimeout`. */
  overdue(now: number = this.#now()): boolean {
    return this.#everSynced ? !this.trusted(now) : now - this.createdAt >= this.#connectTimeoutMs;
  }

  /**
   * Records that the replica is found untrusted. Returns, the first time in an outage, how long
   * (ms) it has gone without proof (since creation before the initial load); `undefined` when this
   * outage was already noted or the store is closed. Proof that makes the replica trusted again
   * ends the outage.
   */
  noteStale(now: number = this.#now()): number | undefined {
    if (this.#staleReported || this.#closed) return undefined;
    this.#staleReported = true;
    return now - (this.#everSynced ? this.#trustedAt : this.createdAt);
  }

  /** Why the replica cannot be trusted at `now`, for the message of a 503. */
  whyUntrusted(now: number = this.#now()): string {
    if (this.#closed) return 'the revocation store is closed';
    if (this.#everSynced) {
      return `no contact with Redis for ${now - this.#trustedAt} ms (maxStaleness ${this.#maxStalenessMs} ms)`;
    }
    return `the revocation list was not loaded from Redis within connectTimeout (${this.#connectTimeoutMs} ms)`;
  }

  #markTrusted(at: number): void {
    this.#trustedAt = Math.max(this.#trustedAt, at);
    if (this.trusted(this.#now())) this.#staleReported = false; // the outage, if any, is over
  }
}
