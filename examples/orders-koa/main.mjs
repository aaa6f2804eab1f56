#!/usr/bin/env node
/**
 * Runs the Koa orders API on its own:
 *
 *   ISSUER=http://127.0.0.1:4000 node examples/orders-koa/main.mjs
 *
 * Environment: ISSUER (the auth service; default http://127.0.0.1:4000), PORT (default 4002),
 * HOST (127.0.0.1), REDIS_URL (see revocations made by the auth service's POST /revoke).
 */
import { revocationStore } from '@bearer-guard/example-policy';
import { createOrdersApp } from './index.mjs';

const { ISSUER = 'http://127.0.0.1:4000', PORT = '4002', HOST = '127.0.0.1', REDIS_URL } = process.env;
const revocation = revocationStore({ redisUrl: REDIS_URL });
const app = await createOrdersApp({ issuer: ISSUER, revocation, port: Number(PORT), host: HOST });
console.log(`orders-koa: ${app.url} (issuer ${ISSUER})`);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await app.close();
    await revocation.close?.();
    process.exit(0); // idle keep-alive sockets to the auth service would delay the exit by seconds
  });
}
