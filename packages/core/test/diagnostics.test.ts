/**
 * What the server side sees (issue 13): `node:diagnostics_channel` messages and the
 * `NODE_DEBUG=bearer-guard` lines, for real verifications against a real JWKS endpoint — and
 * never the token.
 */
import { spawnSync } from 'node:child_process';
import { channel, tracingChannel } from 'node:diagnostics_channel';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier } from '@bearer-guard/core';
import { startJWKSServer, type JWKSServer } from './helpers/jwks-server.js';
import { claims, makeKey, type TestKey } from './helpers/keys.js';

const ISS = 'https://issuer.test/';
let key: TestKey;
let server: JWKSServer;

beforeAll(async () => {
  key = await makeKey('ES256');
  server = await startJWKSServer({ keys: [key.jwk] });
});
afterAll(async () => {
  await server?.close();
});

describe('diagnostics channels', () => {
  it('trace every verification with a summary, publish rejections and fetches, and never carry the token', async () => {
    const seen: { channel: string; message: unknown }[] = [];
    const record = (name: string) => (message: unknown) =>
      seen.push({ channel: name, message: structuredClone(message) });
    const onRejection = record('rejection');
    const onFetch = record('fetch');
    const trace = {
      start: record('verify:start'),
      end: () => {},
      asyncStart: () => {},
      asyncEnd: (context: object) => seen.push({ channel: 'verify:asyncEnd', message: { ...context } }),
      error: () => {},
    };
    channel('bearer-guard:rejection').subscribe(onRejection);
    channel('bearer-guard:fetch').subscribe(onFetch);
    tracingChannel('bearer-guard:verify').subscribe(trace);
    const verifier = createVerifier({ issuer: ISS, audience: 'orders', jwksUri: server.jwksUri });
    const good = await key.sign(claims());
    const wrong = await key.sign(claims({ aud: 'billing' }));
    try {
      await verifier.verify(good);
      await verifier.verify(wrong).catch(() => undefined);
    } finally {
      channel('bearer-guard:rejection').unsubscribe(onRejection);
      channel('bearer-guard:fetch').unsubscribe(onFetch);
      tracingChannel('bearer-guard:verify').unsubscribe(trace);
      verifier.close();
    }
    const rejectionError = seen.find((s) => s.channel === 'verify:asyncEnd' && 'error' in (s.message as object));
    const normalized = seen.map((s) =>
      s.channel === 'fetch'
        ? { channel: s.channel, message: { ...(s.message as object), durationMs: 0 } }
        : s.channel === 'verify:asyncEnd' && 'error' in (s.message as object)
          ? { channel: s.channel, message: { ...(s.message as object), error: 'BearerError' } }
          : s,
    );
    expect(normalized).toEqual([
      { channel: 'verify:start', message: { operation: 'verify', request: undefined } },
      {
        channel: 'fetch',
        message: {
          type: 'jwks_fetch',
          uri: server.jwksUri,
          status: 200,
          keys: 1,
          durationMs: 0,
          skipped: 0,
          rejected: [],
        },
      },
      {
        channel: 'verify:asyncEnd',
        message: {
          operation: 'verify',
          request: undefined,
          result: { alg: 'ES256', kid: key.kid, issuer: ISS, source: 'jwt' },
        },
      },
      { channel: 'verify:start', message: { operation: 'verify', request: undefined } },
      {
        channel: 'rejection',
        message: {
          status: 401,
          code: 'invalid_token',
          reason: 'invalid_audience',
          detail: 'unexpected "aud" claim value "billing", expected "orders"',
          request: undefined,
        },
      },
      { channel: 'verify:asyncEnd', message: { operation: 'verify', request: undefined, error: 'BearerError' } },
    ]);
    expect(rejectionError).toBeDefined();
    expect((rejectionError as { message: { error: { reason: string } } }).message.error.reason).toBe(
      'invalid_audience',
    );
    const everything = JSON.stringify(seen);
    expect([everything.includes(good), everything.includes(wrong)]).toEqual([false, false]);
  });
});

describe('NODE_DEBUG=bearer-guard', () => {
  const core = fileURLToPath(new URL('../dist/index.mjs', import.meta.url));
  // A trailing-slash mismatch, the classic silent 401: the line names what was expected and found.
  const script = `
    const { createVerifier } = await import(${JSON.stringify(core)});
    const { createHmac } = await import('node:crypto');
    const secret = 's'.repeat(32);
    const enc = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = enc({ alg: 'HS256' }) + '.' + enc({ iss: 'https://auth.example.com', aud: 'orders', exp: Math.floor(Date.now() / 1000) + 60 });
    const token = input + '.' + createHmac('sha256', secret).update(input).digest('base64url');
    const verifier = createVerifier({ issuer: 'https://auth.example.com/', audience: 'orders', secret });
    await verifier.verify(token).catch(() => {});
    console.log(token);
  `;
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', ...env },
    });

  it('prints one line per rejection, with expected and found values, and never the token', () => {
    const result = run({ NODE_DEBUG: 'bearer-guard' });
    expect(result.status, result.stderr).toBe(0);
    const token = result.stdout.trim();
    expect(result.stderr.replace(/^BEARER-GUARD \d+: /gm, 'BEARER-GUARD <pid>: ')).toBe(
      'BEARER-GUARD <pid>: rejected 401 invalid_token (invalid_issuer): unexpected "iss" claim value "https://auth.example.com", expected "https://auth.example.com/"\n',
    );
    expect(result.stderr.includes(token)).toBe(false);
  });

  it('prints nothing unless asked', () => {
    const result = run({});
    expect([result.status, result.stderr]).toEqual([0, '']);
  });
});

describe('debug lines for key-source events', () => {
  it('say what happened, in one line each', async () => {
    const { describeFetch } = await import('../src/diagnostics.js');
    const uri = 'https://auth.example.com/jwks.json';
    expect([
      describeFetch({
        type: 'jwks_fetch',
        uri,
        status: 200,
        keys: 2,
        durationMs: 12.4,
        skipped: 1,
        rejected: [{ kid: 'old', reason: '"use" is "enc", not "sig"' }],
      }),
      describeFetch({
        type: 'jwks_fetch_error',
        uri,
        error: new Error('unexpected HTTP status 503'),
        durationMs: 5,
        stale: true,
      }),
      describeFetch({ type: 'jwks_rate_limited', uri, kid: 'x' }),
      describeFetch({ type: 'jwks_private_key', uri, kid: 'k1', members: ['d'] }),
      describeFetch({ type: 'discovery', issuer: 'https://auth.example.com/', jwksUri: uri, durationMs: 3 }),
    ]).toEqual([
      'JWKS https://auth.example.com/jwks.json fetched in 12 ms: 2 keys, skipped kid "old": "use" is "enc", not "sig"',
      'JWKS https://auth.example.com/jwks.json failed after 5 ms: unexpected HTTP status 503 (serving the cached keys)',
      'JWKS https://auth.example.com/jwks.json: unknown kid "x" not looked up (rate limit)',
      'JWKS https://auth.example.com/jwks.json PUBLISHES PRIVATE KEY MATERIAL (d) for kid "k1": the key is never used; its owner must rotate it',
      'discovery for https://auth.example.com/ in 3 ms: jwks_uri https://auth.example.com/jwks.json',
    ]);
  });
});
