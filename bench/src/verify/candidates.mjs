/**
 * The verification candidates, side by side. Each one is configured as its documentation
 * recommends for a service that knows its issuer, audience and key, and checks the same things
 * (signature, `alg` allow-list, `iss`, `aud`, `exp`) — except the raw floor, which checks only
 * the signature.
 *
 * `create(ctx)` returns `{ op(i), verifyOnce(token) }`: `op(i)` is the measured operation on the
 * i-th token of the candidate's token stream (sync or async, see `async`); `verifyOnce` is used
 * once before measuring to prove the candidate accepts a good token and rejects a tampered one.
 */
import * as crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { createVerifier as createBearerGuardVerifier, memoryReplayStore } from '@bearer-guard/core';
import * as jose from 'jose';
import { createVerifier as createFastJwtVerifier } from 'fast-jwt';
import { JwtVerifier } from 'aws-jwt-verify';
import { AUDIENCE, ISSUER } from '../config.mjs';

const require = createRequire(import.meta.url);
const jsonwebtoken = require('jsonwebtoken');

/** crypto.verify parameters per JWS algorithm (RFC 7518 §3). */
function rawParams(alg, keyObject) {
  switch (alg) {
    case 'RS256':
      return { digest: 'sha256', key: keyObject };
    case 'PS256':
      return {
        digest: 'sha256',
        key: { key: keyObject, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
      };
    case 'ES256':
      return { digest: 'sha256', key: { key: keyObject, dsaEncoding: 'ieee-p1363' } };
    case 'EdDSA':
      return { digest: null, key: keyObject };
    default:
      throw new Error(`no raw parameters for ${alg}`);
  }
}

function splitToken(token) {
  const dot = token.lastIndexOf('.');
  return { input: Buffer.from(token.slice(0, dot)), signature: Buffer.from(token.slice(dot + 1), 'base64url') };
}

/** i-th token of a stream: round-robin over the unique set, or always the repeated one. */
function picker(ctx, stream) {
  if (stream === 'repeated') return () => ctx.repeated;
  const { tokens } = ctx;
  const n = tokens.length;
  return (i) => tokens[i % n];
}

/**
 * A fresh bearer-guard verifier for each pass over a stream of `n` requests, so that in a
 * "unique" row every token is one the verifier has never seen: the cache admits a token on its
 * second sight, and a verifier that saw the stream before could start hitting. Making one costs
 * a key import, once per pass (≥ 2000 operations). `probe()` is one more, made once, for the
 * checks before measuring (so that they leave nothing in a measured verifier); `close()` closes
 * the current one and the probe.
 */
function perPass(n, make) {
  let pass = -1;
  let verifier;
  let probe;
  const at = (i) => {
    const p = Math.floor(i / n);
    if (p !== pass) {
      verifier?.close();
      verifier = make();
      pass = p;
    }
    return verifier;
  };
  return {
    at,
    probe: () => {
      probe ??= make();
      return probe;
    },
    close: () => {
      verifier?.close();
      probe?.close();
    },
  };
}

const bearerGuardOptions = (ctx, extra = {}) => ({
  publicKey: ctx.key.spki,
  issuer: ISSUER,
  audience: AUDIENCE,
  ...extra,
});

const ORIGIN = 'https://api.bench.test';
const HREF = `${ORIGIN}/orders`;

/**
 * DPoP material for `count` requests: a client key of the row's algorithm, tokens bound to it
 * (`cnf.jkt`), and one fresh proof per request (new `jti`, `ath` of its token).
 */
async function dpopMaterial(ctx, count, repeated) {
  const client = await jose.generateKeyPair(ctx.alg, { extractable: true });
  const jwk = await jose.exportJWK(client.publicKey);
  const jkt = await jose.calculateJwkThumbprint(jwk, 'sha256');
  const bound = (i) =>
    new jose.SignJWT({ sub: `user-${i}`, scope: 'read:orders write:orders', cnf: { jkt } })
      .setProtectedHeader({ alg: ctx.alg, kid: ctx.key.kid, typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('3h')
      .setJti(`dpop-${i}`)
      .sign(ctx.key.privateKey);
  const one = repeated ? await bound(-1) : undefined;
  const requests = [];
  for (let i = 0; i < count; i++) {
    const token = one ?? (await bound(i));
    const proof = await new jose.SignJWT({
      htm: 'GET',
      htu: HREF,
      ath: crypto.createHash('sha256').update(token).digest('base64url'),
    })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: ctx.alg, jwk })
      .setJti(`p-${i}`)
      .setIssuedAt()
      .sign(client.privateKey);
    requests.push({
      headers: { authorization: `DPoP ${token}`, dpop: proof },
      method: 'GET',
      origin: ORIGIN,
      url: '/orders',
    });
  }
  return requests;
}

/** A DPoP candidate: `authenticate()` with a proof per request (see the replay note inside). */
function dpopCandidate(id, label, repeated) {
  return {
    id,
    label,
    async: true,
    stream: repeated ? 'repeated' : 'unique',
    async create(ctx) {
      const requests = await dpopMaterial(ctx, repeated ? 2000 : ctx.tokens.length, repeated);
      const n = requests.length;
      // The proofs are replayed once the stream wraps around, so each pass over them gets a
      // replay store of its own: every request still pays one replay-store write, and none is
      // refused as a replay. Unique tokens also get a verifier per pass; the repeated token
      // stays in one verifier's cache.
      let replay;
      let pass = -1;
      const remember = (key, expiresAt) => replay.remember(key, expiresAt);
      const make = () =>
        createBearerGuardVerifier(bearerGuardOptions(ctx, { dpop: { maxAge: '3h', replay: { remember } } }));
      const verifiers = perPass(repeated ? Number.POSITIVE_INFINITY : n, make);
      return {
        op: (i) => {
          const p = Math.floor(i / n);
          if (p !== pass) {
            replay = memoryReplayStore({ max: 1_000_000 });
            pass = p;
          }
          return verifiers.at(i).authenticate(requests[i % n]);
        },
        verifyOnce: async (t) => {
          // Checked on a verifier and a store of their own: the measured ones start empty.
          const probe = createBearerGuardVerifier(
            bearerGuardOptions(ctx, { dpop: { maxAge: '3h', replay: memoryReplayStore() } }),
          );
          try {
            if (t !== ctx.tokens[0] && t !== ctx.repeated) return await probe.verify(t);
            const auth = await probe.authenticate(requests[0]);
            if (!auth?.confirmation?.jkt) throw new Error('DPoP request not bound');
            return true;
          } finally {
            probe.close();
          }
        },
        close: () => verifiers.close(),
      };
    },
  };
}

/**
 * An introspection endpoint on 127.0.0.1 that answers one opaque token as active with the bench
 * claims (and anything else as inactive), and counts its calls.
 */
async function introspectionEndpoint() {
  const { createServer } = await import('node:http');
  const opaque = crypto.randomBytes(32).toString('base64url');
  const answer = JSON.stringify({
    active: true,
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'user-1',
    scope: 'read:orders',
    exp: Math.floor(Date.now() / 1000) + 3 * 3600,
  });
  const endpoint = { opaque, calls: 0 };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      endpoint.calls++;
      const token = new URLSearchParams(Buffer.concat(chunks).toString()).get('token');
      res.setHeader('content-type', 'application/json');
      res.end(token === opaque ? answer : '{"active":false}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint.url = `http://127.0.0.1:${server.address().port}/introspect`;
  endpoint.close = () => server.close();
  return endpoint;
}

/** A compact JWE of `token` to `publicKey` (RSA-OAEP-256, A256GCM), made with jose. */
function encrypt(token, publicKey) {
  return new jose.CompactEncrypt(new TextEncoder().encode(token))
    .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'JWT' })
    .encrypt(publicKey);
}

