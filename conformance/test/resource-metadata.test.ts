/**
 * Protected resource metadata (RFC 9728) on every target (Express 4/5, Koa 2/3, Fastify 4/5):
 * the document served at `/.well-known/oauth-protected-resource` plus the resource's path without
 * a token, and `resource_metadata` in every 401 and 403 challenge. Rows are data, run against
 * each target's app with `auth()` at the app's root (where the well-known path lives); every
 * target must answer every row alike.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthOptions } from '@bearer-guard/core';
import * as expressAdapter from '@bearer-guard/express';
import fastifyPlugin, * as fastifyAdapter from '@bearer-guard/fastify';
import * as koaAdapter from '@bearer-guard/koa';
import Router from '@koa/router';
import express4 from 'express4';
import express5 from 'express5';
import fastify4 from 'fastify4';
import fastify5 from 'fastify5';
import koa2 from 'koa2';
import koa3 from 'koa3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hs256, SECRET } from '../../test/helpers/hs256.js';
import { crossTarget } from './helpers/alike.js';
import { send, type RawResponse } from './helpers/http.js';

const ISSUER = 'https://issuer.test/';
const MCP = 'https://api.example.com/mcp';
const MCP_METADATA = 'https://api.example.com/.well-known/oauth-protected-resource/mcp';
const ROOT = 'https://orders.example.com';
const ROOT_METADATA = 'https://orders.example.com/.well-known/oauth-protected-resource';
const ALGS = 'ES256 ES384 ES512 EdDSA Ed25519 PS256 PS384 PS512 RS256 RS384 RS512';

/** The apps every target serves, by prefix of the row's name: one verifier each, at the app's root. */
const CONFIGS: Record<string, AuthOptions> = {
  mcp: { issuer: ISSUER, resource: MCP, secret: SECRET },
  root: {
    issuer: ISSUER,
    resource: ROOT,
    secret: SECRET,
    dpop: true,
    tokenLocations: ['header', 'query', 'cookie'],
    resourceMetadata: {
      scopes_supported: ['read:orders', 'admin'],
      resource_name: 'Orders',
      resource_documentation: 'https://orders.example.com/docs',
      resource_policy_uri: 'https://orders.example.com/policy',
    },
  },
  none: { issuer: ISSUER, resource: MCP, secret: SECRET, resourceMetadata: false },
};

/** Routes of every app: the resource itself, below it, and a guarded one. */
const ROUTES = ['/mcp', '/mcp/tools', '/admin', '/'];

interface Row {
  name: string;
  app: keyof typeof CONFIGS;
  method?: string;
  path: string;
  token?: Record<string, unknown>;
  /** Exact status, headers (listed ones; `null` = absent) and body (JSON, text, or '' for none). */
  expect: { status: number; headers: Record<string, string | null>; body: unknown };
}

const DOC_HEADERS = {
  'content-type': 'application/json',
  'cache-control': 'public, max-age=3600',
  'access-control-allow-origin': '*',
};
const MCP_DOC = { resource: MCP, authorization_servers: [ISSUER], bearer_methods_supported: ['header'] };
const ROOT_DOC = {
  resource: ROOT,
  authorization_servers: [ISSUER],
  bearer_methods_supported: ['header', 'query'],
  scopes_supported: ['read:orders', 'admin'],
  dpop_signing_alg_values_supported: ALGS.split(' '),
  dpop_bound_access_tokens_required: false,
  resource_name: 'Orders',
  resource_documentation: 'https://orders.example.com/docs',
  resource_policy_uri: 'https://orders.example.com/policy',
};
const INVALID = { error: 'invalid_token', error_description: 'The access token is invalid' };
const UNAUTHORIZED = { error: 'unauthorized', error_description: 'Authentication is required' };

