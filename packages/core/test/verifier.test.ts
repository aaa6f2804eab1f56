import { createHmac, createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, importPKCS8 } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, memoryRevocationStore, type AuthOptions } from '@bearer-guard/core';
import { ed25519FromOpenSsh } from './helpers/ssh.js';
import { claims, makeKey, now, rawToken, type TestKey } from './helpers/keys.js';
import { rejection } from './helpers/rejection.js';

const ISS = 'https://issuer.test/';
const base = { issuer: ISS, audience: 'orders' } satisfies AuthOptions;

let rs: TestKey;
let es: TestKey;
let ed: TestKey;
let ps: TestKey;
beforeAll(async () => {
  [rs, es, ed, ps] = await Promise.all([makeKey('RS256'), makeKey('ES256'), makeKey('EdDSA'), makeKey('PS256')]);
});

describe('key sources', () => {
  it('verifies with a PEM SPKI public key for every asymmetric family', async () => {
    for (const key of [rs, es, ed, ps]) {
      const verifier = createVerifier({ ...base, publicKey: key.spki });
      const { payload, header } = await verifier.verify(await key.sign(claims({ sub: `for-${key.alg}` })));
      expect(payload.sub).toBe(`for-${key.alg}`);
      expect(header.alg).toBe(key.alg);
    }
  });

  it('verifies with a PKCS#1 "RSA PUBLIC KEY" PEM, a JWK object, JWK JSON text and a KeyObject', async () => {
    const pkcs1 = rs.publicKey.export({ type: 'pkcs1', format: 'pem' }) as string;
    expect(pkcs1).toContain('BEGIN RSA PUBLIC KEY');
    const token = await rs.sign(claims());
    for (const publicKey of [pkcs1, rs.jwk, JSON.stringify(rs.jwk), rs.publicKey, `\n  ${rs.spki}\n\n`]) {
      const { payload } = await createVerifier({ ...base, publicKey: publicKey as AuthOptions['publicKey'] }).verify(
        token,
      );
      expect(payload.sub).toBe('user-1');
    }
  });

  it('verifies with an X.509 certificate made by openssl', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bg-cert-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          join(dir, 'k.pem'),
          '-out',
          join(dir, 'c.pem'),
          '-subj',
          '/CN=test',
          '-days',
          '1',
        ],
        { stdio: 'ignore' },
      );
      const privateKey = await importPKCS8(readFileSync(join(dir, 'k.pem'), 'utf8'), 'RS256');
      const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
      const { payload } = await createVerifier({ ...base, publicKey: readFileSync(join(dir, 'c.pem'), 'utf8') }).verify(
        token,
      );
      expect(payload.iss).toBe(ISS);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['rsa', ['-t', 'rsa', '-b', '2048'], 'RS256'],
    ['rsa -m pem', ['-t', 'rsa', '-b', '4096', '-m', 'pem'], 'RS256'],
    ['ecdsa', ['-t', 'ecdsa', '-b', '256'], 'ES256'],
    ['ed25519', ['-t', 'ed25519'], 'EdDSA'],
  ])('verifies with an OpenSSH public key from ssh-keygen (%s)', async (_name, args, alg) => {
    const dir = mkdtempSync(join(tmpdir(), 'bg-ssh-'));
    try {
      const file = join(dir, 'jwt-key');
      execFileSync('ssh-keygen', ['-q', ...args, '-N', '', '-C', 'jwt-key', '-f', file], { stdio: 'ignore' });
      // The private key is converted to PEM by ssh-keygen itself to sign the token.
      execFileSync('ssh-keygen', ['-q', '-p', '-N', '', '-m', 'PKCS8', '-f', file], { stdio: 'ignore' });
      const text = readFileSync(file, 'utf8');
      const privateKey = text.includes('OPENSSH PRIVATE KEY') ? ed25519FromOpenSsh(text) : await importPKCS8(text, alg);
      const token = await new SignJWT(claims()).setProtectedHeader({ alg }).sign(privateKey);
      const verifier = createVerifier({ ...base, publicKey: readFileSync(`${file}.pub`, 'utf8') });
      expect((await verifier.verify(token)).payload.sub).toBe('user-1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('verifies with a local JWKS, choosing the key by kid', async () => {
    const verifier = createVerifier({ ...base, jwks: { keys: [rs.jwk, es.jwk, ed.jwk] } });
    for (const key of [rs, es, ed]) expect((await verifier.verify(await key.sign(claims()))).header.kid).toBe(key.kid);
    const other = await makeKey('ES256', { kid: es.kid });
    const error = await rejection(verifier.verify(await other.sign(claims())));
    expect([error.status, error.code, error.reason]).toEqual([401, 'invalid_token', 'invalid_signature']);
    const unknown = await rejection(verifier.verify(await rs.sign(claims(), { kid: 'nope' })));
    expect(unknown.reason).toBe('no_matching_key');
  });

  it('verifies HS256 with a secret of at least 32 bytes', async () => {
    const secret = 'a'.repeat(32);
    const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256' }).sign(Buffer.from(secret));
    expect((await createVerifier({ ...base, secret }).verify(token)).payload.aud).toBe('orders');
    const wrong = await rejection(createVerifier({ ...base, secret: 'b'.repeat(32) }).verify(token));
    expect(wrong.reason).toBe('invalid_signature');
  });
});