/** JWE candidates: the row's tokens encrypted to an RSA key of the API, decrypted then verified. */
function jweCandidate(id, label, repeated) {
  return {
    id,
    label,
    async: true,
    stream: repeated ? 'repeated' : 'unique',
    async create(ctx) {
      const { publicKey, privateKey } = await jose.generateKeyPair('RSA-OAEP-256', { extractable: true });
      const pem = await jose.exportPKCS8(privateKey);
      // The unique row's JWEs, each of which its per-pass verifier sees once; or the repeated one.
      const source = repeated ? [ctx.repeated] : ctx.tokens;
      const tokens = await Promise.all(source.map((t) => encrypt(t, publicKey)));
      const n = tokens.length;
      const options = bearerGuardOptions(ctx, { decryption: { keys: [pem] } });
      const verifiers = perPass(repeated ? Number.POSITIVE_INFINITY : n, () => createBearerGuardVerifier(options));
      return {
        op: (i) => verifiers.at(i).verify(tokens[i % n]),
        verifyOnce: async (t) => verifiers.probe().verify(await encrypt(t, publicKey)),
        close: verifiers.close,
      };
    },
  };
}

export const candidates = [
  {
    id: 'raw',
    label: 'node:crypto `crypto.verify` (signature only — the floor)',
    async: false,
    stream: 'unique',
    create(ctx) {
      const keyObject = crypto.createPublicKey(ctx.key.spki);
      const { digest, key } = rawParams(ctx.alg, keyObject);
      const parts = ctx.tokens.map(splitToken);
      const n = parts.length;
      const check = (p) => crypto.verify(digest, p.input, key, p.signature);
      return {
        op: (i) => check(parts[i % n]),
        verifyOnce: async (token) => {
          if (!check(splitToken(token))) throw new Error('signature rejected');
          return true;
        },
      };
    },
  },
  {
    id: 'floor-jwt',
    label:
      'reference: the least a verifier that reads claims does — split, base64url, `JSON.parse` the claims, `iss`/`aud`/`exp`, `crypto.verify` (hand-written, no other check)',
    async: false,
    stream: 'unique',
    create(ctx) {
      const keyObject = crypto.createPublicKey(ctx.key.spki);
      const { digest, key } = rawParams(ctx.alg, keyObject);
      const pick = picker(ctx, 'unique');
      const check = (token) => {
        const first = token.indexOf('.');
        const second = token.indexOf('.', first + 1);
        const claims = JSON.parse(Buffer.from(token.slice(first + 1, second), 'base64url').toString('utf8'));
        if (claims.iss !== ISSUER || claims.aud !== AUDIENCE || !(claims.exp > Date.now() / 1000)) return false;
        const signature = Buffer.from(token.slice(second + 1), 'base64url');
        return crypto.verify(digest, Buffer.from(token.slice(0, second), 'latin1'), key, signature);
      };
      return {
        op: (i) => check(pick(i)),
        verifyOnce: async (token) => {
          if (!check(token)) throw new Error('rejected');
          return true;
        },
      };
    },
  },
  {
    id: 'bg-miss',
    label: 'bearer-guard core `verify()`, unique tokens (cache on, misses)',
    async: true,
    stream: 'unique',
    create(ctx) {
      const verifiers = perPass(ctx.tokens.length, () => createBearerGuardVerifier(bearerGuardOptions(ctx)));
      const pick = picker(ctx, 'unique');
      return {
        op: (i) => verifiers.at(i).verify(pick(i)),
        verifyOnce: (t) => verifiers.probe().verify(t),
        close: verifiers.close,
      };
    },
  },
  {
    id: 'bg-hit',
    label: 'bearer-guard core `verify()`, repeated token (cache hit)',
    async: true,
    stream: 'repeated',
    create(ctx) {
      const verifier = createBearerGuardVerifier(bearerGuardOptions(ctx));
      return {
        op: () => verifier.verify(ctx.repeated),
        verifyOnce: (t) => verifier.verify(t),
        close: () => verifier.close(),
      };
    },
  },
  {
    id: 'bg-bearer',
    label: "bearer-guard core `authenticate()`, `Authorization: Bearer`, unique tokens (the DPoP rows' baseline)",
    async: true,
    stream: 'unique',
    create(ctx) {
      const options = bearerGuardOptions(ctx, { dpop: true });
      const requests = ctx.tokens.map((t) => ({ headers: { authorization: `Bearer ${t}` }, method: 'GET' }));
      const n = requests.length;
      const verifiers = perPass(n, () => createBearerGuardVerifier(options));
      return {
        op: (i) => verifiers.at(i).authenticate(requests[i % n]),
        verifyOnce: (t) => verifiers.probe().verify(t),
        close: verifiers.close,
      };
    },
  },
  dpopCandidate(
    'bg-dpop',
    'bearer-guard core `authenticate()`, DPoP: unique bound tokens, a fresh proof per request (proof key of the same algorithm)',
    false,
  ),
  dpopCandidate(
    'bg-dpop-hit',
    'bearer-guard core `authenticate()`, DPoP: one bound token (cache hit), a fresh proof per request',
    true,
  ),
  {
    id: 'bg-introspect-hit',
    label: 'bearer-guard core `verify()`, opaque token through introspection (answer cache hit)',
    async: true,
    stream: 'repeated',
    async create(ctx) {
      const endpoint = await introspectionEndpoint();
      const verifier = createBearerGuardVerifier(
        bearerGuardOptions(ctx, {
          introspection: {
            endpoint: endpoint.url,
            clientId: 'bench',
            clientSecret: 'bench-secret',
            cache: { maxAge: '3h' },
          },
        }),
      );
      await verifier.verify(endpoint.opaque);
      return {
        op: () => verifier.verify(endpoint.opaque),
        verifyOnce: async (t) => {
          const auth = await verifier.verify(t === ctx.repeated ? endpoint.opaque : t);
          if (t === ctx.repeated && auth.source !== 'introspection') throw new Error('not introspected');
          return true;
        },
        close: () => {
          verifier.close();
          endpoint.close();
        },
      };
    },
  },
  jweCandidate(
    'bg-jwe',
    'bearer-guard core `verify()`, JWE (RSA-OAEP-256 + A256GCM) of unique tokens: decrypt, then verify',
    false,
  ),
  jweCandidate('bg-jwe-hit', 'bearer-guard core `verify()`, repeated JWE (cache hit)', true),
  {
    id: 'bg-nocache',
    label: 'bearer-guard core `verify()`, `cache: false`, unique tokens',
    async: true,
    stream: 'unique',
    create(ctx) {
      const verifier = createBearerGuardVerifier(bearerGuardOptions(ctx, { cache: false }));
      const pick = picker(ctx, 'unique');
      return {
        op: (i) => verifier.verify(pick(i)),
        verifyOnce: (t) => verifier.verify(t),
        close: () => verifier.close(),
      };
    },
  },
  {
    id: 'jose',
    label: 'jose `jwtVerify` (imported CryptoKey), unique tokens',
    async: true,
    stream: 'unique',
    async create(ctx) {
      const key = await jose.importSPKI(ctx.key.spki, ctx.alg);
      const options = { issuer: ISSUER, audience: AUDIENCE, algorithms: [ctx.alg] };
      const pick = picker(ctx, 'unique');
      return { op: (i) => jose.jwtVerify(pick(i), key, options), verifyOnce: (t) => jose.jwtVerify(t, key, options) };
    },
  },
  {
    id: 'fast-jwt',
    label: 'fast-jwt `createVerifier`, `cache: false`, unique tokens',
    async: false,
    stream: 'unique',
    create(ctx) {
      const verify = createFastJwtVerifier({
        key: ctx.key.spki,
        algorithms: [ctx.alg],
        allowedIss: ISSUER,
        allowedAud: AUDIENCE,
        cache: false,
      });
      const pick = picker(ctx, 'unique');
      return { op: (i) => verify(pick(i)), verifyOnce: async (t) => verify(t) };
    },
  },
  {
    id: 'fast-jwt-hit',
    label: 'fast-jwt `createVerifier`, `cache: true`, repeated token (cache hit)',
    async: false,
    stream: 'repeated',
    create(ctx) {
      const options = {
        key: ctx.key.spki,
        algorithms: [ctx.alg],
        allowedIss: ISSUER,
        allowedAud: AUDIENCE,
        cache: true,
      };
      const verify = createFastJwtVerifier(options);
      // A separate verifier for the check, so the tampered token never sits in the measured cache.
      const probe = createFastJwtVerifier(options);
      return { op: () => verify(ctx.repeated), verifyOnce: async (t) => probe(t) };
    },
  },
  {
    id: 'jsonwebtoken-keyobject',
    label: 'jsonwebtoken `verify` with a KeyObject, unique tokens',
    async: false,
    stream: 'unique',
    unsupported: { EdDSA: 'jsonwebtoken 9 does not implement EdDSA' },
    create(ctx) {
      const key = crypto.createPublicKey(ctx.key.spki);
      const options = { algorithms: [ctx.alg], issuer: ISSUER, audience: AUDIENCE };
      const pick = picker(ctx, 'unique');
      return {
        op: (i) => jsonwebtoken.verify(pick(i), key, options),
        verifyOnce: async (t) => jsonwebtoken.verify(t, key, options),
      };
    },
  },
  {
    id: 'jsonwebtoken-pem',
    label: 'jsonwebtoken `verify` with a PEM string, unique tokens',
    async: false,
    stream: 'unique',
    unsupported: { EdDSA: 'jsonwebtoken 9 does not implement EdDSA' },
    create(ctx) {
      const options = { algorithms: [ctx.alg], issuer: ISSUER, audience: AUDIENCE };
      const pick = picker(ctx, 'unique');
      return {
        op: (i) => jsonwebtoken.verify(pick(i), ctx.key.spki, options),
        verifyOnce: async (t) => jsonwebtoken.verify(t, ctx.key.spki, options),
      };
    },
  },
  {
    id: 'aws-jwt-verify',
    label: 'aws-jwt-verify `JwtVerifier.verifySync`, local JWKS via `cacheJwks`, unique tokens',
    async: false,
    stream: 'unique',
    unsupported: { PS256: 'aws-jwt-verify 5 supports RS*, ES* and EdDSA only (no PS*)' },
    create(ctx) {
      // The jwksUri is never fetched: cacheJwks() loads the keys up front.
      const verifier = JwtVerifier.create({
        issuer: ISSUER,
        audience: AUDIENCE,
        jwksUri: 'http://127.0.0.1:9/.well-known/jwks.json',
      });
      verifier.cacheJwks({ keys: [ctx.key.jwk] });
      const pick = picker(ctx, 'unique');
      return { op: (i) => verifier.verifySync(pick(i)), verifyOnce: async (t) => verifier.verifySync(t) };
    },
  },
  {
    id: 'jose-inflight',
    label: 'jose `jwtVerify`, {inFlight} in flight (note)',
    async: true,
    stream: 'unique',
    inFlight: true,
    note: true,
    async create(ctx) {
      const key = await jose.importSPKI(ctx.key.spki, ctx.alg);
      const options = { issuer: ISSUER, audience: AUDIENCE, algorithms: [ctx.alg] };
      const pick = picker(ctx, 'unique');
      return { op: (i) => jose.jwtVerify(pick(i), key, options), verifyOnce: (t) => jose.jwtVerify(t, key, options) };
    },
  },
  {
    id: 'bg-miss-inflight',
    label: 'bearer-guard core `verify()`, unique tokens, {inFlight} in flight (note)',
    async: true,
    stream: 'unique',
    inFlight: true,
    note: true,
    create(ctx) {
      const verifiers = perPass(ctx.tokens.length, () => createBearerGuardVerifier(bearerGuardOptions(ctx)));
      const pick = picker(ctx, 'unique');
      return {
        op: (i) => verifiers.at(i).verify(pick(i)),
        verifyOnce: (t) => verifiers.probe().verify(t),
        close: verifiers.close,
      };
    },
  },
];
