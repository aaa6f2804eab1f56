/**
 * `sign`: default claims, flags, --claim parsing, key formats and HMAC secrets.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cli, oneLine, tempDir } from './helpers/cli.js';

const tmp = tempDir();
const cwd = tmp.dir;
afterAll(() => tmp.remove());
const SECRET = 'x'.repeat(48);

function decode(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [h, p] = token.split('.') as [string, string];
  const parse = (s: string) => JSON.parse(Buffer.from(s, 'base64url').toString()) as Record<string, unknown>;
  return { header: parse(h), payload: parse(p) };
}

beforeAll(async () => {
  const made = await cli(['keygen', '--alg', 'ES384', '--out', 'key', '--json'], { cwd });
  expect(made.code, made.stderr).toBe(0);
});

describe.concurrent('sign', () => {
  test('default claims: iat now, exp +5m, random jti; kid = thumbprint; --json', async () => {
    const before = Math.floor(Date.now() / 1000);
    const [a, b] = await Promise.all([
      cli(['sign', '--key', 'key', '--json'], { cwd }),
      cli(['sign', '--key', 'key'], { cwd }),
    ]);
    const { token } = JSON.parse(a.stdout) as { token: string };
    const { header, payload } = decode(token);
    const kid = (JSON.parse((await cli(['jwks', 'key.pub'], { cwd })).stdout) as { keys: { kid: string }[] }).keys[0]
      ?.kid;
    expect(header).toEqual({ alg: 'ES384', kid });
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(payload.exp).toBe((payload.iat as number) + 300);
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(decode(b.stdout.trim()).payload.jti).not.toBe(payload.jti);
    // verify --key also takes the private key file, and uses only its public half.
    const verified = await cli(['verify', token, '--key', 'key'], { cwd });
    expect(verified.code, verified.stderr).toBe(0);
  });

  test('claim flags, --claim JSON parsing, --typ, --kid, --exp', async () => {
    const result = await cli(
      [
        'sign',
        '--key',
        'key',
        '--iss',
        'https://issuer.test/',
        '--aud',
        'a',
        '--aud',
        'b',
        '--sub',
        'u1',
        '--scope',
        'read write',
        '--exp',
        '1h',
        '--typ',
        'at+jwt',
        '--kid',
        'my-kid',
        '--claim',
        'n=42',
        '--claim',
        'admin=true',
        '--claim',
        'roles=["x","y"]',
        '--claim',
        'name=Ada Lovelace',
        '--claim',
        'url=https://a.test/?q=1',
        '--claim',
        'nothing=null',
      ],
      { cwd },
    );
    expect(result.code, result.stderr).toBe(0);
    const { header, payload } = decode(result.stdout.trim());
    expect(header).toEqual({ alg: 'ES384', kid: 'my-kid', typ: 'at+jwt' });
    expect(payload).toMatchObject({
      iss: 'https://issuer.test/',
      aud: ['a', 'b'],
      sub: 'u1',
      scope: 'read write',
      n: 42,
      admin: true,
      roles: ['x', 'y'],
      name: 'Ada Lovelace',
      url: 'https://a.test/?q=1',
      nothing: null,
    });
    expect((payload.exp as number) - (payload.iat as number)).toBe(3600);
  });

  test('HMAC: --secret-env and --secret-file; HS384 needs 48 bytes', async () => {
    writeFileSync(join(cwd, 'secret'), `${SECRET}\n`);
    const env = await cli(['sign', '--secret-env', 'S', '--alg', 'HS384'], { cwd, env: { S: SECRET } });
    expect(env.code, env.stderr).toBe(0);
    expect(decode(env.stdout.trim()).header).toEqual({ alg: 'HS384' });
    const file = await cli(['sign', '--secret-file', 'secret'], { cwd });
    expect(decode(file.stdout.trim()).header).toEqual({ alg: 'HS256' });
    const verified = await cli(['verify', file.stdout.trim(), '--secret-env', 'S'], { cwd, env: { S: SECRET } });
    expect(verified.code, verified.stderr).toBe(0);
    const short = await cli(['sign', '--secret-env', 'S', '--alg', 'HS512'], { cwd, env: { S: SECRET } });
    expect(short.code).toBe(1);
    expect(oneLine(short.stderr)).toBe('bearer-guard: the secret is 48 bytes; HS512 needs at least 64 (RFC 7518 §3.2)');
  });

  test('a JWK with "d" as the key; its kid and alg are kept', async () => {
    const { generateKeyPair, exportJWK } = await import('jose');
    const { privateKey } = await generateKeyPair('PS256', { extractable: true });
    writeFileSync(
      join(cwd, 'private.jwk.json'),
      JSON.stringify({ ...(await exportJWK(privateKey)), kid: 'jwk-1', alg: 'PS256' }),
    );
    const result = await cli(['sign', '--key', 'private.jwk.json'], { cwd });
    expect(result.code, result.stderr).toBe(0);
    expect(decode(result.stdout.trim()).header).toEqual({ alg: 'PS256', kid: 'jwk-1' });
    const jwks = JSON.parse((await cli(['jwks', 'private.jwk.json'], { cwd })).stdout) as {
      keys: Record<string, unknown>[];
    };
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', kid: 'jwk-1', alg: 'PS256', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const verified = await cli(['verify', result.stdout.trim(), '--key', 'private.jwk.json'], { cwd });
    expect(verified.code, verified.stderr).toBe(0);
  });

  test.each([
    [['sign', '--key', 'key.pub'], 'bearer-guard: key.pub: this is a public key; signing needs the private key'],
    [['sign', '--key', 'missing'], 'bearer-guard: cannot read key file "missing": no such file'],
    [['sign', '--key', 'key', '--alg', 'ES256'], 'bearer-guard: --alg ES256 does not fit a P-384 key (use ES384)'],
    [
      ['sign', '--key', 'garbage.txt'],
      'bearer-guard: garbage.txt: not a key (expected PEM, an OpenSSH key, a JWK or a JWKS)',
    ],
    [['sign', '--secret-env', 'S'], 'bearer-guard: the secret is 5 bytes; HS256 needs at least 32 (RFC 7518 §3.2)'],
    [['sign', '--secret-env', 'UNSET'], 'bearer-guard: environment variable UNSET is not set or empty'],
    [['sign', '--secret-file', 'missing'], 'bearer-guard: cannot read secret file "missing": no such file'],
  ])('failure %j → exit 1', async (args, message) => {
    writeFileSync(join(cwd, 'garbage.txt'), 'hello\n');
    const result = await cli(args, { cwd, env: { S: 'short' } });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(oneLine(result.stderr)).toBe(message);
  });
});
