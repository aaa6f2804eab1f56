/**
 * Strict compact-JWS parsing and node:crypto signature checks (RFC 7515 §7.1, RFC 7518 §3).
 * Everything here treats the token as hostile: bounded length, exact structure, canonical
 * base64url, fatal UTF-8, JSON objects only, one parse shared by every later check.
 */
import { isUtf8 } from 'node:buffer';
import { createHmac, timingSafeEqual, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { algorithmSpec, PSS_OPTIONS, type Algorithm } from './algorithms.js';
import { own } from './claim-path.js';
import { InvalidTokenError } from './errors.js';

/** A JOSE protected header, as decoded (untrusted until the signature is checked). */
export interface JWTHeader {
  alg: string;
  kid?: string;
  typ?: string;
  crit?: string[];
  [member: string]: unknown;
}

/** JWT claims (RFC 7519 §4), as decoded. */
export interface JWTPayload {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  scope?: string;
  [claim: string]: unknown;
}

/**
 * The claims `auth.payload` is typed with, in core, in guards (`claimCheck`) and in every adapter
 * (`req.auth`, `ctx.state.auth`, `request.auth`). Empty on purpose: augment it once in your app to
 * type your own claims everywhere (a `.d.ts` file needs `export {}` to be a module):
 *
 * @example
 * ```ts
 * declare module '@bearer-guard/core' {
 *   interface AuthPayload {
 *     tenant: string;
 *   }
 * }
 * claimCheck((p) => p.tenant === 'acme'); // p.tenant: string
 * ```
 */
export interface AuthPayload extends JWTPayload {}

/** A compact JWS split and decoded, signature not yet checked. */
export interface DecodedToken {
  header: JWTHeader;
  payload: JWTPayload;
  signingInput: Buffer;
  signature: Buffer;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

function malformed(message: string, cause?: unknown): never {
  throw new InvalidTokenError('malformed_token', message, { cause });
}

/** Decodes base64url, refusing padding, foreign characters and non-canonical trailing bits. */
function decodeSegment(segment: string, name: string): Buffer {
  if (!SEGMENT.test(segment) || segment.length % 4 === 1) malformed(`${name} is not base64url`);
  const bytes = Buffer.from(segment, 'base64url');
  // Non-zero unused bits would let many strings carry one token: refuse all but the canonical one.
  const rest = segment.length % 4;
  if (rest !== 0) {
    const last = SEGMENT_VALUES[segment.charCodeAt(segment.length - 1)] ?? 0;
    if ((rest === 2 && (last & 0x0f) !== 0) || (rest === 3 && (last & 0x03) !== 0)) {
      malformed(`${name} is not canonical base64url`);
    }
  }
  return bytes;
}

const SEGMENT_VALUES: number[] = [];
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].entries()) {
  SEGMENT_VALUES[c.charCodeAt(0)] = i;
}

