/**
 * Certificate-bound access tokens (RFC 8705) on every target, over real TLS on 127.0.0.1: each
 * target's app is served by `https.createServer({ requestCert: true, rejectUnauthorized: false })`
 * (Fastify: its `https` option) with a CA, server and client certificates made by the `openssl`
 * CLI, and requests present client certificates with node:https. The proxy-header mounts
 * (`mtls.certificate`, reading a URL-encoded PEM from `X-Client-Cert`) are also served over plain
 * HTTP, as behind a proxy that ends TLS.
 *
 * A token bound to a certificate (`cnf["x5t#S256"]`, RFC 8705 §3.1) passes only with that
 * certificate; the handler then sees `auth.confirmation`. Every refusal is the same 401
 * `invalid_token` (RFC 8705 §3: "the resource server MUST … reject the request"), told apart only
 * by the `reason` the `onRejected` hook gets. Expected values are literals or openssl's own
 * fingerprints, never computed by calling core.
 *
 * Rows whose expectation was a decision, not a reading of the RFC, say so in a comment starting
 * with "Decided:".
 */
import { Agent } from 'node:https';
import express4 from 'express4';
import express5 from 'express5';
import fastify4 from 'fastify4';
import fastify5 from 'fastify5';
import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import koa2 from 'koa2';
import koa3 from 'koa3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthOptions } from '@bearer-guard/core';
import type { ExpressModule } from './apps/express.js';
import {
  expressTarget,
  fastifyTarget,
  get,
  koaTarget,
  makeCertificates,
  type Answer,
  type Certificates,
  type FastifyFactory,
  type MTLSMount,
  type MTLSTarget,
  type Served,
} from './helpers/mtls-kit.js';
import { checkHygiene } from './helpers/run-table.js';

const ISSUER = 'https://issuer.conformance.test/';
const AUDIENCE = 'orders';

/** The one answer to every refused token: RFC 6750 §3.1 `invalid_token`, public text only. */
const INVALID_TOKEN = {
  status: 401,
  wwwAuthenticate: 'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"',
  cacheControl: 'no-store',
  body: { error: 'invalid_token', error_description: 'The access token is invalid' },
};

/** The six targets, imported under their aliases as `targets.ts` does. */
const TARGETS: [name: string, target: MTLSTarget][] = [
  ['express4', expressTarget(express4 as unknown as ExpressModule)],
  ['express5', expressTarget(express5 as unknown as ExpressModule)],
  ['koa2', koaTarget(koa2 as unknown as Parameters<typeof koaTarget>[0])],
  ['koa3', koaTarget(koa3 as unknown as Parameters<typeof koaTarget>[0])],
  ['fastify4', fastifyTarget(fastify4 as unknown as FastifyFactory)],
  ['fastify5', fastifyTarget(fastify5 as unknown as FastifyFactory)],
];

/**
 * The verifier configurations every target serves, each at `/<mount>/protected`, over TLS and
 * over plain HTTP alike: `bound` (`mtls: true`), `required` (`mtls: { required: true }`), `off`
 * (no `mtls`), `proxy` (`mtls: { certificate }` reading `X-Client-Cert`).
 */
type MountName = 'bound' | 'required' | 'off' | 'proxy';

/** The tokens of the suite, minted once: the same token is sent with every certificate. */
interface Tokens {
  /** `cnf["x5t#S256"]` = thumbprint of client certificate A. */
  boundA: string;
  /** Bound to the self-signed client certificate C. */
  boundC: string;
  /** `cnf["x5t#S256"]` = A's SHA-256 in hex, not base64url. */
  hexA: string;
  /** `cnf["x5t#S256"]` = 42. */
  numeric: string;
  /** No `cnf`. */
  plain: string;
}

interface Kit {
  certs: Certificates;
  tokens: Tokens;
}

type Reason = 'certificate_required' | 'certificate_mismatch' | 'mtls_required' | 'invalid_claim';

