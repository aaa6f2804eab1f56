/**
 * The verifier: token in, verified claims out, or a BearerError that says what to answer.
 *
 * Order of checks, cheapest and most decisive first: structure and header (no keys needed),
 * `alg` against what the configured keys can do, claims (time, issuer, audience, type), then
 * key lookup (the only step that may touch the network) and the signature, then revocation.
 * A token whose structure, `alg` or claims cannot pass never costs a signature check or a JWKS
 * fetch; a forged one with passing claims costs one signature check (and, for an unknown `kid`,
 * at most a rate-limited fetch).
 */
import { isSupportedAlgorithm, isHmacAlgorithm, SUPPORTED_ALGORITHMS, type Algorithm } from './algorithms.js';
import { own } from './claim-path.js';
import {
  reportFetch,
  reportRejection,
  traceVerify,
  tracingVerify,
  type VerifyContext,
  type VerifySummary,
} from './diagnostics.js';
import { RESULT_BINDING } from './binding.js';
import { checkClaims, checkTimes } from './claims.js';
import { createDiscoveredKeySource } from './discovery.js';
import { checkProof, requestHtu, type CheckedProof } from './dpop.js';
import { decryptToken } from './jwe.js';
import { Introspector } from './introspection.js';
import {
  AuthUnavailableError,
  InvalidDPoPProofError,
  InvalidTokenError,
  UnauthorizedError,
  isBearerError,
  type BearerError,
  type ChallengeContext,
} from './errors.js';
import {
  countRawHeader,
  extractCredentials,
  type Credentials,
  type TokenLocation,
  type TokenRequest,
} from './extract-token.js';
import { checkGuard, granted, type ClaimLocations, type Guard } from './guards.js';
import { createRemoteJWKS } from './jwks.js';
import {
  checkTokenLength,
  decodeToken,
  deepFreeze,
  freezeParsed,
  verifySignature,
  type AuthPayload,
  type DecodedToken,
  type JWTHeader,
  type JWTPayload,
} from './jws.js';
import type { JWKSEvent, KeySource } from './key-source.js';
import { importPublicKey, importSecret } from './keys/import-key.js';
import type { VerificationKey } from './keys/verification-key.js';
import { createLocalJWKSSource, createStaticKeySource } from './local-keys.js';
import { certificateThumbprint } from './mtls.js';
import type { ResourceMetadataEndpoint } from './resource-metadata.js';
import { resolveOptions, type AuthOptions, type RejectionContext, type ResolvedOptions } from './options.js';
import { TokenCache, tokenDigest } from './token-cache.js';

/** What a successful verification yields; adapters attach it as `req.auth` / `ctx.state.auth` / `request.auth`. */
export interface AuthResult<Payload extends JWTPayload = AuthPayload> {
  /** Verified claims (frozen: shared with the verified-token cache). */
  readonly payload: Readonly<Payload>;
  /** Verified protected header (frozen). */
  readonly header: Readonly<JWTHeader>;
  /** The raw token, e.g. to call downstream services on the user's behalf. Never log it. */
  readonly token: string;
  /**
   * The sender constraint checked for this request, when the token has one: `jkt`, the
   * thumbprint of the DPoP key that signed the request's proof (RFC 9449), or `x5t#S256`, the
   * thumbprint of the client certificate (RFC 8705).
   */
  readonly confirmation?: Readonly<{ jkt?: string; 'x5t#S256'?: string }> | undefined;
  /**
   * How the token was verified: `'jwt'` (its signature, locally) or `'introspection'` (the
   * authorization server's answer, RFC 7662; `header` is then empty).
   */
  readonly source: 'jwt' | 'introspection';
}

/**
 * Headers an adapter adds to the response of an authenticated request (a fresh `DPoP-Nonce`
 * when server nonces are on), or `undefined`.
 */
export function responseHeadersOf(auth: AuthResult | undefined): Readonly<Record<string, string>> | undefined {
  return auth === undefined
    ? undefined
    : (auth as unknown as Record<symbol, Record<string, string> | undefined>)[RESPONSE_HEADERS];
}

