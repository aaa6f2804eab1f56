/**
 * Encrypted access tokens for tests: a key pair for the API under test (it decrypts), and compact
 * JWEs (RFC 7516) made with jose's `CompactEncrypt` whose plaintext is a signed JWT (a nested
 * JWT, RFC 7519 §11.2, announced by `cty: 'JWT'`).
 */
import { createPublicKey, KeyObject } from 'node:crypto';
import { fail, isRecord } from '@bearer-guard/core/adapter';
import {
  CompactEncrypt,
  calculateJwkThumbprint,
  exportJWK,
  exportPKCS8,
  exportSPKI,
  generateKeyPair,
  type CryptoKey,
  type JWK,
} from 'jose';
import { checkModulusLength } from './keys.js';

/** Key management algorithms the test issuer encrypts with (asymmetric ones: the API holds the private key). */
export const ENCRYPTION_ALGORITHMS = [
  'RSA-OAEP-256',
  'RSA-OAEP',
  'RSA-OAEP-384',
  'RSA-OAEP-512',
  'ECDH-ES',
  'ECDH-ES+A128KW',
  'ECDH-ES+A192KW',
  'ECDH-ES+A256KW',
] as const;

/** One of {@link ENCRYPTION_ALGORITHMS}. */
export type EncryptionAlgorithm = (typeof ENCRYPTION_ALGORITHMS)[number];

/** Content encryption algorithms (JWE `enc`). */
export const CONTENT_ENCRYPTIONS = [
  'A128GCM',
  'A192GCM',
  'A256GCM',
  'A128CBC-HS256',
  'A192CBC-HS384',
  'A256CBC-HS512',
] as const;

/** One of {@link CONTENT_ENCRYPTIONS}. */
export type ContentEncryption = (typeof CONTENT_ENCRYPTIONS)[number];

/** Curves of ECDH-ES keys. */
export type EncryptionCurve = 'P-256' | 'P-384' | 'P-521' | 'X25519';

const CURVES: readonly string[] = ['P-256', 'P-384', 'P-521', 'X25519'];

/** Options of {@link TestIssuer.encryptionKey} and {@link createEncryptionKey}. */
export interface EncryptionKeyOptions {
  /** Key management algorithm; default `'RSA-OAEP-256'` (an RSA key). `'ECDH-ES…'` makes an EC (or X25519) key. */
  alg?: EncryptionAlgorithm;
  /** Content encryption; default `'A256GCM'`. */
  enc?: ContentEncryption;
  /** Curve of an ECDH-ES key; default `'P-256'`. */
  crv?: EncryptionCurve;
  /** RSA modulus length in bits; default 2048, at least 2048. */
  modulusLength?: number;
}

/**
 * An encryption key pair of the API under test: tokens are encrypted to its public key
 * (`sign(claims, { encryptTo: key })`), the API decrypts them with its private key
 * (`createVerifier({ …, decryption: key.decryption })`).
 */
export interface TestEncryptionKey {
  /** Key ID: the RFC 7638 thumbprint of the public key; written as the JWE header's `kid`. */
  readonly kid: string;
  /** The key management algorithm tokens are encrypted with. */
  readonly alg: EncryptionAlgorithm;
  /** The content encryption tokens are encrypted with. */
  readonly enc: ContentEncryption;
  /** The public key (node:crypto `KeyObject`). */
  readonly publicKey: KeyObject;
  /** The private key (node:crypto `KeyObject`), usable as is in core's `decryption.keys`. */
  readonly privateKey: KeyObject;
  /** The public key as PEM (SPKI). */
  readonly publicKeyPem: string;
  /** The private key as PEM (PKCS#8), e.g. for an environment variable of the API. */
  readonly privateKeyPem: string;
  /** The public key as a JWK: `{ kty, …, kid, alg, use: 'enc' }`. */
  readonly publicJWK: Readonly<JWK>;
  /** The private key as a JWK, with the same `kid` (core then picks it by the token's `kid`). */
  readonly privateJWK: Readonly<JWK>;
  /** Core's `decryption` option for this key: `{ keys: [privateKey], algorithms: [alg], encryptions: [enc] }`. */
  readonly decryption: { keys: KeyObject[]; algorithms: string[]; encryptions: string[] };
}

/**
 * What a token can be encrypted to: a {@link TestEncryptionKey}, or a public key of your own —
 * PEM (SPKI or a private key, whose public half is used), a `KeyObject`, a WebCrypto `CryptoKey`, or a JWK.
 */
