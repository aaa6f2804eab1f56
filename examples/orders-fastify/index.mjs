/**
 * The orders API on Fastify 5. Auth is the plugin (registered once) plus `config.auth` on each
 * route, with the guards of the shared policy module.
 */
import Fastify from 'fastify';
import bearerGuard from '@bearer-guard/fastify';
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
  const app = Fastify({ forceCloseConnections: true });
  await app.register(bearerGuard, authOptions({ issuer, revocation, dpop, decryption, introspection }));

  /** @typedef {{ Params: { id: string } }} ById */
  app.get('/health', { config: { auth: false } }, async () => HEALTHY);
  app.get('/orders', { config: { auth: { guard: readOrders } } }, async () => book.list());
  app.get(
    '/orders/:id',
    { config: { auth: { guard: readOrders } } },
    async (/** @type {import('fastify').FastifyRequest<ById>} */ request, reply) => {
      const order = book.get(request.params.id);
      return order ?? reply.code(404).send(NOT_FOUND);
    },
  );
  app.post('/orders', { config: { auth: { guard: writeOrders } } }, async (request, reply) => {
    const created = book.create(request.body, String(request.auth?.payload.sub));
    if ('error' in created) return reply.code(400).send(created.error);
    return reply.code(201).header('location', `/orders/${created.order.id}`).send(created.order);
  });
  app.delete(
    '/orders/:id',
    { config: { auth: { guard: deleteOrders } } },
    async (/** @type {import('fastify').FastifyRequest<ById>} */ request, reply) => {
      if (book.remove(request.params.id)) return reply.code(204).send();
      return reply.code(404).send(NOT_FOUND);
    },
  );

  app.setNotFoundHandler((_request, reply) => reply.code(404).send(NOT_FOUND));
  app.setErrorHandler((error, _request, reply) => {
    const status = /** @type {any} */ (error).statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.code(status).send(BAD_BODY);
    return reply.code(500).send(SERVER_ERROR);
  });

  const url = await app.listen({ port, host });
  return { url, close: () => app.close() };
}
