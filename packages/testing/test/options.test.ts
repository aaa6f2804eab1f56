import { expect, test } from 'vitest';
import { createTestIssuer, createTestKey, DEFAULT_AUDIENCE, TEST_ALGORITHMS } from '../src/index.js';
import { toNumericDate, wholeSeconds } from '../src/duration.js';

/** Every option error is ``bearer-guard: `<component>.<option>` <what is wrong>``: matched whole. */
const exactly = (message: string) => new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
const algorithms = TEST_ALGORITHMS.join(', ');
const notADuration = "must be seconds (a number) or a duration such as '500ms', '30s', '5m', '2 days'";

test.each([
  [{ alg: 'HS256' }, `bearer-guard: \`createTestIssuer.alg\` must be one of ${algorithms}; got "HS256"`],
  [{ alg: 'none' }, `bearer-guard: \`createTestIssuer.alg\` must be one of ${algorithms}; got "none"`],
  [
    { audience: '' },
    'bearer-guard: `createTestIssuer.audience` must be a non-empty string or a non-empty array of them',
  ],
  [
    { audience: [] },
    'bearer-guard: `createTestIssuer.audience` must be a non-empty string or a non-empty array of them',
  ],
  [
    { issuerPath: 'realms' },
    "bearer-guard: `createTestIssuer.issuerPath` must be '' or a URL path starting with '/' (no query or fragment); got \"realms\"",
  ],
  [
    { issuerPath: '/a?b' },
    "bearer-guard: `createTestIssuer.issuerPath` must be '' or a URL path starting with '/' (no query or fragment); got \"/a?b\"",
  ],
  [{ tokenType: '' }, 'bearer-guard: `createTestIssuer.tokenType` must be a non-empty string or null; got ""'],
  [{ expiresIn: '5 fortnights' }, `bearer-guard: \`createTestIssuer.expiresIn\` ${notADuration}; got "5 fortnights"`],
  [{ port: 70_000 }, 'bearer-guard: `createTestIssuer.port` must be an integer 0–65535; got 70000'],
  [{ port: 1.5 }, 'bearer-guard: `createTestIssuer.port` must be an integer 0–65535; got 1.5'],
  [
    { modulusLength: 1024 },
    'bearer-guard: `createTestIssuer.modulusLength` must be an integer of at least 2048; got 1024',
  ],
  [null, 'bearer-guard: `createTestIssuer` options must be an object'],
  ['RS256', 'bearer-guard: `createTestIssuer` options must be an object'],
])('createTestIssuer(%j) throws a TypeError naming the option', async (options, message) => {
  await expect(createTestIssuer(options as never)).rejects.toThrow(TypeError);
  await expect(createTestIssuer(options as never)).rejects.toThrow(exactly(message));
});

test('sign() validates its options', async () => {
  const issuer = await createTestIssuer({ alg: 'ES256' });
  try {
    const refuses = async (options: object, message: string) => {
      await expect(issuer.sign({}, options as never)).rejects.toThrow(TypeError);
      await expect(issuer.sign({}, options as never)).rejects.toThrow(exactly(message));
    };
    await refuses({ expiresIn: 'soon' }, `bearer-guard: \`sign.expiresIn\` ${notADuration}; got "soon"`);
    await refuses(
      { audience: [] },
      'bearer-guard: `sign.audience` must be a non-empty string, a non-empty array of them, or null',
    );
    await refuses({ issuer: 42 }, 'bearer-guard: `sign.issuer` must be a string or null');
    await refuses({ notBefore: new Date(Number.NaN) }, 'bearer-guard: `sign.notBefore` must be a valid Date');
    await refuses(
      { issuedAt: Number.POSITIVE_INFINITY },
      'bearer-guard: `sign.issuedAt` must be a finite NumericDate; got Infinity',
    );
    await refuses({ issuedAt: 'yesterday' }, `bearer-guard: \`sign.issuedAt\` ${notADuration}; got "yesterday"`);
    await refuses(
      { key: 'nope' },
      "bearer-guard: `sign.key` must be 'current', 'previous' or a TestKey from createTestKey()",
    );
    await expect(issuer.sign([] as never)).rejects.toThrow(exactly('sign: claims must be an object'));
  } finally {
    await issuer.close();
  }
});

test('createTestKey: rejects unsupported algorithms; honours modulusLength', async () => {
  await expect(createTestKey('HS256' as never)).rejects.toThrow(TypeError);
  await expect(createTestKey('HS256' as never)).rejects.toThrow(
    exactly(`bearer-guard: \`createTestKey.alg\` must be one of ${algorithms}; got "HS256"`),
  );
  await expect(createTestKey('RS256', { modulusLength: 1024 })).rejects.toThrow(
    exactly('bearer-guard: `createTestKey.modulusLength` must be an integer of at least 2048; got 1024'),
  );
  const key = await createTestKey('PS256', { modulusLength: 3072 });
  expect(Buffer.from(key.publicJWK.n as string, 'base64url').length * 8).toBe(3072);
  expect(key.publicJWK).toMatchObject({ kty: 'RSA', alg: 'PS256', use: 'sig', kid: key.kid });
});

test('defaults', () => {
  expect(DEFAULT_AUDIENCE).toBe('test-api');
});

test.each([
  [300, 300],
  [1.9, 1],
  [-1.9, -1],
  ['5m', 300],
  ['30s', 30],
  ['1h', 3600],
  ['2 days', 172_800],
  ['1w', 604_800],
  ['-10m', -600],
  ['+10 minutes', 600],
  ['1.5h', 5400],
  ['1500ms', 1],
  ['-2500ms', -2],
])("wholeSeconds(%j) = %d: core's grammar, signed, truncated to whole seconds", (input, seconds) => {
  expect(wholeSeconds(input, 'x')).toBe(seconds);
});

test('toNumericDate: absolute seconds and Dates floored, durations relative to now', () => {
  expect(toNumericDate(1_700_000_000.9, 0, 'x')).toBe(1_700_000_000);
  expect(toNumericDate(new Date(1_700_000_000_999), 0, 'x')).toBe(1_700_000_000);
  expect(toNumericDate('-1h', 1_700_003_600, 'x')).toBe(1_700_000_000);
  expect(toNumericDate('+1500ms', 1_700_000_000, 'x')).toBe(1_700_000_001);
  expect(() => toNumericDate('5 fortnights', 0, 'sign.notBefore')).toThrow(
    exactly(`bearer-guard: \`sign.notBefore\` ${notADuration}; got "5 fortnights"`),
  );
});
