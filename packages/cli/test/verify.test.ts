/**
 * `verify` against every key source, with the server-side reasons of core.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cli, lineAfter, oneLine, tempDir, UNCHECKED } from './helpers/cli.js';

const tmp = tempDir();
const cwd = tmp.dir;
const SECRET = 'a-shared-secret-of-at-least-32-bytes!';
let server: Server;
let issuer: string;
const requests: string[] = [];

async function sign(...args: string[]): Promise<string> {
  const result = await cli(['sign', ...args], { cwd, env: { JWT_SECRET: SECRET } });
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.trim();
}

beforeAll(async () => {
  const made = await cli(['keygen', '--alg', 'ES256', '--out', 'issuer-key'], { cwd });
  expect(made.code, made.stderr).toBe(0);
  const jwks = readFileSync(join(cwd, 'issuer-key.jwks.json'), 'utf8');
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const send = (body: string) => res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    if (req.url === '/.well-known/openid-configuration')
      send(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks.json` }));
    else if (req.url === '/jwks.json') send(jwks);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  writeFileSync(join(cwd, 'secret.txt'), `${SECRET}\n`);
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  tmp.remove();
});

describe.concurrent('valid tokens', () => {
  test('without --audience: valid, and a warning says that "aud" was not checked', async () => {
    const token = await sign('--key', 'issuer-key', '--iss', issuer, '--aud', 'billing');
    const result = await cli(['verify', token, '--key', 'issuer-key.pub', '--iss', issuer], { cwd });
    expect([result.code, result.stderr]).toEqual([0, `${UNCHECKED.aud}\n`]);
    expect(result.stdout).toMatch(/^valid token: signature verified \(ES256, kid [\w-]{43}\)\n/);
  });

  test('--issuer alone: discovery on 127.0.0.1, then the JWKS; the process exits promptly', async () => {
    const token = await sign('--key', 'issuer-key', '--iss', issuer, '--aud', 'orders', '--scope', 'read:orders');
    const started = Date.now();
    const result = await cli(['verify', token, '--issuer', issuer, '--audience', 'orders', '--scopes', 'read:orders'], {
      cwd,
    });
    expect(result.code, result.stderr).toBe(0);
    // A JWKS timer that kept the process alive would hold it for minutes (the cache's refresh):
    // 10 s leaves room for a cold Node start among the concurrent tests of a loaded CI machine.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(requests).toContain('/.well-known/openid-configuration');
    expect(result.stdout).toMatch(/^valid token: signature verified \(ES256, kid [\w-]{43}\)\n/);
    expect(JSON.parse(result.stdout.slice(result.stdout.indexOf('\n') + 1))).toMatchObject({
      iss: issuer,
      aud: 'orders',
      scope: 'read:orders',
    });
  });

  test('--jwks-uri, with --iss checked', async () => {
    const token = await sign('--key', 'issuer-key', '--iss', issuer);
    const ok = await cli(['verify', token, '--jwks-uri', `${issuer}/jwks.json`, '--iss', issuer], { cwd });
    expect(ok.code, ok.stderr).toBe(0);
    const wrong = await cli(['verify', token, '--jwks-uri', `${issuer}/jwks.json`, '--iss', 'https://other.test/'], {
      cwd,
    });
    expect(wrong.code).toBe(1);
    expect(lineAfter(UNCHECKED.aud, wrong.stderr)).toBe(
      `bearer-guard: invalid_token (401) reason: invalid_issuer — unexpected "iss" claim value "${issuer}", expected "https://other.test/"`,
    );
  });

  test('--secret-env and --secret-file (HS256)', async () => {
    const token = await sign('--secret-env', 'JWT_SECRET', '--sub', 'u1');
    const env = await cli(['verify', token, '--secret-env', 'JWT_SECRET', '--json'], {
      cwd,
      env: { JWT_SECRET: SECRET },
    });
    expect(env.code, env.stderr).toBe(0);
    expect(JSON.parse(env.stdout)).toMatchObject({ valid: true, header: { alg: 'HS256' }, payload: { sub: 'u1' } });
    const file = await cli(['verify', token, '--secret-file', 'secret.txt'], { cwd });
    expect(file.code, file.stderr).toBe(0);
    expect(file.stdout + file.stderr).not.toContain(SECRET);
    const wrong = await cli(['verify', token, '--secret-env', 'JWT_SECRET'], {
      cwd,
      env: { JWT_SECRET: `${SECRET}x` },
    });
    expect(wrong.code).toBe(1);
    expect(lineAfter(UNCHECKED.both, wrong.stderr)).toBe(
      'bearer-guard: invalid_token (401) reason: invalid_signature — signature verification failed',
    );
    expect(wrong.stderr).not.toContain(SECRET);
  });

  test('token from stdin with -, and a pasted "Bearer " prefix', async () => {
    const token = await sign('--key', 'issuer-key');
    const result = await cli(['verify', '-', '--key', 'issuer-key.pub'], { cwd, input: `Bearer ${token}\n` });
    expect(result.code, result.stderr).toBe(0);
  });

  test('--type at+jwt and --clock-tolerance', async () => {
    const token = await sign(
      '--key',
      'issuer-key',
      '--typ',
      'at+jwt',
      '--claim',
      `exp=${Math.floor(Date.now() / 1000) - 20}`,
    );
    const tolerant = await cli(
      ['verify', token, '--key', 'issuer-key.pub', '--type', 'at+jwt', '--clock-tolerance', '1m'],
      { cwd },
    );
    expect(tolerant.code, tolerant.stderr).toBe(0);
    const strict = await cli(
      ['verify', token, '--key', 'issuer-key.pub', '--type', 'at+jwt', '--clock-tolerance', '5s'],
      { cwd },
    );
    expect(strict.code).toBe(1);
    const typ = await cli(
      ['verify', await sign('--key', 'issuer-key'), '--key', 'issuer-key.pub', '--type', 'at+jwt'],
      { cwd },
    );
    expect(lineAfter(UNCHECKED.both, typ.stderr)).toBe(
      'bearer-guard: invalid_token (401) reason: invalid_token_type — "typ" header is undefined, expected "at+jwt"',
    );
  });
});

describe.concurrent('invalid tokens: exit 1 and the exact server-side reason', () => {
  test('expired', async () => {
    const token = await sign('--key', 'issuer-key', '--claim', 'exp=1000000000', '--claim', 'iat=999999000');
    const result = await cli(['verify', token, '--key', 'issuer-key.pub'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(lineAfter(UNCHECKED.both, result.stderr)).toBe(
      'bearer-guard: invalid_token (401) reason: token_expired — "exp" claim timestamp check failed',
    );
    const json = await cli(['verify', token, '--key', 'issuer-key.pub', '--json'], { cwd });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      valid: false,
      status: 401,
      code: 'invalid_token',
      reason: 'token_expired',
      message: '"exp" claim timestamp check failed',
    });
  });

  test('wrong audience, missing scope, wrong key', async () => {
    const token = await sign('--key', 'issuer-key', '--aud', 'billing', '--scope', 'read:orders');
    const aud = await cli(['verify', token, '--key', 'issuer-key.pub', '--audience', 'orders'], { cwd });
    expect(lineAfter(UNCHECKED.iss, aud.stderr)).toBe(
      'bearer-guard: invalid_token (401) reason: invalid_audience — unexpected "aud" claim value "billing", expected "orders"',
    );
    const scope = await cli(
      ['verify', token, '--key', 'issuer-key.pub', '--scopes', 'read:orders,write:orders', '--json'],
      { cwd },
    );
    expect(scope.code).toBe(1);
    expect(JSON.parse(scope.stdout)).toMatchObject({
      valid: false,
      status: 403,
      code: 'insufficient_scope',
      reason: 'insufficient_scope',
    });
    await cli(['keygen', '--alg', 'ES256', '--out', 'other-key'], { cwd });
    const other = await cli(['verify', token, '--key', 'other-key.pub'], { cwd });
    expect(other.code).toBe(1);
    expect(lineAfter(UNCHECKED.both, other.stderr)).toBe(
      'bearer-guard: invalid_token (401) reason: invalid_signature — signature verification failed',
    );
    // A JWKS names its keys: the token's kid is not there.
    const jwks = await cli(['verify', token, '--key', 'other-key.jwks.json'], { cwd });
    expect(lineAfter(UNCHECKED.both, jwks.stderr)).toMatch(
      /^bearer-guard: invalid_token \(401\) reason: no_matching_key — no key with kid "[\w-]+" for ES256$/,
    );
  });

  test('an HMAC token against a public key, and alg none', async () => {
    const hs = await sign('--secret-env', 'JWT_SECRET');
    const result = await cli(['verify', hs, '--key', 'issuer-key.pub'], { cwd });
    expect(lineAfter(UNCHECKED.both, result.stderr)).toBe(
      'bearer-guard: invalid_token (401) reason: algorithm_not_allowed — "alg" "HS256" is not allowed',
    );
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const none = `${enc({ alg: 'none' })}.${enc({ exp: 9999999999 })}.`;
    const unsigned = await cli(['verify', none, '--key', 'issuer-key.pub'], { cwd });
    expect(unsigned.code).toBe(1);
    expect(lineAfter(UNCHECKED.both, unsigned.stderr)).toMatch(/^bearer-guard: invalid_token \(401\) reason: /);
  });

  test('malformed tokens', async () => {
    const result = await cli(['verify', 'not-a-token', '--key', 'issuer-key.pub'], { cwd });
    expect(result.code).toBe(1);
    expect(lineAfter(UNCHECKED.both, result.stderr)).toBe(
      'bearer-guard: invalid_token (401) reason: unsupported_token_format — token has 1 segments, not 3',
    );
    const parts = await cli(['verify', 'abc.def.ghi', '--key', 'issuer-key.pub'], { cwd });
    expect(parts.code).toBe(1);
    expect(lineAfter(UNCHECKED.both, parts.stderr)).toMatch(
      /^bearer-guard: invalid_token \(401\) reason: malformed_token — /,
    );
  });

  test('keys unavailable: JWKS server down → temporarily_unavailable', async () => {
    const token = await sign('--key', 'issuer-key');
    const result = await cli(['verify', token, '--jwks-uri', `${issuer}/missing.json`], { cwd });
    expect(result.code).toBe(1);
    expect(lineAfter(UNCHECKED.both, result.stderr)).toMatch(
      /^bearer-guard: temporarily_unavailable \(503\) reason: jwks_unavailable — /,
    );
  });
});

describe.concurrent('verify usage errors', () => {
  test.each([
    [['verify', 'x.y.z'], 2, /^bearer-guard: verify: give a key source: --issuer URL/],
    [
      ['verify', 'x.y.z', '--key', 'issuer-key.pub', '--secret-env', 'JWT_SECRET'],
      2,
      /^bearer-guard: verify: give one key source/,
    ],
    [['verify', 'x.y.z', '--jwks-uri', 'not a url'], 2, /^bearer-guard: verify: .*jwksUri/],
    [
      ['verify', 'x.y.z', '--key', 'issuer-key.pub', '--clock-tolerance', 'soon'],
      2,
      /^bearer-guard: verify: `clockTolerance` must be seconds \(a number ≥ 0\) or a duration such as '500ms', '30s', '5m', '2 days'; got "soon"$/,
    ],
    [
      ['verify', 'x.y.z', '--key', 'missing.pem'],
      1,
      /^bearer-guard: cannot read key file "missing.pem": no such file$/,
    ],
    [
      ['verify', 'x.y.z', '--secret-env', 'UNSET_VAR'],
      1,
      /^bearer-guard: environment variable UNSET_VAR is not set or empty$/,
    ],
    [
      ['verify', 'x.y.z', '--secret-env', 'SHORT'],
      2,
      /^bearer-guard: verify: `secret` is 5 bytes, too short: HS256 needs a secret of at least 32 bytes \(RFC 7518 §3\.2\); make one with `openssl rand -base64 48` \(64 characters\)$/,
    ],
    [
      ['verify', 'x.y.z', '--secret', SECRET],
      2,
      /^bearer-guard: --secret is not accepted: .* use --secret-env VAR or --secret-file FILE$/,
    ],
    [['verify', 'x.y.z', `--secret=${SECRET}`], 2, /^bearer-guard: --secret is not accepted/],
    [['verify', '--key', 'issuer-key.pub'], 2, /^bearer-guard: verify: missing TOKEN/],
    [['verify', '-', '--key', 'issuer-key.pub'], 1, /^bearer-guard: no token on standard input$/],
  ])('%j → exit %i', async (args, code, message) => {
    const result = await cli(args, { cwd, env: { JWT_SECRET: SECRET, SHORT: 'short' } });
    expect(result.code).toBe(code);
    expect(oneLine(result.stderr)).toMatch(message);
    expect(result.stderr).not.toContain(SECRET);
  });
});
