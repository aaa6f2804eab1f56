/**
 * The DPoP table (RFC 9449): every check of a proof, the token's binding, replay, the replay store
 * down, and the challenges, written once as data and run against Express 4/5, Koa 2/3 and
 * Fastify 4/5 by `dpop.test.ts`.
 *
 * Valid proofs come from panva's `dpop` (an independent RFC 9449 client), so that we do not only
 * agree with ourselves; broken ones are signed here with node:crypto, member by member.
 */
import { sign as cryptoSign, createHash, KeyObject, randomUUID } from 'node:crypto';
import type { AuthOptions } from '@bearer-guard/core';
import { generateKeyPair as dpopKeyPair, generateProof, type KeyPair } from 'dpop';
import { exportJWK, calculateJwkThumbprint, type JWK } from 'jose';
import type { MintContext, RunnableRow } from './helpers/run-table.js';
import { mint } from './helpers/mint.js';
import { UNAVAILABLE, type Expectation, type TokenSpec } from './table.js';

/** Proof algorithms the verifier advertises by default, in its order. */
export const ALGS = 'ES256 ES384 ES512 EdDSA Ed25519 PS256 PS384 PS512 RS256 RS384 RS512';

/** One client key: for `dpop`'s proofs, for our own, and its RFC 7638 thumbprint. */
interface ClientKey {
  pair: KeyPair;
  privateKey: KeyObject;
  jwk: JWK;
  jkt: string;
}

/** What the rows build tokens and proofs with. */
export interface DPoPKit {
  /** The client's key; tokens are bound to it unless a row says otherwise. */
  a: ClientKey;
  /** Another client's key. */
  b: ClientKey;
  rsa: ClientKey;
  ed25519: ClientKey;
  /** A token from the table's issuer: `spec` over the default claims. */
  token(spec?: TokenSpec): string;
  /** A token bound to `key` (`cnf.jkt`). */
  bound(key?: ClientKey): string;
}

async function clientKey(alg: 'ES256' | 'RS256' | 'Ed25519'): Promise<ClientKey> {
  const pair = await dpopKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(pair.publicKey);
  return {
    pair,
    privateKey: KeyObject.from(pair.privateKey as Parameters<typeof KeyObject.from>[0]),
    jwk,
    jkt: await calculateJwkThumbprint(jwk, 'sha256'),
  };
}

/** The clients' keys, made once per run, before the rows (whose expectations name their thumbprints). */
export interface ClientKeys {
  a: ClientKey;
  b: ClientKey;
  rsa: ClientKey;
  ed25519: ClientKey;
}

/** Makes the clients' keys. */
export async function clientKeys(): Promise<ClientKeys> {
  const [a, b, rsa, ed25519] = await Promise.all([
    clientKey('ES256'),
    clientKey('ES256'),
    clientKey('RS256'),
    clientKey('Ed25519'),
  ]);
  return { a, b, rsa, ed25519 };
}

