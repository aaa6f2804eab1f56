/**
 * The denylist itself: revoked token ids and their `exp`, each kept until `exp` plus a
 * retention that covers the verifiers' clock tolerance. Shared by the in-memory store and by
 * the Redis store's local replica.
 *
 * An entry is scoped to the issuer it was revoked for, or, revoked without one, applies to every
 * issuer. With several issuers, scoping keeps one tenant from revoking another's token by
 * minting a token with the same `jti` and having it revoked.
 */
import { own } from './claim-path.js';

/** One revocation: the token id, its issuer when scoped, its `exp` (seconds since the epoch). */
export interface Revocation {
  jti: string;
  issuer: string | undefined;
  exp: number;
}

/**
 * What a token is revoked under: its own `jti` (non-empty) and `iss`, never inherited ones;
 * `undefined` for a token without a `jti`, which no entry can name.
 */
export function revocationIdOf(payload: object): { jti: string; issuer: string | undefined } | undefined {
  const jti = own(payload, 'jti');
  if (typeof jti !== 'string' || jti.length === 0) return undefined;
  const iss = own(payload, 'iss');
  return { jti, issuer: typeof iss === 'string' ? iss : undefined };
}

/** The map key of a revocation: unambiguous for any issuer and `jti` (the issuer's length leads). */
function entryKey(jti: string, issuer: string | undefined): string {
  return issuer === undefined ? `:${jti}` : `${issuer.length}:${issuer}${jti}`;
}

/**
 * Checks the arguments of `RevocationStore.revoke`; with `issuerRequired` (a store behind a
 * verifier that accepts several issuers), `issuer` must be given.
 * @throws TypeError naming the argument that is wrong.
 */
function checkRevokeArguments(jti: unknown, expiresAt: unknown, issuer: unknown, issuerRequired: boolean): void {
  if (typeof jti !== 'string' || jti.length === 0) throw new TypeError('revoke: `jti` must be a non-empty string');
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) {
    throw new TypeError('revoke: `expiresAt` must be a finite number of seconds since the epoch');
  }
  if (issuer !== undefined && (typeof issuer !== 'string' || issuer.length === 0)) {
    throw new TypeError('revoke: `issuer` must be a non-empty string when given');
  }
  if (issuer === undefined && issuerRequired) {
    throw new TypeError(
      "revoke: this store serves a verifier that accepts several issuers: name the token's issuer, revoke(jti, exp, iss), " +
        "so that one issuer's jti cannot revoke another's token",
    );
  }
}

/** Revoked token ids with their `exp`; expired entries go lazily on lookup and in {@link sweep}. */
export class DenyList {
  readonly #entries = new Map<string, Revocation>();
  #issuerRequired = false;
  /** Seconds an entry outlives its token's `exp`. */
  readonly retention: number;

  /** @param retention - seconds an entry outlives its token's `exp`. */
  constructor(retention: number) {
    this.retention = retention;
  }

  /** From now on, {@link checkRevoke} refuses a revocation that names no issuer (`RevocationStore.requireIssuer`). */
  requireIssuer(): void {
    this.#issuerRequired = true;
  }

  /** Checks the arguments of a `revoke(jti, expiresAt, issuer)` call for this list; see {@link checkRevokeArguments}. */
  checkRevoke(jti: unknown, expiresAt: unknown, issuer: unknown): void {
    checkRevokeArguments(jti, expiresAt, issuer, this.#issuerRequired);
  }

  /** True when the token `payload` is revoked at `now` (seconds); see {@link revocationIdOf}. */
  revokes(payload: object, now: number): boolean {
    const id = revocationIdOf(payload);
    return id !== undefined && this.has(id.jti, id.issuer, now);
  }

  /**
   * Seconds since the epoch after which an entry for a token expiring at `exp` may go. Rounded up
   * to a whole second: verifiers compare `exp` with the current whole second, so they accept a
   * token until `ceil(exp + tolerance)`.
   */
  deadline(exp: number): number {
    return Math.ceil(exp + this.retention);
  }

  /**
   * Adds (or extends) an entry. Returns true when the list changed: the entry is new or later
   * than the one held; false for a duplicate or an entry already past its deadline.
   */
  add(jti: string, exp: number, issuer: string | undefined, now: number): boolean {
    if (this.deadline(exp) <= now) return false;
    const key = entryKey(jti, issuer);
    const held = this.#entries.get(key);
    if (held !== undefined && held.exp >= exp) return false;
    this.#entries.set(key, { jti, issuer, exp });
    return true;
  }

  /** True when `jti` is revoked for `issuer` (or for every issuer) at `now` (seconds). */
  has(jti: string, issuer: string | undefined, now: number): boolean {
    return (
      this.#live(entryKey(jti, undefined), now) || (issuer !== undefined && this.#live(entryKey(jti, issuer), now))
    );
  }

  #live(key: string, now: number): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    if (this.deadline(entry.exp) <= now) {
      this.#entries.delete(key);
      return false;
    }
    return true;
  }

  /** Drops every expired entry; returns how many went. */
  sweep(now: number): number {
    let removed = 0;
    for (const [key, entry] of this.#entries) {
      if (this.deadline(entry.exp) <= now) {
        this.#entries.delete(key);
        removed++;
      }
    }
    return removed;
  }

  /** Drops the entry whose token expires soonest (to make room); false when empty. */
  dropSoonest(): boolean {
    let soonest: string | undefined;
    let soonestExp = Infinity;
    for (const [key, entry] of this.#entries) {
      if (entry.exp < soonestExp) [soonest, soonestExp] = [key, entry.exp];
    }
    return soonest !== undefined && this.#entries.delete(soonest);
  }

  /** True when an entry for exactly this `jti` and issuer is held, live or not. */
  holds(jti: string, issuer: string | undefined): boolean {
    return this.#entries.has(entryKey(jti, issuer));
  }

  /** Entries held, expired ones included until swept. */
  get size(): number {
    return this.#entries.size;
  }

  /** The live entries at `now`. */
  *live(now: number): IterableIterator<Revocation> {
    for (const entry of this.#entries.values()) if (this.deadline(entry.exp) > now) yield entry;
  }
}
