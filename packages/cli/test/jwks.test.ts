/**
 * `jwks` on every PEM flavour, certificates, JWK and JWKS files; private parts never printed.
 */
import { spawnSync } from 'node:child_process';
import { KeyObject, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cli, oneLine, tempDir } from './helpers/cli.js';

const tmp = tempDir();
const cwd = tmp.dir;
afterAll(() => tmp.remove());
const write = (name: string, text: string) => writeFileSync(join(cwd, name), text);
const hasOpenssl = spawnSync('openssl', ['version'], { stdio: 'ignore' }).error === undefined;

interface TestJWK {
  kty: string;
  kid: string;
  alg: string;
  [member: string]: unknown;
}

let rsaJWK: Record<string, unknown>;
let ecJWK: Record<string, unknown>;

beforeAll(async () => {
  // WebCrypto keys (jose), exported by node in each PEM flavour.
  const rsa = KeyObject.from((await generateKeyPair('RS256', { extractable: true })).privateKey);
  const ec = KeyObject.from((await generateKeyPair('ES256', { extractable: true })).privateKey);
  rsaJWK = await exportJWK((await generateKeyPair('RS256', { extractable: true })).publicKey);
  ecJWK = await exportJWK((await generateKeyPair('ES384', { extractable: true })).privateKey);
  write('rsa-pkcs1.pem', rsa.export({ type: 'pkcs1', format: 'pem' }) as string);
  write('rsa-pkcs1-public.pem', createPublicKey(rsa).export({ type: 'pkcs1', format: 'pem' }) as string);
  write('rsa-pkcs8.pem', rsa.export({ type: 'pkcs8', format: 'pem' }) as string);
  write('ec-sec1.pem', ec.export({ type: 'sec1', format: 'pem' }) as string);
  write('ec-spki.pem', createPublicKey(ec).export({ type: 'spki', format: 'pem' }) as string);
  write(
    'set.jwks.json',
    JSON.stringify({
      keys: [
        { ...rsaJWK, kid: 'rsa-1', alg: 'PS256', use: 'sig' },
        { ...ecJWK, kid: 'ec-1' },
      ],
    }),
  );
  write('single.jwk.json', JSON.stringify(ecJWK));
  write('oct.jwk.json', JSON.stringify({ kty: 'oct', k: 'c2VjcmV0' }));
  write(
    'small-rsa.pem',
    generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  );
  write(
    'encrypted.pem',
    generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: 'pw',
    }) as string,
  );
  write('garbage.pem', '-----BEGIN PUBLIC KEY-----\nAAAA\n');
  write('bad-spki.pem', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n');
  write('dsa.pem', '-----BEGIN DSA PRIVATE KEY-----\nAAAA\n-----END DSA PRIVATE KEY-----\n');
});

describe.concurrent('jwks', () => {
  test('PKCS#1, PKCS#8, SEC1, JWK and JWKS files in one run; never a private member', async () => {
    const result = await cli(
      [
        'jwks',
        'rsa-pkcs1.pem',
        'rsa-pkcs1-public.pem',
        'rsa-pkcs8.pem',
        'ec-sec1.pem',
        'ec-spki.pem',
        'set.jwks.json',
        'single.jwk.json',
        '--json',
      ],
      { cwd },
    );
    expect(result.code, result.stderr).toBe(0);
    const { keys } = JSON.parse(result.stdout) as { keys: TestJWK[] };
    // The RSA PEMs are one key, the EC PEMs another; the JWKS keeps its kids; the single JWK is the JWKS's EC key again.
    expect(keys.map((k) => [k.kty, k.alg])).toEqual([
      ['RSA', 'RS256'],
      ['EC', 'ES256'],
      ['RSA', 'PS256'],
      ['EC', 'ES384'],
      ['EC', 'ES384'],
    ]);
    expect(keys[2]).toEqual({ kty: 'RSA', n: rsaJWK.n, e: rsaJWK.e, kid: 'rsa-1', alg: 'PS256', use: 'sig' });
    expect(keys[3]?.kid).toBe('ec-1');
    expect(keys[4]?.kid).toMatch(/^[\w-]{43}$/);
    for (const key of keys)
      expect(Object.keys(key).filter((m) => ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'].includes(m))).toEqual([]);
    expect(result.stdout).not.toContain(String(ecJWK.d));
  });

  test.skipIf(!hasOpenssl)('X.509 certificate', async () => {
    const made = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-384',
        '-nodes',
        '-subj',
        '/CN=test',
        '-days',
        '1',
        '-keyout',
        'cert-key.pem',
        '-out',
        'cert.pem',
      ],
      { cwd },
    );
    expect(made.status, String(made.stderr)).toBe(0);
    const fromCert = JSON.parse((await cli(['jwks', 'cert.pem'], { cwd })).stdout) as { keys: TestJWK[] };
    const fromKey = JSON.parse((await cli(['jwks', 'cert-key.pem'], { cwd })).stdout) as { keys: TestJWK[] };
    expect(fromCert.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-384', alg: 'ES384', use: 'sig' });
    expect(fromCert).toEqual(fromKey);
  });

  test('from standard input', async () => {
    const result = await cli(['jwks', '-'], { cwd, input: JSON.stringify(rsaJWK) });
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as { keys: TestJWK[] }).keys[0]).toMatchObject({
      kty: 'RSA',
      alg: 'RS256',
      use: 'sig',
    });
  });

  test.each([
    [
      ['oct.jwk.json'],
      'bearer-guard: oct.jwk.json: a symmetric ("oct") JWK is an HMAC secret: pass it with --secret-file',
    ],
    [
      ['small-rsa.pem'],
      'bearer-guard: small-rsa.pem: RSA key of 1024 bits: at least 2048 are required (RFC 7518 §3.3)',
    ],
    [
      ['encrypted.pem'],
      'bearer-guard: encrypted.pem: encrypted private keys are not supported: decrypt first (openssl pkey, or ssh-keygen -p)',
    ],
    [['garbage.pem'], 'bearer-guard: garbage.pem: truncated PEM (no matching END line)'],
    [['bad-spki.pem'], /^bearer-guard: bad-spki\.pem: invalid PUBLIC KEY PEM \(.+\)$/],
    [['dsa.pem'], 'bearer-guard: dsa.pem: unsupported PEM type "DSA PRIVATE KEY"'],
    [['nope.pem'], 'bearer-guard: cannot read key file "nope.pem": no such file'],
    [['.'], 'bearer-guard: cannot read key file ".": is a directory'],
  ])('%j → exit 1 with one line', async (args, message) => {
    const result = await cli(['jwks', ...args], { cwd });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const line = oneLine(result.stderr);
    if (typeof message === 'string') expect(line).toBe(message);
    else expect(line).toMatch(message);
  });
});
