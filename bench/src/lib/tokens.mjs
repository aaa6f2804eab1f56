/**
 * Keys and tokens, all made with jose: `generateKeyPair(alg, { extractable: true })`, exported as
 * SPKI/PKCS8/JWK by jose (node's own JWK export hung on this Node), tokens by `SignJWT`.
 */
import * as jose from 'jose';
import { AUDIENCE, ISSUER, KID } from '../config.mjs';

/** A key pair plus every exported form the candidates need. */
export async function generateKey(alg, kid = KID) {
  const { publicKey, privateKey } = await jose.generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await jose.exportJWK(publicKey)), kid, alg, use: 'sig' };
  return {
    alg,
    kid,
    publicKey,
    privateKey,
    spki: await jose.exportSPKI(publicKey),
    pkcs8: await jose.exportPKCS8(privateKey),
    jwk,
  };
}

/** The claims of every benchmark token: what a typical access token carries. */
function claims(i) {
  return { sub: `user-${i}`, scope: 'read:orders write:orders', client_id: 'bench-client' };
}

/** One signed token; `jti` makes each one distinct (and revocable). */
export function mint(key, i, { jti = `jti-${i}`, expiresIn = '3h' } = {}) {
  return new jose.SignJWT(claims(i))
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .setJti(jti)
    .sign(key.privateKey);
}

/** `count` distinct tokens, `prefix` keeping their `jti`s apart from other sets. */
export async function mintMany(key, count, prefix = 't') {
  const tokens = new Array(count);
  for (let i = 0; i < count; i++) tokens[i] = await mint(key, i, { jti: `${prefix}-${i}` });
  return tokens;
}

/** The same token with one signature byte changed: every candidate must reject it. */
export function tamper(token) {
  const dot = token.lastIndexOf('.');
  const signature = Buffer.from(token.slice(dot + 1), 'base64url');
  signature[signature.length >> 1] ^= 0x01;
  return `${token.slice(0, dot)}.${signature.toString('base64url')}`;
}
