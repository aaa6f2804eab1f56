/**
 * The orders API on Koa 3 with @koa/router. Auth is one line (`app.use(auth(...))`) plus one
 * guard per route, all from the shared policy module.
 */
import { once } from 'node:events';
import Koa from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import { auth, guard } from '@bearer-guard/koa';
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
  const app = new Koa();
  const open = new Router();
  const orders = new Router();

  open.get('/health', (ctx) => {
    ctx.body = HEALTHY;
  });
  orders.get('/orders', guard(readOrders), (ctx) => {
    ctx.body = book.list();
  });
  orders.get('/orders/:id', guard(readOrders), (ctx) => {
    const order = book.get(ctx.params.id);
    ctx.status = order ? 200 : 404;
    ctx.body = order ?? NOT_FOUND;
  });
  orders.post('/orders', guard(writeOrders), bodyParser({ enableTypes: ['json'] }), (ctx) => {
    const created = book.create(ctx.request.body, String(ctx.state.auth?.payload.sub));
    if ('error' in created) {
      ctx.status = 400;
      ctx.body = created.error;
      return;
    }
    ctx.status = 201;
    ctx.set('location', `/orders/${created.order.id}`);
    ctx.body = created.order;
  });
  orders.delete('/orders/:id', guard(deleteOrders), (ctx) => {
    ctx.status = book.remove(ctx.params.id) ? 204 : 404;
    if (ctx.status === 404) ctx.body = NOT_FOUND;
  });

  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const status = /** @type {any} */ (error).status ?? 500;
      ctx.status = status >= 400 && status < 500 ? status : 500;
      ctx.body = ctx.status === 500 ? SERVER_ERROR : BAD_BODY;
    }
  });
  app.use(open.routes());
  app.use(auth(authOptions({ issuer, revocation, dpop, decryption, introspection })));
  app.use(orders.routes());
  app.use((ctx) => {
    ctx.status = 404;
    ctx.body = NOT_FOUND;
  });

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
