/**
 * Key sources that need no network: one static key (`publicKey`, `secret`) or a local JWKS.
 */
import type { KeyLookup, KeySource } from './key-source.js';
import { importJWK, privateMembers } from './keys/jwk.js';
import { optionError } from './option-checks.js';
import type { VerificationKey } from './keys/verification-key.js';

/** A source that always offers the same single key. */
export function createStaticKeySource(key: VerificationKey): KeySource {
  const keys = [key];
  return { getKeys: () => keys, algorithms: key.algorithms };
}

/**
 * A source over a local JWKS, imported once. Unusable members (`use: enc`, unsupported types,
 * small RSA keys) are skipped; a JWKS with no usable key at all is a configuration error, and so
 * is a private key (a verifier needs only public keys; a private one in its configuration is a leak).
 *
 * @throws TypeError naming a private key, or listing why each key was skipped when none is usable.
 */
export function createLocalJWKSSource(jwks: { keys: unknown[] }, allowed?: ReadonlySet<string>): KeySource {
  const keys: VerificationKey[] = [];
  const skipped: string[] = [];
  jwks.keys.forEach((jwk, index) => {
    const secrets = typeof jwk === 'object' && jwk !== null ? privateMembers(jwk) : [];
    if (secrets.length > 0) {
      const members = secrets.map((m) => `"${m}"`).join(', ');
      throw optionError(
        `jwks.keys[${index}]`,
        `holds private key material (${members}): give the verifier only the public keys`,
      );
    }
    const key = importJWK(jwk, allowed);
    if (typeof key === 'string') skipped.push(`keys[${index}]: ${key}`);
    else keys.push(key);
  });
  if (keys.length === 0) {
    throw optionError('jwks', `has no usable signature key (${skipped.join('; ') || 'empty'})`);
  }
  const byKid = new Map<string, VerificationKey[]>();
  for (const key of keys) {
    if (key.kid === undefined) continue;
    const list = byKid.get(key.kid) ?? [];
    list.push(key);
    byKid.set(key.kid, list);
  }
  const none: VerificationKey[] = [];
  return {
    algorithms: new Set(keys.flatMap((k) => [...k.algorithms])),
    getKeys({ kid, alg }: KeyLookup) {
      const candidates = kid === undefined ? keys : (byKid.get(kid) ?? none);
      return candidates.filter((k) => k.algorithms.has(alg));
    },
  };
}
