/**
 * mcpAuth() in front of the MCP SDK's real Streamable HTTP transport, driven by the SDK's real
 * Client: the metadata document, the protected paths, `extra.authInfo` in tool handlers, and
 * every refusal with its exact status, challenge and body.
 */
import { createTestIssuer, type TestIssuer } from '@bearer-guard/testing';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import express, { type Request } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpAuth, requireToolScopes, type McpAuthMiddleware } from '../src/index.js';
import { connect, listen, type Listening } from './helpers.js';

let issuer: TestIssuer;
let http: Listening;
let handle: McpAuthMiddleware;
let resource: string;
let metadataUrl: string;
const seen: (AuthInfo | undefined)[] = [];
const ran: string[] = [];

function mcpServer(): McpServer {
  const server = new McpServer({ name: 'test-server', version: '1.0.0' });
  server.registerTool('whoami', { description: 'The caller' }, async (extra) => {
    seen.push(extra.authInfo);
    return { content: [{ type: 'text', text: extra.authInfo?.clientId ?? '' }] };
  });
  server.registerTool('list_orders', { description: 'Needs orders:read' }, async (extra) => {
    const auth = requireToolScopes(extra, 'orders:read');
    return { content: [{ type: 'text', text: `orders of ${auth.clientId}` }] };
  });
  return server;
}

beforeAll(async () => {
  issuer = await createTestIssuer({ alg: 'ES256' });
  http = await listen();
  resource = `${http.origin}/mcp`;
  metadataUrl = `${http.origin}/.well-known/oauth-protected-resource/mcp`;
  handle = mcpAuth({ resource, issuer: issuer.issuer, scopes: ['mcp:tools'] });
  const app = express();
  app.use(express.json());
  app.use(handle);
  app.post('/mcp', async (req, res) => {
    ran.push(req.path);
    // Stateless: a server and a transport per request, as the SDK's stateless example does.
    const server = mcpServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  app.all('/mcp', (_req, res) => {
    res.status(405).set('allow', 'POST').end();
  });
  app.all('/mcp/x', (req: Request & { auth?: AuthInfo }, res) => {
    ran.push(req.path);
    res.json({ clientId: req.auth?.clientId });
  });
  app.get(['/mcp-public', '/health'], (req: Request & { auth?: AuthInfo }, res) => {
    ran.push(req.path);
    res.json({ auth: req.auth ?? null });
  });
  http.serve(app);
});

afterAll(async () => {
  handle?.close();
  await http?.close();
  await issuer?.close();
});

const token = (claims: Record<string, unknown> = {}, audience: string = resource) =>
  issuer.sign({ sub: 'user-1', client_id: 'agent-7', scope: 'mcp:tools', ...claims }, { audience, expiresIn: '5m' });

function post(path: string, bearer?: string): Promise<Response> {
  return fetch(`${http.origin}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
  });
}

describe('the protected resource metadata document (RFC 9728)', () => {
  it('is served at the path-inserted well-known URL, without a token', async () => {
    const res = await fetch(metadataUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(await res.json()).toEqual({
      resource,
      authorization_servers: [issuer.issuer],
      bearer_methods_supported: ['header'],
      scopes_supported: ['mcp:tools'],
    });
  });
});

describe('what mcpAuth protects', () => {
  it.each(['/mcp', '/mcp/x', '/MCP', '/mcp?x=1'])('%s without a token: 401 pointing at the metadata', async (path) => {
    const before = ran.length;
    const res = await post(path);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`Bearer realm="api", resource_metadata="${metadataUrl}"`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ error: 'unauthorized', error_description: 'Authentication is required' });
    expect(ran.length).toBe(before);
  });

  it.each(['/mcp-public', '/health'])('%s is left alone', async (path) => {
    const res = await fetch(`${http.origin}${path}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ auth: null });
  });

  it('sets req.auth on the paths below the resource', async () => {
    const res = await post('/mcp/x', await token());
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ clientId: 'agent-7' });
  });
});

