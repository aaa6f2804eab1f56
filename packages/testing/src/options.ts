/**
 * Options of {@link createTestIssuer}, validated once at creation.
 */
import { parseDuration, type Duration } from './duration.js';
import { isTestAlgorithm, TEST_ALGORITHMS, type TestAlgorithm } from './keys.js';

/** The `aud` that {@link TestIssuer.sign} writes when neither the issuer nor the call names one. */
export const DEFAULT_AUDIENCE = 'test-api';

/** Options for {@link createTestIssuer}; every field is optional. */
export interface TestIssuerOptions {
  /** Signing algorithm of the issuer's keys; default `'RS256'`. */
  alg?: TestAlgorithm;
  /** Default `aud` of minted tokens; default `'test-api'`. */
  audience?: string | string[];
  /**
   * Path appended to the origin to form the issuer, e.g. `'/realms/test'` →
   * `http://127.0.0.1:PORT/realms/test`; `'/'` gives an issuer with a trailing slash. Default `''`.
   */
  issuerPath?: string;
  /** Header `typ` of minted tokens; default `'at+jwt'` (RFC 9068); `null` omits it. */
  tokenType?: string | null;
  /** Default lifetime of minted tokens (`exp - iat`): seconds or `'5m'`-style; default `'5m'`. */
  expiresIn?: Duration;
  /** Port to listen on (127.0.0.1 only); default 0, a free port. */
  port?: number;
  /** RSA modulus length in bits (RS* and PS* algorithms); default 2048. */
  modulusLength?: number;
}

/** {@link TestIssuerOptions} with defaults applied and values checked. */
export interface ResolvedIssuerOptions {
  alg: TestAlgorithm;
  audience: string | string[];
  issuerPath: string;
  tokenType: string | null;
  expiresIn: number;
  port: number;
  modulusLength: number | undefined;
}

/**
 * Applies defaults and validates, throwing a `TypeError` that names the offending option.
 *
 * @param options - what the caller passed to {@link createTestIssuer}.
 * @example resolveIssuerOptions({ alg: 'ES256' }).expiresIn // 300
 */
export function resolveIssuerOptions(options: TestIssuerOptions = {}): ResolvedIssuerOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('createTestIssuer: options must be an object');
  const { alg = 'RS256', audience = DEFAULT_AUDIENCE, issuerPath = '', tokenType = 'at+jwt', expiresIn = '5m', port = 0, modulusLength } = options;
  if (!isTestAlgorithm(alg)) throw new TypeError(`alg: expected one of ${TEST_ALGORITHMS.join(', ')}; got ${JSON.stringify(alg)}`);
  if (!isAudience(audience)) throw new TypeError('audience: expected a non-empty string or a non-empty array of them');
  if (typeof issuerPath !== 'string' || (issuerPath !== '' && !/^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/.test(issuerPath))) {
    throw new TypeError(`issuerPath: expected '' or a URL path starting with '/' (no query or fragment); got ${JSON.stringify(issuerPath)}`);
  }
  if (tokenType !== null && (typeof tokenType !== 'string' || tokenType === '')) {
    throw new TypeError(`tokenType: expected a non-empty string or null; got ${JSON.stringify(tokenType)}`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new TypeError(`port: expected an integer 0–65535; got ${JSON.stringify(port)}`);
  if (modulusLength !== undefined && (!Number.isInteger(modulusLength) || modulusLength < 2048)) {
    throw new TypeError(`modulusLength: expected an integer of at least 2048; got ${JSON.stringify(modulusLength)}`);
  }
  return { alg, audience, issuerPath, tokenType, expiresIn: parseDuration(expiresIn, 'expiresIn'), port, modulusLength };
}

/**
 * True for a non-empty string or a non-empty array of non-empty strings.
 *
 * @param value - anything.
 * @example isAudience(['orders', 'billing']) // true
 */
export function isAudience(value: unknown): value is string | string[] {
  if (typeof value === 'string') return value !== '';
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && v !== '');
}
