import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestIssuer, INVALID_TIME_OFFSET, WRONG_AUDIENCE, WRONG_ISSUER, type TestIssuer } from '../src/index.js';
import { headerOf, now, payloadOf, verifyWithJose } from './helpers.js';

describe('invalid-token helpers, as seen by jose', () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await createTestIssuer({ alg: 'RS256', audience: 'orders' });
  });
  afterAll(() => issuer.close());

  test('the same claims through sign() verify (the baseline)', async () => {
    await expect(verifyWithJose(issuer, await issuer.sign({ sub: 'u1' }))).resolves.toBeDefined();
  });

  test('expiredToken: exp one hour ago → ERR_JWT_EXPIRED', async () => {
    const t = now();
    const token = await issuer.expiredToken({ sub: 'u1', exp: t + 999 });
    const p = payloadOf(token);
    expect(p.exp).toBeGreaterThanOrEqual(t - INVALID_TIME_OFFSET);
    expect(p.exp).toBeLessThanOrEqual(now() - INVALID_TIME_OFFSET);
    expect((p.exp as number) - (p.iat as number)).toBe(300);
    await expect(verifyWithJose(issuer, token, { clockTolerance: 60 })).rejects.toMatchObject({
      code: 'ERR_JWT_EXPIRED',
      claim: 'exp',
    });
  });

  test('notYetValidToken: nbf one hour ahead → ERR_JWT_CLAIM_VALIDATION_FAILED on nbf', async () => {
    const token = await issuer.notYetValidToken({ sub: 'u1' });
    const p = payloadOf(token);
    expect((p.nbf as number) - (p.iat as number)).toBeGreaterThanOrEqual(INVALID_TIME_OFFSET);
    expect((p.exp as number) - (p.nbf as number)).toBe(300);
    await expect(verifyWithJose(issuer, token, { clockTolerance: 60 })).rejects.toMatchObject({
      code: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
      claim: 'nbf',
    });
  });

  test('tokenWithWrongAudience → ERR_JWT_CLAIM_VALIDATION_FAILED on aud', async () => {
    const token = await issuer.tokenWithWrongAudience({ sub: 'u1', aud: 'orders' });
    expect(payloadOf(token).aud).toBe(WRONG_AUDIENCE);
    await expect(verifyWithJose(issuer, token)).rejects.toMatchObject({
      code: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
      claim: 'aud',
    });
    expect(payloadOf(await issuer.tokenWithWrongAudience({}, { audience: 'billing' })).aud).toBe('billing');
  });

  test('tokenWithWrongIssuer → ERR_JWT_CLAIM_VALIDATION_FAILED on iss', async () => {
    const token = await issuer.tokenWithWrongIssuer({ sub: 'u1' });
    expect(payloadOf(token).iss).toBe(WRONG_ISSUER);
    await expect(verifyWithJose(issuer, token)).rejects.toMatchObject({
      code: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
      claim: 'iss',
    });
  });

  test('tokenSignedByUnknownKey → ERR_JWKS_NO_MATCHING_KEY; with the real kid → ERR_JWS_SIGNATURE_VERIFICATION_FAILED', async () => {
    const token = await issuer.tokenSignedByUnknownKey({ sub: 'u1' });
    const { kid } = headerOf(token);
    expect(kid).toMatch(/^[A-Za-z0-9_-]{43}$/); // a thumbprint, like the real kids
    expect(kid).not.toBe(issuer.kid);
    expect(issuer.jwks.keys.map((k) => k.kid)).not.toContain(kid);
    await expect(verifyWithJose(issuer, token)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });

    const impostor = await issuer.tokenSignedByUnknownKey({ sub: 'u1' }, { kid: issuer.kid });
    expect(headerOf(impostor).kid).toBe(issuer.kid);
    await expect(verifyWithJose(issuer, impostor)).rejects.toMatchObject({
      code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    });
  });

  test('tamperedToken: payload changed after signing → ERR_JWS_SIGNATURE_VERIFICATION_FAILED', async () => {
    const token = await issuer.tamperedToken({ sub: 'u1', scope: 'read' });
    expect(payloadOf(token)).toMatchObject({ sub: 'attacker', scope: 'read' });
    await expect(verifyWithJose(issuer, token)).rejects.toMatchObject({
      code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    });

    const elevated = await issuer.tamperedToken({ sub: 'u1', scope: 'read' }, {}, { scope: 'admin' });
    expect(payloadOf(elevated)).toMatchObject({ sub: 'u1', scope: 'admin' });
    await expect(verifyWithJose(issuer, elevated)).rejects.toMatchObject({
      code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    });

    await expect(issuer.tamperedToken({ sub: 'u1' }, {}, { sub: 'u1' })).rejects.toThrow('unchanged');
  });

  test('unsignedToken: alg "none", empty signature → jose refuses it', async () => {
    const token = await issuer.unsignedToken({ sub: 'u1' });
    expect(token.endsWith('.')).toBe(true);
    expect(headerOf(token)).toEqual({ alg: 'none', typ: 'at+jwt', kid: issuer.kid });
    expect(payloadOf(token)).toMatchObject({ sub: 'u1', iss: issuer.issuer, aud: 'orders' });
    await expect(verifyWithJose(issuer, token)).rejects.toMatchObject({ code: 'ERR_JOSE_NOT_SUPPORTED' });
  });
});
