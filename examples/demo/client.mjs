/**
 * What the demo's callers do over HTTP: ask the auth service for tokens, revoke them, call the
 * orders APIs. Every answer is reduced to a short outcome such as `401 invalid_token`.
 */

const TIMEOUT = 5000;

/** @param {Response} res */
async function outcome(res) {
  const text = await res.text();
  let body;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  const error = typeof body?.error === 'string' ? ` ${body.error}` : '';
  return { status: res.status, body, headers: res.headers, text, summary: `${res.status}${error}` };
}

/**
 * `POST` a form to the auth service, authenticating the client with HTTP Basic (RFC 6749
 * §2.3.1: id and secret form-urlencoded first) or with `client_id`/`client_secret` in the body.
 * @param {string} url
 * @param {{ id: string, secret: string }} client
 * @param {Record<string, string>} params
 * @param {'basic' | 'post'} [method]
 */
export async function postForm(url, client, params, method = 'basic') {
  const form = new URLSearchParams(params);
  /** @type {Record<string, string>} */
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  if (method === 'basic') {
    const encode = (/** @type {string} */ s) => new URLSearchParams({ s }).toString().slice(2);
    headers.authorization = `Basic ${Buffer.from(`${encode(client.id)}:${encode(client.secret)}`).toString('base64')}`;
  } else {
    form.set('client_id', client.id);
    form.set('client_secret', client.secret);
  }
  return outcome(await fetch(url, { method: 'POST', headers, body: form, signal: AbortSignal.timeout(TIMEOUT) }));
}

/**
 * Calls an orders API.
 * @param {string} url @param {string} method @param {string} path
 * @param {string} [token] @param {unknown} [body]
 */
export async function callApi(url, method, path, token, body) {
  /** @type {Record<string, string>} */
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const init = {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(TIMEOUT),
  };
  return outcome(await fetch(`${url}${path}`, init));
}

/** @param {string} url */
export async function getJson(url) {
  return outcome(await fetch(url, { signal: AbortSignal.timeout(TIMEOUT) }));
}

/** The claims of a JWT, decoded without verification (for display and tampering only). */
export const claimsOf = (/** @type {string} */ token) =>
  JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
/** The protected header of a JWT, decoded without verification. */
export const headerOf = (/** @type {string} */ token) =>
  JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString());

/**
 * A forged token: the payload rewritten with `changes`, the original header and signature kept.
 * @param {string} token @param {Record<string, unknown>} changes
 */
export function tamper(token, changes) {
  const [header, , signature] = token.split('.');
  const payload = Buffer.from(JSON.stringify({ ...claimsOf(token), ...changes })).toString('base64url');
  return `${header}.${payload}.${signature}`;
}
