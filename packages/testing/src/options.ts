/**
 * Options of {@link createTestIssuer}, validated once at creation. Errors have the shape of every
 * bearer-guard option error: ``bearer-guard: `createTestIssuer.<option>` <what is wrong>``.
 */
import { fail } from '@bearer-guard/core/adapter';
import { wholeSeconds, type Duration } from './duration.js';
import {
  resolveIntrospectionClient,
  type IntrospectionClient,
  type IntrospectionClientOptions,
} from './introspection.js';
import { checkAlgorithm, checkModulusLength, type TestAlgorithm } from './keys.js';

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
  /** Default lifetime of minted tokens (`exp - iat`): seconds or `'5m'`-style ({@link Duration}); default `'5m'`. */
  expiresIn?: Duration;
  /** Port to listen on (127.0.0.1 only); default 0, a free port. */
  port?: number;
  /** RSA modulus length in bits (RS* and PS* algorithms); default 2048. */
  modulusLength?: number;
  /**
   * The client the introspection endpoint (RFC 7662) accepts, with `client_secret_basic`;
   * default `{ clientId: 'test-api', clientSecret: 'test-secret' }`.
   */
  introspection?: IntrospectionClientOptions;
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
  introspection: IntrospectionClient;
}

const SCOPE = 'createTestIssuer';

/**
 * Applies defaults and validates, throwing a `TypeError` that names the offending option.
 *
 * @param options - what the caller passed to {@link createTestIssuer}.
 * @example resolveIssuerOptions({ alg: 'ES256' }).expiresIn // 300
 */
export function resolveIssuerOptions(options: TestIssuerOptions = {}): ResolvedIssuerOptions {
  if (typeof options !== 'object' || options === null) fail(SCOPE, 'options must be an object');
  const {
    alg = 'RS256',
    audience = DEFAULT_AUDIENCE,
    issuerPath = '',
    tokenType = 'at+jwt',
    expiresIn = '5m',
    port = 0,
    modulusLength,
  } = options;
  checkAlgorithm(alg, `${SCOPE}.alg`);
  if (!isAudience(audience)) fail(`${SCOPE}.audience`, 'must be a non-empty string or a non-empty array of them');
  if (
    typeof issuerPath !== 'string' ||
    (issuerPath !== '' && !/^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/.test(issuerPath))
  ) {
    fail(
      `${SCOPE}.issuerPath`,
      `must be '' or a URL path starting with '/' (no query or fragment); got ${JSON.stringify(issuerPath)}`,
    );
  }
  if (tokenType !== null && (typeof tokenType !== 'string' || tokenType === '')) {
    fail(`${SCOPE}.tokenType`, `must be a non-empty string or null; got ${JSON.stringify(tokenType)}`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    fail(`${SCOPE}.port`, `must be an integer 0–65535; got ${JSON.stringify(port)}`);
  checkModulusLength(modulusLength, `${SCOPE}.modulusLength`);
  return {
    alg,
    audience,
    issuerPath,
    tokenType,
    expiresIn: wholeSeconds(expiresIn, `${SCOPE}.expiresIn`),
    port,
    modulusLength,
    introspection: resolveIntrospectionClient(options.introspection, `${SCOPE}.introspection`),
  };
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
