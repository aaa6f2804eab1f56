/**
 * The table's app on Fastify (4 or 5): one encapsulated child per mount with the plugin and an
 * error handler that renders forwarded errors as `{ forwarded, status, body }`; guards as route
 * `onRequest` hooks; @fastify/formbody for form-body tokens.
 */
import { isBearerError } from '@bearer-guard/core';
import * as adapter from '@bearer-guard/fastify';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import {
  FASTIFY_ROUTE_CONFIG,
  handlerBody,
  METHODS,
  OUTSIDE_PATH,
  routeGuards,
  rowId,
  setupErrorBody,
  type AppFactory,
} from './routes.js';

export function fastifyApp(
  fastify: (options: { logger: boolean }) => FastifyInstance,
  formbody: FastifyPluginAsync,
): AppFactory {
  return async ({ mounts, hit }) => {
    const app = fastify({ logger: false });
    await app.register(formbody);
    app.setErrorHandler((err, _request, reply) => {
      const body = setupErrorBody(err);
      return body ? reply.code(500).send(body) : reply.send(err);
    });
    app.get(OUTSIDE_PATH, { onRequest: adapter.requireAuth() }, async (request) => {
      hit(rowId(request.headers));
      return {};
    });
    for (const { prefix, options, appErrorHandler = true } of mounts) {
      await app.register(
        // biome-ignore lint/nursery/noMisusedPromises: Fastify takes async plugins (FastifyPluginAsync)
        async (child) => {
          await child.register(adapter.default, options);
          if (appErrorHandler) {
            child.setErrorHandler((err, _request, reply) => {
              if (!isBearerError(err)) return reply.send(err);
              return reply
                .code(err.status)
                .headers(err.headers)
                .send({ forwarded: true, status: err.status, body: err.body });
            });
          }
          for (const [route, guard] of routeGuards(adapter)) {
            const config = FASTIFY_ROUTE_CONFIG[route];
            child.route({
              method: [...METHODS],
              url: `/${route}`,
              ...(config !== undefined ? { config: { auth: config as never } } : guard ? { onRequest: guard } : {}),
              handler: async (request) => {
                hit(rowId(request.headers));
                return handlerBody(route, request.auth, request);
              },
            });
          }
        },
        { prefix: `/${prefix}` },
      );
    }
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    return { base: `http://127.0.0.1:${port}`, close: () => app.close() };
  };
}
