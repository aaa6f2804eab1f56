import { createVerifier, type Verifier } from '@bearer-guard/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createEncryptionKey, createTestIssuer, type TestEncryptionKey, type TestIssuer } from '../src/index.js';
import { headerOf, now, UUID } from './helpers.js';

let issuer: TestIssuer;
let rsa: TestEncryptionKey;
let ec: TestEncryptionKey;
let verifier: Verifier;

beforeAll(async () => {
  issuer = await createTestIssuer({ alg: 'ES256', audience: 'orders' });
  [rsa, ec] = await Promise.all([issuer.encryptionKey(), issuer.encryptionKey({ alg: 'ECDH-ES+A256KW' })]);
  verifier = createVerifier({
    issuer: issuer.issuer,
    audience: 'orders',
    decryption: { keys: [rsa.privateKey, ec.privateJWK] },
  });
});
afterAll(async () => {
  verifier.close();
  await issuer.close();
});

const segments = (token: string) => token.split('.').length;

describe('encryptionKey()', () => {
  test('RSA by default: RSA-OAEP-256 / A256GCM, kid = thumbprint, every form of the keys', () => {
    expect(rsa.alg).toBe('RSA-OAEP-256');
    expect(rsa.enc).toBe('A256GCM');
    expect(rsa.kid).toMatch(/^[\w-]{43}$/);
    expect(rsa.publicKey.type).toBe('public');
    expect(rsa.privateKey.type).toBe('private');
    expect(rsa.privateKey.asymmetricKeyType).toBe('rsa');
    expect(rsa.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(rsa.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(rsa.publicJWK).toEqual({
      kty: 'RSA',
      n: expect.any(String),
      e: 'AQAB',
      kid: rsa.kid,
      alg: 'RSA-OAEP-256',
      use: 'enc',
    });
    expect(rsa.privateJWK).toMatchObject({
      kty: 'RSA',
      kid: rsa.kid,
      alg: 'RSA-OAEP-256',
      use: 'enc',
      d: expect.any(String),
    });
    expect(rsa.decryption).toEqual({ keys: [rsa.privateKey], algorithms: ['RSA-OAEP-256'], encryptions: ['A256GCM'] });
  });

  test('ECDH-ES: a P-256 key by default, X25519 on request', async () => {
    expect(ec.privateKey.asymmetricKeyType).toBe('ec');
    expect(ec.publicJWK).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: expect.any(String),
      y: expect.any(String),
      kid: ec.kid,
      alg: 'ECDH-ES+A256KW',
      use: 'enc',
    });
    const x25519 = await createEncryptionKey({ alg: 'ECDH-ES', crv: 'X25519', enc: 'A128GCM' });
    expect(x25519.privateKey.asymmetricKeyType).toBe('x25519');
    expect(x25519.decryption).toEqual({ keys: [x25519.privateKey], algorithms: ['ECDH-ES'], encryptions: ['A128GCM'] });
  });

  test.each([
    [
      { alg: 'PBES2-HS256+A128KW' },
      'encryptionKey.alg',
      'must be one of RSA-OAEP-256, RSA-OAEP, RSA-OAEP-384, RSA-OAEP-512, ECDH-ES, ECDH-ES+A128KW, ECDH-ES+A192KW, ECDH-ES+A256KW; got "PBES2-HS256+A128KW"',
    ],
    [
      { enc: 'A512GCM' },
      'encryptionKey.enc',
      'must be one of A128GCM, A192GCM, A256GCM, A128CBC-HS256, A192CBC-HS384, A256CBC-HS512; got "A512GCM"',
    ],
    [
      { crv: 'P-256' },
      'encryptionKey.crv',
      'must be one of P-256, P-384, P-521, X25519, with an ECDH-ES algorithm; got "P-256"',
    ],
    [{ alg: 'ECDH-ES', modulusLength: 4096 }, 'encryptionKey.modulusLength', 'applies to RSA-OAEP keys only'],
    [{ modulusLength: 1024 }, 'encryptionKey.modulusLength', 'must be an integer of at least 2048; got 1024'],
  ])('%j → TypeError naming %s', async (options, option, message) => {
    const error = await issuer.encryptionKey(options as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe(`bearer-guard: \`${option}\` ${message}`);
  });
});

describe('sign(claims, { encryptTo })', () => {
  test('RSA key: a compact JWE, header { alg, enc, kid, cty: JWT }, that core decrypts and verifies', async () => {
    const token = await issuer.sign({ sub: 'u1', scope: 'read:orders' }, { encryptTo: rsa, jti: 'j-1' });
    expect(segments(token)).toBe(5);
    expect(headerOf(token)).toEqual({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: rsa.kid, cty: 'JWT' });
    const auth = await verifier.verify(token);
    expect(auth.source).toBe('jwt');
    expect(auth.token).toBe(token);
    expect(auth.header).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: issuer.kid });
    const iat = auth.payload.iat as number;
    expect(Math.abs(iat - now())).toBeLessThanOrEqual(2);
    expect(auth.payload).toEqual({
      iss: issuer.issuer,
      aud: 'orders',
      sub: 'u1',
      scope: 'read:orders',
      iat,
      exp: iat + 300,
      jti: 'j-1',
    });
  });

  test('EC key: ECDH-ES+A256KW with an ephemeral key; core picks the private JWK by kid', async () => {
    const token = await issuer.sign({ sub: 'u2' }, { encryptTo: ec });
    expect(headerOf(token)).toEqual({
      alg: 'ECDH-ES+A256KW',
      enc: 'A256GCM',
      kid: ec.kid,
      cty: 'JWT',
      epk: { kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String) },
    });
    expect((await verifier.verify(token)).payload.sub).toBe('u2');
  });

  test('a public key of your own: PEM (no kid), JWK (its kid); the API holds the PEM private key', async () => {
    const other = await createEncryptionKey();
    const pemVerifier = createVerifier({
      issuer: issuer.issuer,
      audience: 'orders',
      decryption: { keys: [other.privateKeyPem] },
    });
    const fromPem = await issuer.sign({ sub: 'pem' }, { encryptTo: other.publicKeyPem });
    expect(headerOf(fromPem)).toEqual({ alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'JWT' });
    const fromJwk = await issuer.sign({ sub: 'jwk' }, { encryptTo: other.publicJWK });
    expect(headerOf(fromJwk)).toEqual({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: other.kid, cty: 'JWT' });
    const fromKeyObject = await issuer.sign({ sub: 'keyobject' }, { encryptTo: other.publicKey });
    expect((await pemVerifier.verify(fromPem)).payload.sub).toBe('pem');
    expect((await pemVerifier.verify(fromJwk)).payload.sub).toBe('jwk');
    expect((await pemVerifier.verify(fromKeyObject)).payload.sub).toBe('keyobject');
    pemVerifier.close();
  });

  test('encrypted to another key: invalid_token (decryption_failed)', async () => {
    const stranger = await createEncryptionKey();
    const token = await issuer.sign({ sub: 'u1' }, { encryptTo: stranger });
    await expect(
      verifier.verify(await issuer.encrypt(await issuer.sign({ sub: 'u1' }), { key: stranger, kid: null })),
    ).rejects.toMatchObject({
      status: 401,
      code: 'invalid_token',
      reason: 'decryption_failed',
    });
    // With its own kid, no configured key even matches.
    await expect(verifier.verify(token)).rejects.toMatchObject({
      status: 401,
      code: 'invalid_token',
      reason: 'decryption_failed',
    });
  });

  test('the invalid-token helpers encrypt too: the inner token is still refused', async () => {
    const expired = await issuer.expiredToken({ sub: 'u1' }, { encryptTo: rsa });
    expect(segments(expired)).toBe(5);
    await expect(verifier.verify(expired)).rejects.toMatchObject({ code: 'invalid_token', reason: 'token_expired' });
    const tampered = await issuer.tamperedToken({ sub: 'u1' }, { encryptTo: rsa });
    expect(segments(tampered)).toBe(5);
    await expect(verifier.verify(tampered)).rejects.toMatchObject({
      code: 'invalid_token',
      reason: 'invalid_signature',
    });
  });

  test('encryptTo that is no key: TypeError naming sign.encryptTo', async () => {
    await expect(issuer.sign({}, { encryptTo: 42 as never })).rejects.toThrow(
      new TypeError(
        'bearer-guard: `sign.encryptTo` must be a key from issuer.encryptionKey(), or a public key: PEM, KeyObject, CryptoKey or JWK',
      ),
    );
  });
});

