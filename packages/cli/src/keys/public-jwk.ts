/**
 * Public JWKs for publication: only public members, `kid` = RFC 7638 thumbprint, `alg` from the
 * key type, `use: 'sig'`. Private members never leave this module: they are not even read.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { failure } from '../errors.js';

/** A public signature key as published in a JWKS. */
export interface PublicJWK {
  kty: 'RSA' | 'EC' | 'OKP';
  crv?: string;
  n?: string;
  e?: string;
  x?: string;
  y?: string;
  kid: string;
  alg: string;
  use: 'sig';
}

/** The public members of a JWK, in the order of RFC 7638 §3.2. */
export type PublicMembers = Pick<PublicJWK, 'kty' | 'crv' | 'n' | 'e' | 'x' | 'y'>;

const EC_ALGS: Record<string, string> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };
const RSA_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const MIN_RSA_BITS = 2048;

/**
 * The public members of a key (public, or private: its public half).
 *
 * The JWK comes from a PEM round trip: on some Node 20 builds, exporting a KeyObject made by
 * `generateKeyPairSync` as JWK hung inside crypto, while a key re-imported from PEM exports fine.
 *
 * @throws a failure for secrets and for key types JWS cannot use.
 */
export function publicMembers(key: KeyObject): PublicMembers {
  if (key.type === 'secret') failure('an HMAC secret has no public key');
  const type = key.asymmetricKeyType;
  if (type === 'rsa-pss')
    failure('RSA-PSS-restricted keys (OID RSASSA-PSS) are not supported: use a plain RSA key, it signs PS256 too');
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const pem = pub.export({ type: 'spki', format: 'pem' });
  const jwk = createPublicKey(pem).export({ format: 'jwk' });
  switch (jwk.kty) {
    case 'RSA': {
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      if (bits < MIN_RSA_BITS)
        failure(`RSA key of ${bits} bits: at least ${MIN_RSA_BITS} are required (RFC 7518 §3.3)`);
      return { kty: 'RSA', n: jwk.n, e: jwk.e };
    }
    case 'EC':
      if (EC_ALGS[jwk.crv ?? ''] === undefined)
        failure(`unsupported EC curve ${jwk.crv ?? '?'} (supported: P-256, P-384, P-521)`);
      return { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y };
    case 'OKP':
      if (jwk.crv !== 'Ed25519') failure(`unsupported key type ${jwk.crv ?? '?'} (supported: RSA, EC, Ed25519)`);
      return { kty: 'OKP', crv: 'Ed25519', x: jwk.x };
    default:
      return failure(`unsupported key type ${type ?? '?'} (supported: RSA, EC, Ed25519)`);
  }
}

/** The JWS algorithms a key's type permits, the default first. */
export function algorithmsFor(members: PublicMembers): string[] {
  if (members.kty === 'RSA') return RSA_ALGS;
  if (members.kty === 'EC') return [EC_ALGS[members.crv ?? ''] ?? ''];
  return ['EdDSA', 'Ed25519'];
}

/**
 * Picks the algorithm for a key: `requested` when given (it must fit the key type), else the
 * key's default (RSA → RS256, P-256 → ES256, P-384 → ES384, P-521 → ES512, Ed25519 → EdDSA).
 * @throws a failure when `requested` does not fit the key.
 */
export function algorithmFor(members: PublicMembers, requested?: string): string {
  const allowed = algorithmsFor(members);
  if (requested === undefined) return allowed[0] as string;
  if (!allowed.includes(requested)) {
    const what = members.kty === 'RSA' ? 'an RSA key' : `a ${members.crv ?? members.kty} key`;
    failure(`--alg ${requested} does not fit ${what} (use ${allowed.join(' or ')})`);
  }
  return requested;
}

/** The RFC 7638 SHA-256 thumbprint of a key, the default `kid` everywhere in the CLI. */
export function thumbprint(members: PublicMembers): Promise<string> {
  return calculateJwkThumbprint(members as Parameters<typeof calculateJwkThumbprint>[0], 'sha256');
}

/**
 * The public JWK of a key, ready for a JWKS.
 * @param options.kid - default: the RFC 7638 thumbprint.
 * @param options.alg - must fit the key; default: the key type's algorithm.
 * @example
 * ```ts
 * const jwk = await toPublicJWK(createPrivateKey(pem));
 * // { kty: 'EC', crv: 'P-256', x, y, kid: '<thumbprint>', alg: 'ES256', use: 'sig' }
 * ```
 */
export async function toPublicJWK(
  key: KeyObject,
  options: { kid?: string | undefined; alg?: string | undefined } = {},
): Promise<PublicJWK> {
  const members = publicMembers(key);
  const alg = algorithmFor(members, options.alg);
  const kid = options.kid ?? (await thumbprint(members));
  return { ...members, kid, alg, use: 'sig' };
}
