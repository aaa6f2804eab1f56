/**
 * The orders API on Express 5. Auth is one line (`app.use(auth(...))`) plus one guard per route,
 * all from the shared policy module.
 */
import { once } from 'node:events';
import express from 'express';
import { auth, guard } from '@bearer-guard/express';
import { authOptions, deleteOrders, readOrders, writeOrders } from '@bearer-guard/example-policy';
import { BAD_BODY, HEALTHY, NOT_FOUND, SERVER_ERROR, createOrderBook } from '@bearer-guard/example-policy/orders';

/**
 * @param {import('@bearer-guard/example-policy').PolicySettings & { port?: number, host?: string }} options
 *   `dpop`, `decryption`, `introspection`: DPoP-bound, encrypted, opaque tokens too (see the
 *   policy's `authOptions`)
 * @returns {Promise<{ url: string, close(): Promise<void> }>}
 */
export async function createOrdersApp({
  issuer,
  revocation,
  dpop = false,
  decryption,
  introspection,
  port = 0,
  host = '127.0.0.1',
}) {
  const book = createOrderBook();
  const app = express();
  app.disable('x-powered-by');

  app.get('/health', (_req, res) => res.json(HEALTHY));
  app.use(auth(authOptions({ issuer, revocation, dpop, decryption, introspection })));

  app.get('/orders', guard(readOrders), (_req, res) => res.json(book.list()));
  app.get('/orders/:id', guard(readOrders), (req, res) => {
    const order = book.get(req.params.id);
    if (order) res.json(order);
    else res.status(404).json(NOT_FOUND);
  });
  app.post('/orders', guard(writeOrders), express.json(), (req, res) => {
    const created = book.create(req.body, String(req.auth?.payload.sub));
    if ('error' in created) return res.status(400).json(created.error);
    res.status(201).location(`/orders/${created.order.id}`).json(created.order);
  });
  app.delete('/orders/:id', guard(deleteOrders), (req, res) => {
    if (book.remove(req.params.id)) res.status(204).end();
    else res.status(404).json(NOT_FOUND);
  });

  app.use((_req, res) => res.status(404).json(NOT_FOUND));
  /** @type {express.ErrorRequestHandler} */
  const onError = (error, _req, res, _next) => {
    const status = error.status ?? error.statusCode ?? 500;
    if (status >= 400 && status < 500) res.status(status).json(BAD_BODY);
    else res.status(500).json(SERVER_ERROR);
  };
  app.use(onError);

  const server = app.listen(port, host);
  await once(server, 'listening');
  const { port: actual } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://${host}:${actual}`,
    async close() {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    },
  };
}
