/**
 * Interop with an independent authorization server: oidc-provider 8 (panva), run in-process on
 * 127.0.0.1, issues every token of this file through its real `/token` endpoint (client
 * credentials, `resource` of RFC 8707); every target (Express 4/5, Koa 2/3, Fastify 4/5) checks
 * them with `issuer` = the provider's issuer (keys and the introspection endpoint discovered from
 * its metadata) and `audience` = the API's resource.
 *
 * - Opaque tokens are introspected (RFC 7662) at the provider's endpoint with the API's own
 *   client (`client_secret_basic`, a secret that needs form-encoding).
 * - Encrypted tokens are oidc-provider's JWT access tokens (RFC 9068) signed with its key, then
 *   encrypted to the API's RSA key (RSA-OAEP-256 / A256GCM): a nested JWT whose JWE header has
 *   `cty: "at+jwt"`.
 *
 * Which format a token has is the provider's choice per client (`getResourceServerInfo` gets
 * the client), so the API's resource stays one value. Expected values are literals, never
 * computed by calling core; each refusal also names the `reason` the `onRejected` hook saw.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import type { AuthOptions } from '@bearer-guard/core';
import * as expressAdapter from '@bearer-guard/express';
import fastifyPlugin from '@bearer-guard/fastify';
import * as koaAdapter from '@bearer-guard/koa';
import Router from '@koa/router';
import express4 from 'express4';
import express5 from 'express5';
import fastify4 from 'fastify4';
import fastify5 from 'fastify5';
import koa2 from 'koa2';
import koa3 from 'koa3';
import Provider, { errors } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crossTarget } from './helpers/alike.js';
import { send } from './helpers/http.js';

/** The API's resource indicator: its `aud`. */
const API = 'https://api.example.test/orders';
/** Another API of the same authorization server. */
const OTHER = 'https://billing.example.test/';
const SCOPE = 'orders:read orders:write';

/** The API's client at the provider, for introspection; the secret needs form-encoding (RFC 6749 §2.3.1). */
const API_CLIENT = 'orders-api';
const API_SECRET = 'orders api: s3cr+t/%';

/** Token formats and lifetimes, by the client that asks (oidc-provider's choice, per client). */
const CLIENTS = {
  'opaque-app': { format: 'opaque', ttl: 600 },
  'opaque-brief': { format: 'opaque', ttl: 1 },
  'jwe-app': { format: 'jwe', ttl: 600 },
  'jwe-brief': { format: 'jwe', ttl: 1 },
} as const;
type ClientId = keyof typeof CLIENTS;
const secretOf = (client: string) => `${client}-secret`;

const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
/** The provider's signing key; the key tokens are encrypted to; a key they are not. */
const signing = rsa();
const encryption = rsa();
const otherEncryption = rsa();

const INVALID = {
  status: 401,
  wwwAuthenticate: 'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"',
  body: { error: 'invalid_token', error_description: 'The access token is invalid' },
};

// ---------------------------------------------------------------------------------------------
// The authorization server

interface AuthorizationServer {
  issuer: string;
  /** Errors oidc-provider reported as its own failures (`server_error`): none expected. */
  serverErrors: unknown[];
  close(): Promise<void>;
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((done) => {
    server.closeAllConnections();
    server.close(() => done());
  });
}

