/**
 * DPoP (RFC 9449) and certificate binding (RFC 8705) in core, without a framework:
 *
 * - differential: our RFC 7638 thumbprint against jose's `calculateJwkThumbprint`, and our proof
 *   check against jose's `jwtVerify` with `EmbeddedJWK` (signature, `typ`, algorithm), on valid
 *   proofs of every key type and on fuzzed damage to them;
 * - `htu` normalisation (RFC 3986 §6.2.2–6.2.3), the replay store, nonces, option checks, and the
 *   certificate thumbprint of every form `mtls.certificate` may return.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  calculateJwkThumbprint,
  EmbeddedJWK,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JWK,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, isBearerError, memoryReplayStore } from '@bearer-guard/core';
import { certificateThumbprint, jwkThumbprint, normalizeHtu, requestHtu } from '@bearer-guard/core/adapter';

const ISS = 'https://issuer.test/';
const URL_ = 'https://api.example.com/orders';
const SECRET = 's'.repeat(32);
const now = () => Math.floor(Date.now() / 1000);

interface ClientKey {
  alg: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

const ALGS = ['ES256', 'ES384', 'ES512', 'RS256', 'PS256', 'EdDSA'] as const;
let clients: ClientKey[] = [];

beforeAll(async () => {
  clients = await Promise.all(
    ALGS.map(async (alg) => {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      return { alg, privateKey, jwk: await exportJWK(publicKey) };
    }),
  );
});

/** A token signed with the HMAC secret, bound to `jkt` when given. */
async function token(jkt?: string): Promise<string> {
  return new SignJWT({ sub: 'u1', ...(jkt ? { cnf: { jkt } } : {}) })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISS)
    .setAudience('orders')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(SECRET));
}

function proof(client: ClientKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ typ: 'dpop+jwt', alg: client.alg, jwk: client.jwk, ...header })
    .sign(client.privateKey);
}

const ath = (t: string) => createHash('sha256').update(t).digest('base64url');

function verifier(dpop: Parameters<typeof createVerifier>[0]['dpop'] = true) {
  return createVerifier({ issuer: ISS, audience: 'orders', secret: SECRET, dpop });
}