describe('algorithms are pinned by the key', () => {
  it('refuses alg none, HS256 signed with the public key, and algorithms the key cannot do', async () => {
    const verifier = createVerifier({ ...base, publicKey: rs.spki });
    const none = rawToken({ alg: 'none' }, claims(), '');
    expect((await rejection(verifier.verify(none))).reason).toBe('malformed_token');
    const noneSigned = rawToken({ alg: 'none' }, claims());
    expect((await rejection(verifier.verify(noneSigned))).reason).toBe('algorithm_not_allowed');
    for (const form of [
      rs.spki,
      rs.publicKey.export({ type: 'pkcs1', format: 'pem' }) as string,
      JSON.stringify(rs.jwk),
    ]) {
      const header = Buffer.from(JSON.stringify({ alg: 'HS256' })).toString('base64url');
      const body = Buffer.from(JSON.stringify(claims())).toString('base64url');
      const sig = createHmac('sha256', form).update(`${header}.${body}`).digest('base64url');
      const error = await rejection(verifier.verify(`${header}.${body}.${sig}`));
      expect([error.status, error.reason]).toEqual([401, 'algorithm_not_allowed']);
    }
    const es384 = await makeKey('ES384');
    expect(
      (await rejection(createVerifier({ ...base, publicKey: es.spki }).verify(await es384.sign(claims())))).reason,
    ).toBe('algorithm_not_allowed');
  });

  it('narrows with `algorithms` and with the JWK alg', async () => {
    const token = await ps.sign(claims());
    expect((await createVerifier({ ...base, publicKey: ps.spki }).verify(token)).header.alg).toBe('PS256');
    const narrowed = createVerifier({ ...base, publicKey: ps.spki, algorithms: ['RS256'] });
    expect((await rejection(narrowed.verify(token))).reason).toBe('algorithm_not_allowed');
    // The JWK declares RS256: a PS256 token signed by the same key pair finds no usable key.
    const declaredRs = createVerifier({ ...base, jwks: { keys: [{ ...ps.jwk, alg: 'RS256' }] } });
    expect((await rejection(declaredRs.verify(token))).reason).toBe('algorithm_not_allowed');
  });
});

