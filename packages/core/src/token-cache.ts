/**
 * The verified-token cache: a bounded LRU of successful verifications, keyed by a SHA-256 of
 * the whole token (never a prefix or a signature alone: two tokens never share an entry, and the
 * cache holds no usable token for a heap dump to show).
 * An entry is only a shortcut past the signature check; the verifier re-checks time claims,
 * the signing key's presence and revocation on every hit.
 *
 * Two small tables of 32-bit tags, indexed by a cheap fingerprint of the token's last characters
 * (its signature, random for every real token), keep the cache from costing what it cannot pay back:
 * - a lookup hashes the token only when some cached token shares its slot: a token that cannot
 *   be cached costs no SHA-256;
 * - a verified token enters the cache on its second sight within about `max` verifications
 *   (admission): a stream of tokens each seen once (a flood, a scan, many one-shot clients)
 *   neither pays for entries nobody reuses nor evicts the tokens that are reused.
 * The fingerprint only decides whether to hash and whether to admit: it is never a key, so a
 * token crafted to share another's slot costs one SHA-256, as every lookup did before.
 */
import { hash } from 'node:crypto';
import type { JWTHeader, JWTPayload } from './jws.js';
import type { VerificationKey } from './keys/verification-key.js';

/** One verified token. */
export interface CachedVerification {
  header: JWTHeader;
  payload: JWTPayload;
  key: VerificationKey;
  /** Epoch ms after which the entry is useless (its `exp` plus tolerance). */
  expiresAt: number;
}

interface Slot {
  readonly value: CachedVerification;
  /** The fingerprint slot of the token it was stored under. */
  readonly slot: number;
  /** The lookup count at its last move to the recent end. */
  touched: number;
}

/** SHA-256 of the token, base64: 44 bytes of key whatever the token's size (`crypto.hash`: Node 20.12+). */
export function tokenDigest(token: string): string {
  return hash('sha256', token, 'base64');
}

/** Characters of the token's end that the fingerprint reads. */
const FINGERPRINT_CHARS = 24;

/** FNV-1a over the token's length and last characters: cheap, and never a key (see above). */
function fingerprint(token: string): number {
  let h = (0x811c9dc5 ^ token.length) >>> 0;
  for (let i = Math.max(0, token.length - FINGERPRINT_CHARS); i < token.length; i++) {
    h = Math.imul(h ^ token.charCodeAt(i), 0x01000193);
  }
  return h >>> 0;
}

/** Bounded LRU of verified tokens, with admission on second sight. */
export class TokenCache {
  readonly #entries = new Map<string, Slot>();
  /** Per fingerprint slot: how many cached tokens have it (0: a lookup there needs no hash). */
  readonly #counts: Uint32Array;
  /** Per fingerprint slot: the tag of the last verified token seen there once and not admitted. */
  readonly #seen: Uint32Array;
  readonly #countMask: number;
  readonly #seenMask: number;
  #lookups = 0;
  readonly max: number;

  /** @param max - entries kept at most; the least recently used goes first. */
  constructor(max: number) {
    this.max = max;
    // Powers of two. Four count slots per entry: few cached tokens share one, so a token that
    // is not cached rarely pays a hash. One seen slot per entry: a token is admitted when it
    // comes back within about `max` other verifications, so a cycle over many more tokens than
    // the cache holds (a flood, a scan) never churns it.
    const slots = (at: number) => {
      let n = 64;
      while (n < at && n < 1 << 20) n *= 2;
      return n;
    };
    this.#counts = new Uint32Array(slots(max * 4));
    this.#seen = new Uint32Array(slots(max));
    this.#countMask = this.#counts.length - 1;
    this.#seenMask = this.#seen.length - 1;
  }

  /**
   * The live entry for `token`, or undefined (expired entries and entries whose key left its
   * JWKS are dropped). Hashes the token only when a cached token shares its fingerprint slot.
   */
  get(token: string, nowMs: number): CachedVerification | undefined {
    if (this.#counts[fingerprint(token) & this.#countMask] === 0) return undefined;
    const digest = tokenDigest(token);
    const entry = this.#entries.get(digest);
    if (entry === undefined) return undefined;
    const { value } = entry;
    if (value.expiresAt <= nowMs || !value.key.active) {
      this.#delete(digest, entry);
      return undefined;
    }
    // Recency: an entry moves to the recent end (re-insertion into the Map's order) only once it
    // has aged by a quarter of the cache, so a hot token costs no Map writes on most hits.
    const lookups = ++this.#lookups;
    if (lookups - entry.touched > this.max >> 2) {
      entry.touched = lookups;
      this.#entries.delete(digest);
      this.#entries.set(digest, entry);
    }
    return value;
  }

  /**
   * Offers a verification of `token`: stored on the token's second sight (the first only leaves
   * its tag), evicting the least recently used entry when full.
   */
  offer(token: string, value: CachedVerification): void {
    const print = fingerprint(token);
    const seen = print & this.#seenMask;
    const tag = (print | 1) >>> 0;
    if (this.#seen[seen] !== tag) {
      this.#seen[seen] = tag;
      return;
    }
    this.#seen[seen] = 0;
    const slot = print & this.#countMask;
    const digest = tokenDigest(token);
    const present = this.#entries.get(digest);
    if (present) this.#delete(digest, present);
    else if (this.#entries.size >= this.max) {
      const oldest = this.#entries.entries().next();
      if (!oldest.done) this.#delete(oldest.value[0], oldest.value[1]);
    }
    this.#entries.set(digest, { value, slot, touched: this.#lookups });
    (this.#counts[slot] as number)++;
  }

  #delete(digest: string, entry: Slot): void {
    this.#entries.delete(digest);
    (this.#counts[entry.slot] as number)--;
  }

  /** Number of entries held. */
  get size(): number {
    return this.#entries.size;
  }

  /** Drops everything, the tokens seen once included. */
  clear(): void {
    this.#entries.clear();
    this.#counts.fill(0);
    this.#seen.fill(0);
  }
}
