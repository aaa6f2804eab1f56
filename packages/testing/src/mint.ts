/**
 * Token minting: builds the claims and header of a test JWT and signs it with jose's `SignJWT`.
 */
import { randomUUID } from 'node:crypto';
import { fail } from '@bearer-guard/core/adapter';
import { SignJWT, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { epochSeconds, toNumericDate, wholeSeconds, type Duration, type TimeInput } from './duration.js';
import { confirmationOf, type TestCertificate } from './confirmation.js';
import type { DPoPKey } from './dpop.js';
import { encryptToken, type EncryptionTarget } from './encryption.js';
import type { TestKey } from './keys.js';
import { isAudience } from './options.js';

/**
 * Per-token options of {@link TestIssuer.sign}. `null` omits a claim or header the issuer would otherwise write.
 * A wrong one throws ``bearer-guard: `sign.<option>` <what is wrong>``.
 */
export interface SignOptions {
  /** `aud`; default the issuer's `audience` option (itself defaulting to `'test-api'`); `null` omits it. */
  audience?: string | string[] | null;
  /** `iss`; default the issuer's URL; `null` omits it. */
  issuer?: string | null;
  /** `sub`; not set by default. */
  subject?: string;
  /** Lifetime: `exp = iat + expiresIn`; seconds or `'5m'`-style (negative allowed); default the issuer's; `null` omits `exp`. */
  expiresIn?: Duration | null;
  /** `nbf`: NumericDate, `Date`, or a duration relative to now (`'10m'`); not set by default. */
  notBefore?: TimeInput;
  /** `iat`: NumericDate, `Date`, or a duration relative to now (`'-1h'`); default now; `null` omits it. */
  issuedAt?: TimeInput | null;
  /** Header `kid`; default the signing key's; `null` omits it. */
  kid?: string | null;
  /** Header `alg`; default the signing key's. Must suit the key, except `'none'`, which yields an unsecured JWT. */
  alg?: string;
  /** Header `typ`; default the issuer's `tokenType` (`'at+jwt'`); `null` omits it. */
  typ?: string | null;
  /** Extra protected-header fields; they override everything above (`crit` is honoured). */
  header?: Record<string, unknown>;
  /** `jti`; default a random UUID; `null` omits it. */
  jti?: string | null;
  /** Signing key: `'current'` (default), `'previous'` (the key before the last rotation), or any {@link TestKey}. */
  key?: 'current' | 'previous' | TestKey;
  /**
   * Binds the token to a DPoP key (RFC 9449 §6.1): `cnf: { jkt }`. A key from `issuer.dpopKey()`, or
   * any `{ jkt }` (an RFC 7638 SHA-256 thumbprint, e.g. of a key your DPoP client library made).
   */
  dpopKey?: Pick<DPoPKey, 'jkt'>;
  /**
   * Binds the token to a client certificate (RFC 8705 §3.1): `cnf: { 'x5t#S256': base64url(SHA-256(DER)) }`.
   * PEM, DER bytes or an `X509Certificate`. With `dpopKey` too, `cnf` holds both.
   */
  certificate?: TestCertificate;
  /**
   * Encrypts the signed token to this key: a compact JWE (RFC 7516) with `cty: 'JWT'`, the key's
   * `kid`, and its `alg`/`enc` (a key from `issuer.encryptionKey()`), else `RSA-OAEP-256` (RSA) or
   * `ECDH-ES+A256KW` (EC, X25519) with `A256GCM`. For other header choices use `issuer.encrypt()`.
   */
  encryptTo?: EncryptionTarget;
}

/** The options of {@link TestIssuer.opaque}: those of `sign()` that make claims. */
export type OpaqueTokenOptions = Pick<
  SignOptions,
  'audience' | 'issuer' | 'subject' | 'expiresIn' | 'notBefore' | 'issuedAt' | 'jti' | 'dpopKey' | 'certificate'
>;

/** What the issuer contributes to every token. */
export interface MintDefaults {
  issuer: string;
  audience: string | string[];
  expiresIn: number;
  tokenType: string | null;
}

/**
 * Mints a compact JWS. Precedence: issuer defaults < `options` < `claims` < `forced`.
 *
 * @param key - the signing key (already resolved from `options.key`).
 * @param claims - payload claims; they override the defaults.
 * @param options - per-token options.
 * @param defaults - the issuer's defaults.
 * @param forced - claims that win over everything (used by the invalid-token helpers).
 * @example await mintToken(key, { sub: 'u1' }, { audience: 'orders' }, defaults)
 */
export async function mintToken(
  key: TestKey,
  claims: JWTPayload,
  options: SignOptions,
  defaults: MintDefaults,
  forced: JWTPayload = {},
): Promise<string> {
  const payload = buildPayload(claims, options, defaults, forced);
  const header = buildHeader(key, options, defaults);
  let jws: string;
  if (header.alg === 'none') jws = `${encodeSegment(header)}.${encodeSegment(payload)}.`;
  else {
    const crit = Array.isArray(header.crit)
      ? Object.fromEntries(header.crit.map((name) => [String(name), true]))
      : undefined;
    jws = await new SignJWT(payload).setProtectedHeader(header).sign(key.privateKey, crit ? { crit } : undefined);
  }
  return encryptIfAsked(jws, options.encryptTo);
}

/**
 * `token` as is, or encrypted to `encryptTo` (`sign()`'s option of that name).
 *
 * @param token - a compact JWS.
 * @param encryptTo - the recipient, or `undefined` for none.
 * @example await encryptIfAsked(jws, encryptionKey) // five segments
 */
export function encryptIfAsked(token: string, encryptTo: EncryptionTarget | undefined): Promise<string> {
  return encryptTo === undefined ? Promise.resolve(token) : encryptToken(token, { key: encryptTo }, 'sign');
}

/**
 * The claims of a token. Precedence: issuer defaults < `options` < `claims` < `forced`.
 *
 * @param claims - payload claims.
 * @param options - per-token options.
 * @param defaults - the issuer's defaults.
 * @param forced - claims that win over everything.
 * @param scope - the options' name in errors: `'sign'` or `'opaque'`.
 * @example buildPayload({ sub: 'u1' }, {}, defaults, {}, 'opaque').iss // defaults.issuer
 */
export function buildPayload(
  claims: JWTPayload,
  options: OpaqueTokenOptions,
  defaults: MintDefaults,
  forced: JWTPayload,
  scope = 'sign',
): JWTPayload {
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims))
    throw new TypeError(`${scope}: claims must be an object`);
  if (typeof options !== 'object' || options === null) fail(scope, 'options must be an object');
  const { audience, issuer } = options;
  if (audience !== undefined && audience !== null && !isAudience(audience)) {
    fail(`${scope}.audience`, 'must be a non-empty string, a non-empty array of them, or null');
  }
  if (issuer !== undefined && issuer !== null && typeof issuer !== 'string')
    fail(`${scope}.issuer`, 'must be a string or null');
  const now = epochSeconds();
  const iat =
    options.issuedAt === null
      ? undefined
      : options.issuedAt === undefined
        ? now
        : toNumericDate(options.issuedAt, now, `${scope}.issuedAt`);
  const lifetime =
    options.expiresIn === null
      ? undefined
      : options.expiresIn === undefined
        ? defaults.expiresIn
        : wholeSeconds(options.expiresIn, `${scope}.expiresIn`);
  const payload: JWTPayload = {
    iss: issuer === null ? undefined : (issuer ?? defaults.issuer),
    sub: options.subject,
    aud: audience === null ? undefined : (audience ?? defaults.audience),
    iat,
    nbf: options.notBefore === undefined ? undefined : toNumericDate(options.notBefore, now, `${scope}.notBefore`),
    exp: lifetime === undefined ? undefined : (iat ?? now) + lifetime,
    jti: options.jti === null ? undefined : (options.jti ?? randomUUID()),
    cnf: confirmationOf(options.dpopKey, options.certificate, scope),
    ...claims,
    ...forced,
  };
  return withoutUndefined(payload);
}

function buildHeader(key: TestKey, options: SignOptions, defaults: MintDefaults): JWTHeaderParameters {
  const typ = options.typ === undefined ? defaults.tokenType : options.typ;
  const kid = options.kid === undefined ? key.kid : options.kid;
  const header = withoutUndefined({
    alg: options.alg ?? key.alg,
    typ: typ ?? undefined,
    kid: kid ?? undefined,
    ...options.header,
  });
  return header as JWTHeaderParameters;
}

function withoutUndefined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Base64url-encodes a JSON value as one JWS segment.
 *
 * @param value - a header or payload.
 * @example encodeSegment({ alg: 'none' }) // 'eyJhbGciOiJub25lIn0'
 */
export function encodeSegment(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * Decodes one base64url JSON segment of a JWS.
 *
 * @param segment - the header or payload part of a compact JWS.
 * @example decodeSegment('eyJhbGciOiJub25lIn0') // { alg: 'none' }
 */
export function decodeSegment(segment: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as Record<string, unknown>;
}