interface MTLSRow {
  name: string;
  mount: MountName;
  /** `tls`: https to the TLS server; `http`: the plain HTTP server. */
  over: 'tls' | 'http';
  /** The client certificate presented in the TLS handshake (none when absent). */
  client?: 'a' | 'b' | 'c';
  token: keyof Tokens;
  /** The value of `X-Client-Cert` (absent when undefined). */
  header?: (certs: Certificates) => string;
  /** 200 with this certificate's thumbprint as `auth.confirmation` (`null`: none), or 401 with this reason. */
  expect: { confirmed: 'a' | 'c' | null } | { refused: Reason };
}

/** What an nginx `$ssl_client_escaped_cert` or an AWS ALB `X-Amzn-Mtls-Clientcert` looks like: URL-encoded PEM. */
const escaped = (pem: string) => encodeURIComponent(pem);

const ROWS: MTLSRow[] = [
  // mtls: true, the TLS socket's peer certificate
  {
    name: 'bound to A, client cert A',
    mount: 'bound',
    over: 'tls',
    client: 'a',
    token: 'boundA',
    expect: { confirmed: 'a' },
  },
  {
    name: 'bound to A, client cert B',
    mount: 'bound',
    over: 'tls',
    client: 'b',
    token: 'boundA',
    expect: { refused: 'certificate_mismatch' },
  },
  {
    name: 'bound to A, no client cert',
    mount: 'bound',
    over: 'tls',
    token: 'boundA',
    expect: { refused: 'certificate_required' },
  },
  {
    name: 'bound to A, client cert A again (the verified-token cache does not skip the binding)',
    mount: 'bound',
    over: 'tls',
    client: 'a',
    token: 'boundA',
    expect: { confirmed: 'a' },
  },
  {
    name: 'cnf["x5t#S256"] is the hex SHA-256 of A, not base64url, client cert A',
    mount: 'bound',
    over: 'tls',
    client: 'a',
    token: 'hexA',
    expect: { refused: 'certificate_mismatch' },
  },
  {
    name: 'cnf["x5t#S256"] is a number, client cert A',
    mount: 'bound',
    over: 'tls',
    client: 'a',
    token: 'numeric',
    expect: { refused: 'invalid_claim' },
  },
  // RFC 8705 §2.2 and §3: the resource server checks the thumbprint, not the certificate's chain.
  {
    name: 'bound to the self-signed C, client cert C',
    mount: 'bound',
    over: 'tls',
    client: 'c',
    token: 'boundC',
    expect: { confirmed: 'c' },
  },
  {
    name: 'bound to C, client cert A (CA-signed)',
    mount: 'bound',
    over: 'tls',
    client: 'a',
    token: 'boundC',
    expect: { refused: 'certificate_mismatch' },
  },
  {
    name: 'unbound token, client cert A',
    mount: 'bound',
    over: 'tls',
    client: 'a',
    token: 'plain',
    expect: { confirmed: null },
  },
  { name: 'unbound token, no client cert', mount: 'bound', over: 'tls', token: 'plain', expect: { confirmed: null } },
  {
    name: 'bound to A, over plain HTTP (no TLS socket)',
    mount: 'bound',
    over: 'http',
    token: 'boundA',
    expect: { refused: 'certificate_required' },
  },
  // Decided: with the socket as the source, a proxy's header counts for nothing.
  {
    name: 'bound to A, over plain HTTP with an X-Client-Cert of A (no certificate function)',
    mount: 'bound',
    over: 'http',
    token: 'boundA',
    header: (c) => escaped(c.a.cert),
    expect: { refused: 'certificate_required' },
  },

  // mtls: { required: true }
  {
    name: 'required: unbound token, client cert A',
    mount: 'required',
    over: 'tls',
    client: 'a',
    token: 'plain',
    expect: { refused: 'mtls_required' },
  },
  {
    name: 'required: unbound token, no client cert',
    mount: 'required',
    over: 'tls',
    token: 'plain',
    expect: { refused: 'mtls_required' },
  },
  {
    name: 'required: bound to A, client cert A',
    mount: 'required',
    over: 'tls',
    client: 'a',
    token: 'boundA',
    expect: { confirmed: 'a' },
  },
  {
    name: 'required: bound to A, client cert B',
    mount: 'required',
    over: 'tls',
    client: 'b',
    token: 'boundA',
    expect: { refused: 'certificate_mismatch' },
  },
  {
    name: 'required: bound to A, no client cert',
    mount: 'required',
    over: 'tls',
    token: 'boundA',
    expect: { refused: 'certificate_required' },
  },

  // no mtls option: a constraint the verifier cannot check refuses the token
  {
    name: 'mtls off: bound to A, client cert A',
    mount: 'off',
    over: 'tls',
    client: 'a',
    token: 'boundA',
    expect: { refused: 'certificate_required' },
  },
  {
    name: 'mtls off: unbound token, client cert A',
    mount: 'off',
    over: 'tls',
    client: 'a',
    token: 'plain',
    expect: { confirmed: null },
  },

  // mtls: { certificate: (request) => X-Client-Cert }, behind a proxy that ends TLS
  {
    name: 'proxy: bound to A, X-Client-Cert A',
    mount: 'proxy',
    over: 'http',
    token: 'boundA',
    header: (c) => escaped(c.a.cert),
    expect: { confirmed: 'a' },
  },
  {
    name: 'proxy: bound to A, X-Client-Cert B',
    mount: 'proxy',
    over: 'http',
    token: 'boundA',
    header: (c) => escaped(c.b.cert),
    expect: { refused: 'certificate_mismatch' },
  },
  {
    name: 'proxy: bound to A, no X-Client-Cert',
    mount: 'proxy',
    over: 'http',
    token: 'boundA',
    expect: { refused: 'certificate_required' },
  },
  {
    name: 'proxy: bound to A, empty X-Client-Cert',
    mount: 'proxy',
    over: 'http',
    token: 'boundA',
    header: () => '',
    expect: { refused: 'certificate_required' },
  },
  {
    name: 'proxy: unbound token, X-Client-Cert A',
    mount: 'proxy',
    over: 'http',
    token: 'plain',
    header: (c) => escaped(c.a.cert),
    expect: { confirmed: null },
  },
  {
    name: 'proxy: malformed percent-encoding (%E0%A4%A)',
    mount: 'proxy',
    over: 'http',
    token: 'boundA',
    header: () => '%E0%A4%A',
    expect: { refused: 'certificate_required' },
  },
  {
    name: 'proxy: a lone "%"',
    mount: 'proxy',
    over: 'http',
    token: 'boundA',
    header: () => '%',
    expect: { refused: 'certificate_required' },
  },
  {
    name: 'proxy: text that is no certificate',
    mount: 'proxy',
    over: 'http',
    token: 'boundA',
    header: () => 'not-a-certificate',
    expect: { refused: 'certificate_required' },
  },
  {
    name: 'proxy: PEM armour around half of A',
    mount: 'proxy',
    over: 'http',
    token: 'boundA',
    header: (c) => escaped(halve(c.a.cert)),
    expect: { refused: 'certificate_required' },
  },
  {
    name: "proxy: A's base64 DER without PEM armour (as Traefik forwards it)",
    mount: 'proxy',
    over: 'http',
    token: 'boundA',
    header: (c) => derBase64(c.a.cert),
    expect: { confirmed: 'a' },
  },
  {
    name: 'proxy: A with its newlines turned into spaces (as Apache forwards it)',
    mount: 'proxy',
    over: 'http',
    token: 'boundA',
    header: (c) => c.a.cert.trim().replace(/\n/g, ' '),
    expect: { confirmed: 'a' },
  },
  {
    name: 'proxy: A then B in one header (a proxy that appends instead of replacing) → no certificate',
    mount: 'proxy',
    over: 'http',
    token: 'boundA',
    header: (c) => escaped(c.a.cert + c.b.cert),
    expect: { refused: 'certificate_required' },
  },
  {
    name: 'proxy: A then the CA in one header → no certificate',
    mount: 'proxy',
    over: 'http',
    token: 'boundA',
    header: (c) => escaped(c.a.cert + c.ca),
    expect: { refused: 'certificate_required' },
  },
  {
    name: 'proxy: text before A → no certificate',
    mount: 'proxy',
    over: 'http',
    token: 'boundA',
    header: (c) => escaped(`hello world\n${c.a.cert}`),
    expect: { refused: 'certificate_required' },
  },
  {
    name: "proxy: A's DER with trailing bytes → no certificate",
    mount: 'proxy',
    over: 'http',
    token: 'boundA',
    header: (c) =>
      Buffer.concat([Buffer.from(derBase64(c.a.cert), 'base64'), Buffer.from([0, 0, 0])]).toString('base64'),
    expect: { refused: 'certificate_required' },
  },
  {
    name: 'proxy: URL-encoded PEM of a private key',
    mount: 'proxy',
    over: 'http',
    token: 'boundA',
    header: (c) => escaped(c.a.key),
    expect: { refused: 'certificate_required' },
  },
  // Decided (API.md: the function replaces the socket as the source): over TLS, the header decides.
  {
    name: 'proxy over TLS: bound to A, client cert A, no X-Client-Cert',
    mount: 'proxy',
    over: 'tls',
    client: 'a',
    token: 'boundA',
    expect: { refused: 'certificate_required' },
  },
  {
    name: 'proxy over TLS: bound to A, client cert B, X-Client-Cert A',
    mount: 'proxy',
    over: 'tls',
    client: 'b',
    token: 'boundA',
    header: (c) => escaped(c.a.cert),
    expect: { confirmed: 'a' },
  },
];

