/**
 * The MCP server example with the auth service example, both on 127.0.0.1, driven by the MCP
 * SDK's own Client, transport and discovery helpers: the 401 leads to the metadata document and
 * on to the authorization server; tokens asked for this resource (RFC 8707) work, with the
 * caller's identity in every answer; a tool without its scope and a token for another resource
 * are refused.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  buildDiscoveryUrls,
  discoverOAuthProtectedResourceMetadata,
  extractWWWAuthenticateParams,
} from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthService } from '../../auth-service/index.mjs';
import { createMcpServer } from '../index.mjs';

const clients = [
  { id: 'agent', secret: 'agent-secret-1', scopes: ['mcp:tools'] },
  { id: 'analyst', secret: 'analyst-secret-1', scopes: ['mcp:tools', 'orders:read'] },
];
const OTHER = 'http://127.0.0.1:1/other-mcp';
const DEADLINE = 5_000;

let auth: Awaited<ReturnType<typeof createAuthService>>;
let mcp: Awaited<ReturnType<typeof createMcpServer>>;
const open: Client[] = [];

beforeAll(async () => {
  // Each needs the other's URL: the auth service's port is taken first, then given back to it
  // once the MCP server (which contacts its issuer only on the first token) knows its resource.
  const probe = await createAuthService({ clients });
  const port = Number(new URL(probe.url).port);
  await probe.close();
  mcp = await createMcpServer({ issuer: probe.issuer });
  auth = await createAuthService({ clients, port, resources: [mcp.resource, OTHER] });
  expect(auth.issuer).toBe(probe.issuer);
});

afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
  await mcp?.close();
  await auth?.close();
});

/** A token from the auth service by client credentials, for `resource`. */
async function tokenFor(client: (typeof clients)[number], resource: string): Promise<string> {
  const res = await fetch(`${auth.url}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource }),
    signal: AbortSignal.timeout(DEADLINE),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function connect(options: ConstructorParameters<typeof StreamableHTTPClientTransport>[1]): Promise<Client> {
  const client = new Client({ name: 'example-test', version: '1.0.0' });
  open.push(client);
  const transport = new StreamableHTTPClientTransport(new URL(mcp.resource), options);
  await client.connect(transport, { timeout: DEADLINE });
  return client;
}

const call = (client: Client, name: string) =>
  client.callTool({ name, arguments: {} }, undefined, { timeout: DEADLINE });
const textOf = (result: Awaited<ReturnType<typeof call>>) =>
  JSON.parse((result.content as { type: string; text: string }[])[0]?.text ?? 'null');

describe('discovery from the 401 (RFC 9728, RFC 8414)', () => {
  it('the 401 names the metadata document, which names the authorization server', async () => {
    const res = await fetch(mcp.resource, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
      signal: AbortSignal.timeout(DEADLINE),
    });
    expect(res.status).toBe(401);
    const metadataUrl = `${mcp.url}/.well-known/oauth-protected-resource/mcp`;
    expect(res.headers.get('www-authenticate')).toBe(`Bearer realm="api", resource_metadata="${metadataUrl}"`);
    const { resourceMetadataUrl } = extractWWWAuthenticateParams(res);
    expect(resourceMetadataUrl?.href).toBe(metadataUrl);

    const prm = await discoverOAuthProtectedResourceMetadata(mcp.resource, { resourceMetadataUrl: metadataUrl });
    expect(prm).toEqual({
      resource: mcp.resource,
      authorization_servers: [auth.issuer],
      bearer_methods_supported: ['header'],
      scopes_supported: ['mcp:tools'],
    });
    // The SDK's own discovery order (RFC 8414 first). Not discoverAuthorizationServerMetadata:
    // its schema requires `authorization_endpoint`, which a client-credentials-only server has not.
    const [first] = buildDiscoveryUrls(prm.authorization_servers?.[0] as string);
    expect(first).toEqual({ url: new URL(`${auth.issuer}/.well-known/oauth-authorization-server`), type: 'oauth' });
    const as = await fetch(first!.url, { signal: AbortSignal.timeout(DEADLINE) });
    expect(as.status).toBe(200);
    expect(await as.json()).toMatchObject({
      issuer: auth.issuer,
      token_endpoint: `${auth.issuer}/token`,
      grant_types_supported: ['client_credentials'],
    });
  });

  it('a Client without credentials cannot connect: the transport reports the 401', async () => {
    await expect(connect({})).rejects.toMatchObject({ code: 401 });
  });
});

describe('with a token for this resource', () => {
  it('both tools answer with the caller identity when it has both scopes', async () => {
    const client = await connect({
      requestInit: { headers: { authorization: `Bearer ${await tokenFor(clients[1]!, mcp.resource)}` } },
    });
    const caller = { clientId: 'analyst', subject: 'analyst', scopes: ['mcp:tools', 'orders:read'] };
    expect(textOf(await call(client, 'whoami'))).toEqual(caller);
    const listed = textOf(await call(client, 'list_orders'));
    expect(listed.caller).toEqual(caller);
    expect(Array.isArray(listed.orders)).toBe(true);
  });

  it('the second tool without its scope: the insufficient-scope tool error; the first still answers', async () => {
    const client = await connect({
      requestInit: { headers: { authorization: `Bearer ${await tokenFor(clients[0]!, mcp.resource)}` } },
    });
    expect(await call(client, 'list_orders')).toEqual({
      content: [
        {
          type: 'text',
          text: 'MCP error -32600: Insufficient scope: this tool needs a token with scope "orders:read"',
        },
      ],
      isError: true,
    });
    expect(textOf(await call(client, 'whoami'))).toEqual({
      clientId: 'agent',
      subject: 'agent',
      scopes: ['mcp:tools'],
    });
  });

  it('a token for another resource: 401 invalid_token', async () => {
    const token = await tokenFor(clients[1]!, OTHER);
    await expect(connect({ requestInit: { headers: { authorization: `Bearer ${token}` } } })).rejects.toMatchObject({
      code: 401,
    });
    const res = await fetch(mcp.resource, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
      signal: AbortSignal.timeout(DEADLINE),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'invalid_token', error_description: 'The access token is invalid' });
  });
});