/** The origin and request target an adapter passes for `href`. */
function target(href: string): { origin: string; url: string } {
  const [, origin = '', url = ''] = /^(https?:\/\/[^/?#]*)(.*)$/.exec(href) ?? [];
  return { origin, url };
}

async function outcome(v: ReturnType<typeof verifier>, t: string, p: string, method = 'GET', href = URL_) {
  try {
    const auth = await v.authenticate({ headers: { authorization: `DPoP ${t}`, dpop: p }, method, ...target(href) });
    return { ok: true as const, jkt: auth?.confirmation?.jkt };
  } catch (error) {
    if (!isBearerError(error)) throw error;
    return { ok: false as const, reason: error.reason, code: error.code };
  }
}

describe('RFC 7638 thumbprints: ours and jose agree', () => {
  it('on a key of every type', async () => {
    for (const client of clients) {
      expect(jwkThumbprint(client.jwk), client.alg).toBe(await calculateJwkThumbprint(client.jwk, 'sha256'));
    }
  });

  it('on keys with extra members, in any order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: ALGS.length - 1 }),
        fc.string(),
        fc.boolean(),
        async (i, kid, reverse) => {
          const client = clients[i] as ClientKey;
          const entries = Object.entries({ ...client.jwk, kid, use: 'sig' });
          const jwk = Object.fromEntries(reverse ? entries.reverse() : entries) as JWK;
          expect(jwkThumbprint(jwk)).toBe(await calculateJwkThumbprint(jwk, 'sha256'));
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('proofs: our check and jose (jwtVerify + EmbeddedJWK) agree on the signature', () => {
  it('accepts a valid proof of every key type, and says which key signed it', async () => {
    for (const client of clients) {
      const jkt = await calculateJwkThumbprint(client.jwk, 'sha256');
      const t = await token(jkt);
      const p = await proof(client, { jti: `${client.alg}-1`, htm: 'GET', htu: URL_, iat: now(), ath: ath(t) });
      await expect(jwtVerify(p, EmbeddedJWK, { typ: 'dpop+jwt' })).resolves.toBeDefined();
      expect(await outcome(verifier(), t, p), client.alg).toEqual({ ok: true, jkt });
    }
  });

  it('refuses what jose refuses when a proof is damaged (fuzzed)', async () => {
    const client = clients[0] as ClientKey;
    const jkt = await calculateJwkThumbprint(client.jwk, 'sha256');
    const t = await token(jkt);
    const v = verifier();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.integer({ min: 0, max: 63 }), async (position, value) => {
        const p = await proof(client, { jti: `fuzz-${n++}`, htm: 'GET', htu: URL_, iat: now(), ath: ath(t) });
        const at = position % p.length;
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
        const damaged = p.slice(0, at) + (alphabet[value] as string) + p.slice(at + 1);
        const theirs = await jwtVerify(damaged, EmbeddedJWK, { typ: 'dpop+jwt' }).then(
          () => true,
          () => false,
        );
        const ours = await outcome(v, t, damaged);
        // We are stricter (claims, canonical base64url), never looser: whatever jose refuses, we refuse.
        if (!theirs) expect(ours.ok, `jose refused ${damaged}`).toBe(false);
        if (ours.ok) expect(theirs).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});

describe('proof members (RFC 9449 §4.3)', () => {
  it('refuses a replayed proof with the same key and jti, and accepts another jti', async () => {
    const client = clients[0] as ClientKey;
    const jkt = await calculateJwkThumbprint(client.jwk, 'sha256');
    const t = await token(jkt);
    const v = verifier();
    const p = await proof(client, { jti: 'once', htm: 'GET', htu: URL_, iat: now(), ath: ath(t) });
    expect(await outcome(v, t, p)).toEqual({ ok: true, jkt });
    expect(await outcome(v, t, p)).toEqual({ ok: false, reason: 'dpop_proof_replayed', code: 'invalid_dpop_proof' });
    const other = await proof(client, { jti: 'twice', htm: 'GET', htu: URL_, iat: now(), ath: ath(t) });
    expect(await outcome(v, t, other)).toEqual({ ok: true, jkt });
  });

  it('a refused proof does not burn its jti (the replay check comes last)', async () => {
    const client = clients[0] as ClientKey;
    const jkt = await calculateJwkThumbprint(client.jwk, 'sha256');
    const v = verifier();
    const unbound = await token();
    const t = await token(jkt);
    const forUnbound = await proof(client, { jti: 'kept', htm: 'GET', htu: URL_, iat: now(), ath: ath(unbound) });
    expect(await outcome(v, unbound, forUnbound)).toEqual({
      ok: false,
      reason: 'token_not_dpop_bound',
      code: 'invalid_token',
    });
    const p = await proof(client, { jti: 'kept', htm: 'GET', htu: URL_, iat: now(), ath: ath(t) });
    expect(await outcome(v, t, p)).toEqual({ ok: true, jkt });
  });

  it('the replay store keeps a proof one second past the last second it is accepted in', async () => {
    const client = clients[0] as ClientKey;
    const jkt = await calculateJwkThumbprint(client.jwk, 'sha256');
    const t = await token(jkt);
    const seen: number[] = [];
    const remember = (_key: string, expiresAt: number) => {
      seen.push(expiresAt);
      return true;
    };
    const v = verifier({ maxAge: 10, replay: { remember } });
    const iat = now() - 3;
    await outcome(v, t, await proof(client, { jti: 'edge', htm: 'GET', htu: URL_, iat, ath: ath(t) }));
    // Accepted while floor(now) <= iat + 10 + 5: kept until iat + 16.
    expect(seen).toEqual([iat + 16]);
  });

  it('verify(token) refuses a sender-constrained token: only authenticate() sees the request that proves it', async () => {
    const client = clients[0] as ClientKey;
    const jkt = await calculateJwkThumbprint(client.jwk, 'sha256');
    const error = await verifier()
      .verify(await token(jkt))
      .catch((e: unknown) => e);
    expect(isBearerError(error) && error.reason).toBe('bound_token_as_bearer');
  });

  it('maxAge and clockTolerance bound iat', async () => {
    const client = clients[0] as ClientKey;
    const jkt = await calculateJwkThumbprint(client.jwk, 'sha256');
    const t = await token(jkt);
    const v = verifier({ maxAge: 10 });
    const at = async (iat: number, jti: string) =>
      (await outcome(v, t, await proof(client, { jti, htm: 'GET', htu: URL_, iat, ath: ath(t) }))).ok;
    expect(await at(now() - 14, 'a')).toBe(true); // 10 s + the default 5 s tolerance
    expect(await at(now() - 17, 'b')).toBe(false);
    expect(await at(now() + 4, 'c')).toBe(true);
    expect(await at(now() + 7, 'd')).toBe(false);
  });

  it('checks the request URL the adapter reports, normalised', async () => {
    const client = clients[0] as ClientKey;
    const jkt = await calculateJwkThumbprint(client.jwk, 'sha256');
    const t = await token(jkt);
    const v = verifier();
    let n = 0;
    const check = async (htu: string, href: string) =>
      (
        await outcome(
          v,
          t,
          await proof(client, { jti: `u${n++}`, htm: 'GET', htu, iat: now(), ath: ath(t) }),
          'GET',
          href,
        )
      ).ok;
    expect(await check('https://API.example.com:443/orders', 'https://api.example.com/orders?x=1')).toBe(true);
    expect(await check('https://api.example.com/a/../orders', 'https://api.example.com/orders')).toBe(true);
    expect(await check('https://api.example.com/orders', 'https://api.example.com/orders/')).toBe(false);
    expect(await check('https://api.example.com:8443/orders', 'https://api.example.com/orders')).toBe(false);
    expect(await check('https://user@api.example.com/orders', 'https://api.example.com/orders')).toBe(false);
  });
});

describe('requestHtu: the URL a proof must name, from what the framework reports', () => {
  it.each([
    ['http://127.0.0.1:8080', '/orders?x=1', 'http://127.0.0.1:8080/orders'],
    ['HTTPS://API.Example.com:443', '/a/%7eb/%2f', 'https://api.example.com/a/~b/%2F'],
    ['http://[::1]:3000', '/orders', 'http://[::1]:3000/orders'],
    ['http://api.example.com', 'http://ignored.example/orders?x', 'http://api.example.com/orders'],
  ])('%s + %s → %s', (origin, url, expected) => {
    expect(requestHtu(origin, url)).toBe(expected);
  });

  it.each([
    ['a Host with a path', 'http://127.0.0.1:8080/public?', '/admin/delete'],
    ['a Host with a fragment', 'http://127.0.0.1:8080#', '/admin'],
    ['an empty Host', 'http://', '/victim.example/orders'],
    ['a Host with userinfo', 'http://user@api.example.com', '/orders'],
    ['a dot segment', 'http://api.example.com', '/admin/../public'],
    ['an encoded dot segment', 'http://api.example.com', '/admin/%2e%2e/public'],
    ['a mixed encoded dot segment', 'http://api.example.com', '/admin/%2E./public'],
    ['a single dot segment', 'http://api.example.com', '/./orders'],
    ['a path starting with //', 'http://api.example.com', '//evil.example/orders'],
    ['an asterisk target', 'http://api.example.com', '*'],
    ['another scheme', 'ftp://api.example.com', '/orders'],
  ])('%s → undefined (the proof then fails)', (_name, origin, url) => {
    expect(requestHtu(origin, url)).toBeUndefined();
  });
});

describe('normalizeHtu', () => {
  it.each([
    ['HTTPS://Example.COM:443/a/./b/../c?q#f', 'https://example.com/a/c'],
    ['http://example.com:80', 'http://example.com/'],
    ['http://example.com:8080/%7euser/%2f', 'http://example.com:8080/~user/%2F'],
    ['https://example.com/caf%c3%a9', 'https://example.com/caf%C3%A9'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeHtu(input)).toBe(expected);
  });

  it.each(['/relative', 'ftp://example.com/', 'https://u:p@example.com/', 'not a url', ''])(
    '%s → undefined',
    (input) => {
      expect(normalizeHtu(input)).toBeUndefined();
    },
  );
});

describe('memoryReplayStore', () => {
  it('remembers a key until it expires, then forgets it', () => {
    let t = 1000;
    const store = memoryReplayStore({ now: () => t });
    expect(store.remember('a', 1060)).toBe(true);
    expect(store.remember('a', 1060)).toBe(false);
    t = 1061;
    expect(store.remember('a', 1120)).toBe(true);
    expect(store.size).toBe(1);
  });

  it('when full of live keys, throws (the verifier answers 503) rather than forget one', () => {
    let t = 1000;
    const store = memoryReplayStore({ max: 2, now: () => t });
    expect(store.remember('a', 1010)).toBe(true);
    expect(store.remember('b', 1020)).toBe(true);
    expect(() => store.remember('c', 1030)).toThrow('memoryReplayStore is full: 2 live proofs');
    expect(store.remember('a', 1010)).toBe(false);
    t = 1011;
    expect(store.remember('c', 1030)).toBe(true);
    expect(store.size).toBe(2);
  });
});

describe('options', () => {
  const base = { issuer: ISS, audience: 'orders', secret: SECRET } as const;
  it.each([
    [{ dpop: 'yes' }, 'bearer-guard: `dpop` must be true, false or an object'],
    [{ dpop: { algorithms: ['HS256'] } }, 'bearer-guard: `dpop.algorithms` contains "HS256"'],
    [{ dpop: { algorithms: [] } }, 'bearer-guard: `dpop.algorithms` must be a non-empty array'],
    [{ dpop: { replay: {} } }, 'bearer-guard: `dpop.replay` must be a ReplayStore ({ remember })'],
    [{ dpop: { nonce: { secret: 'short' } } }, 'bearer-guard: `dpop.nonce.secret` is 5 bytes: at least 32 are needed'],
    [{ dpop: { maxAge: 'soon' } }, 'bearer-guard: `dpop.maxAge`'],
    [{ dpop: { requierd: true } }, 'bearer-guard: `dpop.requierd` is not an option of `dpop`'],
    [{ mtls: { certificate: 'x-client-cert' } }, 'bearer-guard: `mtls.certificate`'],
    [{ mtls: 1 }, 'bearer-guard: `mtls` must be true, false or an object'],
  ])('%j is refused at start-up', (options, message) => {
    expect(() => createVerifier({ ...base, ...(options as object) })).toThrow(message);
  });
});

describe('nonces (RFC 9449 §8)', () => {
  it('a nonce from one verifier is accepted by another with the same secret, and refused by one with another', async () => {
    const client = clients[0] as ClientKey;
    const jkt = await calculateJwkThumbprint(client.jwk, 'sha256');
    const t = await token(jkt);
    const secret = 'n'.repeat(32);
    const a = verifier({ nonce: { secret } });
    const b = verifier({ nonce: { secret } });
    const c = verifier({ nonce: { secret: 'm'.repeat(32) } });
    let first: unknown;
    try {
      await a.authenticate({
        headers: {
          authorization: `DPoP ${t}`,
          dpop: await proof(client, { jti: 'n1', htm: 'GET', htu: URL_, iat: now(), ath: ath(t) }),
        },
        method: 'GET',
        ...target(URL_),
      });
    } catch (error) {
      first = error;
    }
    expect(isBearerError(first) && first.code).toBe('use_dpop_nonce');
    const nonce = (first as { headers: Record<string, string> }).headers['dpop-nonce'] as string;
    const withNonce = async (jti: string) =>
      proof(client, { jti, htm: 'GET', htu: URL_, iat: now(), ath: ath(t), nonce });
    expect(await outcome(b, t, await withNonce('n2'))).toEqual({ ok: true, jkt });
    expect(await outcome(c, t, await withNonce('n3'))).toEqual({
      ok: false,
      reason: 'dpop_nonce_required',
      code: 'use_dpop_nonce',
    });
  });
});

describe('certificate thumbprints (RFC 8705 §3.1)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bg-cert-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is the same for PEM, URL-encoded PEM, DER and an X509Certificate', () => {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=client'].concat([
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
      ]),
      { stdio: 'ignore' },
    );
    const pem = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const x509 = new X509Certificate(pem);
    const expected = createHash('sha256').update(x509.raw).digest('base64url');
    expect(certificateThumbprint(pem)).toBe(expected);
    expect(certificateThumbprint(encodeURIComponent(pem))).toBe(expected);
    expect(certificateThumbprint(x509.raw)).toBe(expected);
    expect(certificateThumbprint(new Uint8Array(x509.raw))).toBe(expected);
    expect(certificateThumbprint(x509)).toBe(expected);
  });

  it.each([undefined, null, '', 'not a certificate', Buffer.alloc(0), Buffer.from('30030201', 'hex'), 42, {}])(
    '%j has none',
    (value) => {
      expect(certificateThumbprint(value)).toBeUndefined();
    },
  );
});
