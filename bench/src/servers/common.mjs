/**
 * What every benchmark server process shares: the IPC protocol with the parent, the tiny JWKS
 * server (in the same process, as a real remote JWKS on loopback would be), the response body,
 * and the bearer-guard options of each case.
 *
 * Protocol: parent → `{ type: 'start', spec }`; child → `{ type: 'listening', port }` or
 * `{ type: 'error', message }`. Then `{ type: 'stats' }` → `{ type: 'stats', jwksFetches }`,
 * `{ type: 'cpu' }` → `{ type: 'cpu', micros, requests }` (user + system CPU time of the whole
 * process so far, every thread included, and the requests the server has received), and `{ type: 'close' }` → the child exits. The child also exits when the parent goes away.
 */
import * as http from 'node:http';
import { exitWithParent } from '../lib/child.mjs';

/** The small JSON every `GET /orders` answers. */
export const ORDERS = {
  orders: [
    { id: 'o-1001', status: 'shipped', total: 42.5 },
    { id: 'o-1002', status: 'pending', total: 17 },
  ],
};

/** Serves `{ keys }` at `/.well-known/jwks.json` on 127.0.0.1, counting fetches. */
export async function startJWKSServer(jwks) {
  let fetches = 0;
  const body = JSON.stringify(jwks);
  const server = http.createServer((req, res) => {
    if (req.url === '/.well-known/jwks.json') {
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve, reject) => server.listen(0, '127.0.0.1', resolve).once('error', reject));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    fetches: () => fetches,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** True when the case needs the remote JWKS endpoint. */
export const needsJWKS = (spec) => spec.jwks === true;

/**
 * bearer-guard options for a case: a local `publicKey` (PEM) or the remote JWKS, cache on/off,
 * and an optional revocation store, built here so that every framework uses the same options.
 */
export async function bearerGuardOptions(spec, jwksServer, cleanups) {
  const options = { issuer: spec.issuer, audience: spec.audience };
  if (spec.jwks) options.jwksUri = jwksServer.url;
  else options.publicKey = spec.key.spki;
  if (spec.cache === false) options.cache = false;
  if (spec.revocation) {
    options.revocation = await revocationStore(spec.revocation, cleanups);
  }
  return options;
}

async function revocationStore({ kind, url, revoked }, cleanups) {
  let store;
  if (kind === 'memory') {
    const { memoryRevocationStore } = await import('@bearer-guard/core');
    store = memoryRevocationStore();
  } else if (kind === 'redis') {
    const { redisRevocationStore } = await import('@bearer-guard/redis');
    store = redisRevocationStore({ url }, { failurePolicy: 'deny' });
    cleanups.push(() => store.close());
    await store.ready;
  } else {
    throw new Error(`unknown revocation store ${kind}`);
  }
  // A realistic denylist: many revoked ids, none of them the load's tokens, plus the one the
  // parent checks is refused.
  const exp = Math.floor(Date.now() / 1000) + 3600;
  await Promise.all(revoked.map((jti) => store.revoke(jti, exp)));
  return store;
}

/**
 * Runs a server process: `build(spec, ctx)` returns `{ port, close }`; ctx carries the JWKS
 * server (when the case needs one) and a list of clean-ups.
 */
export function serve(build) {
  exitWithParent();
  let jwksServer;
  let app;
  let requests = 0;
  const cleanups = [];
  const shutdown = async () => {
    const timer = setTimeout(() => process.exit(0), 2000);
    try {
      await app?.close();
      for (const fn of cleanups) await fn();
      await jwksServer?.close();
    } finally {
      clearTimeout(timer);
      process.exit(0);
    }
  };
  process.on('message', async (message) => {
    try {
      if (message?.type === 'start') {
        const { spec } = message;
        if (needsJWKS(spec)) jwksServer = await startJWKSServer({ keys: [spec.key.jwk] });
        app = await build(spec, { jwksServer, cleanups });
        // The requests this server received: the load generator's count may include answers
        // to requests it sent before the measured window (pipelined ones still in flight).
        app.server.on('request', () => {
          requests++;
        });
        process.send({ type: 'listening', port: app.port });
      } else if (message?.type === 'stats') {
        process.send({ type: 'stats', jwksFetches: jwksServer?.fetches() ?? null, memory: process.memoryUsage().rss });
      } else if (message?.type === 'cpu') {
        const { user, system } = process.cpuUsage();
        process.send({ type: 'cpu', micros: user + system, requests });
      } else if (message?.type === 'close') {
        await shutdown();
      }
    } catch (error) {
      process.send({ type: 'error', message: error?.stack ?? String(error) });
    }
  });
  process.send({ type: 'ready' });
}

/** Listens a plain `http.Server` (Express, Koa) on an ephemeral loopback port. */
export async function listen(server) {
  await new Promise((resolve, reject) => server.listen(0, '127.0.0.1', resolve).once('error', reject));
  return {
    port: server.address().port,
    server,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