describe('through the SDK transport and Client', () => {
  it('hands tool handlers the AuthInfo as extra.authInfo', async () => {
    const bearer = await token({ azp: 'ignored', scope: 'mcp:tools orders:read' });
    const client = await connect(resource, bearer);
    try {
      seen.length = 0;
      const result = await client.callTool({ name: 'whoami', arguments: {} });
      expect(result).toEqual({ content: [{ type: 'text', text: 'agent-7' }] });
      expect(seen).toHaveLength(1);
      const info = seen[0] as AuthInfo;
      const payload = info.extra?.payload as Record<string, unknown>;
      expect(info).toEqual({
        token: bearer,
        clientId: 'agent-7',
        scopes: ['mcp:tools', 'orders:read'],
        expiresAt: payload.exp,
        resource: new URL(resource),
        extra: { payload: expect.any(Object), header: expect.any(Object) },
      });
      expect(payload).toMatchObject({ sub: 'user-1', aud: resource, iss: issuer.issuer });
      expect(info.extra?.header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    } finally {
      await client.close();
    }
  });

  it('takes the client id from azp when client_id is absent', async () => {
    const client = await connect(resource, await token({ client_id: undefined, azp: 'spa-1' }));
    try {
      const result = await client.callTool({ name: 'whoami', arguments: {} });
      expect(result).toEqual({ content: [{ type: 'text', text: 'spa-1' }] });
    } finally {
      await client.close();
    }
  });

  it('a tool whose scope the token lacks answers an isError result naming the scope; the session goes on', async () => {
    const client = await connect(resource, await token());
    try {
      const denied = await client.callTool({ name: 'list_orders', arguments: {} });
      expect(denied).toEqual({
        content: [
          {
            type: 'text',
            text: 'MCP error -32600: Insufficient scope: this tool needs a token with scope "orders:read"',
          },
        ],
        isError: true,
      });
      expect(await client.callTool({ name: 'whoami', arguments: {} })).toEqual({
        content: [{ type: 'text', text: 'agent-7' }],
      });
    } finally {
      await client.close();
    }
  });

  it('the same tool answers when the token has the scope', async () => {
    const client = await connect(resource, await token({ scp: ['orders:read'] }));
    try {
      expect(await client.callTool({ name: 'list_orders', arguments: {} })).toEqual({
        content: [{ type: 'text', text: 'orders of agent-7' }],
      });
    } finally {
      await client.close();
    }
  });

  it('an unauthenticated Client cannot connect: the transport reports the 401', async () => {
    await expect(connect(resource, undefined)).rejects.toMatchObject({ code: 401 });
  });
});

describe('refusals', () => {
  it('a token without a scope of `scopes`: 403 insufficient_scope naming it', async () => {
    const before = ran.length;
    const res = await post('/mcp', await token({ scope: 'orders:read' }));
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="The access token does not grant the required permissions", ' +
        `scope="mcp:tools", resource_metadata="${metadataUrl}"`,
    );
    expect(await res.json()).toEqual({
      error: 'insufficient_scope',
      error_description: 'The access token does not grant the required permissions',
    });
    expect(ran.length).toBe(before);
  });

  it('a token for another resource (aud): 401 invalid_token', async () => {
    const res = await post('/mcp', await token({}, 'http://127.0.0.1:1/other-mcp'));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer realm="api", error="invalid_token", error_description="The access token is invalid", resource_metadata="${metadataUrl}"`,
    );
    expect(await res.json()).toEqual({ error: 'invalid_token', error_description: 'The access token is invalid' });
  });

  it('a token in the query string is not a token (MCP: Authorization header only)', async () => {
    const res = await post(`/mcp?access_token=${await token()}`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`Bearer realm="api", resource_metadata="${metadataUrl}"`);
  });
});

describe('options', () => {
  it('refuses a missing resource, bad scopes and token locations other than the header, at start-up', () => {
    const issuerUrl = 'https://auth.example.com/';
    // @ts-expect-error resource is required
    expect(() => mcpAuth({ issuer: issuerUrl, audience: 'x' })).toThrow(/`resource` is required/);
    expect(() => mcpAuth({ issuer: issuerUrl, resource: 'https://api.example.com/mcp', scopes: ['a b'] })).toThrow(
      TypeError,
    );
    expect(() =>
      mcpAuth({ issuer: issuerUrl, resource: 'https://api.example.com/mcp', tokenLocations: ['header', 'query'] }),
    ).toThrow(/Authorization header/);
    expect(() => mcpAuth({ issuer: issuerUrl, resource: 'not a url' })).toThrow(TypeError);
  });

  it('refuses app.use(mcpAuth) without the call', () => {
    const use = mcpAuth as unknown as (...args: unknown[]) => unknown;
    expect(() => use({ socket: {} }, {}, () => {})).toThrow(/mcpAuth\(options\)/);
  });

  it('keeps an explicit scopes_supported, and serves none with resourceMetadata: false', async () => {
    const base = { issuer: 'https://auth.example.com/', resource: 'https://api.example.com/mcp', scopes: ['a'] };
    const explicit = mcpAuth({ ...base, resourceMetadata: { scopes_supported: ['a', 'b'] } });
    expect(explicit.verifier.config.resourceMetadata?.document.scopes_supported).toEqual(['a', 'b']);
    const none = mcpAuth({ ...base, resourceMetadata: false });
    expect(none.verifier.config.resourceMetadata).toBeUndefined();
    explicit.close();
    none.close();
  });
});