/** The kit of the table's runner: the keys, and tokens from the row's endpoint. */
export function dpopKit({ a, b, rsa, ed25519 }: ClientKeys): (context: MintContext) => DPoPKit {
  return ({ issuer, endpoint }) => ({
    a,
    b,
    rsa,
    ed25519,
    token: (spec = {}) => mint(spec, issuer, endpoint),
    bound: (key = a) => mint({ claims: { cnf: { jkt: key.jkt } } }, issuer, endpoint),
  });
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const ath = (token: string | undefined) => createHash('sha256').update(String(token)).digest('base64url');

/** What a hand-made proof changes from a valid one. */
interface ProofDamage {
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  /** Sign with this key instead of the one in `jwk`. */
  signer?: 'b' | 'none';
  /** Instead of the compact JWS. */
  raw?: string;
}

/** A proof signed here with node:crypto (ES256, key `a`), with the row's damage. */
function handMade(damage: ProofDamage = {}) {
  return (kit: DPoPKit, request: { method: string; url: string; token: string | undefined }): string => {
    if (damage.raw !== undefined) return damage.raw;
    const header: Record<string, unknown> = { typ: 'dpop+jwt', alg: 'ES256', jwk: kit.a.jwk, ...damage.header };
    const claims: Record<string, unknown> = {
      jti: randomUUID(),
      htm: request.method,
      htu: request.url,
      iat: now(),
      ath: ath(request.token),
      ...damage.claims,
    };
    for (const object of [header, claims])
      for (const [k, v] of Object.entries(object)) if (v === undefined) delete object[k];
    const input = `${b64(header)}.${b64(claims)}`;
    if (damage.signer === 'none') return `${input}.`;
    const key = damage.signer === 'b' ? kit.b.privateKey : kit.a.privateKey;
    const signature = cryptoSign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
    return `${input}.${signature.toString('base64url')}`;
  };
}

/** A valid proof from panva's `dpop`, by `key` of the kit. */
function independent(key: 'a' | 'b' | 'rsa' | 'ed25519' = 'a', url?: (url: string) => string) {
  return (kit: DPoPKit, request: { method: string; url: string; token: string | undefined }): Promise<string> =>
    generateProof(kit[key].pair, url ? url(request.url) : request.url, request.method, undefined, request.token);
}

const DPOP_HEADERS: [string, string][] = [
  ['authorization', 'DPoP {{token}}'],
  ['dpop', '{{proof}}'],
];

/** 200, and the handler sees `auth.confirmation.jkt` = `key`'s thumbprint (none for an unbound token). */
const ok = (key: ClientKey | undefined): Expectation => ({
  status: 200,
  wwwAuthenticate: null,
  cacheControl: null,
  body: {
    route: 'protected',
    sub: 'user-1',
    authenticated: true,
    ...(key === undefined ? {} : { confirmation: { jkt: key.jkt } }),
  },
  handlerRan: true,
});

const INVALID_PROOF_BODY = { error: 'invalid_dpop_proof', error_description: 'The DPoP proof is invalid' };
const INVALID_TOKEN_BODY = { error: 'invalid_token', error_description: 'The access token is invalid' };

/** 401 `invalid_dpop_proof`, in the DPoP challenge. */
export const badProof = (reason: string): Expectation => ({
  status: 401,
  wwwAuthenticate: `Bearer realm="api", DPoP realm="api", error="invalid_dpop_proof", error_description="The DPoP proof is invalid", algs="${ALGS}"`,
  cacheControl: 'no-store',
  body: INVALID_PROOF_BODY,
  handlerRan: false,
  reason,
});

/** 401 `invalid_token` for a request that used the DPoP scheme: the error is in the DPoP challenge. */
const badDPoPToken = (reason: string): Expectation => ({
  status: 401,
  wwwAuthenticate: `Bearer realm="api", DPoP realm="api", error="invalid_token", error_description="The access token is invalid", algs="${ALGS}"`,
  cacheControl: 'no-store',
  body: INVALID_TOKEN_BODY,
  handlerRan: false,
  reason,
});

/** 401 `invalid_token` for a Bearer request on a DPoP-enabled API: the error is in the Bearer challenge. */
const badBearerToken = (reason: string): Expectation => ({
  status: 401,
  wwwAuthenticate: `Bearer realm="api", error="invalid_token", error_description="The access token is invalid", DPoP realm="api", algs="${ALGS}"`,
  cacheControl: 'no-store',
  body: INVALID_TOKEN_BODY,
  handlerRan: false,
  reason,
});

/** The table's verifier: DPoP on, unbound Bearer tokens also accepted. */
export const DPOP_OPTIONS: Partial<AuthOptions> = { dpop: true };

/** The rows; passing ones name the thumbprint the handler sees in `auth.confirmation`. */
export function dpopRows(keys: ClientKeys): RunnableRow<DPoPKit>[] {
  return [
    // valid
    {
      name: 'dpop: bound token + proof from panva/dpop (ES256) passes; auth.confirmation has the jkt',
      token: (kit) => kit.bound(),
      proof: independent('a'),
      request: { headers: DPOP_HEADERS },
      expect: ok(keys.a),
    },
    {
      name: 'dpop: proof by an RS256 key (panva/dpop) passes',
      token: (kit) => kit.bound(kit.rsa),
      proof: independent('rsa'),
      request: { headers: DPOP_HEADERS },
      expect: ok(keys.rsa),
    },
    {
      name: 'dpop: proof by an Ed25519 key (panva/dpop, alg Ed25519) passes',
      token: (kit) => kit.bound(kit.ed25519),
      proof: independent('ed25519'),
      request: { headers: DPOP_HEADERS },
      expect: ok(keys.ed25519),
    },
    {
      name: 'dpop: a hand-made valid proof passes (the damage-free baseline of the rows below)',
      token: (kit) => kit.bound(),
      proof: handMade(),
      request: { headers: DPOP_HEADERS },
      expect: ok(keys.a),
    },
    {
      name: 'dpop: POST with a proof whose htm is POST passes',
      token: (kit) => kit.bound(),
      proof: independent('a'),
      request: {
        method: 'POST',
        headers: DPOP_HEADERS,
        body: 'note=1',
        contentType: 'application/x-www-form-urlencoded',
      },
      expect: ok(keys.a),
    },
    {
      name: 'dpop: htu with a query and a fragment passes (both are ignored)',
      token: (kit) => kit.bound(),
      proof: independent('a', (url) => `${url}?page=2#top`),
      request: { headers: DPOP_HEADERS },
      expect: ok(keys.a),
    },
    {
      name: 'dpop: htu in another case of scheme and host, with percent-encoded unreserved characters, passes (RFC 3986 normalisation)',
      token: (kit) => kit.bound(),
      proof: independent('a', (url) => url.replace('http://', 'HTTP://').replace('/protected', '/%70rotected')),
      request: { headers: DPOP_HEADERS },
      expect: ok(keys.a),
    },
    {
      name: 'dpop: the request query does not matter to htu',
      token: (kit) => kit.bound(),
      proof: independent('a'),
      request: { headers: DPOP_HEADERS, query: '?page=2' },
      expect: ok(keys.a),
    },
    {
      name: 'dpop: the scheme name is case-insensitive ("dpop <token>")',
      token: (kit) => kit.bound(),
      proof: independent('a'),
      request: {
        headers: [
          ['authorization', 'dpop {{token}}'],
          ['dpop', '{{proof}}'],
        ],
      },
      expect: ok(keys.a),
    },
    {
      name: 'dpop: an unbound token sent as Bearer still passes when DPoP is not required',
      token: {},
      expect: ok(undefined),
    },
    // the proof, member by member (RFC 9449 §4.3)
    {
      name: 'dpop: typ "jwt" → invalid_dpop_proof',
      token: (kit) => kit.bound(),
      proof: handMade({ header: { typ: 'jwt' } }),
      request: { headers: DPOP_HEADERS },
      expect: badProof('dpop_proof_invalid'),
    },
    {
      name: 'dpop: no typ → invalid_dpop_proof',
      token: (kit) => kit.bound(),
      proof: handMade({ header: { typ: undefined } }),
      request: { headers: DPOP_HEADERS },
      expect: badProof('dpop_proof_invalid'),
    },
    {
      name: 'dpop: alg none, unsigned → invalid_dpop_proof',
      token: (kit) => kit.bound(),
      proof: handMade({ header: { alg: 'none' }, signer: 'none' }),
      request: { headers: DPOP_HEADERS },
      expect: badProof('dpop_proof_invalid'),
    },
    {
      name: 'dpop: alg HS256 with a symmetric jwk → invalid_dpop_proof',
      token: (kit) => kit.bound(),
      proof: handMade({
        header: { alg: 'HS256', jwk: { kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA' } },
      }),
      request: { headers: DPOP_HEADERS },
      expect: badProof('dpop_proof_invalid'),
    },
    {
      name: 'dpop: alg that does not fit the jwk (RS256 with an EC key) → invalid_dpop_proof',
      token: (kit) => kit.bound(),
      proof: handMade({ header: { alg: 'RS256' } }),
      request: { headers: DPOP_HEADERS },
      expect: badProof('dpop_proof_invalid'),
    },
    {
      name: 'dpop: jwk with its private member d → invalid_dpop_proof',
      token: (kit) => kit.bound(),
      proof: (kit, request) => handMade({ header: { jwk: { ...kit.a.jwk, d: 'AAAA' } } })(kit, request),
      request: { headers: DPOP_HEADERS },
      expect: badProof('dpop_proof_invalid'),
    },
    {
      name: 'dpop: no jwk → invalid_dpop_proof',
      token: (kit) => kit.bound(),
      proof: handMade({ header: { jwk: undefined } }),
      request: { headers: DPOP_HEADERS },
      expect: badProof('dpop_proof_invalid'),
    },
    {
      name: 'dpop: signed by another key than its jwk → invalid_dpop_proof',
      token: (kit) => kit.bound(),
      proof: handMade({ signer: 'b' }),
      request: { headers: DPOP_HEADERS },
      expect: badProof('dpop_proof_invalid'),
    },
    {
      name: 'dpop: htm GET on a POST request (wrong method) → invalid_dpop_proof',
      token: (kit) => kit.bound(),
      proof: handMade({ claims: { htm: 'GET' } }),
      request: { method: 'POST', headers: DPOP_HEADERS },
      expect: badProof('dpop_proof_invalid'),
    },
    {
      name: 'dpop: htm in lower case → invalid_dpop_proof (methods are case-sensitive)',
      token: (kit) => kit.bound(),
      proof: handMade({ claims: { htm: 'get' } }),
      request: { headers: DPOP_HEADERS },
      expect: badProof('dpop_proof_invalid'),
    },
    {
      name: 'dpop: htu of another path (wrong URL) → invalid_dpop_proof',
      token: (kit) => kit.bound(),
      proof: independent('a', (url) => url.replace('/protected', '/scoped')),
      request: { headers: DPOP_HEADERS },
      expect: badProof('dpop_proof_invalid'),
    },
    {
      name: 'dpop: htu of another host → invalid_dpop_proof',
      token: (kit) => kit.bound(),
      proof: independent('a', (url) => url.replace('127.0.0.1', 'api.example.com')),
      request: { headers: DPOP_HEADERS },
      expect: badProof('dpop_proof_invalid'),
    },
    {
      name: 'dpop: htu with https for an http request → invalid_dpop_proof',
      token: (kit) => kit.bound(),
      proof: independent('a', (url) => url.replace('http://', 'https://')),
      request: { headers: DPOP_HEADERS },
      expect: badProof('dpop_proof_invalid'),
    },
    {
      name: 'dpop: htu that is a relative path → invalid_dpop_proof',
      token: (kit) => kit.bound(),
      proof: handMade({ claims: { htu: '/default/protected' } }),
      request: { headers: DPOP_HEADERS },
      expect: badProof('dpop_proof_invalid'),
    },
    {
      name: "dpop: a Host that carries a path and a query, so that the URL would read as the proof's → invalid_dpop_proof",
      route: 'scoped',
      token: (kit) => kit.bound(),
      proof: independent('a', (url) => url.replace('/scoped', '/protected')),
      request: {
        headers: [
          ['host', '{{host}}/default/protected?'],
          ['authorization', 'DPoP {{token}}'],
          ['dpop', '{{proof}}'],
        ],
      },
      expect: badProof('dpop_proof_invalid'),
    },
    {
      name: 'dpop: an absolute-form request target passes, its path compared with the proof (RFC 9112 §3.2.2)',
      token: (kit) => kit.bound(),
      proof: independent('a'),
      request: { headers: DPOP_HEADERS, target: 'absolute' },
      expect: ok(keys.a),
    },
    {
      name: 'dpop: an absolute-form target naming another host does not choose the origin',
      token: (kit) => kit.bound(),
      proof: independent('a', (url) => url.replace(/127\.0\.0\.1:\d+/, 'victim.example')),
      request: {
        headers: [
          ['authorization', 'DPoP {{token}}'],
          ['dpop', '{{proof}}'],
        ],
        target: 'absolute',
      },
      expect: badProof('dpop_proof_invalid'),
    },
    {
      name: 'dpop: iat two minutes old → invalid_dpop_proof',
      token: (kit) => kit.bound(),
      proof: (kit, request) => handMade({ claims: { iat: now() - 120 } })(kit, request),
      request: { headers: DPOP_HEADERS },
      expect: badProof('dpop_proof_invalid'),
    },
    {
      name: 'dpop: iat a minute in the future → invalid_dpop_proof',
      token: (kit) => kit.bound(),
      proof: (kit, request) => handMade({ claims: { iat: now() + 60 } })(kit, request),
      request: { headers: DPOP_HEADERS },
      expect: badProof('dpop_proof_invalid'),
    },
    {
      name: 'dpop: no iat → invalid_dpop_proof',
      token: (kit) => kit.bound(),
      proof: handMade({ claims: { iat: undefined } }),
      request: { headers: DPOP_HEADERS },
      expect: badProof('dpop_proof_invalid'),
    },
    {
      name: 'dpop: no jti → invalid_dpop_proof',
      token: (kit) => kit.bound(),
      proof: handMade({ claims: { jti: undefined } }),
      request: { headers: DPOP_HEADERS },
      expect: badProof('dpop_proof_invalid'),
    },
    {
      name: 'dpop: no ath → invalid_dpop_proof',
      token: (kit) => kit.bound(),
      proof: handMade({ claims: { ath: undefined } }),
      request: { headers: DPOP_HEADERS },
      expect: badProof('dpop_proof_invalid'),
    },
    {
      name: 'dpop: ath of another token → invalid_dpop_proof',
      token: (kit) => kit.bound(),
      proof: handMade({ claims: { ath: ath('another token') } }),
      request: { headers: DPOP_HEADERS },
      expect: badProof('dpop_proof_invalid'),
    },
    {
      name: 'dpop: a proof that is not a JWS → invalid_dpop_proof',
      token: (kit) => kit.bound(),
      proof: handMade({ raw: 'not-a-proof' }),
      request: { headers: DPOP_HEADERS },
      expect: badProof('dpop_proof_invalid'),
    },
    {
      name: 'dpop: a proof with a tampered payload → invalid_dpop_proof',
      token: (kit) => kit.bound(),
      proof: async (kit, request) => {
        const [h, , s] = (await independent('a')(kit, request)).split('.');
        const claims = {
          jti: randomUUID(),
          htm: request.method,
          htu: request.url,
          iat: now(),
          ath: ath(request.token),
        };
        return `${h}.${b64(claims)}.${s}`;
      },
      request: { headers: DPOP_HEADERS },
      expect: badProof('dpop_proof_invalid'),
    },
    // the request around the proof
    {
      name: 'dpop: two DPoP headers → invalid_dpop_proof',
      token: (kit) => kit.bound(),
      proof: independent('a'),
      request: {
        headers: [
          ['authorization', 'DPoP {{token}}'],
          ['dpop', '{{proof}}'],
          ['dpop', '{{proof}}'],
        ],
      },
      expect: badProof('dpop_proof_repeated'),
    },
    {
      name: 'dpop: the DPoP scheme without a DPoP header → invalid_dpop_proof',
      token: (kit) => kit.bound(),
      request: { headers: [['authorization', 'DPoP {{token}}']] },
      expect: badProof('dpop_proof_missing'),
    },
    {
      name: 'dpop: a replayed proof (same jti, second request) → invalid_dpop_proof',
      token: (kit) => kit.bound(),
      proof: independent('a'),
      request: { headers: DPOP_HEADERS },
      prepare: ['send-first'],
      expect: badProof('dpop_proof_replayed'),
    },
    // the token's binding
    {
      name: 'dpop: proof by another key than cnf.jkt names (wrong key) → invalid_token',
      token: (kit) => kit.bound(kit.a),
      proof: independent('b'),
      request: { headers: DPOP_HEADERS },
      expect: badDPoPToken('dpop_key_mismatch'),
    },
    {
      name: 'dpop: a DPoP-bound token sent as Bearer → invalid_token',
      token: (kit) => kit.bound(),
      expect: badBearerToken('bound_token_as_bearer'),
    },
    {
      name: 'dpop: a DPoP-bound token sent as Bearer with a valid proof too → invalid_token',
      token: (kit) => kit.bound(),
      proof: independent('a'),
      request: {
        headers: [
          ['authorization', 'Bearer {{token}}'],
          ['dpop', '{{proof}}'],
        ],
      },
      expect: badBearerToken('bound_token_as_bearer'),
    },
    {
      name: 'dpop: an unbound token with the DPoP scheme and a valid proof → invalid_token',
      token: {},
      proof: independent('a'),
      request: { headers: DPOP_HEADERS },
      expect: badDPoPToken('token_not_dpop_bound'),
    },
    {
      name: 'dpop: an expired bound token with a valid proof → invalid_token in the DPoP challenge',
      token: (kit) => kit.token({ claims: { cnf: { jkt: kit.a.jkt }, iat: { $in: -600 }, exp: { $in: -300 } } }),
      proof: independent('a'),
      request: { headers: DPOP_HEADERS },
      expect: badDPoPToken('token_expired'),
    },
    {
      name: 'dpop: a guard that fails on a DPoP request → 403 insufficient_scope in the DPoP challenge',
      route: 'admin',
      token: (kit) => kit.bound(),
      proof: independent('a', (url) => url),
      request: { headers: DPOP_HEADERS },
      expect: {
        status: 403,
        wwwAuthenticate: `Bearer realm="api", DPoP realm="api", error="insufficient_scope", error_description="The access token does not grant the required permissions", scope="admin", algs="${ALGS}"`,
        cacheControl: 'no-store',
        body: {
          error: 'insufficient_scope',
          error_description: 'The access token does not grant the required permissions',
        },
        handlerRan: false,
        reason: 'insufficient_scope',
      },
    },
    {
      name: 'dpop: no token → 401 with a Bearer and a DPoP challenge',
      expect: {
        status: 401,
        wwwAuthenticate: `Bearer realm="api", DPoP realm="api", algs="${ALGS}"`,
        cacheControl: 'no-store',
        body: { error: 'unauthorized', error_description: 'Authentication is required' },
        handlerRan: false,
        reason: 'missing_token',
      },
    },
    // options
    {
      name: 'dpop: replay store down → 503',
      options: {
        dpop: {
          replay: {
            remember() {
              throw new Error('store down');
            },
          },
        },
      },
      token: (kit) => kit.bound(),
      proof: independent('a'),
      request: { headers: DPOP_HEADERS },
      expect: { ...UNAVAILABLE, reason: 'replay_unavailable' },
    },
    {
      name: 'dpop: replay store that never answers → 503 after the bound',
      options: {
        revocationTimeout: '200ms',
        dpop: { replay: { remember: () => new Promise<boolean>(() => undefined) } },
      },
      token: (kit) => kit.bound(),
      proof: independent('a'),
      request: { headers: DPOP_HEADERS },
      expect: { ...UNAVAILABLE, reason: 'replay_unavailable' },
    },
    {
      name: 'dpop: a proof algorithm outside dpop.algorithms → invalid_dpop_proof',
      options: { dpop: { algorithms: ['ES256'] } },
      token: (kit) => kit.bound(kit.rsa),
      proof: independent('rsa'),
      request: { headers: DPOP_HEADERS },
      expect: {
        ...badProof('dpop_proof_invalid'),
        wwwAuthenticate:
          'Bearer realm="api", DPoP realm="api", error="invalid_dpop_proof", error_description="The DPoP proof is invalid", algs="ES256"',
      },
    },
    {
      name: 'dpop required: an unbound token sent as Bearer → invalid_token, DPoP challenge only',
      options: { dpop: { required: true } },
      token: {},
      expect: {
        status: 401,
        wwwAuthenticate: `DPoP realm="api", error="invalid_token", error_description="The access token is invalid", algs="${ALGS}"`,
        cacheControl: 'no-store',
        body: INVALID_TOKEN_BODY,
        handlerRan: false,
        reason: 'dpop_required',
      },
    },
    {
      name: 'dpop required: no token → 401 with a DPoP challenge only',
      options: { dpop: { required: true } },
      expect: {
        status: 401,
        wwwAuthenticate: `DPoP realm="api", algs="${ALGS}"`,
        cacheControl: 'no-store',
        body: { error: 'unauthorized', error_description: 'Authentication is required' },
        handlerRan: false,
        reason: 'missing_token',
      },
    },
    {
      name: 'dpop required: bound token + proof passes',
      options: { dpop: { required: true } },
      token: (kit) => kit.bound(),
      proof: independent('a'),
      request: { headers: DPOP_HEADERS },
      expect: ok(keys.a),
    },
    {
      name: 'dpop off: the DPoP scheme is no bearer token → 401 without an error code',
      options: { dpop: false },
      token: (kit) => kit.bound(),
      proof: independent('a'),
      request: { headers: DPOP_HEADERS },
      expect: {
        status: 401,
        wwwAuthenticate: 'Bearer realm="api"',
        cacheControl: 'no-store',
        body: { error: 'unauthorized', error_description: 'Authentication is required' },
        handlerRan: false,
        reason: 'missing_token',
      },
    },
    {
      name: 'dpop off: a DPoP-bound token sent as Bearer → invalid_token (its binding cannot be checked)',
      options: { dpop: false },
      token: (kit) => kit.bound(),
      expect: {
        status: 401,
        wwwAuthenticate: 'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"',
        cacheControl: 'no-store',
        body: INVALID_TOKEN_BODY,
        handlerRan: false,
        reason: 'bound_token_as_bearer',
      },
    },
  ];
}
