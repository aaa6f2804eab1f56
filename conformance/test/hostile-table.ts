/**
 * The hostile-input table (issue 6): what every adapter answers to requests and tokens built to
 * break it. Run by `hostile.test.ts` through the same runner as the main table, against Express
 * 4/5, Koa 2/3 and Fastify 4/5.
 *
 * Every row gets its own mount and its own cold JWKS endpoint, and (unless it verifies with a
 * local key) asserts how many JWKS requests it caused: 0 proves that the verifier refused the
 * token without needing a key (structure, `alg`, claims are all checked first), 1 that it needed
 * the first fetch. Expected statuses, challenges and bodies are literals (shared with
 * `table.ts`), never computed by calling core.
 *
 * Rows whose expectation was a decision, not a reading of a standard, say so in a comment
 * starting with "Decided:".
 */
import { createPublicKey, randomBytes } from 'node:crypto';
import { memoryRevocationStore, type AuthOptions, type RevocationStore } from '@bearer-guard/core';
import { b64, P256_N, type Kit } from './helpers/hostile-kit.js';
import { LEAK_MARKER, type RunnableRow } from './helpers/run-table.js';
import {
  BAD_PARAMETER,
  forbidden,
  invalid,
  ISOLATED_JWKS_URI,
  MALFORMED_HEADER,
  NO_TOKEN,
  ok,
  PUBLIC_KEY_PEM,
  TWO_HEADERS,
  TWO_LOCATIONS,
  UNAVAILABLE,
  type Expectation,
} from './table.js';

export type HostileRow = RunnableRow<Kit> & { family: Family };
export type Family =
  | 'extraction'
  | 'structure'
  | 'algorithms'
  | 'key selection'
  | 'claims'
  | 'guards'
  | 'responses'
  | 'wiring';

export const ISSUER = 'https://issuer.conformance.test/';

/** Every row: the main table's verifier, but on a JWKS endpoint of its own. */
export const HOSTILE_OPTIONS: Partial<AuthOptions> = {
  issuer: ISSUER,
  audience: 'orders',
  jwksUri: ISOLATED_JWKS_URI,
};

const bearer = (value: string): [string, string][] => [['authorization', value]];
const FORM = 'application/x-www-form-urlencoded';
const QUERY = { tokenLocations: ['header', 'query'] } satisfies Partial<AuthOptions>;
const BODY = { tokenLocations: ['header', 'body'] } satisfies Partial<AuthOptions>;
const COOKIE = { tokenLocations: ['header', 'cookie'] } satisfies Partial<AuthOptions>;
const PEM = { jwksUri: undefined, publicKey: PUBLIC_KEY_PEM } satisfies Partial<AuthOptions>;

/** No JWKS request was needed to answer. */
const f0 = (e: Expectation): Expectation => ({ ...e, jwksFetches: 0 });
/** Exactly the first JWKS request (the endpoint is cold). */
const f1 = (e: Expectation): Expectation => ({ ...e, jwksFetches: 1 });

const REVOCATION_DOWN: Expectation = { ...UNAVAILABLE, reason: 'revocation_unavailable' };

/** A revocation store that fails like a broken client library would. */
const throwingStore: RevocationStore = {
  isRevoked() {
    throw new TypeError("Cannot read properties of undefined (reading 'get')");
  },
  revoke() {},
};
const rejectingStore: RevocationStore = {
  isRevoked: () => Promise.reject(new TypeError('socket hang up')),
  revoke() {},
};

/** A second tenant's issuer, for rows where several issuers share one verifier. */
const OTHER_ISSUER = 'https://other-tenant.conformance.test/';
/** Far in the future: tokens of the scoped-revocation rows expire long after the test run. */
const FAR_EXP = 4_102_444_800;
/** A store that revoked `shared-jti` for OTHER_ISSUER only. */
const scopedStore = memoryRevocationStore();
void scopedStore.revoke('shared-jti', FAR_EXP, OTHER_ISSUER);
const OPTIONAL = { optional: true } satisfies Partial<AuthOptions>;

/** Splits a token in its three segments. */
const parts = (token: string) => token.split('.') as [string, string, string];
/** Replaces one segment of a token signed by k1. */
const withSegment = (k: Kit, index: 0 | 1 | 2, segment: (old: string) => string) => {
  const p = parts(k.sign());
  p[index] = segment(p[index]);
  return p.join('.');
};
/** Header and payload as given (raw bytes or JSON text), with k1's signature of something else. */
const rawToken = (k: Kit, header: string | Buffer, payload: string | Buffer) =>
  `${b64(header)}.${b64(payload)}.${parts(k.sign())[2]}`;
/** Standard claims as hand-written JSON, to which members are appended as text. */
const claimsJson = (extra: string) =>
  `{"iss":"${ISSUER}","aud":"orders","sub":"user-1","iat":{{now}},"exp":{{exp}},"scope":"read:orders"${extra}}`;
/** An ECDSA signature of 64 bytes from r and s. */
const rs = (r: Buffer, s: Buffer) => Buffer.concat([r, s]).toString('base64url');

