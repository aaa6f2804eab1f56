/**
 * The fetch state shared by the remote key sources (a JWKS, an issuer's discovery): one
 * operation at a time, backoff after failures, 503s while it cannot run, and an end.
 *
 * Invariant: at most one operation is in flight, and every caller that asks while it runs shares
 * its outcome instead of starting another. A new operation starts only when none is in flight
 * and the source is not closed; through {@link SingleFlight.request} also only once the backoff
 * after the last consecutive failure (`backoffMs`) has passed. `close()` is final: it aborts the
 * operation in flight (through the signal it was given) and no operation starts afterwards.
 */
import { AuthUnavailableError } from './errors.js';
import { backoffMs } from './token-bucket.js';

/** The `AuthUnavailableError` reasons of the remote key sources. */
export type UnavailableReason = 'jwks_unavailable' | 'discovery_failed';

/** How a {@link SingleFlight} reports that it cannot deliver: a 503 with this reason and message. */
export interface Unavailable {
  /** Reason of the `AuthUnavailableError`. */
  reason: UnavailableReason;
  /** Its message, from what went wrong, e.g. `` (detail) => `JWKS ${uri} unavailable: ${detail}` ``. */
  message: (detail: string) => string;
}

const CLOSED = 'key source closed';

/** One operation in flight shared by every caller, with backoff after failures; see the file comment. */
export class SingleFlight<T> {
  readonly #operation: (signal: AbortSignal) => Promise<T>;
  readonly #unavailable: Unavailable;
  readonly #now: () => number;
  readonly #lifetime = new AbortController();
  #inflight: Promise<T> | undefined;
  #failures = 0;
  #backoffUntil = 0;
  #lastError: Error | undefined;

  /**
   * @param operation - the fetch. `signal` aborts on `close()`: check it before keeping a result.
   *   It rejects to report a failure; events are its own business (its outcome is recorded here
   *   when it settles, after any event it emitted).
   * @param unavailable - the 503 that {@link request} rejects with.
   * @param now - clock in epoch milliseconds; `Date.now()` unless a test supplies one.
   */
  constructor(
    operation: (signal: AbortSignal) => Promise<T>,
    unavailable: Unavailable,
    now: () => number = () => Date.now(),
  ) {
    this.#operation = operation;
    this.#unavailable = unavailable;
    this.#now = now;
  }

  /** True while an operation runs. */
  get inFlight(): boolean {
    return this.#inflight !== undefined;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#lifetime.signal.aborted;
  }

  /** No new operation through {@link request} before this time (epoch ms); 0 when not backing off. */
  get backoffUntil(): number {
    return this.#backoffUntil;
  }

  /** Consecutive failures; 0 after a success. */
  get failures(): number {
    return this.#failures;
  }

  /** The error of the last failure, kept after a success too. */
  get lastError(): Error | undefined {
    return this.#lastError;
  }

  /** True when a new operation may start now: none in flight, not closed, not backing off. */
  ready(now: number = this.#now()): boolean {
    return this.#inflight === undefined && !this.closed && now >= this.#backoffUntil;
  }

  /**
   * Joins the operation in flight, or starts one even while backing off (a warm-up or a
   * scheduled refresh is a deliberate attempt). Rejects with the operation's own error, or with
   * `Error('key source closed')` once closed.
   */
  run(): Promise<T> {
    if (this.#inflight !== undefined) return this.#inflight;
    if (this.closed) return Promise.reject(new Error(CLOSED));
    const flight = this.#attempt().finally(() => {
      this.#inflight = undefined;
    });
    this.#inflight = flight;
    return flight;
  }

  /**
   * What a lookup that needs the result calls: joins the operation in flight, or starts one;
   * closed or backing off, rejects at once without starting one. Every failure is an
   * `AuthUnavailableError` whose cause is the underlying error.
   */
  request(): Promise<T> {
    if (!this.#inflight) {
      if (this.closed) return Promise.reject(this.unavailable(new Error(CLOSED)));
      const wait = this.#backoffUntil - this.#now();
      if (wait > 0) {
        const last = this.#lastError;
        const detail = `backing off for ${wait} ms after: ${last?.message ?? 'failure'}`;
        return Promise.reject(this.unavailable(last, detail));
      }
    }
    return this.run().catch((error: unknown) => {
      throw this.unavailable(error);
    });
  }

  /** The 503 for `cause`; `detail` replaces the cause's message in the error's message. */
  unavailable(cause: unknown, detail?: string): AuthUnavailableError {
    const text = detail ?? (cause as Error)?.message ?? String(cause);
    return new AuthUnavailableError(this.#unavailable.reason, this.#unavailable.message(text), { cause });
  }

  /** Final: aborts the operation in flight; nothing starts afterwards. */
  close(): void {
    this.#lifetime.abort(new Error(CLOSED));
  }

  async #attempt(): Promise<T> {
    try {
      const value = await this.#operation(this.#lifetime.signal);
      this.#failures = 0;
      this.#backoffUntil = 0;
      return value;
    } catch (error) {
      this.#failures++;
      this.#lastError = error as Error;
      this.#backoffUntil = this.#now() + backoffMs(this.#failures);
      throw error;
    }
  }
}
