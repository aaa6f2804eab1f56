/**
 * Misconfigurations and gadgets that reopen old attacks (issue 11), at the core's level: each is
 * refused at start-up or cannot change an answer. The HTTP-level rows are in conformance/.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createVerifier,
  isBearerError,
  memoryRevocationStore,
  type AuthOptions,
  type JWKSEvent,
} from '@bearer-guard/core';
import { forwardedError } from '@bearer-guard/core/adapter';
import { startJWKSServer, type JWKSServer } from './helpers/jwks-server.js';
import { claims, makeKey, type TestKey } from './helpers/keys.js';
import { rejection } from './helpers/rejection.js';

const ISS = 'https://issuer.test/';
const base = { issuer: ISS, audience: 'orders' } satisfies Partial<AuthOptions>;

let rs: TestKey;
let es: TestKey;
beforeAll(async () => {
  rs = await makeKey('RS256');
  es = await makeKey('ES256');
});

describe('a `secret` that is really key material is refused at start-up', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bg-secret-'));
    execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'id')]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const refused = (secret: string | Uint8Array, kind: string) =>
    expect(() => createVerifier({ ...base, secret })).toThrow(
      `bearer-guard: \`secret\` is ${kind}, not a shared secret: use \`publicKey\` or \`jwks\` for public keys (HMAC and public keys never mix)`,
    );

  it('a PEM public key, with or without surrounding whitespace', () => {
    refused(rs.spki, 'a PEM key or certificate');
    refused(`\n  ${rs.spki}\n`, 'a PEM key or certificate');
    refused(Buffer.from(rs.spki), 'a PEM key or certificate');
  });
  it('an OpenSSH public key from ssh-keygen', () => {
    refused(readFileSync(join(dir, 'id.pub'), 'utf8'), 'an OpenSSH public key');
  });
  it('a JWK or a JWKS as JSON', () => {
    refused(JSON.stringify(rs.jwk), 'a JWK or JWKS');
    refused(JSON.stringify({ keys: [es.jwk] }), 'a JWK or JWKS');
    refused(` ${JSON.stringify(es.jwk, null, 2)}`, 'a JWK or JWKS');
  });
  it('DER: raw, base64 (wrapped or not), base64url and hex, for SPKI, PKCS#1 and certificates', () => {
    const der = rs.publicKey.export({ type: 'spki', format: 'der' });
    refused(der, 'a DER-encoded key');
    refused(der.toString('base64'), 'an encoded DER key');
    refused(der.toString('base64').replace(/(.{64})/g, '$1\n'), 'an encoded DER key');
    refused(der.toString('base64url'), 'an encoded DER key');
    refused(der.toString('hex'), 'an encoded DER key');
    refused(der.toString('hex').toUpperCase(), 'an encoded DER key');
    refused(es.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'), 'an encoded DER key');
    refused(rs.publicKey.export({ type: 'pkcs1', format: 'der' }).toString('base64url'), 'an encoded DER key');
    const certificate = execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        join(dir, 'cert.key'),
        '-subj',
        '/CN=test',
        '-days',
        '1',
        '-outform',
        'DER',
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    refused(certificate, 'a DER-encoded key');
    refused(certificate.toString('base64'), 'an encoded DER key');
  });
  it('OpenSSH: an authorized_keys line with options, the RFC 4716 form, the bare base64 blob', () => {
    const line = readFileSync(join(dir, 'id.pub'), 'utf8').trim();
    refused(`no-pty,command="/bin/true" ${line}`, 'an OpenSSH public key');
    const rfc4716 = execFileSync('/usr/bin/ssh-keygen', ['-e', '-f', join(dir, 'id.pub')], { encoding: 'utf8' });
    expect(rfc4716).toMatch(/^---- BEGIN SSH2 PUBLIC KEY ----/);
    refused(rfc4716, 'a PEM key or certificate');
    const blob = line.split(' ')[1] as string;
    refused(blob, 'an OpenSSH public key');
    refused(Buffer.from(blob, 'base64'), 'an OpenSSH public key');
  });
  it('a JWK in an array, a JWK JSON-encoded twice, a PEM saved as UTF-16', () => {
    refused(JSON.stringify([rs.jwk]), 'a JWK or JWKS');
    refused(JSON.stringify(JSON.stringify(es.jwk)), 'a JWK or JWKS');
    refused(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(rs.spki, 'utf16le')]), 'a PEM key or certificate');
    refused(`\uFEFF${rs.spki}`, 'a PEM key or certificate');
  });
  it('a random secret — raw, base64, base64url or hex, as `openssl rand` makes them — is accepted', () => {
    for (let i = 0; i < 50; i++) {
      const random = randomBytes(48);
      for (const secret of [random, random.toString('base64'), random.toString('base64url'), random.toString('hex')]) {
        expect(() => createVerifier({ ...base, secret })).not.toThrow();
      }
    }
  });
});

describe('private JWKs are never used', () => {
  let server: JWKSServer;
  afterEach(async () => server?.close());

  it('a local `jwks` with a private key is refused at start-up', async () => {
    const privateJWK = { ...rs.jwk, d: 'AQAB', p: 'AQAB', q: 'AQAB' };
    expect(() => createVerifier({ ...base, jwks: { keys: [es.jwk, privateJWK] } })).toThrow(
      'bearer-guard: `jwks.keys[1]` holds private key material ("d", "p", "q"): give the verifier only the public keys',
    );
    expect(() => createVerifier({ ...base, jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 's' }] } })).toThrow(
      'bearer-guard: `jwks.keys[0]` holds private key material ("k"): give the verifier only the public keys',
    );
  });

  it('a fetched JWKS that publishes a private key: the key is skipped, the event says why, loudly', async () => {
    server = await startJWKSServer({ keys: [{ ...es.jwk, d: 'c2VjcmV0' }] });
    const events: JWKSEvent[] = [];
    const verifier = createVerifier({ ...base, jwksUri: server.jwksUri, onEvent: (e) => events.push(e) });
    const token = await es.sign(claims());
    const error = await rejection(verifier.verify(token));
    expect([error.status, error.reason]).toEqual([401, 'no_matching_key']);
    expect(
      events
        .filter((e) => e.type !== 'jwks_rate_limited')
        .map((e) => (e.type === 'jwks_fetch' ? { ...e, durationMs: 0 } : e)),
    ).toEqual([
      { type: 'jwks_private_key', uri: server.jwksUri, kid: es.kid, members: ['d'] },
      {
        type: 'jwks_fetch',
        uri: server.jwksUri,
        status: 200,
        keys: 0,
        durationMs: 0,
        skipped: 1,
        rejected: [{ kid: es.kid, reason: 'private key material ("d") published: never used' }],
      },
    ]);
    verifier.close();
  });
});

describe('claims are read from own properties only', () => {
  const polluted = ['aud', 'iss', 'exp', 'jti', 'alg', 'kid', 'typ'] as const;
  afterEach(() => {
    for (const name of polluted) delete (Object.prototype as Record<string, unknown>)[name];
  });

  it('an `aud` on Object.prototype does not stand in for a missing one', async () => {
    const verifier = createVerifier({ ...base, publicKey: rs.spki });
    const { aud: _aud, ...rest } = claims();
    const token = await rs.sign(rest);
    Object.defineProperty(Object.prototype, 'aud', { value: 'orders', configurable: true, writable: true });
    const error = await rejection(verifier.verify(token));
    expect([error.reason, error.message]).toEqual(['missing_claim', '"aud" claim is missing']);
  });

  it('neither do `iss`, `exp`, `typ`, `alg` or `jti`', async () => {
    const strict = createVerifier({ ...base, publicKey: rs.spki, tokenType: 'at+jwt' });
    const withRevocation = createVerifier({ ...base, publicKey: rs.spki, revocation: memoryRevocationStore() });
    const { iss: _iss, exp: _exp, jti: _jti, ...rest } = claims();
    const noIss = await rs.sign({ ...claims(), iss: undefined });
    const noExp = await rs.sign({ ...rest, iss: ISS });
    const noTyp = await rs.sign(claims());
    const noJti = await rs.sign({ ...rest, iss: ISS, exp: Math.floor(Date.now() / 1000) + 60 });
    for (const [name, value] of [
      ['iss', ISS],
      ['exp', 4_000_000_000],
      ['typ', 'at+jwt'],
      ['jti', 'some-id'],
    ] as const) {
      Object.defineProperty(Object.prototype, name, { value, configurable: true, writable: true });
    }
    expect((await rejection(strict.verify(noTyp))).reason).toBe('invalid_token_type');
    expect((await rejection(createVerifier({ ...base, publicKey: rs.spki }).verify(noIss))).message).toBe(
      '"iss" claim is missing',
    );
    expect((await rejection(createVerifier({ ...base, publicKey: rs.spki }).verify(noExp))).message).toBe(
      '"exp" claim is missing',
    );
    expect((await rejection(withRevocation.verify(noJti))).reason).toBe('missing_jti');
  });
});

describe('revocation', () => {
  it('an empty `jti` is no `jti`: refused when a store requires one', async () => {
    const verifier = createVerifier({ ...base, publicKey: rs.spki, revocation: memoryRevocationStore() });
    const error = await rejection(verifier.verify(await rs.sign(claims({ jti: '' }))));
    expect([error.status, error.reason]).toEqual([401, 'missing_jti']);
  });

  it('a store that forgets a revoked token before the verifier stops accepting it is refused at start-up', () => {
    const store = memoryRevocationStore({ clockTolerance: 30 });
    expect(store.retention).toBe(30);
    expect(() => createVerifier({ ...base, publicKey: rs.spki, revocation: store, clockTolerance: '2m' })).toThrow(
      'bearer-guard: `revocation` keeps a revoked token for 30 s past its "exp", less than `clockTolerance` (120 s): ' +
        'the token would pass again in between. Give the store a clockTolerance of at least 120 s',
    );
    expect(() => createVerifier({ ...base, publicKey: rs.spki, revocation: store, clockTolerance: 30 })).not.toThrow();
  });

  it("an entry revoked for one issuer does not refuse another issuer's token with the same jti", async () => {
    const other = 'https://other-tenant.test/';
    const store = memoryRevocationStore();
    const verifier = createVerifier({
      issuer: [ISS, other],
      audience: 'orders',
      publicKey: rs.spki,
      revocation: store,
    });
    const exp = Math.floor(Date.now() / 1000) + 300;
    const mine = await rs.sign(claims({ jti: 'shared-id', exp }));
    const theirs = await rs.sign(claims({ iss: other, jti: 'shared-id', exp }));
    await store.revoke('shared-id', exp, other);
    expect((await verifier.verify(mine)).payload.jti).toBe('shared-id');
    expect((await rejection(verifier.verify(theirs))).reason).toBe('token_revoked');
    // A store serving several issuers refuses a revocation that does not name one.
    expect(() => store.revoke('shared-id', exp)).toThrow(
      new TypeError(
        "revoke: this store serves a verifier that accepts several issuers: name the token's issuer, revoke(jti, exp, iss), " +
          "so that one issuer's jti cannot revoke another's token",
      ),
    );
  });

  it('with one issuer, an entry revoked without an issuer refuses the token', async () => {
    const store = memoryRevocationStore();
    const verifier = createVerifier({ ...base, publicKey: rs.spki, revocation: store });
    const exp = Math.floor(Date.now() / 1000) + 300;
    await store.revoke('one-id', exp);
    expect((await rejection(verifier.verify(await rs.sign(claims({ jti: 'one-id', exp }))))).reason).toBe(
      'token_revoked',
    );
  });

  it('entries live until the whole second after exp + retention: a verifier comparing whole seconds never outlives them', () => {
    let t = 1000;
    const store = memoryRevocationStore({ now: () => t, clockTolerance: 5 });
    store.revoke('frac', 1000.5);
    t = 1005.6; // a verifier with clockTolerance 5 still accepts exp 1000.5 here: floor(t) = 1005 < 1005.5
    expect(store.isRevoked({ jti: 'frac' })).toBe(true);
    t = 1006;
    expect(store.isRevoked({ jti: 'frac' })).toBe(false);
  });

  it('issuer-scoped entries cannot be forged by a jti that spells another key', async () => {
    const store = memoryRevocationStore();
    const exp = Math.floor(Date.now() / 1000) + 300;
    await store.revoke('https://b.test/x', exp, 'https://a.test/');
    expect(store.isRevoked({ iss: 'https://a.test/', jti: 'https://b.test/x' })).toBe(true);
    expect(store.isRevoked({ iss: 'https://a.test/https://b.test/', jti: 'x' })).toBe(false);
    expect(store.isRevoked({ jti: '22:https://a.test/https://b.test/x' })).toBe(false);
    expect(() => store.revoke('x', exp, '')).toThrow('revoke: `issuer` must be a non-empty string when given');
  });
});

describe('values that go into a header are refused at start-up unless printable ASCII', () => {
  it.each([
    ['a non-ASCII realm', 'réalm'],
    ['a realm with a line break', 'api\r\nX-Injected: 1'],
    ['a realm with a quote', 'a"b'],
    ['an empty realm', ''],
  ])('%s', (_name, realm) => {
    expect(() => createVerifier({ ...base, publicKey: rs.spki, realm })).toThrow(
      'bearer-guard: `realm` must be a non-empty string of printable ASCII without quotes or backslashes',
    );
  });
  it('a realm with spaces is fine', () => {
    expect(() => createVerifier({ ...base, publicKey: rs.spki, realm: 'Orders API' })).not.toThrow();
  });
});

describe('nothing one request does changes what another sees', () => {
  it('a decoded header shared by two tokens is frozen all the way down', async () => {
    const verifier = createVerifier({ ...base, publicKey: rs.spki, cache: false });
    const header = { ext: { tenant: 'acme' } };
    const first = await verifier.verify(await rs.sign(claims(), header));
    expect(() => {
      (first.header.ext as Record<string, unknown>).tenant = 'evil';
    }).toThrow(TypeError);
    const second = await verifier.verify(await rs.sign(claims(), header));
    expect(second.header.ext).toEqual({ tenant: 'acme' });
    expect(Object.isFrozen(Object.getPrototypeOf(second))).toBe(true);
  });
});

describe('forwardedError', () => {
  it('keeps status, headers, body and reason; message and stack are generic; the detail stays server-side', async () => {
    const verifier = createVerifier({ ...base, publicKey: rs.spki });
    const error = await rejection(verifier.verify(await rs.sign(claims({ aud: 'billing' }))));
    const forwarded = forwardedError(error);
    expect({
      status: forwarded.status,
      statusCode: forwarded.statusCode,
      headers: forwarded.headers,
      body: forwarded.body,
      reason: forwarded.reason,
      message: forwarded.message,
      detail: forwarded.detail,
      json: JSON.stringify(forwarded),
      stack: forwarded.stack,
      branded: isBearerError(forwarded),
    }).toEqual({
      status: 401,
      statusCode: 401,
      headers: {
        'www-authenticate':
          'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"',
        'cache-control': 'no-store',
      },
      body: { error: 'invalid_token', error_description: 'The access token is invalid' },
      reason: 'invalid_audience',
      message: 'The access token is invalid',
      detail: 'unexpected "aud" claim value "billing", expected "orders"',
      json: '{}',
      stack: 'InvalidTokenError: The access token is invalid',
      branded: true,
    });
  });
});