/** The PEM armour around the first half of the certificate's base64. */
function halve(pem: string): string {
  const body = derBase64(pem);
  return `-----BEGIN CERTIFICATE-----\n${body.slice(0, Math.floor(body.length / 2))}\n-----END CERTIFICATE-----\n`;
}

function derBase64(pem: string): string {
  return pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
}

let kit: Kit;
let signing: { privateKey: CryptoKey; spki: string };
let certificates: Certificates | undefined;

beforeAll(async () => {
  const certs = makeCertificates();
  certificates = certs;
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  signing = { privateKey, spki: await exportSPKI(publicKey) };
  const token = (cnf?: Record<string, unknown>) =>
    new SignJWT({ sub: 'user-1', ...(cnf === undefined ? {} : { cnf }) })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey);
  kit = {
    certs,
    tokens: {
      boundA: await token({ 'x5t#S256': certs.a.thumbprint }),
      boundC: await token({ 'x5t#S256': certs.c.thumbprint }),
      hexA: await token({ 'x5t#S256': certs.a.hex }),
      numeric: await token({ 'x5t#S256': 42 }),
      plain: await token(),
    },
  };
});

afterAll(() => {
  certificates?.remove();
});

it('openssl made what the rows assume: three distinct client certificates, thumbprints in base64url', () => {
  const { a, b, c } = kit.certs;
  for (const credential of [a, b, c]) expect(credential.thumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(new Set([a.thumbprint, b.thumbprint, c.thumbprint]).size).toBe(3);
  expect(Buffer.from(a.thumbprint, 'base64url').toString('hex')).toBe(a.hex);
});

describe.each(TARGETS)('%s', (target, build: MTLSTarget) => {
  const servers: Partial<Record<'tls' | 'http', Served>> = {};
  const seen = new Map<string, unknown>();
  const reasons = new Map<string, string[]>();

  function mounts(): MTLSMount[] {
    const base: AuthOptions = {
      publicKey: signing.spki,
      issuer: ISSUER,
      audience: AUDIENCE,
      onRejected: (error, context) => {
        const id = String((context.request as { headers?: Record<string, unknown> })?.headers?.['x-row-id'] ?? '');
        reasons.set(id, [...(reasons.get(id) ?? []), error.reason]);
      },
    };
    return [
      { prefix: 'bound', options: { ...base, mtls: true } },
      { prefix: 'required', options: { ...base, mtls: { required: true } } },
      { prefix: 'off', options: base },
      { prefix: 'proxy', options: { ...base, mtls: { certificate: build.proxyCertificate } } },
    ];
  }

  beforeAll(async () => {
    const { certs } = kit;
    const hit = (id: string, auth: { confirmation?: unknown } | null | undefined) =>
      seen.set(id, auth?.confirmation ?? null);
    servers.tls = await build.serve(mounts(), hit, {
      key: certs.server.key,
      cert: certs.server.cert,
      ca: certs.ca,
      requestCert: true,
      rejectUnauthorized: false,
    });
    servers.http = await build.serve(mounts(), hit);
  });

  afterAll(async () => {
    await Promise.all([servers.tls?.close(), servers.http?.close()]);
  });

  it.each(ROWS.map((row, index) => ({ ...row, index })))('$name', async (row) => {
    const { certs, tokens } = kit;
    const id = `${target}:${row.index}`;
    const token = tokens[row.token];
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'x-row-id': id };
    if (row.header) headers['x-client-cert'] = row.header(certs);
    const server = servers[row.over];
    if (!server) throw new Error(`no ${row.over} server for ${target}`);
    const client = row.client === undefined ? undefined : certs[row.client];
    const res = await get(`${server.base}/${row.mount}/protected`, headers, { ca: certs.ca, client });

    const got = {
      status: res.status,
      wwwAuthenticate: res.headers['www-authenticate'] ?? null,
      cacheControl: res.headers['cache-control'] ?? null,
      json: /^application\/json\b/.test(String(res.headers['content-type'])),
      body: res.json ?? res.text,
      handlerRan: seen.has(id),
      handlerSaw: seen.get(id),
      reasons: reasons.get(id) ?? [],
    };
    if ('confirmed' in row.expect) {
      const confirmation =
        row.expect.confirmed === null ? null : { 'x5t#S256': certs[row.expect.confirmed].thumbprint };
      expect(got).toEqual({
        status: 200,
        wwwAuthenticate: null,
        cacheControl: null,
        json: true,
        body: { sub: 'user-1', confirmation },
        handlerRan: true,
        handlerSaw: confirmation,
        reasons: [],
      });
    } else {
      expect(got).toEqual({
        ...INVALID_TOKEN,
        json: true,
        handlerRan: false,
        handlerSaw: undefined,
        reasons: [row.expect.refused],
      });
    }
    checkHygiene(res, [token], row.name);
  });

  it('a resumed TLS session keeps its client certificate: bound to A, cert A, twice on one session', async () => {
    const { certs, tokens } = kit;
    const agent = new Agent({ keepAlive: false, maxCachedSessions: 4 });
    try {
      const answers: Answer[] = [];
      for (const attempt of ['first', 'resumed']) {
        const headers = { authorization: `Bearer ${tokens.boundA}`, 'x-row-id': `${target}:session-${attempt}` };
        answers.push(
          await get(`${servers.tls?.base}/bound/protected`, headers, { ca: certs.ca, client: certs.a, agent }),
        );
      }
      const confirmation = { 'x5t#S256': certs.a.thumbprint };
      expect(answers.map(({ status, json, resumed }) => ({ status, json, resumed }))).toEqual([
        { status: 200, json: { sub: 'user-1', confirmation }, resumed: false },
        { status: 200, json: { sub: 'user-1', confirmation }, resumed: true },
      ]);
    } finally {
      agent.destroy();
    }
  });
});
