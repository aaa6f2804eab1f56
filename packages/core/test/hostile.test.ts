/**
 * Hostile tokens at the verifier: every case answers with the exact error it should, and
 * whatever comes in, the answer is a BearerError with a 400/401/403/503 status and a valid
 * single-line challenge — never another exception.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, isBearerError, type Verifier } from '@bearer-guard/core';
import { claims, makeKey, signRaw, type TestKey } from './helpers/keys.js';

const ISS = 'https://issuer.test/';
let rs: TestKey;
let es: TestKey;
let verifier: Verifier;
let esVerifier: Verifier;

beforeAll(async () => {
  [rs, es] = await Promise.all([makeKey('RS256'), makeKey('ES256')]);
  verifier = createVerifier({ issuer: ISS, audience: 'orders', jwks: { keys: [rs.jwk] }, cache: false });
  esVerifier = createVerifier({ issuer: ISS, audience: 'orders', jwks: { keys: [es.jwk] }, cache: false });
});

async function reasonOf(v: Verifier, token: string): Promise<string> {
  try {
    await v.verify(token);
    return 'accepted';
  } catch (error) {
    if (!isBearerError(error)) throw error;
    return `${error.status} ${error.reason}`;
  }
}

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

describe('hostile tokens', () => {
  it('refuses malformed structures with exact reasons', async () => {
    const good = await rs.sign(claims());
    const [h, p, s] = good.split('.') as [string, string, string];
    const cases: [string, string][] = [
      ['one segment', h],
      ['two segments', `${h}.${p}`],
      ['four segments', `${h}.${p}.${s}.${s}`],
      ['JWE (five segments)', `${b64({ alg: 'RSA-OAEP', enc: 'A256GCM' })}.a.b.c.d`],
      ['standard base64 characters', `${h}.${p.replace(/-/g, '+').replace(/_/g, '/')}+/.${s}`],
      ['padding', `${h}.${p}==.${s}`],
      ['invalid UTF-8 header', `${Buffer.from([0xc3, 0x28]).toString('base64url')}.${p}.${s}`],
      ['array header', `${b64([1])}.${p}.${s}`],
      ['null payload', `${h}.${b64('null')}.${s}`],
      ['string payload', `${h}.${b64('"x"')}.${s}`],
      ['empty signature', `${h}.${p}.`],
      ['too long', `${h}.${'A'.repeat(9000)}.${s}`],
      ['15 KiB', `${h}.${'A'.repeat(15 * 1024)}.${s}`],
      ['non-string alg', `${b64({ alg: 1 })}.${p}.${s}`],
      ['missing alg', `${b64({ typ: 'JWT' })}.${p}.${s}`],
      ['non-string kid', `${b64({ alg: 'RS256', kid: 7 })}.${p}.${s}`],
    ];
    const expected = [
      '401 unsupported_token_format',
      '401 unsupported_token_format',
      '401 unsupported_token_format',
      '401 unsupported_token_format',
      '401 malformed_token',
      '401 malformed_token',
      '401 malformed_token',
      '401 malformed_token',
      '401 malformed_token',
      '401 malformed_token',
      '401 malformed_token',
      '401 token_too_long',
      '401 token_too_long',
      '401 malformed_token',
      '401 malformed_token',
      '401 malformed_token',
    ];
    const got = await Promise.all(cases.map(([, token]) => reasonOf(verifier, token)));
    expect(Object.fromEntries(cases.map(([name], i) => [name, got[i]]))).toEqual(
      Object.fromEntries(cases.map(([name], i) => [name, expected[i]])),
    );
  });

  it('refuses none, HMAC with the public key in every textual form, and unknown crit', async () => {
    const payload = b64(claims());
    const forms = [
      rs.spki,
      rs.spki.trim(),
      ` ${rs.spki}\n\n`,
      JSON.stringify(rs.jwk),
      rs.publicKey.export({ type: 'pkcs1', format: 'pem' }) as string,
      '',
    ];
    for (const alg of ['HS256', 'HS384', 'HS512']) {
      for (const secret of forms) {
        const header = b64({ alg, kid: rs.kid });
        const sig = createHmac(`sha${alg.slice(2)}`, secret)
          .update(`${header}.${payload}`)
          .digest('base64url');
        expect(await reasonOf(verifier, `${header}.${payload}.${sig}`)).toBe('401 algorithm_not_allowed');
      }
    }
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      expect(await reasonOf(verifier, `${b64({ alg })}.${payload}.c2ln`)).toBe('401 algorithm_not_allowed');
    }
    expect(await reasonOf(verifier, signRaw(rs, { crit: ['exp'], exp: 1 }, claims()))).toBe(
      '401 unsupported_critical_header',
    );
    expect(await reasonOf(verifier, signRaw(rs, { crit: ['b64'], b64: false }, claims()))).toBe(
      '401 unsupported_critical_header',
    );
    expect(await reasonOf(verifier, signRaw(rs, { crit: [] }, claims()))).toBe('401 malformed_token');
    expect(await reasonOf(verifier, signRaw(rs, {}, claims()))).toBe('accepted');
  });

  it('refuses zero, out-of-range, truncated and null ECDSA signatures (CVE-2022-21449)', async () => {
    const good = await es.sign(claims());
    const input = good.slice(0, good.lastIndexOf('.'));
    const n = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');
    const signatures = [
      Buffer.alloc(64),
      Buffer.concat([n, n]),
      Buffer.concat([Buffer.alloc(31), Buffer.from([1]), n]),
      Buffer.from(good.slice(good.lastIndexOf('.') + 1), 'base64url').subarray(0, 63),
      Buffer.alloc(65),
    ];
    for (const sig of signatures) {
      expect(await reasonOf(esVerifier, `${input}.${sig.toString('base64url')}`)).toBe('401 invalid_signature');
    }
  });

  it('ignores embedded keys and key URLs (jwk, jku, x5u, x5c)', async () => {
    const attacker = await makeKey('RS256');
    for (const header of [
      { jwk: attacker.jwk },
      { jku: 'http://127.0.0.1:9/jwks' },
      { x5u: 'http://127.0.0.1:9/cert' },
      { x5c: ['MIIB'] },
    ]) {
      expect(await reasonOf(verifier, signRaw({ ...attacker, kid: rs.kid }, header, claims()))).toBe(
        '401 invalid_signature',
      );
    }
  });

  it('refuses odd kids without confusion', async () => {
    for (const kid of ['__proto__', 'constructor', 'toString', "' OR 1=1 --", '../../etc/passwd', '']) {
      expect(await reasonOf(verifier, await rs.sign(claims(), { kid }))).toBe('401 no_matching_key');
    }
  });

  it('refuses non-finite and non-numeric times and ID-token confusion', async () => {
    const hostilePayload = (time: string) => `{"iss":"${ISS}","aud":"orders","exp":${time}}`;
    expect(await reasonOf(verifier, signRaw(rs, {}, JSON.parse(hostilePayload('1e400'))))).toBe('401 invalid_claim');
    expect(await reasonOf(verifier, await rs.sign(claims({ exp: '2099' as never })))).toBe('401 invalid_claim');
    const typed = createVerifier({ issuer: ISS, audience: 'orders', jwks: { keys: [rs.jwk] }, tokenType: 'at+jwt' });
    expect(await reasonOf(typed, await rs.sign(claims({ nonce: 'n' }), { typ: 'JWT' }))).toBe('401 invalid_token_type');
  });

  it('never confuses __proto__ in the payload for an inherited property', async () => {
    const token = signRaw(
      rs,
      {},
      JSON.parse(
        `{"iss":"${ISS}","aud":"orders","exp":${Math.floor(Date.now() / 1000) + 60},"__proto__":{"admin":true}}`,
      ),
    );
    const { payload } = await verifier.verify(token);
    expect(Object.getPrototypeOf(payload)).toBe(Object.prototype);
    expect((payload as Record<string, unknown>).admin).toBeUndefined();
    expect(Object.hasOwn(payload, '__proto__')).toBe(true);
  });
});

describe('properties: whatever comes in, a clean RFC 6750 answer', () => {
  const valid = (status: number, header: string | undefined) => {
    expect([400, 401, 403, 503]).toContain(status);
    if (header !== undefined) expect(header).toMatch(/^Bearer realm="api"(, [a-z_]+="[^"\\\r\n]*")*$/);
  };

  it('over the Authorization header', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `Bearer ${s}`),
          fc.string().map((s) => `bearer  ${s}.${s}.${s}`),
        ),
        async (authorization) => {
          try {
            await verifier.authenticate({ headers: { authorization } });
          } catch (error) {
            expect(isBearerError(error)).toBe(true);
            if (isBearerError(error)) valid(error.status, error.headers['www-authenticate']);
            return;
          }
          throw new Error(`accepted ${JSON.stringify(authorization)}`);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('over the three segments and the claim values', async () => {
    const segment = fc.oneof(
      fc.string(),
      fc.base64String().map((s) => s.replace(/=/g, '')),
      fc.json().map(b64),
      fc.uint8Array().map((u) => Buffer.from(u).toString('base64url')),
    );
    await fc.assert(
      fc.asyncProperty(segment, segment, segment, async (h, p, s) => {
        const outcome = await reasonOf(verifier, `${h}.${p}.${s}`);
        expect(outcome).toMatch(/^(401|400|503) [a-z_]+$/);
      }),
      { numRuns: 500 },
    );
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.string(), fc.jsonValue()), async (extra) => {
        const outcome = await reasonOf(verifier, signRaw(rs, {}, { ...extra, ...claims() }));
        expect(outcome).toBe('accepted');
        const hostile = await reasonOf(verifier, signRaw(rs, {}, { ...claims(), ...extra }));
        expect(hostile).toMatch(/^(accepted|401 [a-z_]+)$/);
      }),
      { numRuns: 150 },
    );
  });
});