async function startProvider(): Promise<AuthorizationServer> {
  const server = createServer();
  const issuer = await listen(server);
  const provider = new Provider(issuer, {
    clients: [
      ...Object.keys(CLIENTS).map((client_id) => ({
        client_id,
        client_secret: secretOf(client_id),
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
      })),
      // The API itself: it only introspects.
      {
        client_id: API_CLIENT,
        client_secret: API_SECRET,
        grant_types: [],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [{ ...signing.privateKey.export({ format: 'jwk' }), kid: 'as-1', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: ['conformance-cookie-key'] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        // Only the API may read what a token means.
        allowedPolicy: async (_ctx: unknown, client: { clientId: string }) => client.clientId === API_CLIENT,
      },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => undefined,
        useGrantedResource: async () => false,
        getResourceServerInfo: async (_ctx: unknown, resource: string, client: { clientId: string }) => {
          const config = CLIENTS[client.clientId as ClientId];
          if ((resource !== API && resource !== OTHER) || !config) throw new errors.InvalidTarget();
          const info = { scope: SCOPE, accessTokenTTL: config.ttl };
          if (config.format === 'opaque') return { ...info, accessTokenFormat: 'opaque' };
          return {
            ...info,
            accessTokenFormat: 'jwt',
            jwt: {
              // oidc-provider 8 refuses `encrypt` with a public key unless the token is also signed.
              sign: { alg: 'RS256' },
              // Encrypted to the API's key, for OTHER too: the audience row then tests `aud`, not the key.
              encrypt: { alg: 'RSA-OAEP-256', enc: 'A256GCM', key: encryption.publicKey },
            },
          };
        },
      },
    },
    ttl: {
      ClientCredentials: (_ctx: unknown, token: { resourceServer?: { accessTokenTTL?: number } }) =>
        token.resourceServer?.accessTokenTTL ?? 600,
    },
  });
  const serverErrors: unknown[] = [];
  provider.on('server_error', (_ctx, error) => serverErrors.push(error));
  server.on('request', provider.callback());
  return { issuer, serverErrors, close: () => closeServer(server) };
}

function basic(client: string, secret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(client)}:${encode(secret)}`).toString('base64')}`;
}

async function post(url: string, client: string, form: Record<string, string>): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      authorization: basic(client, secretOf(client)),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(form).toString(),
    signal: AbortSignal.timeout(5_000),
  });
}

interface Issued {
  token: string;
  /** Epoch ms at which the provider counts it expired (its `exp`, at the latest). */
  expiresBy: number;
}

/** An access token from the provider's `/token` (client credentials, RFC 8707 `resource`). */
async function issue(as: AuthorizationServer, client: ClientId, resource = API): Promise<Issued> {
  const res = await post(`${as.issuer}/token`, client, { grant_type: 'client_credentials', resource, scope: SCOPE });
  const body = (await res.json()) as Record<string, unknown>;
  expect({ status: res.status, token_type: body.token_type, scope: body.scope }).toEqual({
    status: 200,
    token_type: 'Bearer',
    scope: SCOPE,
  });
  // `exp` = `iat` + ttl, `iat` the provider's whole second, never later than now.
  const expiresBy = (Math.floor(Date.now() / 1000) + CLIENTS[client].ttl) * 1000;
  return { token: body.access_token as string, expiresBy };
}

/** Revokes a token at the provider (RFC 7009), as the client that holds it. */
async function revoke(as: AuthorizationServer, client: ClientId, token: string): Promise<void> {
  const res = await post(`${as.issuer}/token/revocation`, client, { token, token_type_hint: 'access_token' });
  expect(res.status).toBe(200);
}

