/**
 * RFC 9068 JWT access tokens: their claims, signed with the keyring's current key, and verified
 * with the service's own published keys when a client asks to revoke or introspect one.
 */
import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose';

/**
 * The claims of an access token (RFC 9068 §2.2): the same whether the token is signed, encrypted
 * or an opaque reference whose introspection answers them.
 * @param {{ issuer: string, audience: string, clientId: string, scopes: string[], lifetime: number, issuedAt?: number, jkt?: string }} claims
 *   `lifetime` in seconds; `issuedAt` in seconds since the epoch (default now); `jkt`: the
 *   thumbprint of the client's DPoP key, for a DPoP-bound token (`cnf.jkt`, RFC 9449 §6.1)
 * @returns {AccessTokenClaims}
 */
export function accessTokenClaims({
  issuer,
  audience,
  clientId,
  scopes,
  lifetime,
  issuedAt = Math.floor(Date.now() / 1000),
  jkt,
}) {
  return {
    iss: issuer,
    aud: audience,
    sub: clientId, // client credentials: the client acts on its own behalf (RFC 9068 §2.2)
    client_id: clientId,
    ...(scopes.length > 0 ? { scope: scopes.join(' ') } : {}),
    ...(jkt === undefined ? {} : { cnf: { jkt } }),
    jti: randomUUID(),
    iat: issuedAt,
    exp: issuedAt + lifetime,
  };
}

/**
 * @typedef {{ iss: string, aud: string, sub: string, client_id: string, scope?: string,
 *   cnf?: { jkt: string }, jti: string, iat: number, exp: number }} AccessTokenClaims
 */

/**
 * An RFC 9068 JWT access token (`typ: at+jwt`) with these claims.
 * @param {import('./keys.mjs').SigningKey} key
 * @param {AccessTokenClaims} claims
 * @returns {Promise<string>}
 */
export function signAccessToken(key, claims) {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' }).sign(key.privateKey);
}

/**
 * The claims of a token this service issued and that is still valid, or undefined (bad
 * signature, unknown key, expired, not an access token, not ours).
 * @param {string} token
 * @param {{ keys: object[] }} jwks - the service's published keys
 * @param {string} issuer
 */
export async function verifyOwnToken(token, jwks, issuer) {
  try {
    const { payload } = await jwtVerify(token, createLocalJWKSet(/** @type {any} */ (jwks)), { issuer, typ: 'at+jwt' });
    return payload;
  } catch {
    return undefined;
  }
}
