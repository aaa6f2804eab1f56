/**
 * An MCP server on Express with the official SDK's Streamable HTTP transport, protected by
 * `mcpAuth()`: the RFC 9728 metadata document, tokens bound to this server (`aud` = its URL),
 * `mcp:tools` for every request, and a second scope for one tool.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import express from 'express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { mcpAuth, requireToolScopes } from '@bearer-guard/mcp';
import { createOrderBook } from '@bearer-guard/example-policy/orders';

/**
 * The caller, as the tools answer it.
 * @param {import('@modelcontextprotocol/sdk/server/auth/types.js').AuthInfo} auth
 */
function identity(auth) {
  const { payload } = /** @type {import('@bearer-guard/mcp').McpAuthExtra} */ (auth.extra);
  return { clientId: auth.clientId, subject: payload.sub, scopes: auth.scopes };
}

/** @param {unknown} value @returns {{ content: { type: 'text', text: string }[] }} */
const json = (value) => ({ content: [{ type: 'text', text: JSON.stringify(value) }] });

/** The MCP server of one request: two tools, each answering with the caller's identity. */
function mcpServer() {
  const book = createOrderBook();
  const server = new McpServer({ name: 'bearer-guard-example', version: '1.0.0' });
  server.registerTool('whoami', { description: 'Who is calling (needs mcp:tools, as every request)' }, (extra) =>
    json(identity(requireToolScopes(extra, 'mcp:tools'))),
  );
  server.registerTool('list_orders', { description: 'The orders (needs orders:read too)' }, (extra) => {
    const auth = requireToolScopes(extra, 'orders:read');
    return json({ caller: identity(auth), ...book.list() });
  });
  return server;
}

/**
 * Starts the MCP server. Its resource identifier is `<origin>/mcp`, where `origin` is the
 * listening URL unless given (a public URL behind a proxy).
 * @param {{ issuer: string, port?: number, host?: string, origin?: string }} options
 */
export async function createMcpServer({ issuer, port = 0, host = '127.0.0.1', origin }) {
  const server = createServer();
  server.listen(port, host);
  await once(server, 'listening');
  const { port: actual } = /** @type {import('node:net').AddressInfo} */ (server.address());
  const url = `http://${host}:${actual}`;
  const resource = `${origin ?? url}/mcp`;
  const auth = mcpAuth({ resource, issuer, scopes: ['mcp:tools'] });

  const app = express();
  app.disable('x-powered-by');
  app.use(express.json());
  app.get('/health', (_req, res) => res.json({ status: 'ok' }));
  app.use(auth);
  // Stateless: a server and a transport per request.
  app.post('/mcp', async (req, res, next) => {
    try {
      const mcp = mcpServer();
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => {
        void transport.close();
        void mcp.close();
      });
      await mcp.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch (error) {
      next(error);
    }
  });
  app.all('/mcp', (_req, res) => {
    res
      .status(405)
      .set('allow', 'POST')
      .json({ jsonrpc: '2.0', error: { code: -32000, message: 'Use POST' }, id: null });
  });
  server.on('request', app);

  return {
    url,
    /** This server's resource identifier (RFC 8707): the `aud` of its tokens. */
    resource,
    async close() {
      auth.close();
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    },
  };
}
