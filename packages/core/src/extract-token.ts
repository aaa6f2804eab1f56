/**
 * Token extraction per RFC 6750 §2: the Authorization header, and, when enabled, the
 * `access_token` form-body parameter, query parameter or a cookie. Exactly one location.
 */
import { InvalidRequestError } from './errors.js';

/** Where a bearer token may be sent (RFC 6750 §2.1–2.3; the cookie is an extension). */
export type TokenLocation = 'header' | 'query' | 'body' | 'cookie';

/** The parts of an HTTP request extraction looks at; every adapter builds one of these. */
export interface TokenRequest {
  /** Request headers as Node parses them (lower-case names). */
  headers: Record<string, string | string[] | undefined>;
  /** `IncomingMessage#rawHeaders`: reveals repeated `Authorization` headers that `headers` hides. */
  rawHeaders?: readonly string[] | undefined;
  /** Request target (path and query); the query is parsed from it when `query` is not given. */
  url?: string | undefined;
  /** An already parsed query; used only when `url` is absent. */
  query?: Record<string, unknown> | undefined;
  /** The parsed request body, when the app parses bodies. */
  body?: unknown;
  /** Parsed cookies; parsed from the `Cookie` header when absent. */
  cookies?: Record<string, string | undefined> | undefined;
  /** HTTP method; a body token is never read from GET or HEAD (RFC 6750 §2.2). */
  method?: string | undefined;
}

/** Options of {@link extractToken}. */
export interface ExtractOptions {
  /** Enabled locations; default `['header']`. */
  tokenLocations?: readonly TokenLocation[] | undefined;
  /** Cookie name for the `cookie` location; default `access_token`. */
  cookieName?: string | undefined;
}

// RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token; b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;
const SCHEME = /^([A-Za-z][A-Za-z0-9!#$%&'*+\-.^_`|~]*)(?:[ \t]|$)/;
const PARAM = 'access_token';

function fail(
  reason:
    | 'malformed_authorization_header'
    | 'multiple_authorization_headers'
    | 'multiple_token_locations'
    | 'malformed_token_parameter',
  message: string,
): never {
  throw new InvalidRequestError(reason, message);
}

function countRawAuthorization(rawHeaders: readonly string[] | undefined): number {
  if (!rawHeaders) return 0;
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    if (name !== undefined && name.length === 13 && name.toLowerCase() === 'authorization') count++;
  }
  return count;
}

function fromHeader(request: TokenRequest): string | undefined {
  const raw = request.headers.authorization;
  if (raw === undefined) return undefined;
  if (Array.isArray(raw) || countRawAuthorization(request.rawHeaders) > 1) {
    fail('multiple_authorization_headers', 'More than one Authorization header');
  }
  const value = String(raw);
  const scheme = SCHEME.exec(value)?.[1];
  // Another scheme (Basic, DPoP…) is not a bearer token: this location is simply empty.
  // "Bearer" glued to its token ("BearereyJ…") is a malformed bearer header, not another scheme.
  if (scheme !== undefined && !scheme.toLowerCase().startsWith('bearer')) return undefined;
  const match = BEARER.exec(value);
  if (!match?.[1])
    fail('malformed_authorization_header', 'Authorization header is not "Bearer <token>" (RFC 6750 §2.1)');
  return match[1];
}

function parameter(value: unknown, where: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) {
    fail('malformed_token_parameter', `${where} access_token is not a single non-empty string`);
  }
  return value;
}

function fromQuery(request: TokenRequest): string | undefined {
  if (request.url !== undefined) {
    const q = request.url.indexOf('?');
    if (q === -1) return undefined;
    const values = new URLSearchParams(request.url.slice(q + 1)).getAll(PARAM);
    if (values.length === 0) return undefined;
    if (values.length > 1) fail('malformed_token_parameter', 'query access_token given more than once');
    return parameter(values[0], 'query');
  }
  const query = request.query;
  if (!query || !Object.hasOwn(query, PARAM)) return undefined;
  return parameter(query[PARAM], 'query');
}

/**
 * True when the request's body could carry an `access_token` parameter (RFC 6750 §2.2): a
 * method with a body and a form-encoded content type. When false, the body need not be read
 * before authenticating: an adapter can answer a request without a token at once.
 */
export function mayCarryBodyToken(request: Pick<TokenRequest, 'headers' | 'method'>): boolean {
  const method = request.method?.toUpperCase();
  if (method === 'GET' || method === 'HEAD') return false;
  const type = request.headers['content-type'];
  return typeof type === 'string' && /^application\/x-www-form-urlencoded(?:\s*;|$)/i.test(type.trim());
}

function fromBody(request: TokenRequest): string | undefined {
  if (!mayCarryBodyToken(request)) return undefined;
  const body = request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !Object.hasOwn(body, PARAM)) return undefined;
  return parameter((body as Record<string, unknown>)[PARAM], 'body');
}

/** Parses one cookie from a `Cookie` header; duplicates make the value ambiguous → error. */
function cookieFromHeader(header: string | string[] | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  const text = Array.isArray(header) ? header.join('; ') : header;
  let found: string | undefined;
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    if (found !== undefined) fail('malformed_token_parameter', 'cookie given more than once');
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    found = value;
  }
  return found;
}

function fromCookie(request: TokenRequest, name: string): string | undefined {
  const value = request.cookies
    ? Object.hasOwn(request.cookies, name)
      ? request.cookies[name]
      : undefined
    : cookieFromHeader(request.headers.cookie, name);
  return parameter(value, 'cookie');
}

/**
 * Finds the bearer token of a request (RFC 6750 §2).
 *
 * Returns `undefined` when no enabled location holds a token. Throws `InvalidRequestError`
 * (400) for a malformed `Authorization` header, repeated `Authorization` headers, a repeated or
 * non-string `access_token`, or a token in more than one enabled location; locations that are
 * not enabled are ignored.
 *
 * @param request - headers (and raw headers, URL, body, cookies) of the request.
 * @param options - enabled locations, cookie name.
 * @example
 * ```ts
 * const token = extractToken({ headers: req.headers, rawHeaders: req.rawHeaders, url: req.url });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2
 */
export function extractToken(request: TokenRequest, options: ExtractOptions = {}): string | undefined {
  const locations = options.tokenLocations ?? ['header'];
  let token: string | undefined;
  let found = 0;
  for (const location of locations) {
    const value =
      location === 'header'
        ? fromHeader(request)
        : location === 'query'
          ? fromQuery(request)
          : location === 'body'
            ? fromBody(request)
            : fromCookie(request, options.cookieName ?? PARAM);
    if (value === undefined) continue;
    found++;
    token = value;
  }
  if (found > 1) fail('multiple_token_locations', 'Token sent in more than one location (RFC 6750 §2)');
  return token;
}
