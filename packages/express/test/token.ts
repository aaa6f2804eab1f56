import { createHmac } from 'node:crypto';

/** The HMAC secret of the tests' verifier. */
export const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';

/** An HS256 token signed with {@link SECRET}; `exp` five minutes ahead unless given. */
export function hs256(claims: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc({ sub: 'user-1', iat: now, exp: now + 300, ...claims })}`;
  return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
}