/** Waits until the provider counts the token expired: a real wait, bounded. */
async function untilExpired(issued: Issued): Promise<void> {
  const wait = issued.expiresBy + 50 - Date.now();
  expect(wait).toBeLessThanOrEqual(3_000);
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

// ---------------------------------------------------------------------------------------------
// The API on every target

/** The verifier configurations every target serves, one app each. */
type AppName = 'main' | 'cached' | 'wrongKey';

function configs(issuer: string, onRejected: AuthOptions['onRejected']): Record<AppName, AuthOptions> {
  const main: AuthOptions = {
    issuer,
    audience: API,
    introspection: { clientId: API_CLIENT, clientSecret: API_SECRET, cache: false },
    decryption: { keys: [encryption.privateKey] },
    // The short-lived JWE expires within the bounded wait.
    clockTolerance: 0,
    onRejected,
  };
  return {
    main,
    // The default cache (60 s, never past `exp`).
    cached: { ...main, introspection: { clientId: API_CLIENT, clientSecret: API_SECRET } },
    wrongKey: { ...main, decryption: { keys: [otherEncryption.privateKey] } },
  };
}

interface Running {
  base: string;
  close(): Promise<void>;
}
type Build = (options: AuthOptions) => Promise<Running>;

interface Seen {
  payload: Record<string, unknown>;
  source: string;
}
/** What the handler sees: who the token names, and where its claims came from. */
const seen = (auth: Seen | null | undefined) => ({
  source: auth?.source ?? null,
  sub: auth?.payload.sub ?? null,
  client_id: auth?.payload.client_id ?? null,
  aud: auth?.payload.aud ?? null,
  scope: auth?.payload.scope ?? null,
  iss: auth?.payload.iss ?? null,
});

function expressApp(express: typeof express5): Build {
  return async (options) => {
    const app = express();
    app.use(expressAdapter.auth(options));
    app.get('/orders', (req, res) => {
      res.json(seen(req.auth as Seen | undefined));
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => closeServer(server) };
  };
}

function koaApp(Koa: typeof koa3): Build {
  return async (options) => {
    const app = new Koa();
    const router = new Router();
    router.get('/orders', (ctx) => {
      ctx.body = seen(ctx.state.auth as Seen | undefined);
    });
    app.use(koaAdapter.auth(options));
    app.use(router.routes());
    const server = createServer(app.callback());
    return { base: await listen(server), close: () => closeServer(server) };
  };
}

function fastifyApp(Fastify: typeof fastify5): Build {
  return async (options) => {
    const app = Fastify();
    await app.register(fastifyPlugin, options);
    app.get('/orders', async (request) => seen(request.auth as Seen | null));
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
  };
}

const TARGETS: [string, Build][] = [
  ['express4', expressApp(express4 as unknown as typeof express5)],
  ['express5', expressApp(express5)],
  ['koa2', koaApp(koa2 as unknown as typeof koa3)],
  ['koa3', koaApp(koa3)],
  ['fastify4', fastifyApp(fastify4 as unknown as typeof fastify5)],
  ['fastify5', fastifyApp(fastify5)],
];

// ---------------------------------------------------------------------------------------------
// Rows

/** Tokens every target shares, issued once. */
interface Shared {
  opaque: Issued;
  opaqueBrief: Issued;
  opaqueOther: Issued;
  jwe: Issued;
  jweBrief: Issued;
  jweOther: Issued;
}

interface Context {
  as: AuthorizationServer;
  shared: Shared;
  /** Sends the token to `/orders` of an app; the row id travels as `x-row-id`. */
  call(app: AppName, token: string): Promise<Outcome>;
}

interface Outcome {
  status: number;
  wwwAuthenticate: string | null;
  body: unknown;
  /** The `reason`s `onRejected` saw for this call. */
  reasons: string[];
}

const ok = (body: Record<string, unknown>): Outcome => ({ status: 200, wwwAuthenticate: null, body, reasons: [] });
const refused = (reason: string): Outcome => ({ ...INVALID, reasons: [reason] });

const OPAQUE_SEEN = {
  source: 'introspection',
  // oidc-provider's introspection answer names `sub` only for tokens with an end-user
  // (`accountId`); a client credentials token has none. `client_id` is the client.
  sub: null,
  client_id: 'opaque-app',
  aud: API,
  scope: SCOPE,
};
const JWE_SEEN = { source: 'jwt', sub: 'jwe-app', client_id: 'jwe-app', aud: API, scope: SCOPE };

interface Row {
  name: string;
  /** Every call the row makes, in order, and what each must answer. */
  run(ctx: Context): Promise<{ got: Outcome[]; want: Outcome[] }>;
}

const rows: Row[] = [
  {
    name: 'opaque token, active → 200; claims from introspection',
    async run({ call, shared, as }) {
      const got = [await call('main', shared.opaque.token)];
      return { got, want: [ok({ ...OPAQUE_SEEN, iss: as.issuer })] };
    },
  },
  {
    name: 'opaque token revoked at the provider → 200 before, 401 invalid_token after (cache off)',
    async run({ call, as }) {
      const { token } = await issue(as, 'opaque-app');
      const before = await call('main', token);
      await revoke(as, 'opaque-app', token);
      const after = await call('main', token);
      return { got: [before, after], want: [ok({ ...OPAQUE_SEEN, iss: as.issuer }), refused('token_inactive')] };
    },
  },
  {
    name: 'opaque token revoked at the provider, default cache → the cached answer stands until maxAge; uncached, 401',
    async run({ call, as }) {
      const { token } = await issue(as, 'opaque-app');
      const before = await call('cached', token);
      await revoke(as, 'opaque-app', token);
      const cached = await call('cached', token);
      const uncached = await call('main', token);
      const active = ok({ ...OPAQUE_SEEN, iss: as.issuer });
      return { got: [before, cached, uncached], want: [active, active, refused('token_inactive')] };
    },
  },
  {
    name: 'opaque token past its exp (ttl 1 s, real wait) → 401 invalid_token (the provider: inactive)',
    async run({ call, shared }) {
      await untilExpired(shared.opaqueBrief);
      return { got: [await call('main', shared.opaqueBrief.token)], want: [refused('token_inactive')] };
    },
  },
  {
    name: 'opaque token for another resource (aud) → 401 invalid_token',
    async run({ call, shared }) {
      return { got: [await call('main', shared.opaqueOther.token)], want: [refused('invalid_audience')] };
    },
  },
  {
    name: 'encrypted JWT → 200; claims from the nested JWT',
    async run({ call, shared, as }) {
      return { got: [await call('main', shared.jwe.token)], want: [ok({ ...JWE_SEEN, iss: as.issuer })] };
    },
  },
  {
    name: 'encrypted JWT, the API configured with another decryption key → 401 invalid_token',
    async run({ call, shared }) {
      return { got: [await call('wrongKey', shared.jwe.token)], want: [refused('decryption_failed')] };
    },
  },
  {
    name: 'encrypted JWT past its exp (ttl 1 s, real wait, clockTolerance 0) → 401 invalid_token',
    async run({ call, shared }) {
      await untilExpired(shared.jweBrief);
      return { got: [await call('main', shared.jweBrief.token)], want: [refused('token_expired')] };
    },
  },
  {
    name: 'encrypted JWT for another resource (aud), decryptable → 401 invalid_token',
    async run({ call, shared }) {
      return { got: [await call('main', shared.jweOther.token)], want: [refused('invalid_audience')] };
    },
  },
];

// ---------------------------------------------------------------------------------------------

let as: AuthorizationServer;
let shared: Shared;

beforeAll(async () => {
  as = await startProvider();
  shared = {
    opaque: await issue(as, 'opaque-app'),
    opaqueBrief: await issue(as, 'opaque-brief'),
    opaqueOther: await issue(as, 'opaque-app', OTHER),
    jwe: await issue(as, 'jwe-app'),
    jweBrief: await issue(as, 'jwe-brief'),
    jweOther: await issue(as, 'jwe-app', OTHER),
  };
});

afterAll(async () => {
  await as?.close();
});

describe('the tokens oidc-provider issues', () => {
  it('opaque: no dots; encrypted: a compact JWE (alg RSA-OAEP-256, enc A256GCM, cty at+jwt)', () => {
    expect(shared.opaque.token).toMatch(/^[\w-]{20,}$/);
    const segments = shared.jwe.token.split('.');
    expect(segments).toHaveLength(5);
    const header = JSON.parse(Buffer.from(segments[0] as string, 'base64url').toString('utf8'));
    expect(header).toMatchObject({ alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'at+jwt' });
  });
});

const answers = crossTarget<unknown>(TARGETS.map(([name]) => name));

describe.each(TARGETS)('%s', (target, build) => {
  const apps = new Map<AppName, Running>();
  const reasons = new Map<string, string[]>();
  let calls = 0;

  beforeAll(async () => {
    const onRejected: AuthOptions['onRejected'] = (error, context) => {
      const id = String((context.request as { headers?: Record<string, unknown> })?.headers?.['x-row-id'] ?? '');
      reasons.set(id, [...(reasons.get(id) ?? []), error.reason]);
    };
    for (const [name, options] of Object.entries(configs(as.issuer, onRejected))) {
      apps.set(name as AppName, await build(options));
    }
  });
  afterAll(async () => {
    for (const app of apps.values()) await app.close();
  });

  async function call(app: AppName, token: string): Promise<Outcome> {
    const id = `${target}-${++calls}`;
    const running = apps.get(app) as Running;
    const res = await send(running.base, {
      method: 'GET',
      path: '/orders',
      headers: [
        ['authorization', `Bearer ${token}`],
        ['x-row-id', id],
      ],
    });
    return {
      status: res.status,
      wwwAuthenticate: (res.headers['www-authenticate'] as string | undefined) ?? null,
      body: res.json ?? res.text,
      reasons: reasons.get(id) ?? [],
    };
  }

  it.each(rows)('$name', async (row) => {
    const { got, want } = await row.run({ as, shared, call });
    expect(got).toEqual(want);
    answers.record(row.name, target, got);
  });
});

describe('every target answers every row alike; the provider reported no failure of its own', () => {
  it.each(rows)('$name', (row) => {
    answers.expectAlike(row.name);
  });

  it('no server_error at the provider', () => {
    expect(as.serverErrors).toEqual([]);
  });
});