describe('claims', () => {
  const verifier = () => createVerifier({ ...base, publicKey: rs.spki, cache: false });
  const cases: [string, () => Record<string, unknown>, string | null, Partial<AuthOptions>?][] = [
    ['valid', () => ({}), null],
    ['expired beyond tolerance', () => ({ exp: now() - 6 }), 'token_expired'],
    ['expired within tolerance', () => ({ exp: now() - 3 }), null],
    ['no exp', () => ({ exp: undefined }), 'missing_claim'],
    ['no exp, relaxed', () => ({ exp: undefined }), null, { requiredClaims: [] }],
    ['exp not a number', () => ({ exp: '9999999999' }), 'invalid_claim'],
    ['nbf in the future', () => ({ nbf: now() + 60 }), 'token_not_yet_valid'],
    ['nbf within tolerance', () => ({ nbf: now() + 3 }), null],
    ['iat in the future', () => ({ iat: now() + 60 }), 'token_issued_in_future'],
    ['wrong issuer', () => ({ iss: 'https://issuer.test' }), 'invalid_issuer'],
    ['missing issuer', () => ({ iss: undefined }), 'missing_claim'],
    ['one of several issuers', () => ({ iss: 'https://b.test/' }), null, { issuer: [ISS, 'https://b.test/'] }],
    ['wrong audience', () => ({ aud: 'order' }), 'invalid_audience'],
    ['audience array with a match', () => ({ aud: ['x', 'orders'] }), null],
    ['audience array without a match', () => ({ aud: ['x', 'y'] }), 'invalid_audience'],
    ['audience of the wrong type', () => ({ aud: 5 }), 'invalid_claim'],
    ['any configured audience', () => ({ aud: 'billing' }), null, { audience: ['orders', 'billing'] }],
    ['too old', () => ({ iat: now() - 120 }), 'token_too_old', { maxTokenAge: '1m' }],
    ['young enough', () => ({ iat: now() - 30 }), null, { maxTokenAge: 60 }],
    ['required claim missing', () => ({}), 'missing_claim', { requiredClaims: ['exp', 'client_id'] }],
    ['non-string sub', () => ({ sub: 42 }), 'invalid_claim'],
    ['clock tolerance as a string', () => ({ exp: now() - 20 }), null, { clockTolerance: '30s' }],
  ];
  it.each(cases)('%s', async (_name, overrides, reason, options) => {
    const v = options ? createVerifier({ ...base, publicKey: rs.spki, cache: false, ...options }) : verifier();
    const token = await rs.sign(claims(overrides() as never));
    if (reason === null) {
      expect((await v.verify(token)).payload.jti).toMatch(/^jti-/);
    } else {
      const error = await rejection(v.verify(token));
      expect([error.status, error.code, error.reason]).toEqual([401, 'invalid_token', reason]);
      expect(error.headers['www-authenticate']).toBe(
        'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"',
      );
    }
  });

  it('checks typ case-insensitively, with or without application/', async () => {
    const v = createVerifier({ ...base, publicKey: rs.spki, tokenType: 'at+jwt' });
    for (const typ of ['at+jwt', 'AT+JWT', 'application/at+jwt']) {
      expect((await v.verify(await rs.sign(claims(), { typ }))).header.typ).toBe(typ);
    }
    for (const typ of ['JWT', 'application/jwt', undefined]) {
      expect((await rejection(v.verify(await rs.sign(claims(), { typ })))).reason).toBe('invalid_token_type');
    }
  });
});