/** Per-call context of `authenticate`: the framework request for hooks, and a per-route `optional`. */
export interface AuthenticateContext extends RejectionContext {
  /** Overrides the verifier's `optional` for this call (e.g. one public route). */
  optional?: boolean;
}

/** The options of a verifier that its adapters act on, after validation and defaults. */
export interface VerifierConfig {
  /** Where tokens may be sent. */
  readonly tokenLocations: readonly TokenLocation[];
  /** A request without a token continues unauthenticated. */
  readonly optional: boolean;
  /** Adapters hand errors to the framework's error path instead of answering them. */
  readonly forwardErrors: boolean;
  /** `realm` of the challenges. */
  readonly realm: string;
  /** DPoP is on (RFC 9449): adapters pass the request's `origin` (scheme and host). */
  readonly dpop: boolean;
  /** mTLS-bound tokens are on (RFC 8705): adapters pass the TLS peer certificate. */
  readonly mtls: boolean;
  /** The protected resource metadata endpoint (RFC 9728) adapters serve, when `resource` is set. */
  readonly resourceMetadata: ResourceMetadataEndpoint | undefined;
}

/** A configured verifier; see {@link createVerifier}. */
export interface Verifier {
  /** Verifies a token string; resolves with its claims or rejects with a `BearerError`. */
  verify(token: string): Promise<AuthResult>;
  /**
   * Extracts the token from a request (RFC 6750 §2) and verifies it. Resolves `undefined` when
   * there is no token and the verifier is `optional`.
   */
  authenticate(request: TokenRequest, context?: AuthenticateContext): Promise<AuthResult | undefined>;
  /** Checks a guard against an authenticated request; no `auth` → 401, guard fails → 403. */
  authorize(auth: AuthResult | undefined, guard: Guard, context?: RejectionContext): Promise<void>;
  /** What adapters need to know of the options, validated and frozen. */
  readonly config: VerifierConfig;
  /** Fetches remote keys now rather than on the first request; never throws. */
  warmUp(): Promise<void>;
  /** Stops background timers and in-flight fetches. */
  close(): void;
}

const CLAIM_LOCATIONS = Symbol.for('bearer-guard.claim-locations');
const RESPONSE_HEADERS = Symbol.for('bearer-guard.response-headers');

/**
 * The prototypes of the results verifiers made (one per verifier). A guard accepts only such a
 * result: an `auth` that some other code put on a request, or that a polluted `Object.prototype`
 * lends to one, is no authentication.
 */
const RESULT_PROTOTYPES = new WeakSet<object>();

/** The header of an introspected token: it has none. */
const NO_HEADER = Object.freeze({}) as JWTHeader;

/** The dots of a compact token: 2 for a JWS (RFC 7515 §7.1), 4 for a JWE (RFC 7516 §7.1). */
function dotsOf(token: string): number {
  let dots = 0;
  for (let i = token.indexOf('.'); i !== -1; i = token.indexOf('.', i + 1)) dots++;
  return dots;
}

function isAuthResult(value: unknown): value is AuthResult {
  return typeof value === 'object' && value !== null && RESULT_PROTOTYPES.has(Object.getPrototypeOf(value) as object);
}

/** What a trace may know of a verified token: never the token itself. */
function summarize(auth: AuthResult): VerifySummary {
  const iss = own(auth.payload, 'iss');
  const kid = own(auth.header, 'kid');
  return {
    alg: String(own(auth.header, 'alg')),
    kid: typeof kid === 'string' ? kid : undefined,
    issuer: typeof iss === 'string' ? iss : undefined,
    source: auth.source,
  };
}

/**
 * The scopes `auth` grants, read as the guards read them: from the scope claims of the verifier
 * that made it (`scopeClaim`, default `scope` and `scp`), own members only, a string split on
 * spaces, an array's strings. Empty for an `auth` no verifier made.
 */
export function grantedScopes(auth: AuthResult): string[] {
  const locations = isAuthResult(auth) ? claimLocationsOf(auth) : undefined;
  return locations ? [...granted(auth.payload, locations.scopeClaim, true)] : [];
}

/** Where the guards of the verifier that produced `auth` look for scopes and roles. */
function claimLocationsOf(auth: AuthResult): ClaimLocations | undefined {
  return (auth as unknown as Record<symbol, ClaimLocations | undefined>)[CLAIM_LOCATIONS];
}

