import { expect, test } from 'vitest';
import { createTestIssuer, createTestKey, DEFAULT_AUDIENCE } from '../src/index.js';
import { parseDuration } from '../src/duration.js';

test.each([
  [{ alg: 'HS256' }, 'alg:'],
  [{ alg: 'none' }, 'alg:'],
  [{ audience: '' }, 'audience:'],
  [{ audience: [] }, 'audience:'],
  [{ issuerPath: 'realms' }, 'issuerPath:'],
  [{ issuerPath: '/a?b' }, 'issuerPath:'],
  [{ tokenType: '' }, 'tokenType:'],
  [{ expiresIn: '5 fortnights' }, 'expiresIn:'],
  [{ port: 70_000 }, 'port:'],
  [{ port: 1.5 }, 'port:'],
  [{ modulusLength: 1024 }, 'modulusLength:'],
])('createTestIssuer(%j) throws a TypeError naming the option', async (options, message) => {
  await expect(createTestIssuer(options as never)).rejects.toThrow(TypeError);
  await expect(createTestIssuer(options as never)).rejects.toThrow(message);
});

test('sign() validates its options', async () => {
  const issuer = await createTestIssuer({ alg: 'ES256' });
  try {
    await expect(issuer.sign({}, { expiresIn: 'soon' })).rejects.toThrow('expiresIn:');
    await expect(issuer.sign({}, { audience: [] })).rejects.toThrow('audience:');
    await expect(issuer.sign({}, { notBefore: new Date(Number.NaN) })).rejects.toThrow('notBefore:');
    await expect(issuer.sign([] as never)).rejects.toThrow('claims must be an object');
  } finally {
    await issuer.close();
  }
});

test('createTestKey: rejects unsupported algorithms; honours modulusLength', async () => {
  await expect(createTestKey('HS256' as never)).rejects.toThrow(TypeError);
  const key = await createTestKey('PS256', { modulusLength: 3072 });
  expect(Buffer.from(key.publicJwk.n as string, 'base64url').length * 8).toBe(3072);
  expect(key.publicJwk).toMatchObject({ kty: 'RSA', alg: 'PS256', use: 'sig', kid: key.kid });
});

test('defaults', () => {
  expect(DEFAULT_AUDIENCE).toBe('test-api');
});

test.each([
  [300, 300],
  ['5m', 300],
  ['30s', 30],
  ['1h', 3600],
  ['2 days', 172_800],
  ['1w', 604_800],
  ['-10m', -600],
  ['+10 minutes', 600],
  ['1.5h', 5400],
])('parseDuration(%j) = %d', (input, seconds) => {
  expect(parseDuration(input, 'x')).toBe(seconds);
});
