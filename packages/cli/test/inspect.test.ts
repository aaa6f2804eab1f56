/**
 * `inspect`: decoded header and payload, readable times, and one warning per risky choice.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cli, oneLine, tempDir } from './helpers/cli.js';

const tmp = tempDir();
const cwd = tmp.dir;
afterAll(() => tmp.remove());

const now = () => Math.floor(Date.now() / 1000);
const enc = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const SIGNATURE = 'c2lnbmF0dXJlLW5ldmVyLXByaW50ZWQ';
const token = (header: unknown, payload: unknown) => `${enc(header)}.${enc(payload)}.${SIGNATURE}`;

interface Report {
  verified: false;
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  times: { claim: string; value: number; iso: string; relative: string }[];
  warnings: { code: string; message: string }[];
}

async function report(jwt: string): Promise<Report> {
  const result = await cli(['inspect', jwt, '--json'], { cwd });
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout).not.toContain(SIGNATURE);
  return JSON.parse(result.stdout) as Report;
}

const GOOD_HEADER = { alg: 'ES256', kid: 'k1', typ: 'at+jwt' };
const good = () => ({ iss: 'https://issuer.test/', aud: 'orders', jti: 'j1', iat: now() - 180, exp: now() + 250 });

let signed: string;
beforeAll(async () => {
  await cli(['keygen', '--alg', 'EdDSA', '--out', 'key'], { cwd });
  signed = (
    await cli(['sign', '--key', 'key', '--aud', 'orders', '--iss', 'https://issuer.test/'], { cwd })
  ).stdout.trim();
});

describe.concurrent('inspect', () => {
  test('human output: NOT verified, header, payload, times; no signature', async () => {
    const result = await cli(['inspect', signed], { cwd });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.split('\n')[0]).toContain('signature NOT verified');
    expect(result.stdout).toContain('"alg": "EdDSA"');
    expect(result.stdout).toContain('"iss": "https://issuer.test/"');
    expect(result.stdout).toMatch(/exp\s+\d{4}-\d\d-\d\dT[\d:.]+Z {2}expires in (?:5m|4m 5\ds)$/m);
    expect(result.stdout).toMatch(/iat\s+\S+Z {2}issued \ds ago/);
    expect(result.stdout).not.toContain('warnings:');
    expect(result.stdout).not.toContain(signed.split('.')[2]);
  });

  test('a clean token has no warnings; times in ISO and relative form', async () => {
    const payload = { ...good(), nbf: now() - 60, auth_time: now() - 7200 };
    const r = await report(token(GOOD_HEADER, payload));
    expect(r.verified).toBe(false);
    expect(r.header).toEqual(GOOD_HEADER);
    expect(r.payload).toEqual(payload);
    expect(r.warnings).toEqual([]);
    const relative = Object.fromEntries(r.times.map((t) => [t.claim, t.relative]));
    expect(relative.exp).toMatch(/^expires in 4m ([0-9]|10)s$/);
    expect(relative.iat).toMatch(/^issued 3m( \ds)? ago$/);
    expect(relative.nbf).toMatch(/^valid since 1m( \ds)? ago$/);
    expect(relative.auth_time).toMatch(/^authenticated 2h ago$/);
    expect(r.times.find((t) => t.claim === 'exp')?.iso).toBe(new Date(payload.exp * 1000).toISOString());
  });

  test.each([
    ['alg_none', { alg: 'none', kid: 'k1' }, {}],
    ['hmac', { alg: 'HS256', kid: 'k1' }, {}],
    ['no_exp', GOOD_HEADER, { exp: undefined }],
    ['long_lifetime', GOOD_HEADER, { exp: now() + 2 * 86_400 }],
    ['expired', GOOD_HEADER, { iat: now() - 3 * 3600, exp: now() - 2 * 3600 }],
    ['not_yet_valid', GOOD_HEADER, { nbf: now() + 600 }],
    ['no_kid', { alg: 'RS256' }, {}],
    ['no_jti', GOOD_HEADER, { jti: undefined }],
    ['no_aud', GOOD_HEADER, { aud: undefined }],
  ])('warning %s', async (code, header, changes) => {
    const r = await report(token(header, { ...good(), ...changes }));
    expect(r.warnings.map((w) => w.code)).toEqual([code]);
    if (code === 'expired') expect(r.times.find((t) => t.claim === 'exp')?.relative).toBe('expired 2h ago');
  });

  test('human output lists every warning', async () => {
    const jwt = token({ alg: 'HS256' }, { iat: now() - 10 });
    const { warnings } = await report(jwt);
    expect(warnings.map((w) => w.code)).toEqual(['hmac', 'no_exp', 'no_kid', 'no_jti', 'no_aud']);
    const human = await cli(['inspect', jwt], { cwd });
    expect(human.stdout).toContain('\nwarnings:\n');
    for (const { message } of warnings) expect(human.stdout).toContain(`  ! ${message}\n`);
  });

  test('token from stdin with -', async () => {
    const result = await cli(['inspect', '-', '--json'], { cwd, input: `${signed}\n` });
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as Report).header.alg).toBe('EdDSA');
  });

  test.each([
    ['not-a-token', 'bearer-guard: malformed token: expected 3 dot-separated parts, got 1'],
    ['a.b.c.d.e', 'bearer-guard: this is an encrypted token (JWE): it cannot be inspected without the decryption key'],
    [`${enc([1])}.${enc({})}.x`, 'bearer-guard: malformed token: the header is not a JSON object'],
    [`${enc({ alg: 'ES256' })}.bm90IGpzb24.x`, 'bearer-guard: malformed token: the payload is not JSON'],
    ['e30.e+0.x', 'bearer-guard: malformed token: the payload is not base64url'],
  ])('malformed: %s', async (jwt, message) => {
    const result = await cli(['inspect', jwt], { cwd });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(oneLine(result.stderr)).toBe(message);
  });
});
