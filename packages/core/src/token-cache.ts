/**
 * The verified-token cache: a bounded LRU of successful verifications, keyed by a SHA-256 of
 * the whole token (never a prefix or a signature alone: two tokens never share an entry).
 * An entry is only a shortcut past the signature check; the verifier re-checks time claims,
 * the signing key's presence and revocation on every hit.
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

/** SHA-256 of the token, base64: 44 bytes of key whatever the token's size (`crypto.hash`: Node 20.12+). */
export function tokenDigest(token: string): string {
  return hash('sha256', token, 'base64');
}

/** Bounded LRU of verified tokens. */
export class TokenCache {
  readonly #entries = new Map<string, CachedVerification>();
  readonly max: number;

  /** @param max - entries kept at most; the least recently used goes first. */
  constructor(max: number) {
    this.max = max;
  }

  /** The live entry for `digest`, or undefined (expired entries and entries whose key left its JWKS are dropped). */
  get(digest: string, nowMs: number): CachedVerification | undefined {
    const entry = this.#entries.get(digest);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= nowMs || !entry.key.active) {
      this.#entries.delete(digest);
      return undefined;
    }
    // Refresh recency: re-insertion moves the entry to the end of the Map's order.
    this.#entries.delete(digest);
    this.#entries.set(digest, entry);
    return entry;
  }

  /** Stores a verification, evicting the least recently used entry when full. */
  set(digest: string, entry: CachedVerification): void {
    if (this.#entries.size >= this.max && !this.#entries.has(digest)) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(digest, entry);
  }

  /** Number of entries held. */
  get size(): number {
    return this.#entries.size;
  }

  /** Drops everything. */
  clear(): void {
    this.#entries.clear();
  }
}