function buildSources(resolved: ResolvedOptions): { sources: KeySource[]; byIssuer?: Map<string, KeySource> } {
  const { source, algorithms } = resolved;
  // Every key-source event reaches the diagnostics channel and NODE_DEBUG, then the user's hook.
  const onEvent = (event: JWKSEvent) => {
    reportFetch(event);
    resolved.onEvent?.(event);
  };
  // `jwksCache` was resolved once, by resolveOptions: every remote source gets that result.
  const remote = { jwksCache: resolved.jwksCache, algorithms, onEvent };
  switch (source.kind) {
    case 'secret':
      return { sources: [createStaticKeySource(importSecret(source.secret, algorithms))] };
    case 'publicKey':
      return { sources: [createStaticKeySource(importPublicKey(source.publicKey, algorithms))] };
    case 'jwks':
      return { sources: [createLocalJWKSSource(source.jwks, algorithms)] };
    case 'jwksUri':
      return { sources: [createRemoteJWKS(source.jwksUri, remote)] };
    case 'discovery': {
      const byIssuer = new Map<string, KeySource>();
      for (const issuer of source.issuers) {
        byIssuer.set(issuer, createDiscoveredKeySource(issuer, remote));
      }
      return { sources: [...byIssuer.values()], byIssuer };
    }
  }
}

/** The algorithms a token may use, decided by the configuration (and fixed keys) alone. */
function permittedAlgorithms(resolved: ResolvedOptions, sources: KeySource[]): ReadonlySet<string> {
  const fixed = sources[0]?.algorithms;
  if (sources.length === 1 && fixed) return fixed;
  if (resolved.algorithms) return resolved.algorithms;
  const hmac = resolved.source.kind === 'secret';
  return new Set(SUPPORTED_ALGORITHMS.filter((alg) => isHmacAlgorithm(alg) === hmac));
}

/**
 * Creates a verifier from {@link AuthOptions}. Options are validated here: a configuration
 * mistake throws a `TypeError` naming the option, at start-up.
 *
 * @example
 * ```ts
 * const verifier = createVerifier({ issuer: 'https://auth.example.com/', audience: 'orders' });
 * const { payload } = await verifier.verify(token);
 * ```
 */
