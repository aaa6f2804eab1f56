/**
 * HS256 tokens for the adapters' own tests (the conformance tables use real RSA keys and a JWKS):
 * one secret, one issuer, one audience, and the verifier options that match them.
 */
import { createHmac } from 'node:crypto';

/** The HMAC secret of the tests' verifier. */
export const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';
/** The `iss` of the tests' tokens. */
export const ISSUER = 'https://issuer.test/';
/** The `aud` of the tests' tokens. */
export const AUDIENCE = 'orders';
/** Verifier options that accept the tests' tokens. */
export const VERIFIER = { issuer: ISSUER, audience: AUDIENCE, secret: SECRET } as const;

/** An HS256 token signed with {@link SECRET}, for {@link ISSUER} and {@link AUDIENCE}; `exp` five minutes ahead unless given. */
export function hs256(claims: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const payload = { iss: ISSUER, aud: AUDIENCE, sub: 'user-1', iat: now, exp: now + 300, ...claims };
  const input = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc(payload)}`;
  return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
}