export type EncryptionTarget = TestEncryptionKey | string | KeyObject | CryptoKey | JWK;

/** Options of {@link TestIssuer.encrypt}. A wrong one throws ``bearer-guard: `encrypt.<option>` …``. */
export interface EncryptOptions {
  /** The recipient's key. */
  key: EncryptionTarget;
  /** Header `alg`; default the key's own (a {@link TestEncryptionKey}), else `'RSA-OAEP-256'` for RSA, `'ECDH-ES+A256KW'` for EC and X25519. */
  alg?: EncryptionAlgorithm;
  /** Header `enc`; default the key's own, else `'A256GCM'`. */
  enc?: ContentEncryption;
  /** Header `kid`; default the key's (`TestEncryptionKey.kid`, or a JWK's `kid`); `null` omits it. */
  kid?: string | null;
  /** Header `cty`; default `'JWT'` (a nested JWT); `null` omits it. */
  cty?: string | null;
  /** Extra protected-header fields; they override everything above. */
  header?: Record<string, unknown>;
}

function isEncryptionKey(value: unknown): value is TestEncryptionKey {
  return (
    isRecord(value) && value.publicKey instanceof KeyObject && typeof value.alg === 'string' && 'decryption' in value
  );
}

function isAlgorithm(value: unknown): value is EncryptionAlgorithm {
  return typeof value === 'string' && (ENCRYPTION_ALGORITHMS as readonly string[]).includes(value);
}

function isEncryption(value: unknown): value is ContentEncryption {
  return typeof value === 'string' && (CONTENT_ENCRYPTIONS as readonly string[]).includes(value);
}

function checkEncryption(value: unknown, option: string): asserts value is ContentEncryption {
  if (!isEncryption(value))
    fail(option, `must be one of ${CONTENT_ENCRYPTIONS.join(', ')}; got ${JSON.stringify(value)}`);
}

function checkAlgorithm(value: unknown, option: string): asserts value is EncryptionAlgorithm {
  if (!isAlgorithm(value))
    fail(option, `must be one of ${ENCRYPTION_ALGORITHMS.join(', ')}; got ${JSON.stringify(value)}`);
}

/**
 * Generates an encryption key pair for the API under test. `issuer.encryptionKey()` is the same function.
 *
 * @param options - `alg` (default `'RSA-OAEP-256'`), `enc` (default `'A256GCM'`), `crv`, `modulusLength`.
 * @throws TypeError ``bearer-guard: `encryptionKey.<option>` …`` for a wrong option.
 * @see https://www.rfc-editor.org/rfc/rfc7516 (JWE)
 * @example
 * ```ts
 * const key = await createEncryptionKey({ alg: 'ECDH-ES+A256KW' });
 * const verifier = createVerifier({ issuer: issuer.issuer, audience: 'orders', decryption: key.decryption });
 * const token = await issuer.sign({ sub: 'u1' }, { audience: 'orders', encryptTo: key });
 * ```
 */
export async function createEncryptionKey(options: EncryptionKeyOptions = {}): Promise<TestEncryptionKey> {
  if (typeof options !== 'object' || options === null) fail('encryptionKey', 'options must be an object');
  const { alg = 'RSA-OAEP-256', enc = 'A256GCM', crv, modulusLength } = options;
  checkAlgorithm(alg, 'encryptionKey.alg');
  checkEncryption(enc, 'encryptionKey.enc');
  const rsa = alg.startsWith('RSA');
  if (crv !== undefined && (rsa || !CURVES.includes(crv as string)))
    fail(
      'encryptionKey.crv',
      `must be one of ${CURVES.join(', ')}, with an ECDH-ES algorithm; got ${JSON.stringify(crv)}`,
    );
  if (modulusLength !== undefined && !rsa) fail('encryptionKey.modulusLength', 'applies to RSA-OAEP keys only');
  checkModulusLength(modulusLength, 'encryptionKey.modulusLength');
  // WebCrypto keys made by jose (exporting JWKs of node:crypto-generated keys has hung on Node 20.20).
  const pair = await generateKeyPair(alg, {
    extractable: true,
    ...(rsa ? (modulusLength === undefined ? {} : { modulusLength }) : { crv: crv ?? 'P-256' }),
  });
  const publicJWK = await exportJWK(pair.publicKey);
  const kid = await calculateJwkThumbprint(publicJWK, 'sha256');
  const privateKey = KeyObject.from(pair.privateKey);
  return Object.freeze({
    kid,
    alg,
    enc,
    publicKey: KeyObject.from(pair.publicKey),
    privateKey,
    publicKeyPem: await exportSPKI(pair.publicKey),
    privateKeyPem: await exportPKCS8(pair.privateKey),
    publicJWK: Object.freeze({ ...publicJWK, kid, alg, use: 'enc' }),
    privateJWK: Object.freeze({ ...(await exportJWK(pair.privateKey)), kid, alg, use: 'enc' }),
    decryption: { keys: [privateKey], algorithms: [alg], encryptions: [enc] },
  });
}

