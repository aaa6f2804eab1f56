import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cli, oneLine, tempDir } from './helpers/cli.js';

const tmp = tempDir();
const cwd = tmp.dir;
afterAll(() => tmp.remove());

const ALGS = [
  { alg: 'RS256', kty: 'RSA', bits: 2048 },
  { alg: 'PS256', kty: 'RSA', bits: 2048 },
  { alg: 'ES256', kty: 'EC', crv: 'P-256' },
  { alg: 'ES384', kty: 'EC', crv: 'P-384' },
  { alg: 'ES512', kty: 'EC', crv: 'P-521' },
  { alg: 'EdDSA', kty: 'OKP', crv: 'Ed25519' },
] as const;

function decodeHeader(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString()) as Record<string, unknown>;
}

describe.concurrent('keygen → sign → verify, every algorithm', () => {
  test.each(ALGS)('$alg', async ({ alg, kty, ...rest }) => {
    const out = `key-${alg}`;
    const made = await cli(['keygen', '--alg', alg, '--out', out, '--json'], { cwd });
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    const result = JSON.parse(made.stdout) as {
      alg: string;
      kid: string;
      files: Record<string, string>;
      jwks: { keys: Record<string, unknown>[] };
    };
    expect(result.files).toEqual({ privateKey: out, publicKey: `${out}.pub`, jwks: `${out}.jwks.json` });

    // The files: PKCS#8 private (0600), SPKI public, public JWKS with the thumbprint kid.
    const privatePem = readFileSync(join(cwd, out), 'utf8');
    expect(privatePem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(statSync(join(cwd, out)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(cwd, `${out}.pub`), 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const jwks = JSON.parse(readFileSync(join(cwd, `${out}.jwks.json`), 'utf8')) as { keys: Record<string, unknown>[] };
    expect(jwks).toEqual(result.jwks);
    expect(jwks.keys).toHaveLength(1);
    const jwk = jwks.keys[0] as Record<string, unknown>;
    expect(jwk).toMatchObject({ kty, kid: result.kid, alg, use: 'sig', ...('crv' in rest ? { crv: rest.crv } : {}) });
    expect(jwk).not.toHaveProperty('d');
    expect(result.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const publicFromPrivate = createPublicKey(createPrivateKey(privatePem)).export({ format: 'jwk' });
    expect({ ...publicFromPrivate }).toEqual(
      Object.fromEntries(Object.entries(jwk).filter(([k]) => !['kid', 'alg', 'use'].includes(k))),
    );
    if ('bits' in rest) expect(createPrivateKey(privatePem).asymmetricKeyDetails?.modulusLength).toBe(rest.bits);

    // `jwks` reads all three files as the same key: same members, same thumbprint kid, one entry.
    const again = await cli(['jwks', out, `${out}.pub`, `${out}.jwks.json`, '--alg', alg], { cwd });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual(jwks);

    const signed = await cli(
      [
        'sign',
        '--key',
        out,
        '--iss',
        'https://issuer.test/',
        '--aud',
        'orders',
        '--sub',
        'u1',
        '--scope',
        'read:orders write:orders',
      ],
      { cwd },
    );
    expect(signed.code, signed.stderr).toBe(0);
    const token = signed.stdout.trim();
    expect(decodeHeader(token)).toEqual({ alg, kid: result.kid });

    // SPKI, and the JWKS (where the token's kid must match); the private key file is tried in sign.test.
    for (const key of [`${out}.pub`, `${out}.jwks.json`]) {
      const verified = await cli(
        [
          'verify',
          token,
          '--key',
          key,
          '--issuer',
          'https://issuer.test/',
          '--audience',
          'orders',
          '--scopes',
          'read:orders,write:orders',
          '--json',
        ],
        { cwd },
      );
      expect(verified.code, verified.stderr).toBe(0);
      const outcome = JSON.parse(verified.stdout) as {
        valid: boolean;
        header: unknown;
        payload: Record<string, unknown>;
      };
      expect(outcome.valid).toBe(true);
      expect(outcome.header).toEqual({ alg, kid: result.kid });
      expect(outcome.payload).toMatchObject({
        iss: 'https://issuer.test/',
        aud: 'orders',
        sub: 'u1',
        scope: 'read:orders write:orders',
      });
    }
  });
});

describe.concurrent('keygen options', () => {
  test('--bits 3072 and 4096 (RSA)', async () => {
    const [a, b] = await Promise.all([
      cli(['keygen', '--alg', 'RS256', '--bits', '3072', '--out', 'rsa3072'], { cwd }),
      cli(['keygen', '--alg', 'PS256', '--bits', '4096', '--out', 'rsa4096'], { cwd }),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(createPrivateKey(readFileSync(join(cwd, 'rsa3072'))).asymmetricKeyDetails?.modulusLength).toBe(3072);
    expect(createPrivateKey(readFileSync(join(cwd, 'rsa4096'))).asymmetricKeyDetails?.modulusLength).toBe(4096);
    const token = (await cli(['sign', '--key', 'rsa4096'], { cwd })).stdout.trim();
    expect(decodeHeader(token).alg).toBe('PS256');
    const verified = await cli(['verify', token, '--key', 'rsa4096.jwks.json'], { cwd });
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/^valid token: signature verified \(PS256, kid [\w-]{43}\)\n\{/);
  });

  describe.concurrent('refuses to overwrite', () => {
    let original: { key: string; pub: string; jwks: string };
    beforeAll(async () => {
      const made = await cli(['keygen', '--alg', 'ES256', '--out', 'keep'], { cwd });
      expect(made.code, made.stderr).toBe(0);
      original = {
        key: readFileSync(join(cwd, 'keep'), 'utf8'),
        pub: readFileSync(join(cwd, 'keep.pub'), 'utf8'),
        jwks: readFileSync(join(cwd, 'keep.jwks.json'), 'utf8'),
      };
    });

    test('any of the three files, without --force: exit 1, one line, nothing written', async () => {
      for (const existing of ['only-key', 'only-pub.pub', 'only-jwks.jwks.json'])
        writeFileSync(join(cwd, existing), 'existing\n');
      for (const out of ['keep', 'only-key', 'only-pub', 'only-jwks']) {
        const again = await cli(['keygen', '--alg', 'ES256', '--out', out], { cwd });
        expect(again.code).toBe(1);
        expect(oneLine(again.stderr)).toMatch(/already exists?; use --force to overwrite$/);
        expect(again.stdout).toBe('');
      }
      expect(readFileSync(join(cwd, 'keep'), 'utf8')).toBe(original.key);
      expect(readFileSync(join(cwd, 'keep.jwks.json'), 'utf8')).toBe(original.jwks);
      expect(readFileSync(join(cwd, 'only-pub.pub'), 'utf8')).toBe('existing\n');
    });

    test('--force overwrites all three, and the private key is 0600 again', async () => {
      writeFileSync(join(cwd, 'forced'), 'old\n', { mode: 0o644 });
      const forced = await cli(['keygen', '--alg', 'EdDSA', '--out', 'forced', '--force'], { cwd });
      expect(forced.code, forced.stderr).toBe(0);
      expect(readFileSync(join(cwd, 'forced'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      expect(statSync(join(cwd, 'forced')).mode & 0o777).toBe(0o600);
      expect(forced.stdout).toContain('forced.jwks.json');
    });
  });

  test.concurrent.each([
    [['keygen', '--out', 'x'], /--alg is required/],
    [['keygen', '--alg', 'ES256'], /--out is required/],
    [['keygen', '--alg', 'HS256', '--out', 'x'], /--alg must be one of RS256, PS256, ES256, ES384, ES512, EdDSA/],
    [['keygen', '--alg', 'RS256', '--bits', '1024', '--out', 'x'], /--bits must be 2048, 3072, 4096/],
    [['keygen', '--alg', 'ES256', '--bits', '2048', '--out', 'x'], /--bits applies to RSA keys only/],
    [['keygen', '--alg', 'ES256', '--out'], /--out needs a value/],
  ])('usage error %j', async (args, message) => {
    const result = await cli(args, { cwd });
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toMatch(message);
  });
});
