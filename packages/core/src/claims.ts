/**
 * Claim checks of RFC 7519 §4.1 and RFC 9068 §4: time claims with clock tolerance, issuer,
 * audience, token type, required claims. Run on decoded claims before the signature check, so
 * that a token whose claims cannot pass never costs a signature verification or a JWKS fetch
 * (a forged token with passing claims costs one signature check, then fails).
 */
import { own } from './claim-path.js';
import { InvalidTokenError } from './errors.js';
import type { JWTHeader, JWTPayload } from './jws.js';

/** The claim rules of one verifier, normalized from its options. */
export interface ClaimRules {
  issuers: ReadonlySet<string> | undefined;
  audiences: ReadonlySet<string> | undefined;
  /** Seconds. */
  clockTolerance: number;
  /** Seconds; `undefined` when not limited. */
  maxTokenAge: number | undefined;
  requiredClaims: readonly string[];
  /** Normalized media type (lower case, no `application/`), or `undefined` when not checked. */
  tokenType: string | undefined;
}

function invalid(reason: ConstructorParameters<typeof InvalidTokenError>[0], message: string): never {
  throw new InvalidTokenError(reason, message);
}

/** A value from the token for a server-side message: JSON-quoted (escapes control characters) and shortened. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

/** The expected values, for a server-side message: `"a"` or `"a" or "b"`. */
function expected(values: ReadonlySet<string>): string {
  return [...values].map((v) => JSON.stringify(v)).join(' or ');
}

/** `typ` comparison of RFC 7515 §4.1.9 / RFC 9068 §4: case-insensitive, `application/` optional. */
export function normalizeMediaType(value: string): string {
  const lower = value.toLowerCase();
  return lower.startsWith('application/') ? lower.slice(12) : lower;
}

function numericDate(payload: JWTPayload, name: 'exp' | 'nbf' | 'iat'): number | undefined {
  const value = own(payload, name);
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value))
    invalid('invalid_claim', `"${name}" claim must be a finite number`);
  return value;
}

/**
 * The time rules alone (`exp`, `nbf`, `iat`, `maxTokenAge`), also re-run on every cache hit.
 * @param now - seconds since the epoch.
 */
export function checkTimes(payload: JWTPayload, rules: ClaimRules, now: number): void {
  const tolerance = rules.clockTolerance;
  const exp = numericDate(payload, 'exp');
  const nbf = numericDate(payload, 'nbf');
  const iat = numericDate(payload, 'iat');
  if (exp !== undefined && exp <= now - tolerance) invalid('token_expired', '"exp" claim timestamp check failed');
  if (nbf !== undefined && nbf > now + tolerance) invalid('token_not_yet_valid', '"nbf" claim timestamp check failed');
  if (iat !== undefined && iat > now + tolerance) invalid('token_issued_in_future', '"iat" claim is in the future');
  if (rules.maxTokenAge !== undefined) {
    if (iat === undefined) invalid('missing_claim', '"iat" claim is required by maxTokenAge');
    if (now - iat - tolerance > rules.maxTokenAge) invalid('token_too_old', '"iat" claim is older than maxTokenAge');
  }
}

/**
 * Checks every claim rule; throws `InvalidTokenError` with the failing rule as `reason`.
 *
 * @param header - the decoded protected header (for `typ`).
 * @param payload - the decoded claims.
 * @param rules - the verifier's rules.
 * @param now - seconds since the epoch.
 * @see https://www.rfc-editor.org/rfc/rfc7519#section-4.1
 */
export function checkClaims(header: JWTHeader, payload: JWTPayload, rules: ClaimRules, now: number): void {
  if (rules.tokenType !== undefined) {
    const typ = own(header, 'typ');
    if (typeof typ !== 'string' || normalizeMediaType(typ) !== rules.tokenType) {
      invalid('invalid_token_type', `"typ" header is ${shown(typ)}, expected "${rules.tokenType}"`);
    }
  }
  for (const name of rules.requiredClaims) {
    if (own(payload, name) === undefined) invalid('missing_claim', `"${name}" claim is missing`);
  }
  for (const name of ['sub', 'jti', 'client_id'] as const) {
    const value = own(payload, name);
    if (value !== undefined && typeof value !== 'string') invalid('invalid_claim', `"${name}" claim must be a string`);
  }
  checkTimes(payload, rules, now);
  if (rules.issuers !== undefined) {
    const iss = own(payload, 'iss');
    if (iss === undefined) invalid('missing_claim', '"iss" claim is missing');
    if (typeof iss !== 'string' || !rules.issuers.has(iss)) {
      invalid('invalid_issuer', `unexpected "iss" claim value ${shown(iss)}, expected ${expected(rules.issuers)}`);
    }
  }
  if (rules.audiences !== undefined) {
    const aud = own(payload, 'aud');
    if (aud === undefined) invalid('missing_claim', '"aud" claim is missing');
    const values = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : undefined;
    if (values === undefined || values.some((v) => typeof v !== 'string'))
      invalid('invalid_claim', '"aud" claim must be a string or an array of strings');
    const audiences = rules.audiences;
    if (!values.some((v) => audiences.has(v as string))) {
      invalid('invalid_audience', `unexpected "aud" claim value ${shown(aud)}, expected ${expected(audiences)}`);
    }
  }
}
