/** The README's MCP server, as an app would write it, beside the SDK's own auth middleware. */
import { randomUUID } from 'node:crypto';
import { InsufficientToolScopeError, mcpAuth, requireToolScopes, tokenVerifier } from '@bearer-guard/mcp';
import type { McpAuthExtra, McpAuthOptions } from '@bearer-guard/mcp';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import express from 'express';

const options: McpAuthOptions = {
  resource: 'https://api.example.com/mcp',
  issuer: 'https://auth.example.com/',
  scopes: ['mcp:tools'],
};

const app = express();
app.use(express.json());
const auth = mcpAuth(options);
app.use(auth);

app.post('/mcp', async (req, res) => {
  const server = new McpServer({ name: 'orders', version: '1.0.0' });
  server.registerTool('whoami', { description: 'Who is calling' }, async (extra) => {
    const info: AuthInfo | undefined = extra.authInfo;
    const claims = info?.extra as McpAuthExtra | undefined;
    return { content: [{ type: 'text', text: `${info?.clientId} ${claims?.payload.sub ?? ''}` }] };
  });
  server.registerTool('list_orders', { description: 'Orders of the caller' }, async (extra) => {
    const caller = requireToolScopes(extra, 'orders:read');
    return { content: [{ type: 'text', text: caller.scopes.join(' ') }] };
  });
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: randomUUID });
  await server.connect(transport);
  // The SDK's own typing of req.auth (from its bearerAuth module) and ours agree: AuthInfo.
  const fromMiddleware: AuthInfo | undefined = req.auth;
  await transport.handleRequest(req, res, req.body);
  void fromMiddleware;
});

// The SDK's middleware with bearer-guard's verifier.
app.get('/sdk', requireBearerAuth({ verifier: tokenVerifier(options) }), (req, res) => {
  res.json({ client: req.auth?.clientId });
});

const error: InsufficientToolScopeError = new InsufficientToolScopeError(['orders:read']);
const scopes: readonly string[] = error.scopes;
void scopes;
auth.verifier.warmUp().then(() => app.listen(3000, '127.0.0.1'));
process.on('SIGTERM', () => auth.close());
