/**
 * The registered clients and client authentication (RFC 6749 §2.3.1): HTTP Basic
 * (`client_secret_basic`) or `client_id`/`client_secret` in the form body (`client_secret_post`),
 * never both. Secrets are compared in constant time, as SHA-256 digests of equal length.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { OAuthError } from './http.mjs';
import { importEncryptionKey, TOKEN_FORMATS } from './token-formats.mjs';

/**
 * @typedef {object} ClientConfig
 * @property {string} id
 * @property {string} secret - 8 characters or more
 * @property {string[]} scopes - what the client may ask for
 * @property {'jwt' | 'opaque' | 'encrypted'} [tokenFormat] - of the access tokens it gets: a signed
 *   JWT (default), an opaque reference (RFC 7662 introspection tells what it means), or the signed
 *   JWT inside a JWE encrypted to `encryptionKey`
 * @property {string | import('node:crypto').KeyObject | Record<string, unknown>} [encryptionKey] - with
 *   `tokenFormat: 'encrypted'`: the RSA public key (PEM, JWK or KeyObject) of the API that decrypts
 * @property {boolean} [introspect] - may call `POST /introspect` (a resource server); default false
 */
/**
 * @typedef {object} Client
 * @property {string} id
 * @property {ReadonlySet<string>} scopes
 * @property {'jwt' | 'opaque' | 'encrypted'} tokenFormat
 * @property {import('./token-formats.mjs').EncryptionKey | undefined} encryptionKey
 * @property {boolean} introspect
 */

/** A scope token: RFC 6749 §3.3 `NQCHAR`s, no space. */
export const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
const digest = (/** @type {string} */ secret) => createHash('sha256').update(secret, 'utf8').digest();
const NOBODY = digest('no client has this secret');

/**
 * @param {ClientConfig[]} clients
 */
export function createClientRegistry(clients) {
  if (!Array.isArray(clients) || clients.length === 0)
    throw new TypeError('auth-service: `clients` must be a non-empty array');
  /** @type {Map<string, Client & { digest: Buffer }>} */
  const registry = new Map();
  for (const { id, secret, scopes, tokenFormat = 'jwt', encryptionKey, introspect = false } of clients) {
    if (typeof id !== 'string' || id === '' || registry.has(id))
      throw new TypeError(`auth-service: client id ${JSON.stringify(id)} is empty or repeated`);
    if (typeof secret !== 'string' || secret.length < 8)
      throw new TypeError(`auth-service: client ${id} needs a secret of 8 characters or more`);
    if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string' && SCOPE_TOKEN.test(s))) {
      throw new TypeError(`auth-service: client ${id}: \`scopes\` must be an array of scope tokens`);
    }
    if (!TOKEN_FORMATS.includes(tokenFormat))
      throw new TypeError(`auth-service: client ${id}: \`tokenFormat\` must be one of ${TOKEN_FORMATS.join(', ')}`);
    if ((tokenFormat === 'encrypted') !== (encryptionKey !== undefined))
      throw new TypeError(
        `auth-service: client ${id}: \`encryptionKey\` goes with \`tokenFormat: 'encrypted'\`, and only with it`,
      );
    if (typeof introspect !== 'boolean')
      throw new TypeError(`auth-service: client ${id}: \`introspect\` must be a boolean`);
    registry.set(id, {
      id,
      scopes: new Set(scopes),
      tokenFormat,
      encryptionKey: encryptionKey === undefined ? undefined : importEncryptionKey(encryptionKey, id),
      introspect,
      digest: digest(secret),
    });
  }

  /** @param {Client} client @returns {Client} the client without its secret's digest */
  const view = ({ id, scopes, tokenFormat, encryptionKey, introspect }) => ({
    id,
    scopes,
    tokenFormat,
    encryptionKey,
    introspect,
  });

  /**
   * The client a request authenticates as.
   * @param {import('node:http').IncomingMessage} req
   * @param {Map<string, string>} params - the form body
   * @returns {Client}
   * @throws {OAuthError} `invalid_request` (both methods at once) or `invalid_client`
   */
  function authenticate(req, params) {
    const header = req.headers.authorization;
    const inBody = params.has('client_id') || params.has('client_secret');
    if (header !== undefined && inBody) {
      throw new OAuthError(400, 'invalid_request', 'Use exactly one client authentication method');
    }
    // With the Authorization header (or with nothing at all), answer 401 with the scheme we support.
    const challenge = new OAuthError(401, 'invalid_client', 'Client authentication failed', {
      'www-authenticate': 'Basic realm="auth-service", charset="UTF-8"',
    });
    const credentials =
      header !== undefined
        ? parseBasic(header)
        : inBody
          ? [params.get('client_id'), params.get('client_secret')]
          : undefined;
    if (!credentials) throw challenge;
    const [id = '', secret = ''] = credentials;
    const client = registry.get(id);
    const match = timingSafeEqual(digest(secret), client?.digest ?? NOBODY);
    if (client && match) return view(client);
    throw header !== undefined ? challenge : new OAuthError(400, 'invalid_client', 'Client authentication failed');
  }

  return {
    authenticate,
    /** @param {string} id @returns {Client | undefined} */
    get: (id) => {
      const client = registry.get(id);
      return client && view(client);
    },
    /** Every scope some client may ask for (`scopes_supported`). */
    scopes: () => [...new Set([...registry.values()].flatMap((c) => [...c.scopes]))].sort(),
  };
}

/**
 * `Basic base64(urlencode(id) ":" urlencode(secret))`: RFC 6749 §2.3.1 form-urlencodes both
 * before they go into the header, so an id or secret may contain ":" itself.
 * @param {string} header
 * @returns {[string, string] | undefined}
 */
function parseBasic(header) {
  const match = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    const formDecode = (/** @type {string} */ s) => decodeURIComponent(s.replace(/\+/g, ' '));
    return [formDecode(decoded.slice(0, colon)), formDecode(decoded.slice(colon + 1))];
  } catch {
    return undefined; // a malformed %-escape
  }
}