export const hostileRows: HostileRow[] = [
  // ── extraction: the Authorization header and the other locations (RFC 6750 §2) ─────────
  {
    family: 'extraction',
    name: '"Basic" without credentials is another scheme',
    request: { headers: bearer('Basic') },
    expect: f0(NO_TOKEN),
  },
  {
    family: 'extraction',
    name: '"Digest x" is another scheme',
    request: { headers: bearer('Digest x') },
    expect: f0(NO_TOKEN),
  },
  {
    family: 'extraction',
    name: 'a JWT under another scheme ("Token <jwt>") is not read',
    token: {},
    request: { headers: bearer('Token {{token}}') },
    expect: f0(NO_TOKEN),
  },
  {
    family: 'extraction',
    name: 'space then tab before the token',
    token: {},
    request: { headers: bearer('Bearer \t{{token}}') },
    expect: f0(MALFORMED_HEADER),
  },
  {
    family: 'extraction',
    name: '"Bearer" glued to the token',
    token: {},
    request: { headers: bearer('Bearer{{token}}') },
    expect: f0(MALFORMED_HEADER),
  },
  { family: 'extraction', name: '"Bearerx"', request: { headers: bearer('Bearerx') }, expect: f0(MALFORMED_HEADER) },
  { family: 'extraction', name: '"Bearer=x"', request: { headers: bearer('Bearer=x') }, expect: f0(MALFORMED_HEADER) },
  {
    family: 'extraction',
    name: 'scheme in mixed case ("bEaReR")',
    token: {},
    request: { headers: bearer('bEaReR {{token}}') },
    expect: f1(ok()),
  },
  // "Bearer  x" is a well-formed header (1*SP); "x" is then refused as a token, before any key.
  {
    family: 'extraction',
    name: '"Bearer  x": two spaces are valid, "x" is not a JWT',
    request: { headers: bearer('Bearer  x') },
    expect: f0(invalid('unsupported_token_format')),
  },
  // Decided: leading/trailing spaces are optional whitespace around the field value (RFC 9110
  // §5.5); node strips them before any code sees the header, so the token is accepted.
  {
    family: 'extraction',
    name: 'spaces before and after the header value (OWS) → 200',
    token: {},
    request: { headers: bearer('   Bearer {{token}}   ') },
    expect: f1(ok()),
  },
  // NUL and other control characters never reach the app (node's parser answers 400 itself, see
  // hostile.test.ts); latin-1 (obs-text) does, and is outside b64token.
  {
    family: 'extraction',
    name: 'high-bit (latin-1) character in the token',
    request: { headers: bearer('Bearer t\u00f6k') },
    expect: f0(MALFORMED_HEADER),
  },
  {
    family: 'extraction',
    name: 'two credentials in one header value',
    token: {},
    request: { headers: bearer('Bearer {{token}}, Basic dXNlcjpwYXNz') },
    expect: f0(MALFORMED_HEADER),
  },
  {
    family: 'extraction',
    name: 'quoted token',
    token: {},
    request: { headers: bearer('Bearer "{{token}}"') },
    expect: f0(MALFORMED_HEADER),
  },
  {
    family: 'extraction',
    name: 'Basic header first, Bearer header second → 400',
    token: {},
    request: {
      headers: [
        ['authorization', 'Basic dXNlcjpwYXNz'],
        ['authorization', 'Bearer {{token}}'],
      ],
    },
    expect: f0(TWO_HEADERS),
  },
  {
    family: 'extraction',
    name: 'three Authorization headers → 400',
    token: {},
    request: {
      headers: [
        ['authorization', 'Bearer {{token}}'],
        ['authorization', 'Bearer {{token}}'],
        ['authorization', 'Bearer {{token}}'],
      ],
    },
    expect: f0(TWO_HEADERS),
  },
  {
    family: 'extraction',
    name: '"Authorization" and "AUTHORIZATION" are the same header → 400',
    token: {},
    request: {
      headers: [
        ['Authorization', 'Bearer {{token}}'],
        ['AUTHORIZATION', 'Bearer {{token}}'],
      ],
    },
    expect: f0(TWO_HEADERS),
  },
  {
    family: 'extraction',
    name: 'an empty Authorization header, then a Bearer one → 400',
    token: {},
    request: {
      headers: [
        ['authorization', ''],
        ['authorization', 'Bearer {{token}}'],
      ],
    },
    expect: f0(TWO_HEADERS),
  },
  {
    family: 'extraction',
    name: 'header and cookie token, both enabled → 400',
    options: COOKIE,
    token: {},
    request: {
      headers: [
        ['authorization', 'Bearer {{token}}'],
        ['cookie', 'access_token={{token}}'],
      ],
    },
    expect: f0(TWO_LOCATIONS),
  },
  {
    family: 'extraction',
    name: 'query and cookie token, both enabled → 400',
    options: { tokenLocations: ['query', 'cookie'] },
    token: {},
    request: { headers: [['cookie', 'access_token={{token}}']], query: '?access_token={{token}}' },
    expect: f0(TWO_LOCATIONS),
  },
  {
    family: 'extraction',
    name: 'query and form body token, both enabled → 400',
    options: { tokenLocations: ['query', 'body'] },
    token: {},
    request: {
      method: 'POST',
      headers: [],
      query: '?access_token={{token}}',
      contentType: FORM,
      body: 'access_token={{token}}',
    },
    expect: f0(TWO_LOCATIONS),
  },
  {
    family: 'extraction',
    name: 'header token plus a query token, query not enabled → the query is ignored',
    token: {},
    request: { query: '?access_token={{token}}' },
    expect: f1(ok()),
  },
  // Decided: parameter names are literal (URLSearchParams): `access_token[]` is another parameter.
  {
    family: 'extraction',
    name: 'access_token[]= in the query is another parameter',
    options: QUERY,
    token: {},
    request: { headers: [], query: '?access_token[]={{token}}' },
    expect: f0(NO_TOKEN),
  },
  {
    family: 'extraction',
    name: 'access_token[x]= in the query is another parameter',
    options: QUERY,
    token: {},
    request: { headers: [], query: '?access_token[x]={{token}}' },
    expect: f0(NO_TOKEN),
  },
  {
    family: 'extraction',
    name: 'empty access_token in the query → 400',
    options: QUERY,
    request: { query: '?access_token=' },
    expect: f0(BAD_PARAMETER),
  },
  {
    family: 'extraction',
    name: 'query access_token twice, the second empty → 400',
    options: QUERY,
    token: {},
    request: { headers: [], query: '?access_token={{token}}&access_token=' },
    expect: f0(BAD_PARAMETER),
  },
  {
    family: 'extraction',
    name: 'ACCESS_TOKEN in the query (names are case-sensitive)',
    options: QUERY,
    token: {},
    request: { headers: [], query: '?ACCESS_TOKEN={{token}}' },
    expect: f0(NO_TOKEN),
  },
  {
    family: 'extraction',
    name: '"Bearer <jwt>" as the query value is not a JWT',
    options: QUERY,
    token: {},
    request: { headers: [], query: '?access_token=Bearer%20{{token}}' },
    expect: f0(invalid('malformed_token')),
  },
  {
    family: 'extraction',
    name: 'JSON body with access_token as an array is ignored',
    options: BODY,
    token: {},
    request: { method: 'POST', headers: [], contentType: 'application/json', body: '{"access_token":["{{token}}"]}' },
    expect: f0(NO_TOKEN),
  },
  {
    family: 'extraction',
    name: 'form body token on a GET is ignored (RFC 6750 §2.2)',
    options: BODY,
    token: {},
    request: { method: 'GET', headers: [], contentType: FORM, body: 'access_token={{token}}' },
    expect: f0(NO_TOKEN),
  },
  {
    family: 'extraction',
    name: 'form-like body sent as text/plain is ignored',
    options: BODY,
    token: {},
    request: { method: 'POST', headers: [], contentType: 'text/plain', body: 'access_token={{token}}' },
    expect: f0(NO_TOKEN),
  },
  {
    family: 'extraction',
    name: 'form body token with a charset parameter → 200',
    options: BODY,
    token: {},
    request: { method: 'POST', headers: [], contentType: `${FORM}; charset=utf-8`, body: 'access_token={{token}}' },
    expect: f1(ok()),
  },
  {
    family: 'extraction',
    name: 'form body access_token twice → 400',
    options: BODY,
    token: {},
    request: { method: 'POST', headers: [], contentType: FORM, body: 'access_token={{token}}&access_token={{token}}' },
    expect: f0(BAD_PARAMETER),
  },
  {
    family: 'extraction',
    name: 'empty form body access_token → 400',
    options: BODY,
    request: { method: 'POST', headers: [], contentType: FORM, body: 'access_token=' },
    expect: f0(BAD_PARAMETER),
  },
  {
    family: 'extraction',
    name: 'access_token cookie twice → 400',
    options: COOKIE,
    token: {},
    request: { headers: [['cookie', 'access_token={{token}}; access_token={{token}}']] },
    expect: f0(BAD_PARAMETER),
  },
  {
    family: 'extraction',
    name: 'empty access_token cookie → 400',
    options: COOKIE,
    request: { headers: [['cookie', 'theme=dark; access_token=']] },
    expect: f0(BAD_PARAMETER),
  },
  // node's limit is 16 KiB for the request line and all headers together: 15 KiB still reaches the app.
  {
    family: 'extraction',
    name: '15 KiB token in the header → 401 before any decoding',
    token: (k) => k.sized(15 * 1024),
    expect: f0(invalid('token_too_long')),
  },
  {
    family: 'extraction',
    name: 'token of exactly 8192 characters (the limit) → 200',
    token: (k) => k.sized(8192),
    expect: f1(ok()),
  },
  {
    family: 'extraction',
    name: 'token of 8193 characters → 401',
    token: (k) => k.sized(8193),
    expect: f0(invalid('token_too_long')),
  },
  {
    family: 'extraction',
    name: '12 KiB token in the query → 401',
    options: QUERY,
    token: (k) => k.sized(12 * 1024),
    request: { headers: [], query: '?access_token={{token}}' },
    expect: f0(invalid('token_too_long')),
  },
  // Decided: auth() authenticates every method, a preflight included (the adapters exempt
  // nothing): a CORS middleware must come before auth(). The preflight carries no credentials,
  // so it is a plain 401 without error code, and the handler does not run.
  {
    family: 'extraction',
    name: 'CORS preflight (OPTIONS, Origin, Access-Control-Request-*) → 401 without error code',
    request: {
      method: 'OPTIONS',
      headers: [
        ['origin', 'https://app.example'],
        ['access-control-request-method', 'GET'],
        ['access-control-request-headers', 'authorization'],
      ],
    },
    expect: f0(NO_TOKEN),
  },

  // ── structure: segments, base64url, UTF-8, JSON ─────────────────────────────────────────
  {
    family: 'structure',
    name: 'one segment',
    token: () => b64({ alg: 'RS256', kid: 'k1' }),
    expect: f0(invalid('unsupported_token_format')),
  },
  {
    family: 'structure',
    name: 'six segments',
    token: (k) => `${k.sign()}.AAAA.BBBB.CCCC`,
    expect: f0(invalid('unsupported_token_format')),
  },
  {
    family: 'structure',
    name: 'a JWE (RSA-OAEP-256, A256GCM, five segments) never reaches a decrypt path',
    token: () =>
      [
        b64({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'k1' }),
        b64(randomBytes(256)),
        b64(randomBytes(12)),
        b64(randomBytes(64)),
        b64(randomBytes(16)),
      ].join('.'),
    expect: f0(invalid('unsupported_token_format')),
  },
  {
    family: 'structure',
    name: 'three empty segments ("..")',
    request: { headers: bearer('Bearer ..') },
    expect: f0(invalid('malformed_token')),
  },
  {
    family: 'structure',
    name: 'standard base64 "+" and "/" in the payload',
    token: (k) => withSegment(k, 1, (p) => `${p}+/`),
    expect: f0(invalid('malformed_token')),
  },
  {
    family: 'structure',
    name: 'padding "=" after the signature',
    token: (k) => `${k.sign()}=`,
    expect: f0(invalid('malformed_token')),
  },
  // "=" may only end a b64token (RFC 6750 §2.1): inside the credentials it is a malformed header.
  {
    family: 'structure',
    name: 'padding "=" inside the token → 400',
    token: (k) => withSegment(k, 1, (p) => `${p}==`),
    expect: f0(MALFORMED_HEADER),
  },
  {
    family: 'structure',
    name: 'non-canonical base64url (unused bits set) in the signature',
    token: (k) =>
      withSegment(k, 2, (s) => {
        // 256 bytes → 342 characters: the last one carries 4 unused bits, which must be zero.
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
        return s.slice(0, -1) + alphabet[alphabet.indexOf(s.slice(-1)) | 1];
      }),
    expect: f0(invalid('malformed_token')),
  },
  {
    family: 'structure',
    name: 'payload segment of impossible length (4n + 1)',
    token: (k) => withSegment(k, 1, (p) => p + 'A'.repeat((5 - (p.length % 4)) % 4 || 4)),
    expect: f0(invalid('malformed_token')),
  },
  {
    family: 'structure',
    name: '"~" in the payload',
    token: (k) => withSegment(k, 1, (p) => `${p}~`),
    expect: f0(invalid('malformed_token')),
  },
  {
    family: 'structure',
    name: 'invalid UTF-8 in the payload',
    token: (k) => rawToken(k, JSON.stringify({ alg: 'RS256', kid: 'k1' }), Buffer.from([0x7b, 0xc3, 0x28, 0x7d])),
    expect: f0(invalid('malformed_token')),
  },
  {
    family: 'structure',
    name: 'overlong UTF-8 ("/" as C0 AF) in the header',
    token: (k) =>
      rawToken(
        k,
        Buffer.concat([Buffer.from('{"alg":"RS256","kid":"k1","x":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]),
        JSON.stringify(k.claims()),
      ),
    expect: f0(invalid('malformed_token')),
  },
  {
    family: 'structure',
    name: 'UTF-8 byte order mark before the header JSON',
    token: (k) =>
      rawToken(
        k,
        Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"alg":"RS256","kid":"k1"}')]),
        JSON.stringify(k.claims()),
      ),
    expect: f0(invalid('malformed_token')),
  },
  {
    family: 'structure',
    name: 'header is a JSON array',
    token: (k) => rawToken(k, '[{"alg":"RS256","kid":"k1"}]', JSON.stringify(k.claims())),
    expect: f0(invalid('malformed_token')),
  },
  {
    family: 'structure',
    name: 'header is a JSON string',
    token: (k) => rawToken(k, '"RS256"', JSON.stringify(k.claims())),
    expect: f0(invalid('malformed_token')),
  },
  {
    family: 'structure',
    name: 'header is a JSON number',
    token: (k) => rawToken(k, '256', JSON.stringify(k.claims())),
    expect: f0(invalid('malformed_token')),
  },
  {
    family: 'structure',
    name: 'header is JSON null',
    token: (k) => rawToken(k, 'null', JSON.stringify(k.claims())),
    expect: f0(invalid('malformed_token')),
  },
  {
    family: 'structure',
    name: 'payload is a JSON array',
    token: (k) => k.sign({ payloadJson: `[${JSON.stringify(k.claims())}]` }),
    expect: f0(invalid('malformed_token')),
  },
  {
    family: 'structure',
    name: 'payload is a JSON number',
    token: (k) => k.sign({ payloadJson: '42' }),
    expect: f0(invalid('malformed_token')),
  },
  {
    family: 'structure',
    name: 'payload is a JSON string',
    token: (k) => k.sign({ payloadJson: JSON.stringify(JSON.stringify(k.claims())) }),
    expect: f0(invalid('malformed_token')),
  },
  {
    family: 'structure',
    name: 'payload is JSON null',
    token: (k) => k.sign({ payloadJson: 'null' }),
    expect: f0(invalid('malformed_token')),
  },
  {
    family: 'structure',
    name: 'payload with text after the JSON object',
    token: (k) => k.sign({ payloadJson: `${claimsJson('')}x` }),
    expect: f0(invalid('malformed_token')),
  },
  // Duplicate member names (RFC 7515 §4: reject, or keep the lexically last). JSON.parse keeps
  // the last, and core parses once: every check (alg, kid, claims, signature) sees that one view.
  {
    family: 'structure',
    name: 'duplicate "alg" (none, then RS256): RS256 everywhere → 200',
    token: (k) => k.sign({ headerJson: '{"alg":"none","alg":"RS256","kid":"k1"}' }),
    expect: f1(ok()),
  },
  {
    family: 'structure',
    name: 'duplicate "alg" (RS256, then none): none everywhere → 401',
    token: (k) => k.sign({ headerJson: '{"alg":"RS256","kid":"k1","alg":"none"}' }),
    expect: f0(invalid('algorithm_not_allowed')),
  },
  {
    family: 'structure',
    name: 'duplicate "kid" (unknown, then k1): k1 → 200',
    token: (k) => k.sign({ headerJson: '{"alg":"RS256","kid":"nope","kid":"k1"}' }),
    expect: f1(ok()),
  },
  {
    family: 'structure',
    name: 'duplicate "aud" ("x", then "orders") → 200',
    token: (k) => k.sign({ payloadJson: `{"aud":"x","iss":"${ISSUER}","sub":"user-1","exp":{{exp}},"aud":"orders"}` }),
    expect: f1(ok()),
  },
  {
    family: 'structure',
    name: 'duplicate "aud" ("orders", then "x") → 401',
    token: (k) => k.sign({ payloadJson: `{"aud":"orders","iss":"${ISSUER}","sub":"user-1","exp":{{exp}},"aud":"x"}` }),
    expect: f0(invalid('invalid_audience')),
  },
  {
    family: 'structure',
    name: 'duplicate "exp" (future, then past) → expired',
    token: (k) =>
      k.sign({ payloadJson: `{"exp":{{exp}},"iss":"${ISSUER}","aud":"orders","sub":"user-1","exp":${k.now - 3600}}` }),
    expect: f0(invalid('token_expired')),
  },
  {
    family: 'structure',
    name: 'crit ["b64"] with b64: false',
    token: (k) => k.sign({ header: { crit: ['b64'], b64: false } }),
    expect: f0(invalid('unsupported_critical_header')),
  },
  {
    family: 'structure',
    name: 'crit [] (empty)',
    token: (k) => k.sign({ header: { crit: [] } }),
    expect: f0(invalid('malformed_token')),
  },
  {
    family: 'structure',
    name: 'crit as a string',
    token: (k) => k.sign({ header: { crit: 'b64', b64: true } }),
    expect: f0(invalid('malformed_token')),
  },
  {
    family: 'structure',
    name: 'crit [""]',
    token: (k) => k.sign({ header: { crit: [''] } }),
    expect: f0(invalid('malformed_token')),
  },
  {
    family: 'structure',
    name: 'crit naming a registered header ("alg")',
    token: (k) => k.sign({ header: { crit: ['alg'] } }),
    expect: f0(invalid('unsupported_critical_header')),
  },
  // b64: true is the ordinary encoding (RFC 7797 §3): understood, so a critical b64 is fine.
  {
    family: 'structure',
    name: 'crit ["b64"] with b64: true (the ordinary encoding) → 200',
    token: (k) => k.sign({ header: { crit: ['b64'], b64: true } }),
    expect: f1(ok()),
  },
  {
    family: 'structure',
    name: 'typ that is not a string',
    token: (k) => k.sign({ header: { typ: 1 } }),
    expect: f0(invalid('malformed_token')),
  },

  // ── algorithms ──────────────────────────────────────────────────────────────────────────
  {
    family: 'algorithms',
    name: 'alg "None" with a fake signature',
    token: (k) => k.sign({ key: { signature: 'c2lnbmF0dXJl' }, header: { alg: 'None', kid: 'k1' } }),
    expect: f0(invalid('algorithm_not_allowed')),
  },
  // An empty signature is refused while decoding, before alg is looked at.
  {
    family: 'algorithms',
    name: 'alg "nOnE" with an empty signature',
    token: (k) => k.sign({ key: 'none', header: { alg: 'nOnE', kid: 'k1' } }),
    expect: f0(invalid('malformed_token')),
  },
  {
    family: 'algorithms',
    name: 'alg "none" with a real RS256 signature of k1',
    token: (k) => k.sign({ header: { alg: 'none' } }),
    expect: f0(invalid('algorithm_not_allowed')),
  },
  {
    family: 'algorithms',
    name: 'alg "rs256" (algorithm names are case-sensitive)',
    token: (k) => k.sign({ header: { alg: 'rs256' } }),
    expect: f0(invalid('algorithm_not_allowed')),
  },
  {
    family: 'algorithms',
    name: 'alg "RSA-OAEP" (a JWE algorithm) on a JWS',
    token: (k) => k.sign({ header: { alg: 'RSA-OAEP' } }),
    expect: f0(invalid('algorithm_not_allowed')),
  },
  {
    family: 'algorithms',
    name: 'HS256 signed with the SPKI PEM of k1 (remote JWKS)',
    token: (k) => k.sign({ key: { hmac: k.issuer.primary.spki, alg: 'HS256' }, header: { kid: 'k1' } }),
    expect: f0(invalid('algorithm_not_allowed')),
  },
  {
    family: 'algorithms',
    name: 'HS384 signed with the JWK of k1 as JSON text (remote JWKS)',
    token: (k) => k.sign({ key: { hmac: JSON.stringify(k.issuer.primary.jwk), alg: 'HS384' }, header: { kid: 'k1' } }),
    expect: f0(invalid('algorithm_not_allowed')),
  },
  {
    family: 'algorithms',
    name: 'HS512 signed with the PKCS#1 PEM of k1 (remote JWKS)',
    token: (k) =>
      k.sign({
        key: {
          hmac: createPublicKey(k.issuer.primary.spki).export({ type: 'pkcs1', format: 'pem' }) as string,
          alg: 'HS512',
        },
        header: { kid: 'k1' },
      }),
    expect: f0(invalid('algorithm_not_allowed')),
  },
  {
    family: 'algorithms',
    name: 'HS256 signed with the PEM wrapped in whitespace (remote JWKS)',
    token: (k) => k.sign({ key: { hmac: `\n  ${k.issuer.primary.spki}\n\n`, alg: 'HS256' }, header: { kid: 'k1' } }),
    expect: f0(invalid('algorithm_not_allowed')),
  },
  {
    family: 'algorithms',
    name: 'HS256 signed with an empty secret',
    token: (k) => k.sign({ key: { hmac: '', alg: 'HS256' }, header: { kid: 'k1' } }),
    expect: f0(invalid('algorithm_not_allowed')),
  },
  {
    family: 'algorithms',
    name: 'HS512 signed with the PKCS#1 PEM, publicKey verifier',
    options: PEM,
    token: (k) =>
      k.sign({
        key: {
          hmac: createPublicKey(k.issuer.primary.spki).export({ type: 'pkcs1', format: 'pem' }) as string,
          alg: 'HS512',
        },
      }),
    expect: invalid('algorithm_not_allowed'),
  },
  {
    family: 'algorithms',
    name: 'HS384 signed with the JWK JSON, publicKey verifier',
    options: PEM,
    token: (k) => k.sign({ key: { hmac: JSON.stringify(k.issuer.primary.jwk), alg: 'HS384' } }),
    expect: invalid('algorithm_not_allowed'),
  },
  {
    family: 'algorithms',
    name: 'ES384 token, only a P-256 key in the JWKS',
    publish: (k) => [k.bank.ec],
    token: (k) => k.sign({ key: k.bank.ec, header: { alg: 'ES384' } }),
    expect: f1(invalid('no_matching_key')),
  },
  {
    family: 'algorithms',
    name: 'ES384 token, algorithms: ["ES256"]',
    options: { algorithms: ['ES256'] },
    publish: (k) => [k.bank.ec],
    token: (k) => k.sign({ key: k.bank.ec, header: { alg: 'ES384' } }),
    expect: f0(invalid('algorithm_not_allowed')),
  },
  {
    family: 'algorithms',
    name: 'RS256 token, algorithms: ["ES256"]',
    options: { algorithms: ['ES256'] },
    publish: (k) => [k.bank.ec],
    token: (k) => k.sign(),
    expect: f0(invalid('algorithm_not_allowed')),
  },
  {
    family: 'algorithms',
    name: 'PS256 token signed by k1, whose JWK declares RS256',
    token: (k) => k.sign({ header: { alg: 'PS256' } }),
    expect: f1(invalid('no_matching_key')),
  },
  {
    family: 'algorithms',
    name: 'PS256 token signed by k1 published without "alg" → 200 (an RSA key may do PSS)',
    publish: (k) => [k.bank.k1NoAlg],
    token: (k) => k.sign({ header: { alg: 'PS256' } }),
    expect: f1(ok()),
  },
  {
    family: 'algorithms',
    name: 'EdDSA token against an RSA-only JWKS',
    token: (k) => k.sign({ key: { signature: b64(Buffer.alloc(64, 7)) }, header: { alg: 'EdDSA', kid: 'k1' } }),
    expect: f1(invalid('no_matching_key')),
  },
  {
    family: 'algorithms',
    name: 'no alg',
    token: (k) => k.sign({ headerJson: '{"kid":"k1"}' }),
    expect: f0(invalid('malformed_token')),
  },
  {
    family: 'algorithms',
    name: 'alg null',
    token: (k) => k.sign({ headerJson: '{"alg":null,"kid":"k1"}' }),
    expect: f0(invalid('malformed_token')),
  },
  {
    family: 'algorithms',
    name: 'alg ["RS256"]',
    token: (k) => k.sign({ headerJson: '{"alg":["RS256"],"kid":"k1"}' }),
    expect: f0(invalid('malformed_token')),
  },
  {
    family: 'algorithms',
    name: 'alg ""',
    token: (k) => k.sign({ headerJson: '{"alg":"","kid":"k1"}' }),
    expect: f0(invalid('malformed_token')),
  },
  {
    family: 'algorithms',
    name: 'ES256 control: a good P-256 signature → 200',
    publish: (k) => [k.bank.ec],
    token: (k) => k.sign({ key: k.bank.ec }),
    expect: f1(ok()),
  },
  {
    family: 'algorithms',
    name: 'ES256 with r = s = 0 (CVE-2022-21449)',
    publish: (k) => [k.bank.ec],
    token: (k) =>
      k.sign({ key: { signature: rs(Buffer.alloc(32), Buffer.alloc(32)) }, header: { alg: 'ES256', kid: 'e1' } }),
    expect: f1(invalid('invalid_signature')),
  },
  {
    family: 'algorithms',
    name: 'ES256 with r = s = n (out of range)',
    publish: (k) => [k.bank.ec],
    token: (k) => k.sign({ key: { signature: rs(P256_N, P256_N) }, header: { alg: 'ES256', kid: 'e1' } }),
    expect: f1(invalid('invalid_signature')),
  },
  {
    family: 'algorithms',
    name: 'ES256 signature truncated to 63 bytes',
    publish: (k) => [k.bank.ec],
    token: (k) =>
      withSegment({ ...k, sign: () => k.sign({ key: k.bank.ec }) }, 2, (s) =>
        b64(Buffer.from(s, 'base64url').subarray(0, 63)),
      ),
    expect: f1(invalid('invalid_signature')),
  },
  {
    family: 'algorithms',
    name: 'ES256 signature of 65 bytes (a good one plus a zero byte)',
    publish: (k) => [k.bank.ec],
    token: (k) =>
      withSegment({ ...k, sign: () => k.sign({ key: k.bank.ec }) }, 2, (s) =>
        b64(Buffer.concat([Buffer.from(s, 'base64url'), Buffer.alloc(1)])),
      ),
    expect: f1(invalid('invalid_signature')),
  },
  {
    family: 'algorithms',
    name: 'ES256 signature DER-encoded instead of raw r‖s',
    publish: (k) => [k.bank.ec],
    token: (k) => k.sign({ key: { der: k.bank.ec }, header: { alg: 'ES256', kid: 'e1' } }),
    expect: f1(invalid('invalid_signature')),
  },
  {
    family: 'algorithms',
    name: 'RS256 signature truncated by one byte',
    token: (k) => withSegment(k, 2, (s) => b64(Buffer.from(s, 'base64url').subarray(0, 255))),
    expect: f1(invalid('invalid_signature')),
  },
  {
    family: 'algorithms',
    name: 'RS256 signature of 256 zero bytes',
    token: (k) => withSegment(k, 2, () => b64(Buffer.alloc(256))),
    expect: f1(invalid('invalid_signature')),
  },
  {
    family: 'algorithms',
    name: 'RS256 signature of one zero byte ("AA")',
    token: (k) => withSegment(k, 2, () => 'AA'),
    expect: f1(invalid('invalid_signature')),
  },
  {
    family: 'algorithms',
    name: 'header changed after signing (typ added)',
    token: (k) => withSegment(k, 0, () => b64({ alg: 'RS256', kid: 'k1', typ: 'at+jwt' })),
    expect: f1(invalid('invalid_signature')),
  },
  {
    family: 'algorithms',
    name: 'the signature of another token of the same key',
    token: (k) => `${parts(k.sign()).slice(0, 2).join('.')}.${parts(k.sign({ claims: { sub: 'user-2' } }))[2]}`,
    expect: f1(invalid('invalid_signature')),
  },
  {
    family: 'algorithms',
    name: 'payload swapped for one with scope admin, on requireScopes(admin) → 401',
    route: 'admin',
    token: (k) => withSegment(k, 1, () => b64(k.claims({ scope: 'admin' }))),
    expect: f1(invalid('invalid_signature')),
  },

  // ── key selection: where the key comes from is never the token's say ────────────────────
  // A key set that publishes private members is compromised: that key is never used.
  {
    family: 'key selection',
    name: 'the JWKS publishes the signing key with its private "d" → never used',
    publish: (k) => [k.bank.ecPrivate],
    token: (k) => k.sign({ key: k.bank.ecPrivate }),
    expect: f1(invalid('no_matching_key')),
  },
  {
    family: 'key selection',
    name: 'embedded "jwk" header (attacker key, kid k1)',
    token: (k) => k.sign({ key: k.issuer.impostor, header: { jwk: k.issuer.impostor.jwk } }),
    expect: f1(invalid('invalid_signature')),
  },
  {
    family: 'key selection',
    name: 'embedded "jwk" header with a kid the JWKS lacks',
    token: (k) =>
      k.sign({
        key: k.issuer.impostor,
        header: { kid: 'attacker', jwk: { ...k.issuer.impostor.jwk, kid: 'attacker' } },
      }),
    expect: f1(invalid('no_matching_key')),
  },
  {
    family: 'key selection',
    name: '"jku" pointing at a second server (kid k1, attacker key)',
    token: (k) => k.sign({ key: k.issuer.impostor, header: { jku: `${k.trap}/jwks.json` } }),
    expect: f1(invalid('invalid_signature')),
  },
  {
    family: 'key selection',
    name: '"jku" with a kid only the second server would have',
    token: (k) => k.sign({ key: k.issuer.impostor, header: { jku: `${k.trap}/jwks.json`, kid: 'attacker' } }),
    expect: f1(invalid('no_matching_key')),
  },
  {
    family: 'key selection',
    name: '"x5u" pointing at a second server',
    token: (k) => k.sign({ key: k.issuer.impostor, header: { x5u: `${k.trap}/cert.pem` } }),
    expect: f1(invalid('invalid_signature')),
  },
  {
    family: 'key selection',
    name: '"x5c" certificate chain in the header',
    token: (k) =>
      k.sign({
        key: k.issuer.impostor,
        header: { x5c: [b64(randomBytes(300)).replace(/-/g, '+').replace(/_/g, '/')] },
      }),
    expect: f1(invalid('invalid_signature')),
  },
  {
    family: 'key selection',
    name: 'kid "../../x" (path traversal)',
    token: (k) => k.sign({ header: { kid: '../../x' } }),
    expect: f1(invalid('no_matching_key')),
  },
  {
    family: 'key selection',
    name: 'kid "\' OR 1=1 --" (SQL injection)',
    token: (k) => k.sign({ header: { kid: "' OR 1=1 --" } }),
    expect: f1(invalid('no_matching_key')),
  },
  {
    family: 'key selection',
    name: 'kid of 1 KiB',
    token: (k) => k.sign({ header: { kid: 'k'.repeat(1024) } }),
    expect: f1(invalid('no_matching_key')),
  },
  {
    family: 'key selection',
    name: 'kid that is a number',
    token: (k) => k.sign({ header: { kid: 1 } }),
    expect: f0(invalid('malformed_token')),
  },
  {
    family: 'key selection',
    name: 'kid that is an object',
    token: (k) => k.sign({ header: { kid: { $ne: null } } }),
    expect: f0(invalid('malformed_token')),
  },
  {
    family: 'key selection',
    name: 'kid "__proto__"',
    token: (k) => k.sign({ header: { kid: '__proto__' } }),
    expect: f1(invalid('no_matching_key')),
  },
  {
    family: 'key selection',
    name: 'kid "constructor"',
    token: (k) => k.sign({ header: { kid: 'constructor' } }),
    expect: f1(invalid('no_matching_key')),
  },
  {
    family: 'key selection',
    name: 'kid "toString"',
    token: (k) => k.sign({ header: { kid: 'toString' } }),
    expect: f1(invalid('no_matching_key')),
  },
  {
    family: 'key selection',
    name: 'kid ""',
    token: (k) => k.sign({ header: { kid: '' } }),
    expect: f1(invalid('no_matching_key')),
  },
  {
    family: 'key selection',
    name: 'two keys share a kid: the first one verifies',
    publish: (k) => [k.bank.dupA, k.bank.dupB],
    token: (k) => k.sign({ key: k.bank.dupA }),
    expect: f1(ok()),
  },
  {
    family: 'key selection',
    name: 'two keys share a kid: the second one verifies',
    publish: (k) => [k.bank.dupA, k.bank.dupB],
    token: (k) => k.sign({ key: k.bank.dupB }),
    expect: f1(ok()),
  },
  {
    family: 'key selection',
    name: 'two keys share a kid: a third key with that kid fails',
    publish: (k) => [k.bank.dupA, k.bank.dupB],
    token: (k) => k.sign({ key: k.bank.dupC }),
    expect: f1(invalid('invalid_signature')),
  },
  {
    family: 'key selection',
    name: 'no kid, several keys: the key that signed verifies',
    publish: (k) => [k.issuer.primary, k.issuer.next],
    token: (k) => k.sign({ key: k.issuer.next, header: { kid: undefined } }),
    expect: f1(ok()),
  },
  {
    family: 'key selection',
    name: 'no kid, several keys, signed by none of them',
    publish: (k) => [k.issuer.primary, k.issuer.next],
    token: (k) => k.sign({ key: k.issuer.impostor, header: { kid: undefined } }),
    expect: f1(invalid('invalid_signature')),
  },
  {
    family: 'key selection',
    name: 'an RSA-1024 key in the JWKS is skipped',
    publish: (k) => [k.issuer.primary, k.bank.small],
    token: (k) => k.sign({ key: k.bank.small }),
    expect: f1(invalid('no_matching_key')),
  },
  {
    family: 'key selection',
    name: 'an EC key whose point is off the curve is skipped',
    publish: (k) => [k.issuer.primary, k.bank.offCurve],
    token: (k) => k.sign({ key: k.bank.offCurve }),
    expect: f1(invalid('no_matching_key')),
  },
  {
    family: 'key selection',
    name: 'a key published with use "enc" is skipped',
    publish: (k) => [k.issuer.primary, k.bank.enc],
    token: (k) => k.sign({ key: k.bank.enc }),
    expect: f1(invalid('no_matching_key')),
  },

  // ── claims ──────────────────────────────────────────────────────────────────────────────
  // Default tolerance 5 s; a token is expired when exp <= now - 5. The server's "now" can be one
  // second later than the minting "now" (a second boundary in between), never earlier: a 401
  // row may sit on the boundary, a 200 row keeps a 2 s margin (exp = now - 3, not now - 4).
  {
    family: 'claims',
    name: 'exp = now − 5 (exactly the tolerance) → expired',
    token: (k) => k.sign({ claims: { exp: k.now - 5 } }),
    expect: f0(invalid('token_expired')),
  },
  {
    family: 'claims',
    name: 'exp = now − 6 (tolerance + 1) → expired',
    token: (k) => k.sign({ claims: { exp: k.now - 6 } }),
    expect: f0(invalid('token_expired')),
  },
  {
    family: 'claims',
    name: 'exp = now − 3 (inside the tolerance) → 200',
    token: (k) => k.sign({ claims: { exp: k.now - 3 } }),
    expect: f1(ok()),
  },
  {
    family: 'claims',
    name: 'exp null',
    token: (k) => k.sign({ claims: { exp: null } }),
    expect: f0(invalid('invalid_claim')),
  },
  {
    family: 'claims',
    name: 'exp as a date string',
    token: (k) => k.sign({ claims: { exp: '2099-01-01T00:00:00Z' } }),
    expect: f0(invalid('invalid_claim')),
  },
  {
    family: 'claims',
    name: 'exp 1e400 (Infinity once parsed)',
    token: (k) => k.sign({ payloadJson: `{"iss":"${ISSUER}","aud":"orders","sub":"user-1","exp":1e400}` }),
    expect: f0(invalid('invalid_claim')),
  },
  {
    family: 'claims',
    name: 'exp -1e400',
    token: (k) => k.sign({ payloadJson: `{"iss":"${ISSUER}","aud":"orders","sub":"user-1","exp":-1e400}` }),
    expect: f0(invalid('invalid_claim')),
  },
  {
    family: 'claims',
    name: 'exp true',
    token: (k) => k.sign({ claims: { exp: true } }),
    expect: f0(invalid('invalid_claim')),
  },
  {
    family: 'claims',
    name: 'nbf 1e400',
    token: (k) => k.sign({ payloadJson: claimsJson(',"nbf":1e400') }),
    expect: f0(invalid('invalid_claim')),
  },
  {
    family: 'claims',
    name: 'iat as a string',
    token: (k) => k.sign({ claims: { iat: String(k.now) } }),
    expect: f0(invalid('invalid_claim')),
  },
  // nbf fails when nbf > now + 5: +8 keeps a 2 s margin for a 401, +4 is always inside.
  {
    family: 'claims',
    name: 'nbf = now + 8 (beyond the tolerance) → not yet valid',
    token: (k) => k.sign({ claims: { nbf: k.now + 8 } }),
    expect: f0(invalid('token_not_yet_valid')),
  },
  {
    family: 'claims',
    name: 'nbf = now + 4 (inside the tolerance) → 200',
    token: (k) => k.sign({ claims: { nbf: k.now + 4 } }),
    expect: f1(ok()),
  },
  {
    family: 'claims',
    name: 'iat = now + 8 → issued in the future',
    token: (k) => k.sign({ claims: { iat: k.now + 8 } }),
    expect: f0(invalid('token_issued_in_future')),
  },
  {
    family: 'claims',
    name: 'maxTokenAge 60: iat two minutes ago → too old',
    options: { maxTokenAge: 60 },
    token: (k) => k.sign({ claims: { iat: k.now - 120 } }),
    expect: f0(invalid('token_too_old')),
  },
  {
    family: 'claims',
    name: 'maxTokenAge "1m": no iat',
    options: { maxTokenAge: '1m' },
    token: (k) => k.sign({ claims: { iat: undefined } }),
    expect: f0(invalid('missing_claim')),
  },
  {
    family: 'claims',
    name: 'maxTokenAge 60: iat 30 s ago → 200',
    options: { maxTokenAge: 60 },
    token: (k) => k.sign({ claims: { iat: k.now - 30 } }),
    expect: f1(ok()),
  },
  {
    family: 'claims',
    name: 'iss without its trailing slash',
    token: (k) => k.sign({ claims: { iss: 'https://issuer.conformance.test' } }),
    expect: f0(invalid('invalid_issuer')),
  },
  {
    family: 'claims',
    name: 'iss in upper case',
    token: (k) => k.sign({ claims: { iss: 'HTTPS://ISSUER.CONFORMANCE.TEST/' } }),
    expect: f0(invalid('invalid_issuer')),
  },
  {
    family: 'claims',
    name: 'iss as an array holding the issuer',
    token: (k) => k.sign({ claims: { iss: [ISSUER] } }),
    expect: f0(invalid('invalid_issuer')),
  },
  {
    family: 'claims',
    name: 'iss with a trailing space',
    token: (k) => k.sign({ claims: { iss: `${ISSUER} ` } }),
    expect: f0(invalid('invalid_issuer')),
  },
  {
    family: 'claims',
    name: 'no iss',
    token: (k) => k.sign({ claims: { iss: undefined } }),
    expect: f0(invalid('missing_claim')),
  },
  {
    family: 'claims',
    name: 'aud a prefix of the expected one ("order")',
    token: (k) => k.sign({ claims: { aud: 'order' } }),
    expect: f0(invalid('invalid_audience')),
  },
  {
    family: 'claims',
    name: 'aud extending the expected one ("orders-admin")',
    token: (k) => k.sign({ claims: { aud: 'orders-admin' } }),
    expect: f0(invalid('invalid_audience')),
  },
  {
    family: 'claims',
    name: 'aud in upper case',
    token: (k) => k.sign({ claims: { aud: 'ORDERS' } }),
    expect: f0(invalid('invalid_audience')),
  },
  {
    family: 'claims',
    name: 'aud ["orders "] (trailing space)',
    token: (k) => k.sign({ claims: { aud: ['orders '] } }),
    expect: f0(invalid('invalid_audience')),
  },
  {
    family: 'claims',
    name: 'aud []',
    token: (k) => k.sign({ claims: { aud: [] } }),
    expect: f0(invalid('invalid_audience')),
  },
  {
    family: 'claims',
    name: 'aud as a number',
    token: (k) => k.sign({ claims: { aud: 42 } }),
    expect: f0(invalid('invalid_claim')),
  },
  {
    family: 'claims',
    name: 'aud array with a non-string member',
    token: (k) => k.sign({ claims: { aud: ['orders', 42] } }),
    expect: f0(invalid('invalid_claim')),
  },
  {
    family: 'claims',
    name: 'no aud',
    token: (k) => k.sign({ claims: { aud: undefined } }),
    expect: f0(invalid('missing_claim')),
  },
  {
    family: 'claims',
    name: 'an ID token (typ JWT, nonce, azp) where at+jwt is required',
    options: { tokenType: 'at+jwt' },
    token: (k) =>
      k.sign({
        header: { typ: 'JWT' },
        claims: { nonce: 'n-0S6_WzA2Mj', azp: 'spa-client', auth_time: k.now - 60, scope: undefined },
      }),
    expect: f0(invalid('invalid_token_type')),
  },
  {
    family: 'claims',
    name: 'jti that is a number',
    token: (k) => k.sign({ claims: { jti: 7 } }),
    expect: f0(invalid('invalid_claim')),
  },
  {
    family: 'claims',
    name: 'client_id that is an object',
    token: (k) => k.sign({ claims: { client_id: { id: 'spa' } } }),
    expect: f0(invalid('invalid_claim')),
  },
  {
    family: 'claims',
    name: 'sub null',
    token: (k) => k.sign({ claims: { sub: null } }),
    expect: f0(invalid('invalid_claim')),
  },
  {
    family: 'claims',
    name: '"__proto__" member with scope admin does not satisfy requireScopes(admin) → 403',
    route: 'admin',
    token: (k) => k.sign({ payloadJson: claimsJson(',"__proto__":{"scope":"admin"}') }),
    expect: f1(forbidden('insufficient_scope', 'admin')),
  },
  {
    family: 'claims',
    name: '"__proto__" member stays an own property: the handler sees a plain payload',
    route: 'payload-shape',
    token: (k) =>
      k.sign({
        payloadJson: `{"iss":"${ISSUER}","aud":"orders","sub":"user-1","exp":{{exp}},"__proto__":{"scope":"admin"}}`,
      }),
    expect: f1({
      ...ok('payload-shape'),
      body: {
        route: 'payload-shape',
        sub: 'user-1',
        authenticated: true,
        prototypeIsObjectPrototype: true,
        scopeInPayload: false,
        ownProtoMember: true,
      },
    }),
  },
  {
    family: 'claims',
    name: '"constructor.prototype.scope" member does not satisfy requireScopes(admin) → 403',
    route: 'admin',
    token: (k) => k.sign({ payloadJson: claimsJson(',"constructor":{"prototype":{"scope":"admin"}}') }),
    expect: f1(forbidden('insufficient_scope', 'admin')),
  },

  // ── guards ──────────────────────────────────────────────────────────────────────────────
  {
    family: 'guards',
    name: 'scope "superadmin" is not "admin"',
    route: 'admin',
    token: (k) => k.sign({ claims: { scope: 'superadmin' } }),
    expect: f1(forbidden('insufficient_scope', 'admin')),
  },
  {
    family: 'guards',
    name: 'scope "admin" satisfies requireScopes(admin)',
    route: 'admin',
    token: (k) => k.sign({ claims: { scope: 'openid admin' } }),
    expect: f1(ok('admin')),
  },
  {
    family: 'guards',
    name: 'scope "read,write" is one scope, not two',
    route: 'read-write',
    token: (k) => k.sign({ claims: { scope: 'read,write' } }),
    expect: f1(forbidden('insufficient_scope', 'read write')),
  },
  {
    family: 'guards',
    name: 'scope "read write" grants both',
    route: 'read-write',
    token: (k) => k.sign({ claims: { scope: 'read write' } }),
    expect: f1(ok('read-write')),
  },
  {
    family: 'guards',
    name: 'scope "read<TAB>write" is one scope (SP is the only separator)',
    route: 'read-write',
    token: (k) => k.sign({ claims: { scope: 'read\twrite' } }),
    expect: f1(forbidden('insufficient_scope', 'read write')),
  },
  {
    family: 'guards',
    name: 'scope an array of numbers',
    route: 'scoped',
    token: (k) => k.sign({ claims: { scope: [1, 2] } }),
    expect: f1(forbidden('insufficient_scope', 'read:orders')),
  },
  {
    family: 'guards',
    name: 'scope an object',
    route: 'scoped',
    token: (k) => k.sign({ claims: { scope: { 'read:orders': true } } }),
    expect: f1(forbidden('insufficient_scope', 'read:orders')),
  },
  // Decided: an array of strings in `scope` counts like `scp` (what core's claimValues does for
  // every scope/role claim); the issuer signed it, and no type confusion widens it.
  {
    family: 'guards',
    name: 'scope as an array of strings counts like scp',
    route: 'scoped',
    token: (k) => k.sign({ claims: { scope: ['read:orders'] } }),
    expect: f1(ok('scoped')),
  },
  // A roles string is one role (only scope claims are space-delimited): "admin" grants admin.
  {
    family: 'guards',
    name: 'roles as the string "admin"',
    route: 'roles',
    token: (k) => k.sign({ claims: { roles: 'admin' } }),
    expect: f1(ok('roles')),
  },
  {
    family: 'guards',
    name: 'roles "superadmin" is not "admin"',
    route: 'roles',
    token: (k) => k.sign({ claims: { roles: 'superadmin' } }),
    expect: f1(forbidden('insufficient_role')),
  },
  {
    family: 'guards',
    name: 'roles "admin,support" is one role',
    route: 'roles',
    token: (k) => k.sign({ claims: { roles: 'admin,support' } }),
    expect: f1(forbidden('insufficient_role')),
  },
  {
    family: 'guards',
    name: 'roles ["admin support"]: array members are not split',
    route: 'roles',
    token: (k) => k.sign({ claims: { roles: ['admin support'] } }),
    expect: f1(forbidden('insufficient_role')),
  },
  {
    family: 'guards',
    name: 'roles as an object',
    route: 'roles',
    token: (k) => k.sign({ claims: { roles: { admin: true } } }),
    expect: f1(forbidden('insufficient_role')),
  },
  // Only scope claims are space-delimited (RFC 8693 §4.2): any other string claim is one value.
  {
    family: 'guards',
    name: 'roles "super admin" is one role, not "admin"',
    route: 'roles',
    token: (k) => k.sign({ claims: { roles: 'super admin' } }),
    expect: f1(forbidden('insufficient_role')),
  },
  {
    family: 'guards',
    name: 'groups "Domain billing" is one group, not "billing"',
    route: 'claim-includes',
    token: (k) => k.sign({ claims: { groups: 'Domain billing' } }),
    expect: f1(forbidden('claim_check_failed')),
  },
  {
    family: 'guards',
    name: 'groups "billing" (one string) includes billing',
    route: 'claim-includes',
    token: (k) => k.sign({ claims: { groups: 'billing' } }),
    expect: f1(ok('claim-includes')),
  },
  {
    family: 'guards',
    name: 'permissions "create:orders delete:orders" is one permission',
    route: 'permissions',
    token: (k) => k.sign({ claims: { permissions: 'create:orders delete:orders' } }),
    expect: f1(forbidden('insufficient_scope')),
  },
  {
    family: 'guards',
    name: 'claimEquals: ["acme"] is not "acme"',
    route: 'claim-equals',
    token: (k) => k.sign({ claims: { tenant: ['acme'] } }),
    expect: f1(forbidden('claim_check_failed')),
  },
  {
    family: 'guards',
    name: 'bad signature on a guarded route → 401, not 403',
    route: 'admin',
    token: (k) => k.sign({ key: k.issuer.impostor, claims: { scope: 'admin' } }),
    expect: f1(invalid('invalid_signature')),
  },
  {
    family: 'guards',
    name: 'alg none on a guarded route → 401',
    route: 'scoped',
    token: (k) => k.sign({ header: { alg: 'none' } }),
    expect: f0(invalid('algorithm_not_allowed')),
  },
  {
    family: 'guards',
    name: 'malformed header on a guarded route → 400',
    route: 'scoped',
    request: { headers: bearer('Bearer a b') },
    expect: f0(MALFORMED_HEADER),
  },
  {
    family: 'guards',
    name: 'a claimCheck predicate that throws → 403, never 500',
    route: 'throwing-check',
    token: {},
    expect: f1(forbidden('claim_check_failed')),
  },
  {
    family: 'guards',
    name: 'a claimCheck predicate that rejects → 403, never 500',
    route: 'rejecting-check',
    token: {},
    expect: f1(forbidden('claim_check_failed')),
  },

  // ── responses: nothing of the attacker's comes back (the runner checks every row for the
  // marker and the token; these rows plant the marker where an echo would be tempting) ─────
  {
    family: 'responses',
    name: 'marker in kid',
    token: (k) => k.sign({ header: { kid: LEAK_MARKER } }),
    expect: f1(invalid('no_matching_key')),
  },
  {
    family: 'responses',
    name: 'marker in iss',
    token: (k) => k.sign({ claims: { iss: `https://${LEAK_MARKER}.example/` } }),
    expect: f0(invalid('invalid_issuer')),
  },
  {
    family: 'responses',
    name: 'marker in aud',
    token: (k) => k.sign({ claims: { aud: LEAK_MARKER } }),
    expect: f0(invalid('invalid_audience')),
  },
  {
    family: 'responses',
    name: 'marker in typ where at+jwt is required',
    options: { tokenType: 'at+jwt' },
    token: (k) => k.sign({ header: { typ: LEAK_MARKER } }),
    expect: f0(invalid('invalid_token_type')),
  },
  {
    family: 'responses',
    name: 'marker as a critical header name',
    token: (k) => k.sign({ header: { crit: [LEAK_MARKER], [LEAK_MARKER]: 1 } }),
    expect: f0(invalid('unsupported_critical_header')),
  },
  {
    family: 'responses',
    name: 'marker as the alg',
    token: (k) => k.sign({ header: { alg: LEAK_MARKER } }),
    expect: f0(invalid('algorithm_not_allowed')),
  },
  {
    family: 'responses',
    name: 'kid with quotes, a backslash and CRLF: the challenge stays one valid line',
    token: (k) => k.sign({ header: { kid: `x", error="${LEAK_MARKER}\\\r\nSet-Cookie: ${LEAK_MARKER}=1` } }),
    expect: f1(invalid('no_matching_key')),
  },
  {
    family: 'responses',
    name: 'marker as the Authorization scheme',
    request: { headers: bearer(`${LEAK_MARKER} abc`) },
    expect: f0(NO_TOKEN),
  },
  {
    family: 'responses',
    name: 'marker in a malformed Bearer header',
    request: { headers: bearer(`Bearer ${LEAK_MARKER}"x"`) },
    expect: f0(MALFORMED_HEADER),
  },
  {
    family: 'responses',
    name: 'marker as the query access_token',
    options: QUERY,
    request: { query: `?access_token=${LEAK_MARKER}` },
    expect: f0(invalid('unsupported_token_format')),
  },
  // A store failure is a backend failure: 503 without a challenge, never a 500 and never a 401.
  {
    family: 'responses',
    name: 'revocation store whose isRevoked throws a TypeError → 503',
    options: { revocation: throwingStore },
    token: (k) => k.sign({ claims: { jti: 'jti-1' } }),
    expect: f1(REVOCATION_DOWN),
  },
  {
    family: 'responses',
    name: 'revocation store whose isRevoked rejects → 503',
    options: { revocation: rejectingStore },
    token: (k) => k.sign({ claims: { jti: 'jti-2' } }),
    expect: f1(REVOCATION_DOWN),
  },

  // ── wiring: what an attacker can do with how the parts are put together ────────────────
  // A route declared mandatory under an optional verifier: the route's `false` must reach core
  // (Fastify's config.auth: true / { optional: false }; requireAuth() everywhere).
  {
    family: 'wiring',
    name: 'optional verifier: requireAuth() route without a token → 401',
    options: OPTIONAL,
    route: 'require-auth',
    expect: f0(NO_TOKEN),
  },
  {
    family: 'wiring',
    name: 'optional verifier: route declared required, no token → 401',
    options: OPTIONAL,
    route: 'required',
    expect: f0(NO_TOKEN),
  },
  {
    family: 'wiring',
    name: 'optional verifier: route declared { optional: false }, no token → 401',
    options: OPTIONAL,
    route: 'required-config',
    expect: f0(NO_TOKEN),
  },
  {
    family: 'wiring',
    name: 'optional verifier: route declared required, valid token → 200',
    options: OPTIONAL,
    route: 'required',
    token: (k) => k.sign(),
    expect: f1(ok('required')),
  },
  {
    family: 'wiring',
    name: 'optional verifier: route declared required, bad token → 401',
    options: OPTIONAL,
    route: 'required-config',
    token: (k) => k.sign({ claims: { aud: 'billing' } }),
    expect: f0(invalid('invalid_audience')),
  },
  {
    family: 'wiring',
    name: 'optional verifier: an open route without a token → 200 unauthenticated',
    options: OPTIONAL,
    route: 'protected',
    expect: f0(ok('protected', null)),
  },
  // Decoded headers and payloads are shared between requests (header cache, token cache).
  {
    family: 'wiring',
    name: 'a request cannot write to the shared header, payload, result prototype, claim locations, verifier or binding',
    route: 'header-shape',
    token: (k) => k.sign({ header: { ext: { tenant: 'acme' } } }),
    expect: f1({
      ...ok('header-shape'),
      body: {
        route: 'header-shape',
        sub: 'user-1',
        authenticated: true,
        headerWritable: false,
        tenant: 'acme',
        payloadWritable: false,
        sharedPrototypeWritable: false,
        claimLocationsWritable: false,
        bindingWritable: false,
      },
    }),
  },
  // Revocation: an empty jti names nothing; one tenant cannot revoke another's token.
  {
    family: 'wiring',
    name: 'jti "" with a revocation store → 401 missing_jti',
    options: { revocation: memoryRevocationStore() },
    token: (k) => k.sign({ claims: { jti: '' } }),
    expect: f1(invalid('missing_jti')),
  },
  {
    family: 'wiring',
    name: "two issuers: a jti revoked for the other tenant does not refuse this tenant's token",
    options: { issuer: [ISSUER, OTHER_ISSUER], revocation: scopedStore },
    token: (k) => k.sign({ claims: { jti: 'shared-jti' } }),
    expect: f1(ok()),
  },
  {
    family: 'wiring',
    name: "two issuers: the other tenant's token with that jti is refused",
    options: { issuer: [ISSUER, OTHER_ISSUER], revocation: scopedStore },
    token: (k) => k.sign({ claims: { iss: OTHER_ISSUER, jti: 'shared-jti' } }),
    expect: f1(invalid('token_revoked')),
  },
];
