/**
 * Import of public JWKs (RFC 7517, RFC 7518 §6) into KeyObjects, with the checks that keep a
 * key from being used for what it was not published for.
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { algorithmsForKey, isSupportedAlgorithm, type Algorithm } from '../algorithms.js';
import type { VerificationKey } from './verification-key.js';

/** A JSON Web Key as found in a JWKS. */
export interface JWK {
  kty?: string;
  kid?: string;
  alg?: string;
  use?: string;
  key_ops?: string[];
  crv?: string;
  n?: string;
  e?: string;
  x?: string;
  y?: string;
  [member: string]: unknown;
}

/** Why a JWK was not imported: a short sentence for logs and events. */
export type JWKRejection = string;

/** JWK members that only a private or secret key has (RFC 7518 §6.2.2, §6.3.2, §6.4.1). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** The private members `jwk` carries (`d`, `p`, `q`…, or `k` of a secret key); empty for a public key. */
export function privateMembers(jwk: object): string[] {
  return PRIVATE_MEMBERS.filter((name) => Object.hasOwn(jwk, name));
}

const B64URL = /^[A-Za-z0-9_-]+$/;
const EC_COORDINATE: Record<string, number> = { 'P-256': 32, 'P-384': 48, 'P-521': 66 };

function b64Length(value: unknown): number {
  if (typeof value !== 'string' || !B64URL.test(value)) return -1;
  return Buffer.from(value, 'base64url').length;
}

/** The public members of a JWK, for `createPublicKey`: private members are never passed on. */
function publicMembers(jwk: JWK): JsonWebKey | string {
  switch (jwk.kty) {
    case 'RSA':
      if (b64Length(jwk.n) <= 0 || b64Length(jwk.e) <= 0) return 'RSA key without valid "n" and "e"';
      // A huge exponent or modulus makes every signature check slow: the cost an attacker would pick.
      if (b64Length(jwk.e) > 4) return 'RSA key with a public exponent over 32 bits';
      if (b64Length(jwk.n) > 1024) return 'RSA key over 8192 bits';
      return { kty: 'RSA', n: jwk.n, e: jwk.e };
    case 'EC': {
      const size = EC_COORDINATE[jwk.crv ?? ''];
      if (size === undefined) return `unsupported EC curve ${JSON.stringify(jwk.crv)}`;
      if (b64Length(jwk.x) !== size || b64Length(jwk.y) !== size) return `EC key with bad coordinates for ${jwk.crv}`;
      return { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y };
    }
    case 'OKP':
      if (jwk.crv !== 'Ed25519') return `unsupported OKP curve ${JSON.stringify(jwk.crv)}`;
      if (b64Length(jwk.x) !== 32) return 'Ed25519 key with bad "x"';
      return { kty: 'OKP', crv: 'Ed25519', x: jwk.x };
    case 'oct':
      return 'symmetric ("oct") keys are not accepted in a JWKS: use the `secret` option for HMAC';
    default:
      return `unsupported key type ${JSON.stringify(jwk.kty)}`;
  }
}

/**
 * Imports one public JWK for signature verification, or says why it cannot be used.
 *
 * Refused: keys with private members (`d`, `p`, `q`…, `k`), non-signature keys (`use` other
 * than `sig`, `key_ops` without `verify`), an `alg` that the key type cannot do, symmetric keys,
 * RSA below 2048 bits, unknown curves, points not on their curve. `allowed` narrows the algorithms further (the `algorithms` option).
 *
 * @param jwk - one member of a JWKS's `keys`.
 * @param allowed - the `algorithms` option, when set.
 * @returns the key, or a string saying why it was skipped.
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-4
 */
export function importJWK(jwk: unknown, allowed?: ReadonlySet<string>): VerificationKey | JWKRejection {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return 'not a JSON object';
  // Own members only: a member the JWK lacks is absent, whatever Object.prototype holds.
  const k = Object.assign(Object.create(null) as object, jwk) as JWK;
  // A key set that publishes private members is compromised: such a key is never used.
  const secrets = privateMembers(k);
  if (secrets.length > 0)
    return `private key material (${secrets.map((m) => `"${m}"`).join(', ')}) published: never used`;
  if (k.kid !== undefined && typeof k.kid !== 'string') return '"kid" is not a string';
  if (k.use !== undefined && k.use !== 'sig') return `"use" is ${JSON.stringify(k.use)}, not "sig"`;
  if (k.key_ops !== undefined && (!Array.isArray(k.key_ops) || !k.key_ops.includes('verify'))) {
    return '"key_ops" does not include "verify"';
  }
  if (k.alg !== undefined && !isSupportedAlgorithm(k.alg)) return `unsupported "alg" ${JSON.stringify(k.alg)}`;
  const members = publicMembers(k);
  if (typeof members === 'string') return members;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: members, format: 'jwk' });
  } catch (error) {
    return `invalid ${k.kty} key (${(error as Error).message})`;
  }
  return toVerificationKey(key, k.kid, k.alg, allowed);
}

/**
 * Wraps a KeyObject with the algorithms it may verify: its type's, narrowed by a declared
 * `alg` and by the `algorithms` option. Returns a reason string when none remains.
 */
export function toVerificationKey(
  key: KeyObject,
  kid: string | undefined,
  declaredAlg: string | undefined,
  allowed?: ReadonlySet<string>,
): VerificationKey | JWKRejection {
  let algorithms: Algorithm[] = algorithmsForKey(key);
  if (algorithms.length === 0) return describeUnusable(key);
  if (declaredAlg !== undefined) {
    if (!algorithms.includes(declaredAlg as Algorithm)) {
      return `"alg" ${declaredAlg} does not fit a ${key.asymmetricKeyType ?? key.type} key`;
    }
    algorithms = [declaredAlg as Algorithm];
  }
  if (allowed) algorithms = algorithms.filter((alg) => allowed.has(alg));
  if (algorithms.length === 0) return "none of the key's algorithms is in the `algorithms` option";
  return { kid, key, algorithms: new Set(algorithms), active: true };
}

function describeUnusable(key: KeyObject): string {
  if (key.type === 'secret') return 'HMAC secret shorter than 32 bytes (RFC 7518 §3.2)';
  const type = key.asymmetricKeyType;
  if (type === 'rsa' || type === 'rsa-pss') {
    return `RSA key of ${key.asymmetricKeyDetails?.modulusLength ?? '?'} bits (at least 2048 required)`;
  }
  if (type === 'ec') return `unsupported EC curve ${key.asymmetricKeyDetails?.namedCurve ?? '?'}`;
  return `unsupported key type ${type ?? '?'}`;
}
