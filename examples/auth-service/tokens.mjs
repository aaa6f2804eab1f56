/**
 * RFC 9068 JWT access tokens: signed with the keyring's current key, and verified with the
 * service's own published keys when a client asks to revoke one.
 */
import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose';

/**
 * @param {import('./keys.mjs').SigningKey} key
 * @param {{ issuer: string, audience: string, clientId: string, scopes: string[], lifetime: number, issuedAt?: number, jkt?: string }} claims
 *   `lifetime` in seconds; `issuedAt` in seconds since the epoch (default now); `jkt`: the
 *   thumbprint of the client's DPoP key, for a DPoP-bound token (`cnf.jkt`, RFC 9449 §6.1)
 * @returns {Promise<string>}
 */
export function signAccessToken(
  key,
  { issuer, audience, clientId, scopes, lifetime, issuedAt = Math.floor(Date.now() / 1000), jkt },
) {
  const claims = {
    client_id: clientId,
    ...(scopes.length > 0 ? { scope: scopes.join(' ') } : {}),
    ...(jkt === undefined ? {} : { cnf: { jkt } }),
  };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
    .setIssuer(issuer)
    .setAudience(audience)
    .setSubject(clientId) // client credentials: the client acts on its own behalf (RFC 9068 §2.2)
    .setJti(randomUUID())
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + lifetime)
    .sign(key.privateKey);
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
