/** An Express app on 127.0.0.1 whose URL is known before its middleware is made (the resource is that URL). */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export interface Listening {
  origin: string;
  server: Server;
  serve(app: Express): void;
  close(): Promise<void>;
}

export async function listen(): Promise<Listening> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    server,
    serve: (app) => server.on('request', app),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Connects the SDK's own Client over its Streamable HTTP transport, with `token` as a bearer token. */
export async function connect(url: string, token: string | undefined): Promise<Client> {
  const client = new Client({ name: 'bearer-guard-test', version: '1.0.0' });
  const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}
