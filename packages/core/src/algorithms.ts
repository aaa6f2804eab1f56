/**
 * Which JWS algorithms a key may verify, and how node:crypto verifies each (RFC 7518 §3).
 * The key type pins the algorithm: a token's `alg` never chooses how a key is used.
 */
import { constants, type KeyObject } from 'node:crypto';

/** The JWS algorithms bearer-guard verifies. `none` is not among them, and never will be. */
export const SUPPORTED_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'HS256',
  'HS384',
  'HS512',
] as const;

/** A JWS algorithm bearer-guard can verify. */
export type Algorithm = (typeof SUPPORTED_ALGORITHMS)[number];

const SUPPORTED = new Set<string>(SUPPORTED_ALGORITHMS);

/** True when `alg` is a JWS algorithm this library verifies. */
export function isSupportedAlgorithm(alg: unknown): alg is Algorithm {
  return typeof alg === 'string' && SUPPORTED.has(alg);
}

/** Smallest RSA modulus accepted (RFC 7518 §3.3, §3.5). */
export const MIN_RSA_BITS = 2048;

const EC_CURVES: Record<string, { alg: Algorithm; size: number }> = {
  prime256v1: { alg: 'ES256', size: 32 },
  secp384r1: { alg: 'ES384', size: 48 },
  secp521r1: { alg: 'ES512', size: 66 },
};

/** Shortest HMAC secret per algorithm, in bytes: the hash size (RFC 7518 §3.2). */
export const HMAC_MIN_BYTES: Record<string, number> = { HS256: 32, HS384: 48, HS512: 64 };

/**
 * The algorithms a key may verify, from its type alone; empty when the key cannot be used
 * (unsupported type or curve, RSA smaller than 2048 bits, HMAC secret shorter than the hash).
 */
export function algorithmsForKey(key: KeyObject): Algorithm[] {
  if (key.type === 'secret') {
    const size = key.symmetricKeySize ?? 0;
    return (['HS256', 'HS384', 'HS512'] as const).filter((alg) => size >= (HMAC_MIN_BYTES[alg] ?? Infinity));
  }
  switch (key.asymmetricKeyType) {
    case 'rsa': {
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      return bits >= MIN_RSA_BITS ? ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] : [];
    }
    case 'rsa-pss': {
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      return bits >= MIN_RSA_BITS ? ['PS256', 'PS384', 'PS512'] : [];
    }
    case 'ec': {
      const curve = EC_CURVES[key.asymmetricKeyDetails?.namedCurve ?? ''];
      return curve ? [curve.alg] : [];
    }
    case 'ed25519':
      return ['EdDSA', 'Ed25519'];
    default:
      return [];
  }
}

/** A prepared verification step for one algorithm: pure node:crypto, no per-call import. */
export interface AlgorithmSpec {
  /** Digest name for `crypto.verify`/`createHmac`; `null` for EdDSA. */
  hash: string | null;
  kind: 'rsa' | 'pss' | 'ec' | 'eddsa' | 'hmac';
  /** Exact signature length in bytes, where the algorithm fixes it (ECDSA, EdDSA, HMAC). */
  signatureLength?: number;
}

const SPECS: Record<Algorithm, AlgorithmSpec> = {
  RS256: { hash: 'sha256', kind: 'rsa' },
  RS384: { hash: 'sha384', kind: 'rsa' },
  RS512: { hash: 'sha512', kind: 'rsa' },
  PS256: { hash: 'sha256', kind: 'pss' },
  PS384: { hash: 'sha384', kind: 'pss' },
  PS512: { hash: 'sha512', kind: 'pss' },
  ES256: { hash: 'sha256', kind: 'ec', signatureLength: 64 },
  ES384: { hash: 'sha384', kind: 'ec', signatureLength: 96 },
  ES512: { hash: 'sha512', kind: 'ec', signatureLength: 132 },
  EdDSA: { hash: null, kind: 'eddsa', signatureLength: 64 },
  Ed25519: { hash: null, kind: 'eddsa', signatureLength: 64 },
  HS256: { hash: 'sha256', kind: 'hmac', signatureLength: 32 },
  HS384: { hash: 'sha384', kind: 'hmac', signatureLength: 48 },
  HS512: { hash: 'sha512', kind: 'hmac', signatureLength: 64 },
};

/** How `alg` is verified. */
export function algorithmSpec(alg: Algorithm): AlgorithmSpec {
  return SPECS[alg];
}

/** True for HS256/384/512. */
export function isHmacAlgorithm(alg: string): boolean {
  return alg === 'HS256' || alg === 'HS384' || alg === 'HS512';
}

/** RSA-PSS parameters of RFC 7518 §3.5: MGF1 with the same hash, salt as long as the hash. */
export const PSS_OPTIONS = {
  padding: constants.RSA_PKCS1_PSS_PADDING,
  saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
} as const;
