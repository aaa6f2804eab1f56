/**
 * HTTP plumbing of the auth service: RFC 6749 §5.2 error answers, JSON answers, form bodies.
 */

/** Headers of answers that must never be cached: tokens, and errors about credentials (RFC 6749 §5.1). */
export const NO_STORE = Object.freeze({ 'cache-control': 'no-store', pragma: 'no-cache' });
const MAX_BODY = 16 * 1024;

/** An OAuth 2.0 error (RFC 6749 §5.2, RFC 7009 §2.2.1), answered as `{ error, error_description }`. */
export class OAuthError extends Error {
  /**
   * @param {number} status
   * @param {string} code - `invalid_request`, `invalid_client`, `invalid_scope`…
   * @param {string} description - safe to show to the client
   * @param {Record<string, string>} [headers]
   */
  constructor(status, code, description, headers = {}) {
    super(description);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {unknown} body - JSON; `undefined` for an empty body
 * @param {Readonly<Record<string, string>>} [headers] - default {@link NO_STORE}
 */
export function send(res, status, body, headers = NO_STORE) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'x-content-type-options': 'nosniff',
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** @param {import('node:http').ServerResponse} res @param {OAuthError} error */
export function sendError(res, error) {
  send(res, error.status, { error: error.code, error_description: error.message }, { ...NO_STORE, ...error.headers });
}

/**
 * Reads an `application/x-www-form-urlencoded` body (RFC 6749 §3.2, §2.3.1). Parameters sent
 * without a value count as omitted (§3.1); a repeated parameter is an `invalid_request` (§3.2).
 * @param {import('node:http').IncomingMessage} req
 * @returns {Promise<Map<string, string>>}
 */
export async function readForm(req) {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new OAuthError(400, 'invalid_request', 'The body must be application/x-www-form-urlencoded');
  }
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY) throw new OAuthError(400, 'invalid_request', 'The request body is too large');
    chunks.push(chunk);
  }
  const params = new Map();
  for (const [name, value] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) {
    if (params.has(name))
      throw new OAuthError(400, 'invalid_request', `The "${name.replace(/[^\w-]/g, '')}" parameter is repeated`);
    params.set(name, value);
  }
  for (const [name, value] of params) if (value === '') params.delete(name);
  return params;
}
