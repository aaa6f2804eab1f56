/**
 * The one error hierarchy of bearer-guard (RFC 6750 §3.1).
 *
 * Every error carries what an adapter needs to answer the client (`status`, `headers`, `body`)
 * and what the server needs to understand it (`reason`, `message`, `cause`). Clients only ever
 * see the RFC 6750 error code and a generic description; the detailed reason stays server-side.
 */

/** The RFC 6750 error codes, plus the codes used for "no credentials" and "backend down". */
export type BearerErrorCode =
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'unauthorized'
  | 'temporarily_unavailable'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce';

/** Machine-readable reasons, stable across releases: log them, count them, alert on them. */
export type BearerErrorReason =
  // no credentials / malformed request (extraction)
  | 'missing_token'
  | 'malformed_authorization_header'
  | 'multiple_authorization_headers'
  | 'multiple_token_locations'
  | 'malformed_token_parameter'
  // token structure
  | 'token_too_long'
  | 'malformed_token'
  | 'unsupported_token_format'
  | 'unsupported_critical_header'
  | 'decryption_failed'
  // algorithm and key selection
  | 'algorithm_not_allowed'
  | 'no_matching_key'
  | 'invalid_signature'
  | 'verification_failed'
  // claims
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'token_issued_in_future'
  | 'token_too_old'
  | 'missing_claim'
  | 'invalid_claim'
  | 'invalid_issuer'
  | 'invalid_audience'
  | 'invalid_token_type'
  | 'token_revoked'
  | 'missing_jti'
  // introspection (RFC 7662)
  | 'token_inactive'
  | 'introspection_refused'
  // guards
  | 'insufficient_scope'
  | 'insufficient_role'
  | 'claim_check_failed'
  // backend
  | 'jwks_unavailable'
  | 'discovery_failed'
  | 'revocation_unavailable'
  | 'introspection_unavailable'
  // sender-constrained tokens (RFC 9449, RFC 8705)
  | 'dpop_proof_missing'
  | 'dpop_proof_repeated'
  | 'dpop_proof_invalid'
  | 'dpop_proof_replayed'
  | 'dpop_nonce_required'
  | 'dpop_required'
  | 'dpop_key_mismatch'
  | 'token_not_dpop_bound'
  | 'bound_token_as_bearer'
  | 'certificate_required'
  | 'certificate_mismatch'
  | 'mtls_required'
  | 'replay_unavailable';

/** The JSON body every adapter sends with an error. */
export interface BearerErrorBody {
  error: BearerErrorCode;
  error_description: string;
}

/** Options shared by every {@link BearerError} constructor. */
export interface BearerErrorOptions {
  /** The underlying error (a crypto, fetch or store failure…), kept for the server side. */
  cause?: unknown;
  /** `realm` of the `WWW-Authenticate` challenge. Default `"api"`. */
  realm?: string;
}

const BRAND = Symbol.for('bearer-guard.error');

/**
 * How a verifier challenges clients, beyond `realm`: set on every error it reports, so that
 * `headers` can name every scheme the API accepts (RFC 9110 §11.6.1).
 */
export interface ChallengeContext {
  /** DPoP is on (RFC 9449 §7.1): a `DPoP` challenge with `algs`. */
  readonly dpop?: { readonly algs: string; readonly bearer: boolean } | undefined;
  /** `resource_metadata` of every challenge (RFC 9728 §5.1). */
  readonly resourceMetadata?: string | undefined;
}

/** The scheme the request used: the error's code goes into that scheme's challenge. */
export type ChallengeScheme = 'bearer' | 'dpop';

/** Generic client-facing descriptions. They never depend on the token's content. */
const DESCRIPTIONS: Record<BearerErrorCode, string> = {
  invalid_request: 'The request is malformed',
  invalid_token: 'The access token is invalid',
  insufficient_scope: 'The access token does not grant the required permissions',
  unauthorized: 'Authentication is required',
  temporarily_unavailable: 'The authentication backend is unavailable',
  invalid_dpop_proof: 'The DPoP proof is invalid',
  use_dpop_nonce: 'The DPoP proof must carry the server nonce',
};

const REQUEST_DESCRIPTIONS: Partial<Record<BearerErrorReason, string>> = {
  malformed_authorization_header: 'The Authorization header is malformed',
  multiple_authorization_headers: 'More than one Authorization header was sent',
  multiple_token_locations: 'The access token was sent in more than one location',
  malformed_token_parameter: 'The access_token parameter is malformed',
};

function challenge(scheme: string, params: [string, string][]): string {
  return `${scheme} ${params.map(([k, v]) => `${k}=${quoteHeaderValue(v)}`).join(', ')}`;
}

