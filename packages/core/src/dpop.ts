/**
 * DPoP (RFC 9449): the proof a client sends with a sender-constrained token, checked exactly as
 * §4.3 lists, and the server nonces of §8.
 *
 * The proof is attacker-controlled input like the token: bounded, decoded strictly by the same
 * code as tokens, its key imported by the same JWK import (public keys only, no symmetric keys,
 * RSA of at least 2048 bits), its signature checked by the same node:crypto path.
 */
import { createHmac, hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isHmacAlgorithm, isSupportedAlgorithm, type Algorithm } from './algorithms.js';
import { own } from './claim-path.js';
import { parseDuration, type Duration } from './duration.js';
import { InvalidDPoPProofError, UseDPoPNonceError } from './errors.js';
import { decodeToken, verifySignature, type JWTHeader } from './jws.js';
import { importJWK, privateMembers, type JWK } from './keys/jwk.js';
import type { VerificationKey } from './keys/verification-key.js';
import { fail, featureOption, flag, isRecord } from './option-checks.js';
import { memoryReplayStore, type ReplayStore } from './replay.js';

/** Server nonces (RFC 9449 §8). */
export interface DPoPNonceOptions {
  /**
   * Key of the nonces (at least 32 bytes). Instances behind one load balancer need the same one,
   * so that a nonce one hands out is accepted by the others. Default: random, per verifier.
   */
  secret?: string | Uint8Array | undefined;
  /** How long a nonce is accepted: seconds or `'5m'`. Default 5 minutes. */
  maxAge?: Duration | undefined;
}

/** The `dpop` option: DPoP-bound access tokens (RFC 9449). */
export interface DPoPOptions {
  /** Only DPoP-bound tokens pass; a `Bearer` token is refused. Default false. */
  required?: boolean | undefined;
  /** Proof algorithms; default every asymmetric one (ES256, ES384, ES512, EdDSA, Ed25519, PS256…, RS256…). */
  algorithms?: string[] | undefined;
  /** How old a proof's `iat` may be: seconds or `'1m'`, plus `clockTolerance`. Default 60 s. */
  maxAge?: Duration | undefined;
  /** Where proof `jti`s are remembered. Default `memoryReplayStore()`; several instances need a shared one. */
  replay?: ReplayStore | undefined;
  /** Server nonces (RFC 9449 §8): off by default. */
  nonce?: boolean | DPoPNonceOptions | undefined;
}

/** The `dpop` option, validated. */
export interface ResolvedDPoP {
  required: boolean;
  algorithms: ReadonlySet<string>;
  /** The `algs` of the challenge, space-separated. */
  algs: string;
  maxAge: number;
  replay: ReplayStore;
  nonce: NonceIssuer | undefined;
}

const ASYMMETRIC = [
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'RS384',
  'RS512',
] as const;

const DPOP_KEYS = new Set(['required', 'algorithms', 'maxAge', 'replay', 'nonce']);
const NONCE_KEYS = new Set(['secret', 'maxAge']);

/** Validates the `dpop` option; `undefined` when DPoP is off. */
export function resolveDPoP(value: unknown): ResolvedDPoP | undefined {
  const o = featureOption(value, 'dpop', DPOP_KEYS) as DPoPOptions | undefined;
  if (!o) return undefined;
  let algorithms: string[] = [...ASYMMETRIC];
  if (o.algorithms !== undefined) {
    if (!Array.isArray(o.algorithms) || o.algorithms.length === 0) fail('dpop.algorithms', 'must be a non-empty array');
    for (const alg of o.algorithms) {
      if (!isSupportedAlgorithm(alg) || isHmacAlgorithm(alg)) {
        fail(
          'dpop.algorithms',
          `contains ${JSON.stringify(alg)}: proofs are signed with asymmetric keys (${ASYMMETRIC.join(', ')})`,
        );
      }
    }
    algorithms = [...new Set(o.algorithms)];
  }
  const replay = o.replay ?? memoryReplayStore();
  if (typeof replay?.remember !== 'function') fail('dpop.replay', 'must be a ReplayStore ({ remember })');
  return {
    required: flag(o.required, 'dpop.required', false),
    algorithms: new Set(algorithms),
    algs: algorithms.join(' '),
    maxAge: o.maxAge === undefined ? 60 : parseDuration(o.maxAge, 'dpop.maxAge'),
    replay,
    nonce: resolveNonce(o.nonce),
  };
}