export function createVerifier(options: AuthOptions): Verifier {
  const resolved = resolveOptions(options);
  const { sources, byIssuer } = buildSources(resolved);
  const permitted = permittedAlgorithms(resolved, sources);
  const cache = resolved.cacheMax > 0 ? new TokenCache(resolved.cacheMax) : undefined;
  const { claims, revocation, realm } = resolved;
  // Several issuers may mint the same jti: the store must then scope every revocation by issuer.
  if (revocation && claims.issuers !== undefined && claims.issuers.size > 1) revocation.requireIssuer?.();
  const defaultSource = sources[0] as KeySource;
  const introspector = resolved.introspection
    ? new Introspector(
        resolved.introspection,
        claims.issuers?.size === 1 ? [...claims.issuers][0] : undefined,
        claims.clockTolerance,
      )
    : undefined;
  // An introspection answer has no JOSE header: `typ` is the JWT's business.
  const introspectedRules = { ...claims, tokenType: undefined };

  const { dpop, mtls } = resolved;
  const metadataUrl = resolved.resourceMetadata?.url;
  const challenge: ChallengeContext | undefined =
    dpop || metadataUrl
      ? Object.freeze({
          dpop: dpop ? Object.freeze({ algs: dpop.algs, bearer: !dpop.required }) : undefined,
          resourceMetadata: metadataUrl,
        })
      : undefined;

  function report(error: BearerError, context: RejectionContext): BearerError {
    error.realm = realm;
    error.challenge = challenge;
    try {
      resolved.onRejected?.(error, context);
    } catch {
      // A failing hook must not change the answer.
    }
    reportRejection(error, context.request);
    return error;
  }

  function asBearerError(error: unknown): BearerError {
    if (isBearerError(error)) return error;
    return new InvalidTokenError(
      'verification_failed',
      `verification failed: ${(error as Error)?.message ?? String(error)}`,
      { cause: error },
    );
  }

  // The claim locations, and the adapter that adopted this verifier's results, ride on a shared
  // prototype: invisible to spreading and JSON, free per request. Shared by every request, so
  // frozen (the adapter is set once, through a closure, never through the prototype).
  let adopted: unknown;
  const resultPrototype = Object.freeze(
    Object.defineProperties(
      {},
      {
        [CLAIM_LOCATIONS]: { value: deepFreeze(resolved.claimLocations), enumerable: false },
        [RESULT_BINDING]: { get: () => adopted, enumerable: false },
      },
    ),
  );
  RESULT_PROTOTYPES.add(resultPrototype);
  function result(
    token: string,
    header: JWTHeader,
    payload: JWTPayload,
    source: AuthResult['source'] = 'jwt',
  ): AuthResult {
    const auth = Object.create(resultPrototype) as {
      payload: JWTPayload;
      header: JWTHeader;
      token: string;
      source: AuthResult['source'];
    };
    auth.payload = payload;
    auth.header = header;
    auth.token = token;
    auth.source = source;
    // The claims are the issuer's: AuthPayload is how the application chose to type them.
    return auth as AuthResult;
  }

  function revoked(error: unknown): never {
    if (isBearerError(error)) throw error;
    throw new AuthUnavailableError('revocation_unavailable', 'revocation store failed', { cause: error });
  }

  /** Checks revocation; stays synchronous when the store answers synchronously (local replicas). */
  function checkRevocation<T>(payload: JWTPayload, value: T): T | Promise<T> {
    if (!revocation) return value;
    const jti = own(payload, 'jti');
    // An empty `jti` names nothing that could be revoked: it counts as no `jti` at all.
    if (typeof jti !== 'string' || jti.length === 0) {
      if (resolved.requireJti)
        throw new InvalidTokenError('missing_jti', '"jti" claim is required: a revocation store is configured');
      return value;
    }
    const refuse = () => new InvalidTokenError('token_revoked', 'token has been revoked');
    let answer: boolean | Promise<boolean>;
    try {
      answer = revocation.isRevoked(payload);
    } catch (error) {
      revoked(error);
    }
    if (typeof answer === 'boolean') {
      if (answer === true) throw refuse();
      return value;
    }
    return bounded(answer, 'revocation store').then((isRevoked) => {
      if (isRevoked) throw refuse();
      return value;
    }, revoked);
  }

  /** A store that never answers must not hang the request: past `revocationTimeout` it counts as down. */
  function bounded<T>(answer: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${what} did not answer within ${resolved.revocationTimeout} s`)),
        resolved.revocationTimeout * 1000,
      );
      timer.unref();
    });
    return Promise.race([Promise.resolve(answer), bound]).finally(() => clearTimeout(timer));
  }

  function keysFor(
    header: JWTHeader,
    payload: JWTPayload,
    alg: Algorithm,
  ): readonly VerificationKey[] | Promise<readonly VerificationKey[]> {
    // Claims were checked already, so `iss` is one of the configured issuers.
    const source = byIssuer ? (byIssuer.get(own(payload, 'iss') as string) ?? defaultSource) : defaultSource;
    return source.getKeys({ kid: own(header, 'kid') as string | undefined, alg });
  }

  function finish(
    token: string,
    decoded: DecodedToken,
    alg: Algorithm,
    candidates: readonly VerificationKey[],
    cacheAs: string,
    now: number,
  ): AuthResult | Promise<AuthResult> {
    const { header, payload, signingInput, signature } = decoded;
    let key: VerificationKey | undefined;
    for (const k of candidates) {
      if (k.algorithms.has(alg) && verifySignature(alg, k.key, signingInput, signature)) {
        key = k;
        break;
      }
    }
    if (!key) {
      if (!candidates.some((k) => k.algorithms.has(alg))) {
        const kid = own(header, 'kid');
        throw new InvalidTokenError(
          'no_matching_key',
          kid === undefined ? `no key for ${alg}` : `no key with kid ${JSON.stringify(kid)} for ${alg}`,
        );
      }
      throw new InvalidTokenError('invalid_signature', 'signature verification failed');
    }
    freezeParsed(payload);
    if (cache) {
      const exp = own(payload, 'exp');
      const until = typeof exp === 'number' ? (exp + claims.clockTolerance) * 1000 : Infinity;
      cache.offer(cacheAs, { header, payload, key, expiresAt: Math.min(until, now + 24 * 3600_000) });
    }
    return checkRevocation(payload, result(token, header, payload));
  }

  /**
   * The whole check; synchronous up to the first step that really has to wait (a JWKS fetch, a
   * remote store). `cacheAs`: the token a success is cached under (a JWE's inner token is cached
   * under the JWE).
   */
  function verifyToken(token: string, cacheAs = token): AuthResult | Promise<AuthResult> {
    if (typeof token !== 'string' || token.length === 0)
      throw new InvalidTokenError('malformed_token', 'token is empty');
    const now = Date.now();
    const hit = cache?.get(token, now);
    if (hit) {
      checkTimes(hit.payload, claims, Math.floor(now / 1000));
      return checkRevocation(hit.payload, result(token, hit.header, hit.payload));
    }
    if (introspector && (introspector.all || !isLocalToken(token))) return verifyIntrospected(token, now);
    if (resolved.decryption && dotsOf(token) === 4) return verifyEncrypted(token);
    const decoded = decodeToken(token, resolved.maxTokenLength);
    const { header, payload } = decoded;
    const alg = own(header, 'alg');
    if (!isSupportedAlgorithm(alg) || !permitted.has(alg)) {
      throw new InvalidTokenError('algorithm_not_allowed', `"alg" ${JSON.stringify(alg)} is not allowed`);
    }
    checkClaims(header, payload, claims, Math.floor(now / 1000));
    const keys = keysFor(header, payload, alg);
    if (Array.isArray(keys)) return finish(token, decoded, alg, keys, cacheAs, now);
    return Promise.resolve(keys).then((k) => finish(token, decoded, alg, k, cacheAs, now));
  }

  /** A token for the introspection endpoint: its answer passes the claim checks a JWT's would. */
  async function verifyIntrospected(token: string, now: number): Promise<AuthResult> {
    checkTokenLength(token, resolved.maxTokenLength);
    const payload = await (introspector as Introspector).introspect(token, tokenDigest(token));
    checkClaims(NO_HEADER, payload, introspectedRules, Math.floor(now / 1000));
    return checkRevocation(payload, result(token, NO_HEADER, payload, 'introspection'));
  }

  /** What this verifier checks locally: a JWS, or a JWE it can decrypt. Anything else is introspected. */
  function isLocalToken(token: string): boolean {
    const dots = dotsOf(token);
    return dots === 2 || (dots === 4 && resolved.decryption !== undefined);
  }

  /** A JWE: decrypted, its signed JWT verified as any token, the answer cached under the JWE itself. */
  async function verifyEncrypted(token: string): Promise<AuthResult> {
    checkTokenLength(token, resolved.maxTokenLength);
    const inner = await decryptToken(token, resolved.decryption as NonNullable<typeof resolved.decryption>);
    const auth = await verifyToken(inner, token);
    return result(token, auth.header, auth.payload);
  }

  /** `verify()`: one promise, already settled when the check was synchronous (no async frame). */
  function verifyReported(token: string): Promise<AuthResult> {
    const failed = (error: unknown) => Promise.reject(report(asBearerError(error), {}));
    try {
      const auth = verifyToken(token);
      if (auth instanceof Promise) return auth.then(unbound).catch(failed);
      return Promise.resolve(unbound(auth));
    } catch (error) {
      return failed(error);
    }
  }

  /** A token alone cannot show its sender constraint: that takes the request (`authenticate`). */
  function unbound(auth: AuthResult): AuthResult {
    const cnf = own(auth.payload, 'cnf');
    if (
      typeof cnf === 'object' &&
      cnf !== null &&
      (own(cnf, 'jkt') !== undefined || own(cnf, 'x5t#S256') !== undefined)
    ) {
      throw new InvalidTokenError(
        'bound_token_as_bearer',
        'token is sender-constrained ("cnf"): verify() cannot check its binding; authenticate() the request',
      );
    }
    return auth;
  }

  /** The request's one `DPoP` header, checked against the request and the token (RFC 9449 §4.3). */
  function proofOf(request: TokenRequest, credentials: Credentials, nowSeconds: number): CheckedProof | undefined {
    if (!dpop) return undefined;
    const header = own(request.headers, 'dpop');
    if (Array.isArray(header) || countRawHeader(request.rawHeaders, 'dpop') > 1) {
      throw new InvalidDPoPProofError('dpop_proof_repeated', 'more than one DPoP header');
    }
    if (credentials.scheme === 'bearer') {
      if (dpop.required)
        throw new InvalidTokenError('dpop_required', 'a DPoP-bound token is required: "Bearer" is not accepted');
      return undefined;
    }
    if (typeof header !== 'string' || header.length === 0) {
      throw new InvalidDPoPProofError('dpop_proof_missing', 'the "DPoP" scheme needs a DPoP proof header');
    }
    const origin = typeof request.origin === 'function' ? request.origin() : request.origin;
    const htu = origin === undefined || request.url === undefined ? undefined : requestHtu(origin, request.url);
    return checkProof(
      { proof: header, method: request.method ?? '', htu, token: credentials.token },
      dpop,
      claims.clockTolerance,
      nowSeconds,
    );
  }

  /**
   * The token's sender constraint (`cnf`, RFC 7800) against the request: its DPoP proof, its
   * client certificate. A constraint this verifier cannot check refuses the token.
   */
  function bind(
    auth: AuthResult,
    proof: CheckedProof | undefined,
    request: TokenRequest,
    context: AuthenticateContext,
    nowSeconds: number,
  ): AuthResult | Promise<AuthResult> {
    const cnf = own(auth.payload, 'cnf');
    const jkt = typeof cnf === 'object' && cnf !== null ? own(cnf, 'jkt') : undefined;
    const x5t = typeof cnf === 'object' && cnf !== null ? own(cnf, 'x5t#S256') : undefined;
    if (cnf !== undefined && (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf))) {
      throw new InvalidTokenError('invalid_claim', '"cnf" claim is not an object');
    }
    if (jkt !== undefined && typeof jkt !== 'string')
      throw new InvalidTokenError('invalid_claim', '"cnf.jkt" is not a string');
    if (x5t !== undefined && typeof x5t !== 'string')
      throw new InvalidTokenError('invalid_claim', '"cnf.x5t#S256" is not a string');
    let confirmation: { jkt?: string; 'x5t#S256'?: string } | undefined;
    if (proof) {
      if (jkt === undefined)
        throw new InvalidTokenError('token_not_dpop_bound', 'token has no "cnf.jkt": it is not DPoP-bound');
      if (jkt !== proof.jkt) {
        throw new InvalidTokenError(
          'dpop_key_mismatch',
          'the DPoP proof is signed by another key than "cnf.jkt" names',
        );
      }
      confirmation = { jkt };
    } else if (jkt !== undefined) {
      throw new InvalidTokenError(
        'bound_token_as_bearer',
        dpop
          ? 'token is DPoP-bound ("cnf.jkt"): it must be sent with the DPoP scheme and a proof'
          : 'token is DPoP-bound ("cnf.jkt"), and DPoP is not enabled (the `dpop` option)',
      );
    }
    if (x5t !== undefined) {
      if (!mtls) {
        throw new InvalidTokenError(
          'certificate_required',
          'token is certificate-bound ("cnf.x5t#S256"), and mTLS is not enabled (the `mtls` option)',
        );
      }
      let certificate: unknown;
      try {
        certificate = mtls.certificate ? mtls.certificate(context.request) : request.peerCertificate?.();
      } catch (error) {
        throw new InvalidTokenError(
          'certificate_required',
          `\`mtls.certificate\` threw: ${(error as Error)?.message}`,
          {
            cause: error,
          },
        );
      }
      const thumbprint = certificateThumbprint(certificate);
      if (thumbprint === undefined)
        throw new InvalidTokenError(
          'certificate_required',
          'token is certificate-bound, and the request has no client certificate',
        );
      if (thumbprint !== x5t)
        throw new InvalidTokenError(
          'certificate_mismatch',
          'the client certificate is not the one "cnf.x5t#S256" names',
        );
      confirmation = { ...confirmation, 'x5t#S256': x5t };
    } else if (mtls?.required) {
      throw new InvalidTokenError('mtls_required', 'a certificate-bound token is required: "cnf.x5t#S256" is missing');
    }
    const bound = () => boundResult(auth, proof, confirmation, nowSeconds);
    if (!proof || !dpop) return bound();
    // Last, one atomic write: a refused request never burns its `jti`. Synchronous with a
    // synchronous store (the memory one).
    const unavailable = (error: unknown) =>
      new AuthUnavailableError('replay_unavailable', 'DPoP replay store failed', { cause: error });
    const fresh = (seen: boolean) => {
      if (seen !== true)
        throw new InvalidDPoPProofError('dpop_proof_replayed', 'the DPoP proof was used before ("jti" seen)');
      return bound();
    };
    let answer: boolean | Promise<boolean>;
    try {
      answer = dpop.replay.remember(proof.replayKey, proof.expiresAt);
    } catch (error) {
      throw unavailable(error);
    }
    if (typeof answer === 'boolean') return fresh(answer);
    return bounded(answer, 'replay store').then(fresh, (error: unknown) => {
      throw unavailable(error);
    });
  }

  /** The result of a request whose sender constraint held: with its confirmation and nonce. */
  function boundResult(
    auth: AuthResult,
    proof: CheckedProof | undefined,
    confirmation: { jkt?: string; 'x5t#S256'?: string } | undefined,
    nowSeconds: number,
  ): AuthResult {
    if (!confirmation && !(proof && dpop?.nonce)) return auth;
    const bound = result(auth.token, auth.header, auth.payload, auth.source) as AuthResult & { confirmation?: object };
    if (confirmation) bound.confirmation = Object.freeze(confirmation);
    if (proof && dpop?.nonce) {
      Object.defineProperty(bound, RESPONSE_HEADERS, {
        value: Object.freeze({ 'dpop-nonce': dpop.nonce.current(nowSeconds) }),
      });
    }
    return bound;
  }

  /** A request without a token: `undefined` when this call or the verifier is optional, else 401. */
  function withoutToken(context: AuthenticateContext): undefined {
    // Own members only: an `optional` on a polluted Object.prototype opens nothing.
    const optional = Object.hasOwn(context, 'optional') ? context.optional : undefined;
    if (optional ?? resolved.optional) return undefined;
    throw new UnauthorizedError();
  }

  /**
   * `authenticate` without a promise when none is needed: a plain bearer request whose token is a
   * cache hit (or verified by a fixed key), with no store to wait for, answers synchronously, and
   * its failure is thrown. Anything that must wait, or DPoP and mTLS, goes the asynchronous way.
   */
  function authenticateNow(
    request: TokenRequest,
    context: AuthenticateContext,
  ): AuthResult | undefined | Promise<AuthResult | undefined> {
    if (dpop || mtls || tracingVerify()) return verifier.authenticate(request, context);
    let credentials: Credentials | undefined;
    try {
      credentials = extractCredentials(request, resolved.tokenLocations, resolved.cookieName, false);
      if (credentials === undefined) return withoutToken(context);
      const auth = verifyToken(credentials.token);
      if (auth instanceof Promise) return authenticateReported(request, context, credentials, auth);
      return own(auth.payload, 'cnf') === undefined ? auth : authenticateReported(request, context, credentials, auth);
    } catch (error) {
      throw report(asBearerError(error), context);
    }
  }

  async function authenticateReported(
    request: TokenRequest,
    context: AuthenticateContext,
    extracted?: Credentials,
    verified?: AuthResult | Promise<AuthResult>,
  ): Promise<AuthResult | undefined> {
    let credentials: Credentials | undefined;
    try {
      credentials =
        extracted ?? extractCredentials(request, resolved.tokenLocations, resolved.cookieName, dpop !== undefined);
      if (credentials === undefined) return withoutToken(context);
      if (!dpop && !mtls) {
        const auth = await (verified ?? verifyToken(credentials.token));
        // A sender-constrained token is refused where its constraint cannot be checked.
        return own(auth.payload, 'cnf') === undefined ? auth : await bind(auth, undefined, request, context, 0);
      }
      const nowSeconds = Math.floor(Date.now() / 1000);
      const proof = proofOf(request, credentials, nowSeconds);
      const auth = await verifyToken(credentials.token);
      return await bind(auth, proof, request, context, nowSeconds);
    } catch (error) {
      const failure = asBearerError(error);
      if (credentials) failure.scheme = credentials.scheme;
      throw report(failure, context);
    }
  }

  /** Runs `run` in the `bearer-guard:verify` tracing channel; its context gets a summary, never the token. */
  async function traced(
    context: VerifyContext,
    run: () => Promise<AuthResult | undefined>,
  ): Promise<AuthResult | undefined> {
    let auth: AuthResult | undefined;
    await traceVerify(context, async () => {
      auth = await run();
      return auth && summarize(auth);
    });
    return auth;
  }

  // Frozen: the verifier is reachable from every request it saw, and no request may change it.
  const verifier: Verifier = {
    config: Object.freeze({
      tokenLocations: Object.freeze([...resolved.tokenLocations]),
      optional: resolved.optional,
      forwardErrors: resolved.forwardErrors,
      realm: resolved.realm,
      dpop: dpop !== undefined,
      mtls: mtls !== undefined,
      resourceMetadata: resolved.resourceMetadata,
    }),
    verify(token) {
      if (!tracingVerify()) return verifyReported(token);
      return traced({ operation: 'verify', request: undefined }, () => verifyReported(token)) as Promise<AuthResult>;
    },
    authenticate(request, context = {}) {
      if (!tracingVerify()) return authenticateReported(request, context);
      return traced({ operation: 'authenticate', request: context.request }, () =>
        authenticateReported(request, context),
      );
    },
    async authorize(auth, guard, context = {}) {
      try {
        if (!isAuthResult(auth)) throw new UnauthorizedError();
        await checkGuard(guard, auth.payload, claimLocationsOf(auth) ?? resolved.claimLocations);
      } catch (error) {
        const failure = asBearerError(error);
        // A request that proved a DPoP key came with the DPoP scheme: its challenge carries the error.
        if (isAuthResult(auth) && own(auth.confirmation ?? {}, 'jkt') !== undefined) failure.scheme = 'dpop';
        throw report(failure, context);
      }
    },
    async warmUp() {
      await Promise.all(sources.map((s) => s.warmUp?.()));
    },
    close() {
      for (const s of sources) s.close?.();
      introspector?.close();
      cache?.clear();
    },
  };
  Object.defineProperty(verifier, AUTHENTICATE_NOW, { value: authenticateNow });
  Object.defineProperty(verifier, ADOPT, {
    value: (binding: unknown) => {
      adopted ??= binding;
    },
  });
  return Object.freeze(verifier);
}