describe('verified-token cache', () => {
  it('returns the same frozen claims for a repeated token and re-checks expiry on a hit', async () => {
    const v = createVerifier({ ...base, publicKey: rs.spki, clockTolerance: 0 });
    const token = await rs.sign(claims({ exp: now() + 2 }));
    await v.verify(token); // first sight: verified, not admitted
    const first = await v.verify(token); // second sight: admitted
    const second = await v.verify(token);
    expect(second.payload).toBe(first.payload);
    expect(Object.isFrozen(first.payload)).toBe(true);
    expect(() => {
      (first.payload as { sub?: string }).sub = 'mallory';
    }).toThrow(TypeError);
    await new Promise((r) => setTimeout(r, 2100));
    expect((await rejection(v.verify(token))).reason).toBe('token_expired');
  });

  it('checks revocation on every hit', async () => {
    const revocation = memoryRevocationStore();
    const v = createVerifier({ ...base, publicKey: rs.spki, revocation });
    const payload = claims();
    const token = await rs.sign(payload);
    await v.verify(token);
    const cached = await v.verify(token);
    expect((await v.verify(token)).payload).toBe(cached.payload);
    await revocation.revoke(payload.jti as string, payload.exp as number);
    const error = await rejection(v.verify(token));
    expect([error.status, error.reason]).toEqual([401, 'token_revoked']);
    const noJti = await rs.sign(claims({ jti: undefined }));
    expect((await rejection(v.verify(noJti))).reason).toBe('missing_jti');
    const relaxed = createVerifier({ ...base, publicKey: rs.spki, revocation, requireJti: false });
    expect((await relaxed.verify(noJti)).payload.sub).toBe('user-1');
  });

  it('admits a token on its second sight: a token seen once is verified, not cached', async () => {
    const v = createVerifier({ ...base, publicKey: rs.spki });
    const token = await rs.sign(claims());
    const once = await v.verify(token);
    const twice = await v.verify(token);
    expect(twice.payload).not.toBe(once.payload);
    expect(twice.payload).toEqual(once.payload);
    expect((await v.verify(token)).payload).toBe(twice.payload);
  });

  it('keeps a reused token through a flood of tokens each seen once, more than the cache holds', async () => {
    const v = createVerifier({ ...base, publicKey: rs.spki, cache: { max: 4 } });
    const reused = await rs.sign(claims({ jti: 'reused' }));
    await v.verify(reused);
    const cached = await v.verify(reused);
    for (let i = 0; i < 40; i++) await v.verify(await rs.sign(claims({ jti: `once-${i}` })));
    expect((await v.verify(reused)).payload).toBe(cached.payload);
  });

  it('never answers a token from the entry of another that shares its signature', async () => {
    const v = createVerifier({ ...base, publicKey: rs.spki });
    const token = await rs.sign(claims());
    await v.verify(token);
    await v.verify(token);
    const [, , signature] = token.split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT' })).toString('base64url');
    const forged = `${header}.${Buffer.from(JSON.stringify(claims({ sub: 'mallory' }))).toString('base64url')}.${signature}`;
    for (let i = 0; i < 3; i++) expect((await rejection(v.verify(forged))).reason).toBe('invalid_signature');
    expect((await v.verify(token)).payload.sub).toBe('user-1');
  });

  it('turns a failing revocation store into 503', async () => {
    const v = createVerifier({
      ...base,
      publicKey: rs.spki,
      revocation: { isRevoked: () => Promise.reject(new Error('down')), revoke: () => undefined },
    });
    const error = await rejection(v.verify(await rs.sign(claims())));
    expect([error.status, error.code, error.reason, error.headers['www-authenticate']]).toEqual([
      503,
      'temporarily_unavailable',
      'revocation_unavailable',
      undefined,
    ]);
  });
});

