/**
 * DPoP client keys for tests (RFC 9449): a key pair, its RFC 7638 thumbprint (the `cnf.jkt` of the
 * tokens bound to it), and the proofs a DPoP client sends with each request (§4.2).
 */
import { createHash, randomUUID } from 'node:crypto';
import { fail, isRecord, nonEmptyString, urlOption } from '@bearer-guard/core/adapter';
import { SignJWT, exportJWK, type CryptoKey, type JWK } from 'jose';
import { epochSeconds, toNumericDate, type TimeInput } from './duration.js';
import { checkAlgorithm, createTestKey, type TestAlgorithm } from './keys.js';

/** Options of {@link TestIssuer.dpopKey}. */
export interface DPoPKeyOptions {
  /** Algorithm of the key and its proofs: any asymmetric one of `TEST_ALGORITHMS`; default `'ES256'`. */
  alg?: TestAlgorithm;
}

/** What a proof is for: the request it goes with (RFC 9449 §4.2). */
export interface DPoPProofOptions {
  /** The request's HTTP method, as sent: `htm`. */
  method: string;
  /** The request's absolute URL; `htu` is this URL without its query and fragment. */
  url: string | URL;
  /** The access token sent with the proof: `ath` = base64url(SHA-256(token)). Omit it for a token request. */
  token?: string;
  /** A server nonce (`DPoP-Nonce`, §8): `nonce`. */
  nonce?: string;
  /** `iat`: NumericDate, `Date`, or a duration relative to now (`'-5m'` for a stale proof); default now. */
  iat?: TimeInput;
  /** `jti`; default a random UUID, new for every proof. */
  jti?: string;
}

/** What {@link DPoPKey.headers} needs: the request, and the token it carries. */
export interface DPoPHeadersOptions {
  /** The request's HTTP method, as sent. */
  method: string;
  /** The request's absolute URL. */
  url: string | URL;
  /** The DPoP-bound access token. */
  token: string;
  /** A server nonce (`DPoP-Nonce`, §8). */
  nonce?: string;
}

/**
 * The two request headers of a DPoP request (RFC 9449 §7.1). A type alias, not an interface, so
 * that it is assignable to `fetch`'s `HeadersInit` and to other `Record<string, string>` types.
 */
export type DPoPHeaders = {
  /** `DPoP <token>`. */
  authorization: string;
  /** The proof. */
  dpop: string;
};

/** A DPoP client key: bind tokens to it with `issuer.sign(claims, { dpopKey })`, and prove possession with its proofs. */
export interface DPoPKey {
  /** The algorithm its proofs are signed with. */
  readonly alg: TestAlgorithm;
  /** RFC 7638 SHA-256 thumbprint of {@link DPoPKey.publicJWK}: the `cnf.jkt` of tokens bound to this key. */
  readonly jkt: string;
  /** The public key as the proof header's `jwk` carries it: only the public members (`kty`, `crv`, `x`, `y` or `n`, `e`). */
  readonly publicJWK: Readonly<JWK>;
  /** The private key (WebCrypto), e.g. for a DPoP client library of your own. */
  readonly privateKey: CryptoKey;
  /** The public key (WebCrypto). */
  readonly publicKey: CryptoKey;
  /**
   * A signed DPoP proof for one request: header `{ typ: 'dpop+jwt', alg, jwk }`, claims `jti`,
   * `htm`, `htu`, `iat`, and `ath` (with `token`) and `nonce` (with `nonce`).
   *
   * @param options - the request's `method` and `url`; `token`, `nonce`, `iat`, `jti`.
   * @throws TypeError ``bearer-guard: `proof.<option>` …`` for a wrong option.
   * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.2
   * @example const proof = await key.proof({ method: 'GET', url: 'http://127.0.0.1:3000/orders', token });
   */
  proof(options: DPoPProofOptions): Promise<string>;
  /**
   * Both headers of a DPoP request: `{ authorization: 'DPoP <token>', dpop: <a fresh proof> }`.
   *
   * @param options - the request's `method` and `url`, the `token`, and a `nonce` when the server asked for one.
   * @throws TypeError ``bearer-guard: `headers.<option>` …`` for a wrong option.
   * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
   * @example await fetch(url, { headers: await key.headers({ method: 'GET', url, token }) });
   */
  headers(options: DPoPHeadersOptions): Promise<DPoPHeaders>;
}

// RFC 9110 §5.6.2 `token`: what a method may be made of.
const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Generates a DPoP client key. `issuer.dpopKey()` is the same function.
 *
 * @param options - `alg`, default `'ES256'`.
 * @throws TypeError ``bearer-guard: `dpopKey.alg` …`` for an algorithm the test issuer does not support.
 * @see https://www.rfc-editor.org/rfc/rfc9449
 * @example
 * ```ts
 * const key = await createDPoPKey();
 * const token = await issuer.sign({ sub: 'u1' }, { dpopKey: key }); // cnf: { jkt: key.jkt }
 * const headers = await key.headers({ method: 'GET', url: `${baseUrl}/orders`, token });
 * ```
 */
export async function createDPoPKey(options: DPoPKeyOptions = {}): Promise<DPoPKey> {
  if (!isRecord(options)) fail('dpopKey', 'options must be an object');
  const requested: unknown = options.alg ?? 'ES256';
  checkAlgorithm(requested, 'dpopKey.alg');
  const alg: TestAlgorithm = requested;
  const { privateKey, publicKey, kid } = await createTestKey(alg);
  // exportJWK of a public key yields its public members only; the thumbprint was computed from them.
  const publicJWK: JWK = Object.freeze(await exportJWK(publicKey));

  async function proof(request: DPoPProofOptions, scope = 'proof'): Promise<string> {
    if (!isRecord(request)) fail(scope, 'options must be an object');
    const { method, url, token, nonce, iat, jti } = request;
    if (typeof method !== 'string' || !METHOD.test(method))
      fail(`${scope}.method`, `must be an HTTP method such as 'GET'; got ${JSON.stringify(method)}`);
    const target = urlOption(url, `${scope}.url`);
    const claims: Record<string, unknown> = {
      jti: jti === undefined ? randomUUID() : nonEmptyString(jti, `${scope}.jti`),
      htm: method,
      htu: `${target.protocol}//${target.host}${target.pathname}`,
      iat: iat === undefined ? epochSeconds() : toNumericDate(iat, epochSeconds(), `${scope}.iat`),
    };
    if (token !== undefined)
      claims.ath = createHash('sha256')
        .update(nonEmptyString(token, `${scope}.token`))
        .digest('base64url');
    if (nonce !== undefined) claims.nonce = nonEmptyString(nonce, `${scope}.nonce`);
    return new SignJWT(claims).setProtectedHeader({ typ: 'dpop+jwt', alg, jwk: publicJWK }).sign(privateKey);
  }

  return Object.freeze({
    alg,
    jkt: kid,
    publicJWK,
    privateKey,
    publicKey,
    proof: (request: DPoPProofOptions) => proof(request),
    async headers(request: DPoPHeadersOptions): Promise<DPoPHeaders> {
      if (!isRecord(request)) fail('headers', 'options must be an object');
      const token = nonEmptyString(request.token, 'headers.token');
      const { method, url, nonce } = request;
      return {
        authorization: `DPoP ${token}`,
        dpop: await proof({ method, url, token, ...(nonce === undefined ? {} : { nonce }) }, 'headers'),
      };
    },
  });
}