function decodeJsonObject(segment: string, name: string): Record<string, unknown> {
  const bytes = decodeSegment(segment, name);
  if (!isUtf8(bytes)) malformed(`${name} is not UTF-8`);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    malformed(`${name} is not JSON`, error);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) malformed(`${name} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** Freezes `value` and everything reachable from its own properties (symbol-keyed and hidden ones too). */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<string | symbol, unknown>)[key]);
  }
  return value;
}

/**
 * Freezes a value made by `JSON.parse` all the way down: own enumerable keys are all it can
 * have, and only objects and arrays need a call (cheaper per token than {@link deepFreeze}).
 */
export function freezeParsed(value: object): void {
  Object.freeze(value);
  if (Array.isArray(value)) {
    for (const item of value) if (typeof item === 'object' && item !== null) freezeParsed(item);
    return;
  }
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    const item = (value as Record<string, unknown>)[keys[i] as string];
    if (typeof item === 'object' && item !== null) freezeParsed(item);
  }
}

// Issuers sign many tokens with one header: decoding it once per distinct header saves a parse.
// The decoded header is shared by every request that sends it, so it is frozen all the way down:
// nothing one request's code does to `auth.header` can change what another request sees.
const HEADER_CACHE_MAX = 64;
const headerCache = new Map<string, JWTHeader>();

function decodeHeader(segment: string, cache: boolean): JWTHeader {
  const cached = cache ? headerCache.get(segment) : undefined;
  if (cached) return cached;
  const header = decodeJsonObject(segment, 'header') as JWTHeader;
  checkHeader(header);
  deepFreeze(header);
  if (!cache) return header;
  if (headerCache.size >= HEADER_CACHE_MAX) headerCache.delete(headerCache.keys().next().value as string);
  headerCache.set(segment, header);
  return header;
}

/** Header rules that do not depend on keys: `alg` and `kid` types, `crit` (RFC 7515 §4.1.11), `b64` (RFC 7797). */
function checkHeader(header: JWTHeader): void {
  // Own members only: nothing inherited from a polluted Object.prototype stands in for one.
  const alg = own(header, 'alg');
  if (typeof alg !== 'string' || alg.length === 0) malformed('"alg" is missing or not a string');
  const kid = own(header, 'kid');
  if (kid !== undefined && typeof kid !== 'string') malformed('"kid" is not a string');
  const typ = own(header, 'typ');
  if (typ !== undefined && typeof typ !== 'string') malformed('"typ" is not a string');
  const crit = own(header, 'crit');
  if (crit !== undefined) {
    if (!Array.isArray(crit) || crit.length === 0 || crit.some((c) => typeof c !== 'string' || c.length === 0)) {
      malformed('"crit" is not a non-empty array of names');
    }
    for (const name of crit as string[]) {
      // The only extension that a JWT could carry, b64, must keep the payload encoded (RFC 7797 §7).
      if (name !== 'b64' || own(header, 'b64') !== true) {
        throw new InvalidTokenError(
          'unsupported_critical_header',
          `critical header parameter ${JSON.stringify(name)} is not supported`,
        );
      }
    }
  }
}

/** Refuses a token longer than `maxLength` characters (`token_too_long`), before any decoding. */
export function checkTokenLength(token: string, maxLength: number): void {
  if (token.length > maxLength) {
    throw new InvalidTokenError(
      'token_too_long',
      `token is ${token.length} characters, over the limit of ${maxLength}`,
    );
  }
}

/**
 * Splits and decodes a compact JWS without checking its signature.
 *
 * @param token - the bearer token.
 * @param maxLength - tokens longer than this are refused before any decoding.
 * @param cacheHeader - share the decoded header with other tokens that send it (access tokens:
 *   issuers reuse one header); false for DPoP proofs, whose headers are per client; or the
 *   header itself, decoded (and frozen) from the same segment before, as DPoP keeps per client.
 * @throws InvalidTokenError `token_too_long`, `unsupported_token_format` (a JWE, or any other
 *   count of segments), `malformed_token`, `unsupported_critical_header`.
 */
export function decodeToken(token: string, maxLength: number, cacheHeader: boolean | JWTHeader = true): DecodedToken {
  checkTokenLength(token, maxLength);
  const first = token.indexOf('.');
  const second = first === -1 ? -1 : token.indexOf('.', first + 1);
  if (second === -1 || token.indexOf('.', second + 1) !== -1) {
    const segments = token.split('.').length;
    throw new InvalidTokenError(
      'unsupported_token_format',
      segments === 5
        ? 'token is a JWE (5 segments); only signed JWTs are accepted'
        : `token has ${segments} segments, not 3`,
    );
  }
  const header = typeof cacheHeader === 'object' ? cacheHeader : decodeHeader(token.slice(0, first), cacheHeader);
  const payload = decodeJsonObject(token.slice(first + 1, second), 'payload') as JWTPayload;
  const signatureSegment = token.slice(second + 1);
  if (signatureSegment.length === 0) malformed('signature is empty');
  const signature = decodeSegment(signatureSegment, 'signature');
  return { header, payload, signingInput: Buffer.from(token.slice(0, second), 'latin1'), signature };
}

/**
 * Checks a JWS signature with node:crypto and a pre-imported key. Never throws: any failure,
 * including a signature of the wrong length or an out-of-range ECDSA value, is `false`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7518#section-3
 */
export function verifySignature(alg: Algorithm, key: KeyObject, signingInput: Buffer, signature: Buffer): boolean {
  const spec = algorithmSpec(alg);
  if (spec.signatureLength !== undefined && signature.length !== spec.signatureLength) return false;
  try {
    switch (spec.kind) {
      case 'rsa':
        return cryptoVerify(spec.hash, signingInput, key, signature);
      case 'pss':
        return cryptoVerify(spec.hash, signingInput, { key, ...PSS_OPTIONS }, signature);
      case 'ec':
        return cryptoVerify(spec.hash, signingInput, { key, dsaEncoding: 'ieee-p1363' }, signature);
      case 'eddsa':
        return cryptoVerify(null, signingInput, key, signature);
      case 'hmac': {
        const expected = createHmac(spec.hash as string, key)
          .update(signingInput)
          .digest();
        return timingSafeEqual(expected, signature);
      }
    }
  } catch {
    return false;
  }
}