const rows: Row[] = [
  {
    name: 'mcp: GET the document at /.well-known/oauth-protected-resource/mcp, without a token',
    app: 'mcp',
    path: '/.well-known/oauth-protected-resource/mcp',
    expect: { status: 200, headers: { ...DOC_HEADERS, 'www-authenticate': null }, body: MCP_DOC },
  },
  {
    name: 'mcp: the document with a query string',
    app: 'mcp',
    path: '/.well-known/oauth-protected-resource/mcp?x=1',
    expect: { status: 200, headers: DOC_HEADERS, body: MCP_DOC },
  },
  {
    name: 'mcp: the document with a bad token is still served (it needs none)',
    app: 'mcp',
    path: '/.well-known/oauth-protected-resource/mcp',
    token: { aud: 'another-api' },
    expect: { status: 200, headers: DOC_HEADERS, body: MCP_DOC },
  },
  {
    name: 'mcp: HEAD the document → 200, headers, no body',
    app: 'mcp',
    method: 'HEAD',
    path: '/.well-known/oauth-protected-resource/mcp',
    expect: { status: 200, headers: DOC_HEADERS, body: '' },
  },
  {
    name: 'mcp: OPTIONS the document → 204 with Allow and CORS headers',
    app: 'mcp',
    method: 'OPTIONS',
    path: '/.well-known/oauth-protected-resource/mcp',
    expect: {
      status: 204,
      headers: {
        allow: 'GET, HEAD, OPTIONS',
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'GET, HEAD',
      },
      body: '',
    },
  },
  {
    name: 'mcp: POST the document → 405 with Allow',
    app: 'mcp',
    method: 'POST',
    path: '/.well-known/oauth-protected-resource/mcp',
    expect: {
      status: 405,
      headers: { allow: 'GET, HEAD, OPTIONS', 'cache-control': 'no-store', 'content-type': null },
      body: '',
    },
  },
  {
    name: 'mcp: no token → 401 whose challenge names the document',
    app: 'mcp',
    path: '/mcp',
    expect: {
      status: 401,
      headers: { 'www-authenticate': `Bearer realm="api", resource_metadata="${MCP_METADATA}"` },
      body: UNAUTHORIZED,
    },
  },
  {
    name: 'mcp: a token for another audience → 401 invalid_token naming the document (audience defaults to resource)',
    app: 'mcp',
    path: '/mcp/tools',
    token: { aud: 'orders' },
    expect: {
      status: 401,
      headers: {
        'www-authenticate': `Bearer realm="api", error="invalid_token", error_description="The access token is invalid", resource_metadata="${MCP_METADATA}"`,
      },
      body: INVALID,
    },
  },
  {
    name: 'mcp: a token whose aud is the resource passes',
    app: 'mcp',
    path: '/mcp/tools',
    token: { aud: MCP },
    expect: { status: 200, headers: { 'www-authenticate': null }, body: { path: '/mcp/tools', sub: 'user-1' } },
  },
  {
    name: 'mcp: a failed guard → 403 whose challenge names the scope and the document',
    app: 'mcp',
    path: '/admin',
    token: { aud: MCP, scope: 'read:orders' },
    expect: {
      status: 403,
      headers: {
        'www-authenticate': `Bearer realm="api", error="insufficient_scope", error_description="The access token does not grant the required permissions", scope="admin", resource_metadata="${MCP_METADATA}"`,
      },
      body: {
        error: 'insufficient_scope',
        error_description: 'The access token does not grant the required permissions',
      },
    },
  },
  {
    name: 'root: a resource at the origin has its document at /.well-known/oauth-protected-resource, with the DPoP members, the RFC 9728 token locations and the given members',
    app: 'root',
    path: '/.well-known/oauth-protected-resource',
    expect: { status: 200, headers: DOC_HEADERS, body: ROOT_DOC },
  },
  {
    name: 'root: no token → both challenges name the document',
    app: 'root',
    path: '/mcp',
    expect: {
      status: 401,
      headers: {
        'www-authenticate': `Bearer realm="api", resource_metadata="${ROOT_METADATA}", DPoP realm="api", algs="${ALGS}", resource_metadata="${ROOT_METADATA}"`,
      },
      body: UNAUTHORIZED,
    },
  },
  {
    name: 'root: a path that only starts like the document is no document (/.well-known/oauth-protected-resourcex)',
    app: 'root',
    path: '/.well-known/oauth-protected-resourcex',
    expect: {
      status: 401,
      headers: {
        'www-authenticate': `Bearer realm="api", resource_metadata="${ROOT_METADATA}", DPoP realm="api", algs="${ALGS}", resource_metadata="${ROOT_METADATA}"`,
      },
      body: UNAUTHORIZED,
    },
  },
  {
    name: 'none: resourceMetadata false → no document (the path needs a token like any other), no resource_metadata',
    app: 'none',
    path: '/.well-known/oauth-protected-resource/mcp',
    expect: { status: 401, headers: { 'www-authenticate': 'Bearer realm="api"' }, body: UNAUTHORIZED },
  },
  {
    name: 'none: audience still defaults to resource',
    app: 'none',
    path: '/mcp',
    token: { aud: MCP },
    expect: { status: 200, headers: { 'www-authenticate': null }, body: { path: '/mcp', sub: 'user-1' } },
  },
];

interface Running {
  base: string;
  close(): Promise<void>;
}

type Build = (options: AuthOptions) => Promise<Running>;

function listen(server: Server): Promise<Running> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () =>
      resolve({
        base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      }),
    );
  });
}

type Handler = (path: string, auth: { payload: { sub?: string } } | null | undefined) => unknown;
const answer: Handler = (path, auth) => ({ path, sub: auth?.payload.sub ?? null });

