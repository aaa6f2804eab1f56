/**
 * The table's app on Express (4 or 5): one Router per mount, `express.urlencoded` for form-body
 * tokens, and an error handler that renders forwarded errors as `{ forwarded, status, body }`.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isBearerError } from '@bearer-guard/core';
import * as adapter from '@bearer-guard/express';
import type { ErrorRequestHandler, Express, Router, RequestHandler } from 'express';
import { handlerBody, OUTSIDE_PATH, routeGuards, rowId, setupErrorBody, type AppFactory } from './routes.js';

/** The parts of `express` the app uses, so that Express 4 and 5 fit one type. */
export interface ExpressModule {
  (): Express;
  Router(): Router;
  urlencoded(options: { extended: boolean }): RequestHandler;
}

const renderForwarded: ErrorRequestHandler = (err, _req, res, next) => {
  if (!isBearerError(err)) return next(err);
  res.status(err.status).set(err.headers).json({ forwarded: true, status: err.status, body: err.body });
};

export function expressApp(express: ExpressModule): AppFactory {
  return async ({ mounts, hit }) => {
    const app = express();
    for (const { prefix, options, appErrorHandler = true } of mounts) {
      const router = express.Router();
      router.use(express.urlencoded({ extended: false }));
      router.use(adapter.auth(options));
      for (const [route, guard] of routeGuards(adapter)) {
        const handler: RequestHandler = (req, res) => {
          hit(rowId(req.headers));
          res.json(handlerBody(route, req.auth, req));
        };
        const stack = guard ? [guard, handler] : [handler];
        router.get(`/${route}`, ...stack);
        router.post(`/${route}`, ...stack);
        router.options(`/${route}`, ...stack);
      }
      if (appErrorHandler) router.use(renderForwarded);
      app.use(`/${prefix}`, router);
    }
    app.get(OUTSIDE_PATH, adapter.requireAuth(), (req, res) => {
      hit(rowId(req.headers));
      res.json({});
    });
    app.use(((err, _req, res, next) => {
      const body = setupErrorBody(err);
      if (!body) return next(err);
      res.status(500).json(body);
    }) as ErrorRequestHandler);
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    return {
      base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  };
}
