import type { KeyObject } from 'node:crypto';
import type { Algorithm } from '../algorithms.js';

/** A key ready to verify signatures: imported once, used for every request. */
export interface VerificationKey {
  /** The JWK `kid`, when the key has one. */
  readonly kid: string | undefined;
  /** The imported key; a public key, or a secret for HMAC. */
  readonly key: KeyObject;
  /** Algorithms this key may verify: its type's, narrowed by the JWK `alg` and the `algorithms` option. */
  readonly algorithms: ReadonlySet<Algorithm>;
  /** False once the key has left its JWKS; cached verifications made with it are then dropped. */
  active: boolean;
}
