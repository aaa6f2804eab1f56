/**
 * The test issuer's token introspection endpoint (RFC 7662): it answers for the opaque tokens it
 * minted and for the JWTs it signed, to a client authenticated with `client_secret_basic`
 * (RFC 6749 §2.3.1). Unknown, expired and revoked tokens are `{ "active": false }`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { fail, isRecord } from '@bearer-guard/core/adapter';
import type { JWTPayload } from 'jose';
import { epochSeconds } from './duration.js';

/** The `introspection` option of {@link createTestIssuer}: the client the API authenticates as. */
export interface IntrospectionClientOptions {
  /** `client_id` the endpoint accepts; default `'test-api'`. */
  clientId?: string;
  /** `client_secret` the endpoint accepts; default `'test-secret'`. */
  clientSecret?: string;
}

/**
 * What core's `introspection` option needs to reach the test issuer's endpoint, as
 * {@link TestIssuer.introspection} gives it: paste it into `createVerifier({ …, introspection })`.
 */
export interface TestIntrospection {
  /** `<issuer>/introspect`. */
  endpoint: string;
  /** The client id the endpoint accepts. */
  clientId: string;
  /** The client secret the endpoint accepts (`client_secret_basic`). */
  clientSecret: string;
}

/** An HTTP answer of the endpoint. */
export interface IntrospectionResponse {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** The client credentials, checked. */
export interface IntrospectionClient {
  clientId: string;
  clientSecret: string;
}

/** Default `client_id` of the introspection endpoint. */
export const DEFAULT_INTROSPECTION_CLIENT_ID = 'test-api';
/** Default `client_secret` of the introspection endpoint. */
export const DEFAULT_INTROSPECTION_CLIENT_SECRET = 'test-secret';

/**
 * Applies defaults to the `introspection` option and validates it.
 *
 * @param value - `createTestIssuer`'s `introspection` option.
 * @param scope - the option's name in errors.
 * @throws TypeError ``bearer-guard: `createTestIssuer.introspection.<option>` …``.
 * @example resolveIntrospectionClient({ clientSecret: 's3cret' }, 'createTestIssuer.introspection').clientId // 'test-api'
 */
export function resolveIntrospectionClient(value: unknown, scope: string): IntrospectionClient {
  if (value === undefined) value = {};
  if (!isRecord(value)) fail(scope, 'must be { clientId?, clientSecret? }');
  for (const key of Object.keys(value)) {
    if (key !== 'clientId' && key !== 'clientSecret')
      fail(`${scope}.${key}`, 'is not an option (known: clientId, clientSecret)');
  }
  const { clientId = DEFAULT_INTROSPECTION_CLIENT_ID, clientSecret = DEFAULT_INTROSPECTION_CLIENT_SECRET } = value;
  for (const [name, v] of [
    ['clientId', clientId],
    ['clientSecret', clientSecret],
  ] as const) {
    if (typeof v !== 'string' || v === '')
      fail(`${scope}.${name}`, `must be a non-empty string; got ${JSON.stringify(v)}`);
  }
  return { clientId: clientId as string, clientSecret: clientSecret as string };
}

const digestOf = (token: string): string => createHash('sha256').update(token).digest('base64url');

/** RFC 6749 §2.3.1 / Appendix B: each half is form-urlencoded before the two are joined. */
function formDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

function basicCredentials(header: string | undefined): [string, string] | undefined {
  const match = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  const id = formDecode(decoded.slice(0, colon));
  const secret = formDecode(decoded.slice(colon + 1));
  return id === undefined || secret === undefined ? undefined : [id, secret];
}

/** The endpoint's state: opaque tokens and their claims, revoked tokens; and its answers. */
export class IntrospectionEndpoint {
  readonly #client: IntrospectionClient;
  readonly #verifyJwt: (token: string) => Promise<JWTPayload | undefined>;
  /** Opaque token → its claims. */
  readonly #opaque = new Map<string, JWTPayload>();
  /** SHA-256 of revoked tokens (opaque or JWT). */
  readonly #revoked = new Set<string>();

  /**
   * @param client - the credentials the endpoint accepts.
   * @param verifyJwt - the claims of a JWT the issuer signed and that is still valid, else `undefined`.
   */
  constructor(client: IntrospectionClient, verifyJwt: (token: string) => Promise<JWTPayload | undefined>) {
    this.#client = client;
    this.#verifyJwt = verifyJwt;
  }

  /**
   * Mints an opaque reference token: 43 random base64url characters, no dots.
   *
   * @param claims - what introspection answers for it, besides `active: true`.
   * @example endpoint.mint({ iss, aud: 'orders', exp }) // 'q3X…'
   */
  mint(claims: JWTPayload): string {
    const token = randomBytes(32).toString('base64url');
    this.#opaque.set(token, Object.freeze({ ...claims }));
    return token;
  }

  /**
   * Makes introspection answer `{ active: false }` for a token from now on.
   *
   * @param token - an opaque token or a JWT.
   * @example endpoint.revoke(token)
   */
  revoke(token: string): void {
    this.#revoked.add(digestOf(token));
  }

  /**
   * Answers one introspection request.
   *
   * @param authorization - the request's `Authorization` header.
   * @param contentType - its `Content-Type` header.
   * @param body - its body, as text.
   * @see https://www.rfc-editor.org/rfc/rfc7662#section-2
   * @example await endpoint.answer('Basic dGVzdC1hcGk6dGVzdC1zZWNyZXQ=', 'application/x-www-form-urlencoded', 'token=abc')
   */
  async answer(
    authorization: string | undefined,
    contentType: string | undefined,
    body: string,
  ): Promise<IntrospectionResponse> {
    const credentials = basicCredentials(authorization);
    if (!credentials || credentials[0] !== this.#client.clientId || credentials[1] !== this.#client.clientSecret) {
      // RFC 6749 §5.2: invalid_client, with a challenge for the scheme the client should use.
      return {
        status: 401,
        body: { error: 'invalid_client', error_description: 'client authentication failed' },
        headers: { 'www-authenticate': 'Basic realm="introspection"' },
      };
    }
    if (!/^application\/x-www-form-urlencoded\s*(?:;|$)/i.test(contentType ?? '')) {
      return { status: 400, body: { error: 'invalid_request', error_description: 'expected a form body' } };
    }
    const token = new URLSearchParams(body).get('token');
    if (!token) return { status: 400, body: { error: 'invalid_request', error_description: 'token is missing' } };
    const claims = await this.#claimsOf(token);
    return { status: 200, body: claims ? { active: true, ...claims } : { active: false } };
  }

  async #claimsOf(token: string): Promise<JWTPayload | undefined> {
    if (this.#revoked.has(digestOf(token))) return undefined;
    const opaque = this.#opaque.get(token);
    if (opaque) return typeof opaque.exp === 'number' && opaque.exp <= epochSeconds() ? undefined : opaque;
    return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token) ? this.#verifyJwt(token) : undefined;
  }
}