function resolveNonce(value: unknown): NonceIssuer | undefined {
  const o = featureOption(value, 'dpop.nonce', NONCE_KEYS, '{ secret, maxAge }') as DPoPNonceOptions | undefined;
  if (!o) return undefined;
  let secret: Buffer;
  if (o.secret === undefined) secret = randomBytes(32);
  else if (typeof o.secret === 'string' || o.secret instanceof Uint8Array) secret = Buffer.from(o.secret);
  else fail('dpop.nonce.secret', 'must be a string or bytes');
  if (secret.length < 32) fail('dpop.nonce.secret', `is ${secret.length} bytes: at least 32 are needed`);
  const maxAge = o.maxAge === undefined ? 300 : parseDuration(o.maxAge, 'dpop.nonce.maxAge');
  if (maxAge < 4) fail('dpop.nonce.maxAge', 'must be at least 4 seconds');
  return new NonceIssuer(secret, maxAge);
}

/**
 * Stateless server nonces: `<issue time>.<HMAC>`; any instance with the secret checks them. A new
 * one is minted every quarter of `maxAge`, so the nonce handed out is always good for at least
 * three quarters of it.
 */
export class NonceIssuer {
  readonly #secret: Buffer;
  readonly #maxAge: number;
  readonly #step: number;
  #current = { at: -1, nonce: '' };

  constructor(secret: Buffer, maxAge: number) {
    this.#secret = secret;
    this.#maxAge = maxAge;
    this.#step = Math.max(1, Math.floor(maxAge / 4));
  }

  #mac(at: number): Buffer {
    return createHmac('sha256', this.#secret).update(`dpop-nonce.${at}`).digest().subarray(0, 18);
  }

  /** The nonce to hand out now. */
  current(nowSeconds: number): string {
    const at = nowSeconds - (nowSeconds % this.#step);
    if (this.#current.at !== at)
      this.#current = { at, nonce: `${at.toString(36)}.${this.#mac(at).toString('base64url')}` };
    return this.#current.nonce;
  }

  /** True when `nonce` is one of ours and not older than `maxAge`. */
  accepts(nonce: unknown, nowSeconds: number): boolean {
    if (typeof nonce !== 'string' || nonce.length > 64) return false;
    const dot = nonce.indexOf('.');
    if (dot < 1) return false;
    const at = Number.parseInt(nonce.slice(0, dot), 36);
    if (!Number.isSafeInteger(at) || at.toString(36) !== nonce.slice(0, dot)) return false;
    if (at > nowSeconds || nowSeconds - at > this.#maxAge) return false;
    const mac = Buffer.from(nonce.slice(dot + 1), 'base64url');
    const expected = this.#mac(at);
    return mac.length === expected.length && timingSafeEqual(mac, expected);
  }
}

/** RFC 7638 thumbprint members, in lexicographic order, per key type. */
const THUMBPRINT_MEMBERS: Record<string, readonly string[]> = {
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
  OKP: ['crv', 'kty', 'x'],
};

/** RFC 7638 SHA-256 thumbprint of a public JWK, base64url; the JWK was imported already, so its members are valid. */
export function jwkThumbprint(jwk: JWK): string {
  const members = THUMBPRINT_MEMBERS[String(jwk.kty)] ?? [];
  const canonical = `{${members.map((m) => `${JSON.stringify(m)}:${JSON.stringify(own(jwk, m))}`).join(',')}}`;
  return hash('sha256', canonical, 'base64url');
}

/** base64url(SHA-256(token)): the proof's `ath` (RFC 9449 §4.2). */
export function accessTokenHash(token: string): string {
  return hash('sha256', token, 'base64url');
}

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * The URL as RFC 9449 §4.3 compares it: scheme, host and path after RFC 3986 §6.2.2–6.2.3
 * normalisation (case of scheme and host, default port, dot segments, percent-encoding), query
 * and fragment dropped. `undefined` for anything but an absolute http(s) URL without userinfo.
 */
export function normalizeHtu(value: string): string | undefined {
  if (htuMemo.has(value)) return htuMemo.get(value);
  const normalized = normalizeHtuOnce(value);
  remember(htuMemo, value, normalized);
  return normalized;
}

// A client sends the same `htu` to an endpoint on every request, and an endpoint gets the same
// origin and path: both normalisations are memoised, bounded (least recently added out first).
const HTU_MEMO_MAX = 512;
const htuMemo = new Map<string, string | undefined>();
const requestMemo = new Map<string, string | undefined>();

function remember(memo: Map<string, string | undefined>, key: string, value: string | undefined): void {
  // Keys are bounded: an `htu` is a proof member (proofs are bounded), a target a request line.
  if (key.length > 2048) return;
  if (memo.size >= HTU_MEMO_MAX) memo.delete(memo.keys().next().value as string);
  memo.set(key, value);
}

function normalizeHtuOnce(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '') {
    return undefined;
  }
  return `${url.protocol}//${url.host}${normalizePercentEncoding(url.pathname)}`;
}

const AUTHORITY =
  /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.?|\[[0-9a-f:.]+\])(?::\d{1,5})?$/;
const DEFAULT_PORTS: Record<string, string> = { 'http:': ':80', 'https:': ':443' };
// A "." or ".." segment, plain or percent-encoded: the framework routes on the raw path, so the
// URL compared must be that path, and one whose dots a URL parser would fold away is refused.
const DOT_SEGMENT = /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)/i;

