import type { Algorithm } from './algorithms.js';
import type { VerificationKey } from './keys/verification-key.js';

/** What a token's protected header says about the key that signed it. */
export interface KeyLookup {
  /** The header's `kid`, when present (already checked to be a string). */
  kid: string | undefined;
  /** The header's `alg`, already checked to be supported and allowed. */
  alg: Algorithm;
}

/**
 * Where verification keys come from: a static key, a local JWKS, a remote JWKS or an issuer's
 * discovery document. The verifier asks for candidates and tries each.
 */
export interface KeySource {
  /**
   * Keys that may have signed a token with this header, possibly none. A remote source may
   * fetch; it throws `AuthUnavailableError` when keys cannot be had and none are cached.
   */
  getKeys(lookup: KeyLookup): readonly VerificationKey[] | Promise<readonly VerificationKey[]>;
  /** For sources whose keys are fixed at start-up: every algorithm any of them can verify. */
  readonly algorithms?: ReadonlySet<Algorithm>;
  /** Fetches now instead of on the first request; never throws. */
  warmUp?(): Promise<void>;
  /** Stops timers and in-flight requests. */
  close?(): void;
}

/** Events of remote key sources, for logs and metrics. */
export type JWKSEvent =
  | {
      type: 'jwks_fetch';
      uri: string;
      status: number;
      keys: number;
      durationMs: number;
      /** How many members of the fetched JWKS were not imported. */
      skipped: number;
      /** Why each skipped member was not imported. */
      rejected: { kid: string | undefined; reason: string }[];
    }
  /** The fetched JWKS publishes private key material: the key is never used, and its owner has a leak to fix. */
  | { type: 'jwks_private_key'; uri: string; kid: string | undefined; members: string[] }
  | { type: 'jwks_fetch_error'; uri: string; error: Error; durationMs: number; stale: boolean }
  | { type: 'jwks_rate_limited'; uri: string; kid: string | undefined }
  | { type: 'jwks_key_removed'; uri: string; kid: string | undefined }
  | { type: 'discovery'; issuer: string; jwksUri: string; durationMs: number }
  | { type: 'discovery_error'; issuer: string; error: Error; durationMs: number };
