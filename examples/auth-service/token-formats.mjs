/**
 * The forms an access token takes, chosen per client: a signed JWT (RFC 9068, the default); an
 * opaque reference, 32 random bytes that mean nothing without introspection (RFC 7662); or the
 * signed JWT inside a compact JWE (RFC 7516, `RSA-OAEP-256` + `A256GCM`, `cty: "JWT"`) encrypted
 * to the public key of the API that reads it, so the client cannot.
 *
 * Opaque and encrypted tokens are remembered here, by a SHA-256 of the token, until their `exp`:
 * the service cannot read an encrypted token back (only the API holds the private key), so
 * introspection and revocation look both kinds up by that digest. The store is bounded; when it
 * is full of live tokens, issuing such a token fails (503) rather than forgetting a live one.
 */
import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import { CompactEncrypt } from 'jose';
import { OAuthError } from './http.mjs';

/** The `tokenFormat`s a client may have. */
export const TOKEN_FORMATS = Object.freeze(['jwt', 'opaque', 'encrypted']);
/** The JWE algorithms of encrypted tokens: key management, content encryption. */
export const JWE_ALG = 'RSA-OAEP-256';
export const JWE_ENC = 'A256GCM';
const MIN_RSA_BITS = 2048;

/** @typedef {{ key: import('node:crypto').KeyObject, kid: string | undefined }} EncryptionKey */

/**
 * An API's RSA public key that encrypted tokens are made for: PEM (SPKI or PKCS#1), a public JWK
 * (its `kid`, if any, goes into the JWE header) or a public KeyObject. Throws a TypeError naming
 * the client for anything else, a private key included: the service never holds the API's.
 * @param {unknown} value @param {string} clientId
 * @returns {EncryptionKey}
 */
export function importEncryptionKey(value, clientId) {
  const refuse = (/** @type {string} */ why) =>
    new TypeError(`auth-service: client ${clientId}: \`encryptionKey\` ${why}`);
  /** @type {import('node:crypto').KeyObject} */
  let key;
  let kid;
  try {
    if (typeof value === 'string') {
      if (value.includes('PRIVATE KEY')) throw refuse('must be a public key, not a private one');
      key = createPublicKey(value);
    } else if (
      value !== null &&
      typeof value === 'object' &&
      typeof (/** @type {any} */ (value).export) === 'function'
    ) {
      key = /** @type {import('node:crypto').KeyObject} */ (value);
      if (key.type !== 'public') throw refuse('must be a public key, not a private one');
    } else if (value !== null && typeof value === 'object') {
      const jwk = /** @type {Record<string, unknown>} */ (value);
      if ('d' in jwk) throw refuse('must be a public key, not a private one');
      key = createPublicKey({ key: /** @type {any} */ (jwk), format: 'jwk' });
      kid = typeof jwk.kid === 'string' ? jwk.kid : undefined;
    } else throw refuse('must be a PEM public key, a public JWK or a KeyObject');
  } catch (error) {
    if (error instanceof TypeError && error.message.startsWith('auth-service:')) throw error;
    throw refuse(`cannot be imported: ${/** @type {Error} */ (error).message}`);
  }
  if (key.asymmetricKeyType !== 'rsa' || (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS)
    throw refuse(`must be an RSA key of ${MIN_RSA_BITS} bits or more (${JWE_ALG})`);
  return { key, kid };
}

/** A fresh opaque token: 32 random bytes, base64url (43 characters). */
export const opaqueToken = () => randomBytes(32).toString('base64url');

/**
 * The signed JWT inside a compact JWE for the holder of `to`'s private key (a nested JWT, RFC
 * 7519 §11.2: `cty: "JWT"`).
 * @param {string} jwt @param {EncryptionKey} to
 * @returns {Promise<string>}
 */
export function encryptToken(jwt, to) {
  return new CompactEncrypt(new TextEncoder().encode(jwt))
    .setProtectedHeader({ alg: JWE_ALG, enc: JWE_ENC, cty: 'JWT', ...(to.kid === undefined ? {} : { kid: to.kid }) })
    .encrypt(to.key);
}

const digestOf = (/** @type {string} */ token) => createHash('sha256').update(token, 'utf8').digest('base64url');

/**
 * The opaque and encrypted tokens issued and not yet expired, with their claims; at most `max`.
 * @param {{ max?: number, now?: () => number }} [options] - `now`: seconds since the epoch
 */
export function createIssuedTokens({ max = 10_000, now = () => Date.now() / 1000 } = {}) {
  if (!Number.isInteger(max) || max < 1)
    throw new TypeError('auth-service: `maxStoredTokens` must be a positive integer');
  /** @type {Map<string, import('jose').JWTPayload & { exp: number }>} */
  const tokens = new Map();

  /** Drops the expired entries. */
  const sweep = () => {
    const t = now();
    for (const [digest, claims] of tokens) if (claims.exp <= t) tokens.delete(digest);
  };

  return {
    /**
     * Remembers a token until its `exp`.
     * @param {string} token @param {import('jose').JWTPayload & { exp: number }} claims
     * @throws {OAuthError} 503 `temporarily_unavailable` when `max` live tokens are remembered already
     */
    remember(token, claims) {
      if (tokens.size >= max) sweep();
      if (tokens.size >= max)
        throw new OAuthError(503, 'temporarily_unavailable', 'Too many tokens are live; try again later', {
          'retry-after': '1',
        });
      tokens.set(digestOf(token), Object.freeze({ ...claims }));
    },
    /**
     * The claims of a remembered token that has not expired, or undefined.
     * @param {string} token
     */
    lookup(token) {
      const digest = digestOf(token);
      const claims = tokens.get(digest);
      if (claims && claims.exp <= now()) {
        tokens.delete(digest);
        return undefined;
      }
      return claims;
    },
    /** How many tokens are remembered (expired ones included until swept). */
    get size() {
      return tokens.size;
    },
  };
}
