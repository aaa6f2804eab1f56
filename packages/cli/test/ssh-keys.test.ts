/**
 * Keys made by the real ssh-keygen: the default OpenSSH private format, `-m pem`, and the
 * `.pub` lines, checked against ssh-keygen's own PKCS#8 conversions (differential).
 */
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cli, hasSshKeygen, oneLine, sshKeygen, tempDir } from './helpers/cli.js';

const tmp = tempDir();
const cwd = tmp.dir;
afterAll(() => tmp.remove());

interface TestJWKS {
  keys: Record<string, unknown>[];
}

const KEYS = [
  { name: 'rsa', args: ['-t', 'rsa', '-b', '2048'], jwk: { kty: 'RSA', alg: 'RS256' }, pkcs8: true },
  { name: 'ecdsa256', args: ['-t', 'ecdsa', '-b', '256'], jwk: { kty: 'EC', crv: 'P-256', alg: 'ES256' }, pkcs8: true },
  { name: 'ecdsa384', args: ['-t', 'ecdsa', '-b', '384'], jwk: { kty: 'EC', crv: 'P-384', alg: 'ES384' }, pkcs8: true },
  { name: 'ecdsa521', args: ['-t', 'ecdsa', '-b', '521'], jwk: { kty: 'EC', crv: 'P-521', alg: 'ES512' }, pkcs8: true },
  // ssh-keygen cannot write Ed25519 keys as PKCS#8 ("unsupported key type"): compared with the .pub only.
  { name: 'ed25519', args: ['-t', 'ed25519'], jwk: { kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' }, pkcs8: false },
] as const;

async function jwksOf(...files: string[]): Promise<TestJWKS> {
  const result = await cli(['jwks', ...files], { cwd });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as TestJWKS;
}

describe.skipIf(!hasSshKeygen).concurrent('ssh-keygen keys', () => {
  beforeAll(() => {
    for (const { name, args, pkcs8 } of KEYS) {
      sshKeygen(['-q', ...args, '-N', '', '-C', `${name}@test`, '-f', name], cwd);
      if (pkcs8) {
        // ssh-keygen's own conversions: the public key as SPKI, a private copy as PKCS#8.
        sshKeygen(['-e', '-m', 'PKCS8', '-f', `${name}.pub`], cwd);
        copyFileSync(join(cwd, name), join(cwd, `${name}.p8`));
        sshKeygen(['-q', '-p', '-N', '', '-m', 'PKCS8', '-f', `${name}.p8`], cwd);
      }
    }
    sshKeygen(['-q', '-t', 'rsa', '-b', '2048', '-m', 'pem', '-N', '', '-f', 'rsa-pem'], cwd);
    sshKeygen(['-q', '-t', 'ecdsa', '-b', '256', '-m', 'pem', '-N', '', '-f', 'ec-pem'], cwd);
    sshKeygen(['-q', '-t', 'ed25519', '-N', 'a passphrase', '-f', 'encrypted'], cwd);
  });

  describe.concurrent('default OpenSSH format', () => {
    test.each(KEYS)("$name: private key, .pub and ssh-keygen's PKCS#8 give one JWKS", async ({ name, jwk, pkcs8 }) => {
      expect(readFileSync(join(cwd, name), 'utf8')).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----/);
      const fromPrivate = await jwksOf(name);
      expect(fromPrivate.keys).toHaveLength(1);
      expect(fromPrivate.keys[0]).toMatchObject({ ...jwk, use: 'sig' });
      expect(await jwksOf(`${name}.pub`)).toEqual(fromPrivate);
      if (pkcs8) {
        const spki = sshKeygen(['-e', '-m', 'PKCS8', '-f', `${name}.pub`], cwd);
        expect(spki).toMatch(/^-----BEGIN PUBLIC KEY-----/);
        const converted = readFileSync(join(cwd, `${name}.p8`), 'utf8');
        expect(converted).toMatch(/^-----BEGIN PRIVATE KEY-----/);
        expect(await jwksOf(`${name}.p8`)).toEqual(fromPrivate);
        const result = await cli(['jwks', '-'], { cwd, input: spki });
        expect(JSON.parse(result.stdout)).toEqual(fromPrivate);
      }
      for (const key of fromPrivate.keys)
        for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key).not.toHaveProperty(member);
    });

    test.each(KEYS)('$name: sign --key <OpenSSH private> verifies with verify --key <.pub>', async ({ name, jwk }) => {
      const signed = await cli(['sign', '--key', name, '--aud', 'orders'], { cwd });
      expect(signed.code, signed.stderr).toBe(0);
      const token = signed.stdout.trim();
      const verified = await cli(['verify', token, '--key', `${name}.pub`, '--audience', 'orders', '--json'], { cwd });
      expect(verified.code, verified.stderr).toBe(0);
      const outcome = JSON.parse(verified.stdout) as { valid: boolean; header: { alg: string; kid: string } };
      expect(outcome.valid).toBe(true);
      expect(outcome.header.alg).toBe(jwk.alg);
      // The default kid is the one `jwks` publishes.
      expect(outcome.header.kid).toBe((await jwksOf(`${name}.pub`)).keys[0]?.kid);
    });
  });

  test('-m pem keys (PKCS#1 RSA, SEC1 EC) and one JWKS from several files', async () => {
    expect(readFileSync(join(cwd, 'rsa-pem'), 'utf8')).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(readFileSync(join(cwd, 'ec-pem'), 'utf8')).toMatch(/^-----BEGIN EC PRIVATE KEY-----/);
    const both = await jwksOf('rsa-pem', 'ec-pem.pub', 'ed25519.pub');
    expect(both.keys.map((k) => [k.kty, k.alg])).toEqual([
      ['RSA', 'RS256'],
      ['EC', 'ES256'],
      ['OKP', 'EdDSA'],
    ]);
    expect(JSON.stringify(both)).not.toMatch(/"(d|p|q|dp|dq|qi)":/);
    expect((await jwksOf('rsa-pem.pub')).keys[0]).toEqual(both.keys[0]);
    const ps = await cli(['jwks', 'rsa-pem', '--alg', 'PS256'], { cwd });
    expect((JSON.parse(ps.stdout) as TestJWKS).keys[0]?.alg).toBe('PS256');
    const token = (await cli(['sign', '--key', 'rsa-pem', '--alg', 'PS256'], { cwd })).stdout.trim();
    const verified = await cli(['verify', token, '--key', 'rsa-pem.pub'], { cwd });
    expect(verified.code, verified.stderr).toBe(0);
  });

  test('encrypted OpenSSH keys: a clear error', async () => {
    for (const command of [
      ['jwks', 'encrypted'],
      ['sign', '--key', 'encrypted'],
    ]) {
      const result = await cli(command, { cwd });
      expect(result.code).toBe(1);
      expect(oneLine(result.stderr)).toBe(
        'bearer-guard: encrypted: OpenSSH private key: encrypted OpenSSH keys are not supported: decrypt with ssh-keygen -p',
      );
    }
  });

  test('--alg that does not fit the key', async () => {
    const result = await cli(['jwks', 'ecdsa256', '--alg', 'RS256'], { cwd });
    expect(result.code).toBe(1);
    expect(oneLine(result.stderr)).toBe('bearer-guard: ecdsa256: --alg RS256 does not fit a P-256 key (use ES256)');
  });
});
