/**
 * Encrypted access tokens (nested JWT, RFC 7519 §11.2): a compact JWE made by jose, decrypted with
 * the `decryption` keys, its signed JWT verified as any token. Every defect is `invalid_token`,
 * with the reason kept server-side.
 */
import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { CompactEncrypt, exportJWK, exportPKCS8, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, isBearerError, type AuthOptions } from '@bearer-guard/core';

const ISS = 'https://issuer.test/';
const SECRET = 's'.repeat(32);
const enc = new TextEncoder();

let rsa: { publicKey: CryptoKey; privateKey: CryptoKey };
let other: { publicKey: CryptoKey; privateKey: CryptoKey };
let ec: { publicKey: CryptoKey; privateKey: CryptoKey };
let rsaPem: string;

beforeAll(async () => {
  rsa = await generateKeyPair('RSA-OAEP-256', { extractable: true });
  other = await generateKeyPair('RSA-OAEP-256', { extractable: true });
  ec = await generateKeyPair('ECDH-ES', { extractable: true });
  rsaPem = await exportPKCS8(rsa.privateKey);
});

function signed(claims: Record<string, unknown> = {}, expiresIn = '5m'): Promise<string> {
  return new SignJWT({ sub: 'u1', ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
    .setIssuer(ISS)
    .setAudience('orders')
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(enc.encode(SECRET));
}

function encrypt(
  plaintext: string,
  key: CryptoKey,
  header: Record<string, unknown> = { alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'JWT' },
): Promise<string> {
  return new CompactEncrypt(enc.encode(plaintext)).setProtectedHeader(header as never).encrypt(key);
}

function verifier(extra: Partial<AuthOptions> = {}) {
  return createVerifier({
    issuer: ISS,
    audience: 'orders',
    secret: SECRET,
    decryption: { keys: [rsaPem] },
    ...extra,
  } as AuthOptions);
}

async function reason(v: ReturnType<typeof verifier>, token: string): Promise<string> {
  try {
    await v.verify(token);
    return 'accepted';
  } catch (error) {
    if (!isBearerError(error)) throw error;
    expect(error.code).toBe('invalid_token');
    expect(error.status).toBe(401);
    return error.reason;
  }
}

describe('encrypted access tokens', () => {
  it('decrypts a JWE (RSA-OAEP-256, A256GCM) and verifies its signed JWT; auth.token is the JWE', async () => {
    const jwe = await encrypt(await signed({ scope: 'read' }), rsa.publicKey);
    const auth = await verifier().verify(jwe);
    expect(auth.payload.sub).toBe('u1');
    expect(auth.payload.scope).toBe('read');
    expect(auth.header.alg).toBe('HS256');
    expect(auth.token).toBe(jwe);
  });

  it('accepts cty "at+jwt" as oidc-provider writes it, and a JWK key with a kid, and ECDH-ES', async () => {
    const jwk = { ...(await exportJWK(ec.privateKey)), kid: 'enc-1' };
    const v = verifier({ decryption: { keys: [rsaPem, jwk] } });
    const viaEc = await encrypt(await signed(), ec.publicKey, {
      alg: 'ECDH-ES+A256KW',
      enc: 'A128GCM',
      cty: 'at+jwt',
      kid: 'enc-1',
    });
    expect((await v.verify(viaEc)).payload.sub).toBe('u1');
    const direct = await encrypt(await signed(), ec.publicKey, { alg: 'ECDH-ES', enc: 'A256GCM', cty: 'JWT' });
    expect((await v.verify(direct)).payload.sub).toBe('u1');
  });

  it('a repeated JWE is a cache hit from its third sight: the same frozen claims, no decryption', async () => {
    const v = verifier();
    const jwe = await encrypt(await signed({}, '2s'), rsa.publicKey);
    expect((await v.verify(jwe)).payload.sub).toBe('u1');
    const admitted = await v.verify(jwe);
    const hit = await v.verify(jwe);
    expect(hit.payload).toBe(admitted.payload);
    expect(hit.token).toBe(jwe);
  });

  it.each([
    ['a key it was not encrypted to', async () => encrypt(await signed(), other.publicKey), 'decryption_failed'],
    [
      'a disallowed key management algorithm (RSA-OAEP with SHA-1)',
      async () =>
        new CompactEncrypt(enc.encode(await signed()))
          .setProtectedHeader({ alg: 'RSA-OAEP', enc: 'A256GCM', cty: 'JWT' })
          .encrypt(KeyObject.from(rsa.publicKey)),
      'decryption_failed',
    ],
    [
      'a disallowed content encryption (A128CBC-HS256)',
      async () => encrypt(await signed(), rsa.publicKey, { alg: 'RSA-OAEP-256', enc: 'A128CBC-HS256', cty: 'JWT' }),
      'decryption_failed',
    ],
    [
      'compression ("zip")',
      async () =>
        encrypt(await signed(), rsa.publicKey, { alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'JWT', zip: 'DEF' }),
      'decryption_failed',
    ],
    [
      'no cty',
      async () => encrypt(await signed(), rsa.publicKey, { alg: 'RSA-OAEP-256', enc: 'A256GCM' }),
      'decryption_failed',
    ],
    [
      'claims without a signature inside',
      async () => encrypt(JSON.stringify({ iss: ISS, aud: 'orders', sub: 'u1', exp: 9e9 }), rsa.publicKey),
      'decryption_failed',
    ],
    [
      'an unsigned JWT (alg none) inside',
      async () => {
        const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
        return encrypt(
          `${b64({ alg: 'none' })}.${b64({ iss: ISS, aud: 'orders', sub: 'u1', exp: 9e9 })}.`,
          rsa.publicKey,
        );
      },
      'malformed_token',
    ],
    [
      'a JWE inside a JWE',
      async () => encrypt(await encrypt(await signed(), rsa.publicKey), rsa.publicKey),
      'decryption_failed',
    ],
    [
      'an inner JWT signed with another secret',
      async () =>
        encrypt(
          await new SignJWT({ sub: 'u1' })
            .setProtectedHeader({ alg: 'HS256' })
            .setIssuer(ISS)
            .setAudience('orders')
            .setExpirationTime('5m')
            .sign(enc.encode('x'.repeat(32))),
          rsa.publicKey,
        ),
      'invalid_signature',
    ],
    ['an expired inner JWT', async () => encrypt(await signed({}, '-1m'), rsa.publicKey), 'token_expired'],
    ['a header that is not JSON', async () => 'bm90LWpzb24.a.b.c.d', 'decryption_failed'],
  ])('refuses %s', async (_name, make, expected) => {
    expect(await reason(verifier(), await make())).toBe(expected);
  });

  it('without `decryption`, a JWE is invalid_token (unsupported_token_format)', async () => {
    const jwe = await encrypt(await signed(), rsa.publicKey);
    const v = createVerifier({ issuer: ISS, audience: 'orders', secret: SECRET });
    expect(await reason(v as ReturnType<typeof verifier>, jwe)).toBe('unsupported_token_format');
  });

  it('the client never sees why', async () => {
    const jwe = await encrypt(await signed(), other.publicKey);
    const error = await verifier()
      .verify(jwe)
      .catch((e: unknown) => e);
    expect(isBearerError(error) && error.body).toEqual({
      error: 'invalid_token',
      error_description: 'The access token is invalid',
    });
  });
});

describe('the decryption option', () => {
  const publicPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
    type: 'spki',
    format: 'pem',
  }) as string;
  it.each([
    [{ keys: [] }, 'bearer-guard: `decryption.keys` must be a non-empty array of private keys'],
    [{ keys: [publicPem] }, 'bearer-guard: `decryption.keys[0]` cannot be imported as a private key'],
    [{ keys: ['x'], algorithms: ['PBES2-HS256+A128KW'] }, 'bearer-guard: `decryption.keys[0]`'],
    [{ keys: [{ kty: 'RSA', n: 'AQAB', e: 'AQAB' }] }, 'bearer-guard: `decryption.keys[0]` is a public JWK'],
    [
      { keys: [] as (string | KeyObject)[], extra: 1 },
      'bearer-guard: `decryption.extra` is not an option of `decryption`',
    ],
  ])('%j is refused at start-up', (decryption, message) => {
    expect(() =>
      createVerifier({ issuer: ISS, audience: 'orders', secret: SECRET, decryption } as unknown as AuthOptions),
    ).toThrow(message);
  });

  it('PBES2 is refused even when listed', () => {
    expect(() =>
      createVerifier({
        issuer: ISS,
        audience: 'orders',
        secret: SECRET,
        decryption: { keys: [rsaPem], algorithms: ['PBES2-HS256+A128KW'] },
      }),
    ).toThrow(
      'bearer-guard: `decryption.algorithms` contains PBES2-HS256+A128KW: password-based encryption (PBES2) is never accepted',
    );
  });
});