describe('a revocation store that never answers', () => {
  it('counts as down after revocationTimeout: 503, not a hung request', async () => {
    const v = createVerifier({
      ...base,
      publicKey: rs.spki,
      revocationTimeout: '200ms',
      revocation: { isRevoked: () => new Promise<boolean>(() => undefined), revoke: () => undefined },
    });
    const started = Date.now();
    const error = await rejection(v.verify(await rs.sign(claims())));
    expect([error.status, error.reason, error.message]).toEqual([
      503,
      'revocation_unavailable',
      'revocation store failed',
    ]);
    expect((error.cause as Error).message).toBe('revocation store did not answer within 0.2 s');
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('authenticate and the onRejected hook', () => {
  it('extracts, verifies, and reports the full reason server-side only', async () => {
    const seen: string[] = [];
    const v = createVerifier({
      ...base,
      publicKey: rs.spki,
      realm: 'orders-api',
      onRejected: (e) => seen.push(`${e.reason}: ${e.message}`),
    });
    const ok = await v.authenticate({ headers: { authorization: `Bearer ${await rs.sign(claims())}` } });
    expect(ok?.payload.sub).toBe('user-1');
    const expired = await rs.sign(claims({ exp: now() - 60 }));
    const error = await rejection(v.authenticate({ headers: { authorization: `Bearer ${expired}` } }));
    expect(error.headers['www-authenticate']).toBe(
      'Bearer realm="orders-api", error="invalid_token", error_description="The access token is invalid"',
    );
    expect(error.body).toEqual({ error: 'invalid_token', error_description: 'The access token is invalid' });
    expect(seen).toEqual(['token_expired: "exp" claim timestamp check failed']);
    const missing = await rejection(v.authenticate({ headers: {} }));
    expect([missing.status, missing.headers['www-authenticate']]).toEqual([401, 'Bearer realm="orders-api"']);
  });

  it('lets an optional verifier pass requests without a token, but not bad tokens', async () => {
    const v = createVerifier({ ...base, publicKey: rs.spki, optional: true });
    expect(await v.authenticate({ headers: {} })).toBeUndefined();
    expect((await rejection(v.authenticate({ headers: { authorization: 'Bearer x.y.z' } }))).status).toBe(401);
  });

  it('never lets a throwing hook change the answer', async () => {
    const v = createVerifier({
      ...base,
      publicKey: rs.spki,
      onRejected: () => {
        throw new Error('hook');
      },
    });
    expect((await rejection(v.verify('a.b.c'))).code).toBe('invalid_token');
  });
});

/** The explicit opt-outs, for configuration rows about something else. */
const ANY = { issuer: false, audience: false } as const;

describe('configuration errors throw at construction', () => {
  const bad: [string, AuthOptions, RegExp][] = [
    [
      'no issuer',
      { audience: 'x' } as AuthOptions,
      /^bearer-guard: `issuer` is required: write issuer: 'https:\/\/auth\.example\.com\/' \(the "iss" your tokens carry; alone, it is also where keys are discovered\), or issuer: false to accept any issuer \(with a key source of your own\)$/,
    ],
    [
      'no audience',
      { issuer: ISS } as AuthOptions,
      /^bearer-guard: `audience` is required: write audience: 'https:\/\/api\.example\.com' \(the "aud" your tokens carry for this API\), or audience: false to accept any audience \(risky: a token minted for another API would pass\)$/,
    ],
    [
      'issuer: false without a key source',
      { issuer: false, audience: 'x' },
      /^bearer-guard: `issuer` is false, and no key source is given: with `issuer: false`, give `jwksUri`, `jwks`, `publicKey` or `secret`$/,
    ],
    ['two key sources', { ...ANY, publicKey: 'x', secret: 'y'.repeat(32) }, /cannot be combined/],
    ['unknown option', { ...ANY, issuer: ISS, audiance: 'x' } as AuthOptions, /`audiance` is not an option/],
    ['none in algorithms', { ...ANY, secret: 'y'.repeat(32), algorithms: ['none'] }, /must not contain "none"/],
    [
      'HS with public key',
      { ...ANY, publicKey: 'ssh-ed25519 AAAA', algorithms: ['HS256'] },
      /HMAC and public keys never mix/,
    ],
    [
      'HS512 with a 40-byte secret',
      { ...ANY, secret: 'x'.repeat(40), algorithms: ['HS512'] },
      /^bearer-guard: `secret` is 40 bytes, too short: HS512 needs a secret of at least 64 bytes \(RFC 7518 §3\.2\); make one with `openssl rand -base64 48` \(64 characters\)$/,
    ],
    [
      'short secret',
      { ...ANY, secret: 'shhhhh' },
      /^bearer-guard: `secret` is 6 bytes, too short: HS256 needs a secret of at least 32 bytes \(RFC 7518 §3.2\); make one with `openssl rand -base64 48` \(64 characters\)$/,
    ],
    [
      'public key as secret',
      { ...ANY, secret: '-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----' },
      /bearer-guard: `secret` is a PEM key or certificate, not a shared secret/,
    ],
    ['bad clockTolerance', { ...ANY, secret: 'y'.repeat(32), clockTolerance: 'soon' }, /clockTolerance/],
    [
      'bad tokenLocations',
      { ...ANY, secret: 'y'.repeat(32), tokenLocations: ['header', 'url' as 'query'] },
      /tokenLocations/,
    ],
    ['bad jwksUri', { ...ANY, jwksUri: 'ftp://x/jwks' }, /jwksUri/],
    ['empty jwks', { ...ANY, jwks: { keys: [] } }, /no usable signature key/],
    ['realm with a quote', { ...ANY, secret: 'y'.repeat(32), realm: 'a"b' }, /realm/],
  ];
  it.each(bad)('%s', (_name, options, message) => {
    expect(() => createVerifier(options)).toThrow(TypeError);
    expect(() => createVerifier(options)).toThrow(message);
  });

  it('refuses private keys and small RSA keys as publicKey', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const pem = small.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    expect(() => createVerifier({ ...ANY, publicKey: pem })).toThrow(/RSA key of 1024 bits/);
    const priv = small.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    expect(() => createVerifier({ ...ANY, publicKey: priv })).toThrow(/private key/);
    expect(() => createVerifier({ ...ANY, publicKey: small.privateKey })).toThrow(/private key/);
    expect(createPublicKey(pem)).toBeInstanceOf(KeyObject);
  });
});