interface Recipient {
  key: KeyObject;
  alg: EncryptionAlgorithm;
  enc: ContentEncryption;
  kid: string | undefined;
}

/** The public key and header defaults for a target; `option` names it in errors. */
function recipientOf(target: unknown, option: string): Recipient {
  if (isEncryptionKey(target)) return { key: target.publicKey, alg: target.alg, enc: target.enc, kid: target.kid };
  let key: KeyObject;
  let kid: string | undefined;
  try {
    if (typeof target === 'string') key = createPublicKey(target);
    else if (target instanceof KeyObject) key = target.type === 'public' ? target : createPublicKey(target);
    else if (isRecord(target) && typeof target.type === 'string' && 'algorithm' in target) {
      const object = KeyObject.from(target as unknown as CryptoKey);
      key = object.type === 'public' ? object : createPublicKey(object);
    } else if (isRecord(target) && typeof target.kty === 'string') {
      const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...members } = target;
      key = createPublicKey({ key: members as never, format: 'jwk' });
      kid = typeof target.kid === 'string' ? target.kid : undefined;
    } else throw new TypeError(`got ${target === null ? 'null' : typeof target}`);
  } catch (error) {
    fail(option, 'must be a key from issuer.encryptionKey(), or a public key: PEM, KeyObject, CryptoKey or JWK', error);
  }
  const type = key.asymmetricKeyType;
  if (type === 'rsa') return { key, alg: 'RSA-OAEP-256', enc: 'A256GCM', kid };
  if (type === 'ec' || type === 'x25519' || type === 'x448') return { key, alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid };
  fail(option, `is a ${type} key, which cannot encrypt: give an RSA, EC or X25519 key`);
}

/**
 * Encrypts `plaintext` (usually a compact JWS) into a compact JWE.
 *
 * @param plaintext - what to encrypt.
 * @param options - the recipient `key` and header choices.
 * @param scope - the option prefix in errors: `'encrypt'`, or `'sign'` whose `encryptTo` is the key.
 * @throws TypeError ``bearer-guard: `<scope>.<option>` …`` for a wrong option.
 * @example await encryptToken(jws, { key: encryptionKey }, 'encrypt') // 'eyJhbGciOiJSU0EtT0FFUC0yNTYiLC…' (five segments)
 */
export async function encryptToken(plaintext: string, options: EncryptOptions, scope: string): Promise<string> {
  if (!isRecord(options)) fail(scope, 'options must be an object');
  const keyOption = scope === 'sign' ? 'sign.encryptTo' : `${scope}.key`;
  const recipient = recipientOf(options.key, keyOption);
  const alg = options.alg ?? recipient.alg;
  const enc = options.enc ?? recipient.enc;
  checkAlgorithm(alg, `${scope}.alg`);
  checkEncryption(enc, `${scope}.enc`);
  const rsa = recipient.key.asymmetricKeyType === 'rsa';
  if (alg.startsWith('RSA') !== rsa)
    fail(`${scope}.alg`, `${alg} does not suit the ${recipient.key.asymmetricKeyType} key of \`${keyOption}\``);
  const kid = options.kid === undefined ? recipient.kid : options.kid;
  const cty = options.cty === undefined ? 'JWT' : options.cty;
  for (const [name, value] of [
    ['kid', kid],
    ['cty', cty],
  ] as const) {
    if (value !== undefined && value !== null && (typeof value !== 'string' || value === ''))
      fail(`${scope}.${name}`, `must be a non-empty string or null; got ${JSON.stringify(value)}`);
  }
  if (options.header !== undefined && !isRecord(options.header)) fail(`${scope}.header`, 'must be an object');
  const header = Object.fromEntries(
    Object.entries({ alg, enc, kid, cty, ...options.header }).filter(([, v]) => v !== undefined && v !== null),
  );
  return new CompactEncrypt(new TextEncoder().encode(plaintext))
    .setProtectedHeader(header as { alg: string; enc: string })
    .encrypt(recipient.key);
}
