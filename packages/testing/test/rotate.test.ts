import { afterEach, beforeEach, expect, test } from 'vitest';
import { createTestIssuer, type TestIssuer } from '../src/index.js';
import { headerOf, verifyWithJose } from './helpers.js';

let issuer: TestIssuer;
beforeEach(async () => {
  issuer = await createTestIssuer({ alg: 'ES256', audience: 'orders' });
});
afterEach(() => issuer.close());

test('rotate: new kid; old tokens still verify; new tokens carry the new kid; dropping the old key breaks old tokens', async () => {
  const oldKid = issuer.kid;
  const oldToken = await issuer.sign({ sub: 'u1' });

  const newKid = await issuer.rotate();
  expect(newKid).not.toBe(oldKid);
  expect(issuer.kid).toBe(newKid);
  expect(issuer.jwks.keys.map((k) => k.kid)).toEqual([oldKid, newKid]);
  const served = (await (await fetch(issuer.jwksUri)).json()) as { keys: { kid: string }[] };
  expect(served.keys.map((k) => k.kid)).toEqual([oldKid, newKid]);

  await expect(verifyWithJose(issuer, oldToken)).resolves.toMatchObject({ protectedHeader: { kid: oldKid } });
  const newToken = await issuer.sign({ sub: 'u1' });
  expect(headerOf(newToken).kid).toBe(newKid);
  await expect(verifyWithJose(issuer, newToken)).resolves.toMatchObject({ protectedHeader: { kid: newKid } });

  expect(issuer.removeKey(oldKid)).toBe(true);
  expect(issuer.removeKey(oldKid)).toBe(false);
  expect(issuer.jwks.keys.map((k) => k.kid)).toEqual([newKid]);
  await expect(verifyWithJose(issuer, oldToken)).rejects.toMatchObject({
    name: 'JWKSNoMatchingKey',
    code: 'ERR_JWKS_NO_MATCHING_KEY',
  });
  await expect(verifyWithJose(issuer, newToken)).resolves.toBeDefined();
});

test('rotate({ dropPrevious: true }) publishes only the new key', async () => {
  const oldToken = await issuer.sign();
  await issuer.rotate();
  const kid = await issuer.rotate({ dropPrevious: true });
  expect(issuer.jwks.keys.map((k) => k.kid)).toEqual([kid]);
  await expect(verifyWithJose(issuer, oldToken)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
});

test("key: 'previous' signs with the key before the last rotation, published or not", async () => {
  const oldKid = issuer.kid;
  await issuer.rotate();
  const token = await issuer.sign({}, { key: 'previous' });
  expect(headerOf(token).kid).toBe(oldKid);
  await expect(verifyWithJose(issuer, token)).resolves.toBeDefined();
  issuer.removeKey(oldKid);
  await expect(verifyWithJose(issuer, await issuer.sign({}, { key: 'previous' }))).rejects.toMatchObject({
    code: 'ERR_JWKS_NO_MATCHING_KEY',
  });
});

test('removing the current key unpublishes it but it keeps signing', async () => {
  expect(issuer.removeKey(issuer.kid)).toBe(true);
  expect(issuer.jwks).toEqual({ keys: [] });
  await expect(verifyWithJose(issuer, await issuer.sign())).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
});