function expressApp(express: typeof express5): Build {
  return async (options) => {
    const app = express();
    app.use(expressAdapter.auth(options));
    for (const path of ROUTES) {
      const stack = path === '/admin' ? [expressAdapter.requireScopes('admin')] : [];
      app.get(path, ...stack, (req, res) => {
        res.json(answer(path, req.auth));
      });
    }
    return listen(app.listen(0, '127.0.0.1'));
  };
}

function koaApp(Koa: typeof koa3): Build {
  return async (options) => {
    const app = new Koa();
    const router = new Router();
    for (const path of ROUTES) {
      const stack = path === '/admin' ? [koaAdapter.requireScopes('admin')] : [];
      router.get(path, ...(stack as []), (ctx) => {
        ctx.body = answer(path, ctx.state.auth);
      });
    }
    app.use(koaAdapter.auth(options));
    app.use(router.routes());
    const { createServer } = await import('node:http');
    return listen(createServer(app.callback()));
  };
}

function fastifyApp(Fastify: typeof fastify5): Build {
  return async (options) => {
    const app = Fastify();
    await app.register(fastifyPlugin, options);
    for (const path of ROUTES) {
      const hooks = path === '/admin' ? { onRequest: fastifyAdapter.requireScopes('admin') } : {};
      app.get(path, hooks, async (request) => answer(path, request.auth));
    }
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address() as AddressInfo;
    return { base: `http://127.0.0.1:${address.port}`, close: () => app.close() };
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

const answers = crossTarget<unknown>(TARGETS.map(([name]) => name));

function body(res: RawResponse): unknown {
  return res.json ?? res.text;
}

describe.each(TARGETS)('%s', (target, build) => {
  const apps = new Map<string, Running>();
  beforeAll(async () => {
    for (const [name, options] of Object.entries(CONFIGS)) apps.set(name, await build(options));
  });
  afterAll(async () => {
    for (const app of apps.values()) await app.close();
  });

  it.each(rows)('$name', async (row) => {
    const app = apps.get(row.app) as Running;
    const headers: [string, string][] = row.token ? [['authorization', `Bearer ${hs256(row.token)}`]] : [];
    const res = await send(app.base, { method: row.method ?? 'GET', path: row.path, headers });
    const got = {
      status: res.status,
      headers: Object.fromEntries(
        Object.keys(row.expect.headers).map((name) => [name, (res.headers[name] as string | undefined) ?? null]),
      ),
      body: body(res),
    };
    expect(got).toEqual(row.expect);
    answers.record(row.name, target, { status: res.status, headers: got.headers, body: got.body });
  });
});

describe('every target answers every row alike', () => {
  it.each(rows)('$name', (row) => {
    answers.expectAlike(row.name);
  });
});

describe('start-up checks', () => {
  it.each([
    [{ resource: 'api.example.com/mcp' }, 'bearer-guard: `resource`'],
    [
      { resource: 'https://api.example.com/mcp#frag' },
      'bearer-guard: `resource` must not have a fragment (RFC 8707 §2)',
    ],
    [{ resource: 'https://api.example.com/mcp?x=1' }, 'bearer-guard: `resource` must not have a query'],
    [{ resource: MCP, resourceMetadata: { resource: 'https://other.example.com' } }, 'must not set `resource`'],
    [{ audience: 'orders', resourceMetadata: {} }, 'bearer-guard: `resourceMetadata` needs `resource`'],
    [{ resource: MCP, resourceMetadata: 'yes' }, 'bearer-guard: `resourceMetadata` must be false or an object'],
  ])('%j is refused when the middleware is made', (options, message) => {
    expect(() => expressAdapter.auth({ issuer: ISSUER, secret: SECRET, ...options } as AuthOptions)).toThrow(message);
  });
});

describe('Fastify: where the plugin may serve the document', () => {
  it.each([
    ['fastify4', fastify4 as unknown as typeof fastify5],
    ['fastify5', fastify5],
  ])(
    '%s: under a prefix, registration fails and names the fix; twice at the root, one route serves it',
    async (_name, Fastify) => {
      const prefixed = Fastify();
      await expect(
        prefixed.register(
          async (scope) => {
            await scope.register(fastifyPlugin, CONFIGS.mcp as AuthOptions);
          },
          { prefix: '/api' },
        ),
      ).rejects.toThrow('@bearer-guard/fastify: with `resource`, register the plugin outside any prefix (here "/api")');
      await prefixed.close().catch(() => undefined);

      const twice = Fastify();
      await twice.register(async (scope) => {
        await scope.register(fastifyPlugin, CONFIGS.mcp as AuthOptions);
      });
      await twice.register(async (scope) => {
        await scope.register(fastifyPlugin, CONFIGS.mcp as AuthOptions);
      });
      await twice.ready();
      const res = await twice.inject({ method: 'GET', url: '/.well-known/oauth-protected-resource/mcp' });
      expect(res.statusCode).toBe(200);
      expect(JSON.parse(res.body)).toEqual(MCP_DOC);
      await twice.close();
    },
  );
});
