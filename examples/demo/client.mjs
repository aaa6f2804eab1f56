/**
 * What the demo's callers do over HTTP: ask the auth service for tokens, revoke them, call the
 * orders APIs, and prove possession of a DPoP key. Every answer is reduced to a short outcome
 * such as `401 invalid_token`.
 */
import { createHash, randomUUID } from 'node:crypto';

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
 * @param {Record<string, string>} [extraHeaders] - e.g. `{ dpop: proof }`
 */
export async function postForm(url, client, params, method = 'basic', extraHeaders = {}) {
  const form = new URLSearchParams(params);
  /** @type {Record<string, string>} */
  const headers = { 'content-type': 'application/x-www-form-urlencoded', ...extraHeaders };
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
 * @param {{ dpop?: string }} [sender] - a DPoP proof: the token is then sent as `DPoP <token>` with it
 */
export async function callApi(url, method, path, token, body, sender = {}) {
  /** @type {Record<string, string>} */
  const headers = {};
  if (token) headers.authorization = `${sender.dpop === undefined ? 'Bearer' : 'DPoP'} ${token}`;
  if (sender.dpop !== undefined) headers.dpop = sender.dpop;
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

const base64url = (/** @type {unknown} */ value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const sha256 = (/** @type {string} */ text) => createHash('sha256').update(text).digest('base64url');

/**
 * A DPoP client (RFC 9449) in a few lines of WebCrypto: one P-256 key pair, whose private half
 * never leaves it, and a fresh proof signed with it for every request (§4.2).
 * @returns {Promise<{ jkt: string, proof(method: string, url: string, token?: string): Promise<string> }>}
 */
export async function createDPoPClient() {
  const { subtle } = globalThis.crypto;
  const { privateKey, publicKey } = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ]);
  const { crv, kty, x, y } = await subtle.exportKey('jwk', publicKey);
  const jwk = { crv, kty, x, y }; // RFC 7638 §3.2: the required members, in this (lexicographic) order
  return {
    /** The key's RFC 7638 thumbprint: the `cnf.jkt` of the tokens bound to it. */
    jkt: sha256(JSON.stringify(jwk)),
    /** A proof for one request: `htu` is the URL without query and fragment; `ath` binds it to the token. */
    async proof(method, url, token) {
      const { origin, pathname } = new URL(url);
      const claims = {
        jti: randomUUID(),
        htm: method,
        htu: `${origin}${pathname}`,
        iat: Math.floor(Date.now() / 1000),
        ...(token === undefined ? {} : { ath: sha256(token) }),
      };
      const input = `${base64url({ typ: 'dpop+jwt', alg: 'ES256', jwk })}.${base64url(claims)}`;
      // WebCrypto's ECDSA signature is r || s, which is what JWS ES256 wants (RFC 7518 §3.4).
      const signature = await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, Buffer.from(input));
      return `${input}.${Buffer.from(signature).toString('base64url')}`;
    },
  };
}
