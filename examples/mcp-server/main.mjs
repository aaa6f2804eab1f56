#!/usr/bin/env node
/**
 * Runs the MCP server on its own:
 *
 *   ISSUER=http://127.0.0.1:4000 node examples/mcp-server/main.mjs     # http://127.0.0.1:4004/mcp
 *
 * Environment: ISSUER (required: the auth service), PORT (default 4004), HOST (127.0.0.1),
 * ORIGIN (public origin behind a proxy; default the listening URL).
 */
import { createMcpServer } from './index.mjs';

const env = process.env;
if (!env.ISSUER) {
  console.error('mcp-server: set ISSUER, e.g. ISSUER=http://127.0.0.1:4000');
  process.exit(1);
}
const server = await createMcpServer({
  issuer: env.ISSUER,
  port: Number(env.PORT ?? 4004),
  host: env.HOST ?? '127.0.0.1',
  ...(env.ORIGIN ? { origin: env.ORIGIN } : {}),
});
console.log(`mcp-server: ${server.resource}, tokens from ${env.ISSUER}`);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await server.close();
    process.exit(0);
  });
}