describe('encrypt(token, options)', () => {
  test('full control of the header: alg, enc, kid, cty, extra fields', async () => {
    const inner = await issuer.sign({ sub: 'u1' });
    const token = await issuer.encrypt(inner, {
      key: rsa,
      enc: 'A128GCM',
      kid: 'k-1',
      cty: 'at+jwt',
      header: { x: 1 },
    });
    expect(headerOf(token)).toEqual({ alg: 'RSA-OAEP-256', enc: 'A128GCM', kid: 'k-1', cty: 'at+jwt', x: 1 });
    expect((await verifier.verify(token)).payload.sub).toBe('u1');
  });

  test('an algorithm core does not accept by default (RSA-OAEP): invalid_token', async () => {
    const token = await issuer.encrypt(await issuer.sign({ sub: 'u1' }), { key: rsa, alg: 'RSA-OAEP' });
    expect(headerOf(token)).toMatchObject({ alg: 'RSA-OAEP', enc: 'A256GCM' });
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'invalid_token', reason: 'decryption_failed' });
  });

  test.each([
    [() => issuer.encrypt('', { key: rsa }), 'encrypt.token', 'must be a non-empty string'],
    [
      () => issuer.encrypt('a.b.c', { key: 'not a pem' }),
      'encrypt.key',
      'must be a key from issuer.encryptionKey(), or a public key: PEM, KeyObject, CryptoKey or JWK',
    ],
    [
      () => issuer.encrypt('a.b.c', { key: rsa, alg: 'ECDH-ES' }),
      'encrypt.alg',
      'ECDH-ES does not suit the rsa key of `encrypt.key`',
    ],
    [
      () => issuer.encrypt('a.b.c', { key: rsa, enc: 'A1GCM' as never }),
      'encrypt.enc',
      'must be one of A128GCM, A192GCM, A256GCM, A128CBC-HS256, A192CBC-HS384, A256CBC-HS512; got "A1GCM"',
    ],
    [() => issuer.encrypt('a.b.c', { key: rsa, cty: '' }), 'encrypt.cty', 'must be a non-empty string or null; got ""'],
  ])('%#: TypeError naming %s', async (call, option, message) => {
    const error = await Promise.resolve()
      .then(call)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe(`bearer-guard: \`${option}\` ${message}`);
  });
});

test('UUID jti by default inside the JWE', async () => {
  const auth = await verifier.verify(await issuer.sign({}, { encryptTo: rsa }));
  expect(auth.payload.jti).toMatch(UUID);
});