/** Escapes a value for an RFC 7230 quoted-string; drops control characters. */
export function quoteHeaderValue(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it drops
  return `"${value.replace(/[\u0000-\u001f\u007f]/g, '').replace(/(["\\])/g, '\\$1')}"`;
}

/** The `WWW-Authenticate` value of `error`: a function, not a private method, so forwarded views (`Object.create(error)`) keep it. */
function challenges(error: BearerError, params: [string, string][]): string {
  const realm: [string, string] = ['realm', error.realm];
  const context = error.challenge;
  const metadata: [string, string][] =
    context?.resourceMetadata === undefined ? [] : [['resource_metadata', context.resourceMetadata]];
  const dpop = context?.dpop;
  if (!dpop) return challenge('Bearer', [realm, ...params, ...metadata]);
  const dpopError = error.scheme === 'dpop' || error.code === 'invalid_dpop_proof' || error.code === 'use_dpop_nonce';
  const algs: [string, string] = ['algs', dpop.algs];
  const parts: string[] = [];
  if (dpop.bearer) parts.push(challenge('Bearer', [realm, ...(dpopError ? [] : params), ...metadata]));
  parts.push(challenge('DPoP', [realm, ...(dpopError || !dpop.bearer ? params : []), algs, ...metadata]));
  return parts.join(', ');
}

/**
 * Base class of every bearer-guard error.
 *
 * Adapters recognise it with {@link isBearerError} (a `Symbol.for` brand), never with
 * `instanceof` alone: an ESM and a CJS copy of core may both be loaded in one process.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export abstract class BearerError extends Error {
  /** HTTP status the adapters answer with. */
  abstract readonly status: number;
  /** RFC 6750 error code (`error` in the body and in `WWW-Authenticate`). */
  abstract readonly code: BearerErrorCode;
  /** Machine-readable reason; the detailed `message` says more. Server-side only. */
  readonly reason: BearerErrorReason;
  /** Realm of the challenge; the verifier sets it from its `realm` option. */
  realm: string;
  /** The verifier's other challenge parameters (DPoP, resource metadata); set by the verifier. */
  challenge: ChallengeContext | undefined;
  /** The authorization scheme of the request; set by the verifier. Default `bearer`. */
  scheme: ChallengeScheme = 'bearer';
  /** A `DPoP-Nonce` to hand the client (RFC 9449 §8), for `use_dpop_nonce`. */
  dpopNonce: string | undefined;
  readonly [BRAND] = true;

  constructor(reason: BearerErrorReason, message: string, options: BearerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.reason = reason;
    this.realm = options.realm ?? 'api';
    this.challenge = undefined;
    this.dpopNonce = undefined;
  }

  /** Same as `status`: the name Fastify's and Express's error handlers read. */
  get statusCode(): number {
    return this.status;
  }

  /**
   * The full server-side explanation, e.g. `unexpected "aud" claim value "billing", expected "orders"`: the `message` of the
   * errors core throws, kept when a forwarded error's `message` is made generic. Never send it
   * to the client.
   */
  get detail(): string {
    return this.message;
  }

  /** Short, generic, safe to show to the client. */
  get description(): string {
    return DESCRIPTIONS[this.code];
  }

  /** The `WWW-Authenticate` challenge attributes after `realm`, in order. */
  protected challengeParams(): [string, string][] {
    return [
      ['error', this.code],
      ['error_description', this.description],
    ];
  }

  /**
   * Response headers: `WWW-Authenticate` (absent for 503), `Cache-Control: no-store`, and
   * `DPoP-Nonce` when the client must use a server nonce. The adapters add the JSON content type.
   *
   * The challenge names every scheme the verifier accepts: `Bearer` (RFC 6750 §3) and, with DPoP
   * on, `DPoP` with its `algs` (RFC 9449 §7.1). The error code goes into the challenge of the
   * scheme the request used (a DPoP proof error always into `DPoP`).
   */
  get headers(): Record<string, string> {
    const headers: Record<string, string> = {};
    if (this.status === 401 || this.status === 403 || this.status === 400) {
      headers['www-authenticate'] = challenges(this, this.challengeParams());
    }
    headers['cache-control'] = 'no-store';
    if (this.dpopNonce !== undefined) headers['dpop-nonce'] = this.dpopNonce;
    return headers;
  }

  /** The JSON body: `{ error, error_description }`. */
  get body(): BearerErrorBody {
    return { error: this.code, error_description: this.description };
  }
}

/** 400 `invalid_request`: the request itself is malformed (RFC 6750 §3.1). */
export class InvalidRequestError extends BearerError {
  readonly status = 400;
  readonly code = 'invalid_request' as const;
  override get description(): string {
    return REQUEST_DESCRIPTIONS[this.reason] ?? DESCRIPTIONS.invalid_request;
  }
}

