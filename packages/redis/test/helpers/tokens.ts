/** HS256 tokens minted with jose's `SignJWT`, independent of the verifier under test. */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';

export const ISSUER = 'https://issuer.test/';
export const AUDIENCE = 'orders';
export const SECRET = 'a-32-byte-or-longer-hs256-secret-for-tests!';

export interface MintedToken {
  token: string;
  jti: string;
  exp: number;
}

/** Mints an HS256 token with a fresh `jti`, expiring `ttl` seconds from now. */
export async function mint(ttl = 300): Promise<MintedToken> {
  const jti = randomUUID();
  const exp = Math.floor(Date.now() / 1000) + ttl;
  const token = await new SignJWT({ scope: 'read:orders' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject('user-1')
    .setJti(jti)
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(SECRET));
  return { token, jti, exp };
}
