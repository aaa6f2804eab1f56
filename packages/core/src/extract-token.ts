/**
 * Token extraction per RFC 6750 §2: the Authorization header, and, when enabled, the
 * `access_token` form-body parameter, query parameter or a cookie. Exactly one location.
 */
import { InvalidRequestError } from './errors.js';
import type { ClientCertificate } from './mtls.js';

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
  /** HTTP method; a body token is never read from GET or HEAD (RFC 6750 §2.2). DPoP's `htm`. */
  method?: string | undefined;
  /**
   * `<scheme>://<host>[:<port>]` as the framework reports it (its trust-proxy settings applied):
   * with the path of `url`, what DPoP's `htu` must match. A function is called only for DPoP
   * requests.
   */
  origin?: string | (() => string) | undefined;
  /** The client certificate of the TLS connection, for certificate-bound tokens (RFC 8705). Called only for those. */
  peerCertificate?: (() => ClientCertificate | undefined | null) | undefined;
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
// RFC 9449 §7.1: "DPoP" 1*SP token68, the same characters.
const DPOP = /^DPoP +([A-Za-z0-9\-._~+/]+=*)$/i;
const SCHEME = /^([A-Za-z][A-Za-z0-9!#$%&'*+\-.^_`|~]*)(?:[ \t]|$)/;
// The forms nearly every client sends, checked without a capture: "Bearer" (or "DPoP"), one
// space, a b64token (token68).
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
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

/** How many times the header `name` (lower case) appears in `rawHeaders`. */
export function countRawHeader(rawHeaders: readonly string[] | undefined, name: string): number {
  if (!rawHeaders) return 0;
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const raw = rawHeaders[i];
    if (raw !== undefined && raw.length === name.length && raw.toLowerCase() === name) count++;
  }
  return count;
}

/** The scheme of the `Authorization` header a token came in: `DPoP` only when DPoP is on. */
export type TokenScheme = 'bearer' | 'dpop';

// The scheme of the last header token found; read right after `fromHeader` by `extractCredentials`.
let headerScheme: TokenScheme = 'bearer';

function fromHeader(request: TokenRequest, dpop: boolean): string | undefined {
  const raw = request.headers.authorization;
  if (raw === undefined) return undefined;
  if (Array.isArray(raw) || countRawHeader(request.rawHeaders, 'authorization') > 1) {
    fail('multiple_authorization_headers', 'More than one Authorization header');
  }
  const value = String(raw);
  const plain = value.startsWith('Bearer ') ? 'bearer' : dpop && value.startsWith('DPoP ') ? 'dpop' : undefined;
  if (plain) {
    const token = value.slice(plain === 'bearer' ? 7 : 5);
    if (B64TOKEN.test(token)) {
      headerScheme = plain;
      return token;
    }
  }
  const scheme = SCHEME.exec(value)?.[1]?.toLowerCase();
  if (dpop && scheme === 'dpop') {
    const match = DPOP.exec(value);
    if (!match?.[1])
      fail('malformed_authorization_header', 'Authorization header is not "DPoP <token>" (RFC 9449 §7.1)');
    headerScheme = 'dpop';
    return match[1];
  }
  // Another scheme (Basic, DPoP when DPoP is off…) is not a bearer token: this location is simply
  // empty. "Bearer" glued to its token ("BearereyJ…") is a malformed bearer header, not another scheme.
  if (scheme !== undefined && !scheme.startsWith('bearer')) return undefined;
  const match = BEARER.exec(value);
  if (!match?.[1])
    fail('malformed_authorization_header', 'Authorization header is not "Bearer <token>" (RFC 6750 §2.1)');
  headerScheme = 'bearer';
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
  return extractCredentials(request, options.tokenLocations ?? ['header'], options.cookieName ?? PARAM, false)?.token;
}

/** A token and how it came: {@link extractToken} with the scheme DPoP needs. */
export interface Credentials {
  token: string;
  /** `dpop` for `Authorization: DPoP …`; `bearer` for `Bearer` and every other location. */
  scheme: TokenScheme;
}

/**
 * {@link extractToken}, also accepting `Authorization: DPoP <token>` when `dpop` is on, and
 * saying which scheme the token came with.
 */
export function extractCredentials(
  request: TokenRequest,
  locations: readonly TokenLocation[],
  cookieName: string,
  dpop: boolean,
): Credentials | undefined {
  let token: string | undefined;
  let scheme: TokenScheme = 'bearer';
  let found = 0;
  for (const location of locations) {
    const value =
      location === 'header'
        ? fromHeader(request, dpop)
        : location === 'query'
          ? fromQuery(request)
          : location === 'body'
            ? fromBody(request)
            : fromCookie(request, cookieName);
    if (value === undefined) continue;
    found++;
    token = value;
    scheme = location === 'header' ? headerScheme : 'bearer';
  }
  if (found > 1) fail('multiple_token_locations', 'Token sent in more than one location (RFC 6750 §2)');
  return token === undefined ? undefined : { token, scheme };
}