/** 401 `invalid_token`: expired, revoked, malformed, bad signature, wrong claims… (RFC 6750 §3.1). */
export class InvalidTokenError extends BearerError {
  readonly status = 401;
  readonly code = 'invalid_token' as const;
}

/** 401 without an error code: the request carried no token at all (RFC 6750 §3.1, last paragraph). */
export class UnauthorizedError extends BearerError {
  readonly status = 401;
  readonly code = 'unauthorized' as const;
  constructor(message = 'No bearer token in the request', options?: BearerErrorOptions) {
    super('missing_token', message, options);
  }
  protected override challengeParams(): [string, string][] {
    return [];
  }
}

/** 403 `insufficient_scope`: the token is valid but a guard refused it (RFC 6750 §3.1). */
export class InsufficientScopeError extends BearerError {
  readonly status = 403;
  readonly code = 'insufficient_scope' as const;
  /** The scopes the route needs, for the challenge's `scope` attribute. */
  readonly scopes: readonly string[];
  constructor(
    reason: 'insufficient_scope' | 'insufficient_role' | 'claim_check_failed',
    message: string,
    options: BearerErrorOptions & { scopes?: readonly string[] } = {},
  ) {
    super(reason, message, options);
    this.scopes = options.scopes ?? [];
  }
  protected override challengeParams(): [string, string][] {
    const params = super.challengeParams();
    if (this.scopes.length > 0) params.push(['scope', this.scopes.join(' ')]);
    return params;
  }
}

/**
 * 401 `invalid_dpop_proof`: the request's DPoP proof is missing, repeated, malformed, for another
 * request, replayed, or signed by another key than the token is bound to (RFC 9449 §7.1).
 */
export class InvalidDPoPProofError extends BearerError {
  readonly status = 401;
  readonly code = 'invalid_dpop_proof' as const;
}

/** 401 `use_dpop_nonce`: the proof must carry the nonce of the `DPoP-Nonce` header (RFC 9449 §8, §9). */
export class UseDPoPNonceError extends BearerError {
  readonly status = 401;
  readonly code = 'use_dpop_nonce' as const;
  constructor(nonce: string, message: string, options?: BearerErrorOptions) {
    super('dpop_nonce_required', message, options);
    this.dpopNonce = nonce;
  }
}

/** 503: keys (or the revocation store) cannot be had and nothing usable is cached. */
export class AuthUnavailableError extends BearerError {
  readonly status = 503;
  readonly code = 'temporarily_unavailable' as const;
}

/** True for any bearer-guard error, from any loaded copy of core. */
export function isBearerError(value: unknown): value is BearerError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** A plain description of the HTTP answer for an error: what every adapter writes. */
export interface BearerErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: BearerErrorBody;
}

/** The status, headers and JSON body an adapter sends for `error`. */
export function errorResponse(error: BearerError): BearerErrorResponse {
  return { status: error.status, headers: error.headers, body: error.body };
}

/**
 * The error an adapter hands to the framework's own error path when `forwardErrors` is on: a
 * view of `error` that is safe for any error handler, the framework's default one included.
 *
 * - `message` is the generic client-facing description, and `stack` is only that line, without
 *   frames (Express's and Koa's default handlers print `stack`; the frames would name the check
 *   that failed), so neither carries the server-side reason;
 * - `status`, `statusCode`, `headers`, `body`, `reason` and `cause` read through to `error`;
 * - `detail` keeps the full server-side explanation (`error.message`), for logs only;
 * - it has no enumerable own property, so `JSON.stringify(err)` and `{ ...err }` show nothing.
 *
 * @param error - the error the verifier or a guard threw.
 */
export function forwardedError(error: BearerError): BearerError {
  const detail = error.detail;
  // No frames either: which function threw (checkClaims, checkTimes…) would tell the reason.
  const stack = `${error.name}: ${error.description}`;
  const hidden = (value: string) => ({ value, enumerable: false, writable: true, configurable: true });
  return Object.create(error, {
    message: hidden(error.description),
    stack: hidden(stack),
    detail: hidden(detail),
  }) as BearerError;
}

/** What an adapter does with an error: {@link decideError}. */
export type ErrorDecision = { readonly answer: BearerErrorResponse } | { readonly pass: unknown };

/**
 * What every adapter does with an error it caught: answer a bearer-guard error itself (status,
 * headers, JSON body), or pass it on to the framework's error path — as it is when it is not
 * ours, as a {@link forwardedError} when errors are forwarded or the response has started.
 *
 * @param error - what the verifier, a guard or the framework threw.
 * @param forward - the `forwardErrors` option.
 * @param started - headers were sent already: the error can no longer be answered.
 */
export function decideError(error: unknown, forward: boolean, started = false): ErrorDecision {
  if (!isBearerError(error)) return { pass: error };
  if (forward || started) return { pass: forwardedError(error) };
  return { answer: errorResponse(error) };
}
