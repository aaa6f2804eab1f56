#!/usr/bin/env node
/**
 * Runs the auth service on its own:
 *
 *   node examples/auth-service/main.mjs
 *
 * Environment: PORT (default 4000), HOST (127.0.0.1), ISSUER (default the listening URL),
 * KEYS_DIR (default examples/auth-service/keys/, git-ignored), TOKEN_LIFETIME (seconds or '5m'),
 * CLIENTS_FILE (default <KEYS_DIR>/clients.json: created on first start with random secrets),
 * REDIS_URL (revocations go to Redis, where every API instance sees them), RESOURCES (comma-separated
 * RFC 8707 resource indicators clients may ask tokens for; default http://127.0.0.1:4004/mcp, the MCP
 * server example).
 * Send SIGHUP to rotate the signing key.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { memoryRevocationStore } from '@bearer-guard/core';
import { redisRevocationStore } from '@bearer-guard/redis';
import { createAuthService } from './index.mjs';

const env = process.env;
const keysDir = env.KEYS_DIR ?? fileURLToPath(new URL('./keys/', import.meta.url));
const clientsFile = env.CLIENTS_FILE ?? join(keysDir, 'clients.json');

/** Development clients with random secrets, written once (mode 0600) next to the keys. */
async function loadClients() {
  if (!existsSync(clientsFile)) {
    const secret = () => randomBytes(24).toString('base64url');
    const clients = [
      { id: 'reader', secret: secret(), scopes: ['orders:read'] },
      { id: 'writer', secret: secret(), scopes: ['orders:read', 'orders:write'] },
      { id: 'admin', secret: secret(), scopes: ['orders:read', 'orders:write', 'orders:admin'] },
    ];
    await mkdir(keysDir, { recursive: true, mode: 0o700 });
    await writeFile(clientsFile, `${JSON.stringify(clients, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    console.log(`auth-service: created development clients reader, writer, admin in ${clientsFile}`);
  }
  return JSON.parse(await readFile(clientsFile, 'utf8'));
}

const revocation = env.REDIS_URL ? redisRevocationStore({ url: env.REDIS_URL }) : memoryRevocationStore();
const service = await createAuthService({
  port: Number(env.PORT ?? 4000),
  host: env.HOST ?? '127.0.0.1',
  issuer: env.ISSUER,
  keysDir,
  tokenLifetime: env.TOKEN_LIFETIME ?? 300,
  clients: await loadClients(),
  resources: (env.RESOURCES ?? 'http://127.0.0.1:4004/mcp').split(','),
  revocation,
});
console.log(
  `auth-service: issuer ${service.issuer}, revocations ${env.REDIS_URL ? 'in Redis' : 'in memory'}; SIGHUP rotates the key`,
);

process.on('SIGHUP', () => {
  service.rotate().then(
    ({ kid }) => console.log(`auth-service: rotated; new kid ${kid}`),
    (error) => console.error('auth-service: rotation failed', error),
  );
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await service.close();
    await /** @type {{ close?: () => Promise<void> }} */ (revocation).close?.();
    process.exit(0);
  });
}
