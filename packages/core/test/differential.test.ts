/**
 * Differential tests of the node:crypto verification path against jose's jwtVerify: on every
 * fixture and on fuzzed tokens, both must agree on accept/reject and on the claims. Where we
 * are deliberately stricter than jose, the rejection reason must be one of a documented few.
 */
import fc from 'fast-check';
import { jwtVerify, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, isBearerError, type Verifier } from '@bearer-guard/core';
import { claims, makeKey, now, signRaw, type TestKey } from './helpers/keys.js';

const ISS = 'https://issuer.test/';
const SECRET = new TextEncoder().encode('s'.repeat(32));

/** Reasons for which we reject what jose accepts, each on purpose. */
const STRICTER = new Set([
  'malformed_token', // non-canonical base64url, non-string kid/typ, empty alg: one token, one encoding
  'invalid_claim', // non-finite NumericDate (1e400), non-string sub/jti/client_id
  'token_issued_in_future', // iat beyond the clock tolerance, checked even without maxTokenAge
  'unsupported_critical_header', // crit is refused outright except b64:true
  'token_too_long',
]);

interface Candidate {
  name: string;
  key: Parameters<typeof jwtVerify>[1];
  ours: Verifier;
  sign: (payload: Record<string, unknown>, header?: Record<string, unknown>) => Promise<string>;
  alg: string;
}

type Outcome = { ok: true; payload: unknown } | { ok: false; reason: string };

async function ourOutcome(verifier: Verifier, token: string): Promise<Outcome> {
  try {
    return { ok: true, payload: (await verifier.verify(token)).payload };
  } catch (error) {
    if (!isBearerError(error)) throw error;
    return { ok: false, reason: error.reason };
  }
}

async function joseOutcome(c: Candidate, token: string): Promise<Outcome> {
  try {
    const { payload } = await jwtVerify(token, c.key, {
      issuer: ISS,
      audience: 'orders',
      clockTolerance: 5,
      requiredClaims: ['exp'],
      algorithms: [c.alg],
    });
    return { ok: true, payload };
  } catch (error) {
    return { ok: false, reason: (error as { code?: string }).code ?? 'error' };
  }
}

async function agree(c: Candidate, token: string): Promise<void> {
  const [ours, theirs] = await Promise.all([ourOutcome(c.ours, token), joseOutcome(c, token)]);
  if (ours.ok) {
    expect(theirs).toEqual({ ok: true, payload: ours.payload });
  } else if (theirs.ok) {
    expect(STRICTER, `we reject (${ours.reason}) what jose accepts: ${token}`).toContain(ours.reason);
  }
}

let candidates: Candidate[];
let keys: TestKey[];
beforeAll(async () => {
  keys = await Promise.all((['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'] as const).map((alg) => makeKey(alg)));
  candidates = keys.map((k) => ({
    name: k.alg,
    alg: k.alg,
    key: k.privateKey, // replaced below by the public CryptoKey
    ours: createVerifier({ issuer: ISS, audience: 'orders', publicKey: k.spki, cache: false }),
    sign: (payload, header) => k.sign(payload, header),
  }));
  const { importSPKI } = await import('jose');
  for (const [i, k] of keys.entries())
    (candidates[i] as Candidate).key = await importSPKI(k.spki, k.alg, { extractable: true });
  candidates.push({
    name: 'HS256',
    alg: 'HS256',
    key: SECRET,
    ours: createVerifier({ issuer: ISS, audience: 'orders', secret: SECRET, cache: false }),
    sign: (payload, header = {}) => new SignJWT(payload).setProtectedHeader({ alg: 'HS256', ...header }).sign(SECRET),
  });
});

function flip(token: string, index: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const i = index % token.length;
  const c = token[i] as string;
  if (c === '.') return token;
  const next = alphabet[(alphabet.indexOf(c) + 1) % alphabet.length];
  return token.slice(0, i) + next + token.slice(i + 1);
}

describe('node:crypto path agrees with jose', () => {
  it('on fixtures for every algorithm', async () => {
    const t = now();
    const fixtures: [Record<string, unknown>, Record<string, unknown>?][] = [
      [claims()],
      [claims({ exp: t - 60 })],
      [claims({ exp: t - 3 })],
      [claims({ nbf: t + 60 })],
      [claims({ nbf: t + 3 })],
      [claims({ aud: ['a', 'orders'] })],
      [claims({ aud: 'order' })],
      [claims({ iss: 'https://issuer.test' })],
      [claims({ exp: undefined })],
      [claims({ iat: 'yesterday' } as never)],
      [claims({ nested: { deep: [1, 2, { x: null }] }, scope: 'a b' })],
      [claims(), { typ: 'JWT' }],
      [claims(), { kid: 'other' }],
    ];
    let checked = 0;
    for (const c of candidates) {
      for (const [payload, header] of fixtures) {
        const token = await c.sign(payload, header);
        await agree(c, token);
        await agree(c, flip(token, token.indexOf('.') + 3)); // payload changed
        await agree(c, flip(token, token.length - 5)); // signature changed
        await agree(c, `${token.slice(0, token.lastIndexOf('.'))}.`);
        checked += 4;
      }
      const key = keys.find((k) => k.alg === c.alg);
      if (key) {
        for (const header of [
          { crit: ['exp'], exp: 1 },
          { crit: [] },
          { crit: ['b64'], b64: false },
          { crit: ['b64'], b64: true },
          { b64: false },
        ]) {
          await agree(c, signRaw(key, header, claims()));
        }
      }
      // A token from another key of the same type never passes either.
      const other = candidates.find((o) => o !== c && o.alg !== c.alg) as Candidate;
      await agree(c, await other.sign(claims()));
    }
    expect(checked).toBe(candidates.length * 13 * 4);
  });

  it('on fuzzed mutations of valid tokens', async () => {
    for (const c of candidates) {
      const token = await c.sign(claims());
      await fc.assert(
        fc.asyncProperty(fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), async (indexes) => {
          await agree(c, indexes.reduce(flip, token));
        }),
        { numRuns: 60 },
      );
    }
  });

  it('on fuzzed claims and headers signed with the right key', async () => {
    const value = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.double({ noDefaultInfinity: true, noNaN: true }),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string(), { maxLength: 3 }),
    );
    const payloadArb = fc.record(
      {
        iss: fc.oneof(fc.constant(ISS), fc.string(), fc.integer()),
        aud: fc.oneof(
          fc.constant('orders'),
          fc.array(fc.oneof(fc.constant('orders'), fc.string()), { maxLength: 3 }),
          fc.integer(),
        ),
        exp: fc.oneof(
          fc.integer({ min: now() - 100, max: now() + 100 }),
          fc.double({ noDefaultInfinity: true, noNaN: true }),
          fc.string(),
        ),
        nbf: fc.integer({ min: now() - 100, max: now() + 100 }),
        iat: fc.integer({ min: now() - 100, max: now() + 100 }),
        sub: value,
        extra: value,
      },
      { requiredKeys: [] },
    );
    const headerArb = fc.record(
      { typ: fc.oneof(fc.constant('JWT'), fc.string()), cty: fc.string() },
      { requiredKeys: [] },
    );
    for (const c of candidates) {
      await fc.assert(
        fc.asyncProperty(payloadArb, headerArb, async (payload, header) => {
          await agree(c, await c.sign(payload, header));
        }),
        { numRuns: 40 },
      );
    }
  });
});