const AUTHENTICATE_NOW = Symbol('bearer-guard.authenticate-now');
const ADOPT = Symbol('bearer-guard.adopt');

/**
 * Makes `binding` (an adapter's) what the results of `verifier` name: a guard on a request that
 * carries one runs through that adapter, with no per-request property to set. Once per verifier.
 */
export function adoptResults(verifier: Verifier, binding: object): void {
  (verifier as unknown as Record<symbol, ((binding: object) => void) | undefined>)[ADOPT]?.(binding);
}

type AuthenticateNow = (
  request: TokenRequest,
  context: AuthenticateContext,
) => AuthResult | undefined | Promise<AuthResult | undefined>;

/**
 * `verifier.authenticate`, synchronous when it can be (a cached or locally verified plain bearer
 * token, no store to wait for): adapters skip a promise and a turn of the event loop per request.
 * Returns the result, `undefined` (no token, optional), or a promise of either; throws the
 * reported error of a synchronous failure.
 */
export function authenticateNow(
  verifier: Verifier,
  request: TokenRequest,
  context: AuthenticateContext = {},
): AuthResult | undefined | Promise<AuthResult | undefined> {
  const now = (verifier as unknown as Record<symbol, AuthenticateNow | undefined>)[AUTHENTICATE_NOW];
  return now ? now(request, context) : verifier.authenticate(request, context);
}