/**
 * The URL of the request as the proof's `htu` must name it: the origin the framework reports
 * (scheme and `Host`, or the forwarded ones its trust-proxy setting accepts), checked to be
 * nothing but a scheme, a host name or IP literal and a port, then the path the framework routes
 * on, percent-encoding normalised, never dot-segment-resolved. `undefined` when either cannot be
 * trusted (a `Host` carrying a path or query, a path with dot segments, no path at all).
 *
 * @param origin - `<scheme>://<host>[:<port>]` as the framework reports it.
 * @param target - the request target as received: origin-form (`/orders?x`) or absolute-form
 *   (`http://host/orders`, whose path alone counts: the origin is the framework's).
 */
export function requestHtu(origin: string, target: string): string | undefined {
  // A request target has no space: the last space of the key splits it back into the pair.
  const key = `${origin} ${target}`;
  if (requestMemo.has(key)) return requestMemo.get(key);
  const htu = requestHtuOnce(origin, target);
  remember(requestMemo, key, htu);
  return htu;
}

function requestHtuOnce(origin: string, target: string): string | undefined {
  const split = /^(https?):\/\/(.*)$/i.exec(origin);
  if (!split) return undefined;
  const scheme = `${(split[1] as string).toLowerCase()}:`;
  let authority = (split[2] as string).toLowerCase();
  if (!AUTHORITY.test(authority)) return undefined;
  if (authority.endsWith(DEFAULT_PORTS[scheme] as string))
    authority = authority.slice(0, -(DEFAULT_PORTS[scheme] as string).length);
  let path = target;
  const absolute = /^https?:\/\/[^/?#]*/i.exec(path);
  if (absolute) path = path.slice(absolute[0].length) || '/';
  if (!path.startsWith('/') || path.startsWith('//')) return undefined;
  const end = path.search(/[?#]/);
  if (end !== -1) path = path.slice(0, end);
  if (DOT_SEGMENT.test(path)) return undefined;
  return `${scheme}//${authority}${normalizePercentEncoding(path)}`;
}

function normalizePercentEncoding(path: string): string {
  return path.replace(/%[0-9A-Fa-f]{2}/g, (encoded) => {
    const char = String.fromCharCode(Number.parseInt(encoded.slice(1), 16));
    return UNRESERVED.test(char) ? char : encoded.toUpperCase();
  });
}

/** What a valid proof yields. */
export interface CheckedProof {
  /** RFC 7638 thumbprint of the proof's key: the token's `cnf.jkt` must equal it. */
  jkt: string;
  /** The replay-store key of this proof (its key and `jti`, hashed). */
  replayKey: string;
  /** When the replay-store entry may go, seconds since the epoch. */
  expiresAt: number;
}

/** The request a proof is checked against. */
export interface ProofRequest {
  proof: string;
  /** HTTP method, as received. */
  method: string;
  /** The request URL as {@link requestHtu} makes it, or `undefined` when it cannot be trusted. */
  htu: string | undefined;
  token: string;
}

const MAX_PROOF_LENGTH = 8192;
const MAX_JTI_LENGTH = 256;

function invalid(message: string): never {
  throw new InvalidDPoPProofError('dpop_proof_invalid', message);
}

// The proof keys of recent clients, by the proof's header segment: a client signs every proof
// with one key, so its header (typ, alg, jwk) repeats, and its import and thumbprint are done once.
const PROOF_KEY_CACHE_MAX = 256;
// The decoded header (frozen by decodeToken) is kept with them: a returning client's proof costs
// no header parse.
interface ProofKey {
  header: JWTHeader;
  key: VerificationKey;
  jkt: string;
}
const proofKeys = new Map<string, ProofKey>();

/** Imports a new client's proof key from its header, and keeps it under the header's segment. */
function importProofKey(segment: string, header: JWTHeader, alg: Algorithm): ProofKey {
  const jwk = own(header, 'jwk');
  if (!isRecord(jwk)) invalid('"jwk" header is missing or not an object');
  const secrets = privateMembers(jwk);
  if (secrets.length > 0) invalid(`"jwk" holds private key material (${secrets.join(', ')})`);
  const key = importJWK(jwk, new Set([alg]));
  if (typeof key === 'string') invalid(`"jwk" cannot verify ${alg}: ${key}`);
  // A client has no reason for a bigger key; every proof would cost its signature check.
  if ((key.key.asymmetricKeyDetails?.modulusLength ?? 0) > 4096) invalid('"jwk" is an RSA key over 4096 bits');
  const entry = { header, key, jkt: jwkThumbprint(jwk as JWK) };
  if (proofKeys.size >= PROOF_KEY_CACHE_MAX) proofKeys.delete(proofKeys.keys().next().value as string);
  proofKeys.set(segment, entry);
  return entry;
}

/**
 * Checks a DPoP proof against its request, RFC 9449 §4.3 steps 2–12 (the replay check of step
 * 11 and the `cnf.jkt` comparison are the verifier's, after the token is verified).
 *
 * @throws InvalidDPoPProofError for any defect; UseDPoPNonceError when a nonce is required.
 */
export function checkProof(
  request: ProofRequest,
  config: ResolvedDPoP,
  clockTolerance: number,
  now: number,
): CheckedProof {
  const { proof } = request;
  const segment = proof.slice(0, proof.indexOf('.'));
  const known = proofKeys.get(segment);
  let decoded: ReturnType<typeof decodeToken>;
  try {
    decoded = decodeToken(proof, MAX_PROOF_LENGTH, known?.header ?? false);
  } catch (error) {
    throw new InvalidDPoPProofError('dpop_proof_invalid', `proof is not a compact JWS: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const { header, payload, signingInput, signature } = decoded;
  const typ = own(header, 'typ');
  if (typeof typ !== 'string' || typ.toLowerCase() !== 'dpop+jwt')
    invalid(`"typ" is ${JSON.stringify(typ)}, not "dpop+jwt"`);
  const alg = own(header, 'alg');
  if (!isSupportedAlgorithm(alg) || !config.algorithms.has(alg)) invalid(`"alg" ${JSON.stringify(alg)} is not allowed`);
  const { key, jkt } = known ?? importProofKey(segment, header, alg);
  if (!verifySignature(alg, key.key, signingInput, signature)) invalid('signature verification failed');

  const jti = own(payload, 'jti');
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH)
    invalid('"jti" is missing or not a string of 1 to 256 characters');
  const htm = own(payload, 'htm');
  if (htm !== request.method) invalid(`"htm" is ${JSON.stringify(htm)}, the request's method is ${request.method}`);
  const htu = own(payload, 'htu');
  const expected = request.htu;
  if (expected === undefined) invalid('the request URL cannot be checked (its Host or path is not plain)');
  if (typeof htu !== 'string' || normalizeHtu(htu) !== expected) {
    invalid(
      `"htu" is ${JSON.stringify(typeof htu === 'string' ? htu.slice(0, 200) : htu)}, the request's URL is ${JSON.stringify(expected)}`,
    );
  }
  const iat = own(payload, 'iat');
  if (typeof iat !== 'number' || !Number.isFinite(iat)) invalid('"iat" is missing or not a number');
  if (iat > now + clockTolerance) invalid(`"iat" is ${iat - now} s in the future`);
  if (iat < now - config.maxAge - clockTolerance)
    invalid(`"iat" is ${now - iat} s old, over the limit of ${config.maxAge} s`);
  const ath = own(payload, 'ath');
  if (typeof ath !== 'string') invalid('"ath" is missing');
  const athBytes = Buffer.from(ath, 'utf8');
  const expectedAth = Buffer.from(accessTokenHash(request.token), 'utf8');
  if (athBytes.length !== expectedAth.length || !timingSafeEqual(athBytes, expectedAth))
    invalid('"ath" does not match the access token');
  if (config.nonce && !config.nonce.accepts(own(payload, 'nonce'), now)) {
    throw new UseDPoPNonceError(
      config.nonce.current(now),
      own(payload, 'nonce') === undefined ? 'proof has no "nonce"' : 'proof "nonce" is unknown or expired',
    );
  }
  return {
    jkt,
    replayKey: hash('sha256', `${jkt}.${jti}`, 'base64url'),
    // Accepted while the floored clock is at most iat + maxAge + tolerance: kept one second past it.
    expiresAt: Math.floor(iat + config.maxAge + clockTolerance) + 1,
  };
}
