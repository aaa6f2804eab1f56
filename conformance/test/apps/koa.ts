/**
 * The table's app on Koa (2 or 3): one @koa/router per mount, @koa/bodyparser for form-body
 * tokens, and an error middleware that renders forwarded errors as `{ forwarded, status, body }`.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isBearerError } from '@bearer-guard/core';
import * as adapter from '@bearer-guard/koa';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type Koa from 'koa';
import type { Middleware } from 'koa';
import { handlerBody, OUTSIDE_PATH, routeGuards, rowId, setupErrorBody, type AppFactory } from './routes.js';

const renderForwarded: Middleware = async (ctx, next) => {
  try {
    await next();
  } catch (err) {
    if (!isBearerError(err)) throw err;
    ctx.status = err.status;
    ctx.set(err.headers);
    ctx.body = { forwarded: true, status: err.status, body: err.body };
  }
};

export function koaApp(KoaClass: new () => Koa): AppFactory {
  return async ({ mounts, hit }) => {
    const app = new KoaClass();
    app.silent = true;
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch (error) {
        const body = setupErrorBody(error);
        if (!body) throw error;
        ctx.status = 500;
        ctx.body = body;
      }
    });
    app.use(bodyParser());
    const outside = new Router();
    outside.get(OUTSIDE_PATH, adapter.requireAuth(), (ctx) => {
      hit(rowId(ctx.headers));
      ctx.body = {};
    });
    app.use(outside.routes());
    for (const { prefix, options, appErrorHandler = true } of mounts) {
      const router = new Router({ prefix: `/${prefix}` });
      if (appErrorHandler) router.use(renderForwarded);
      router.use(adapter.auth(options));
      for (const [route, guard] of routeGuards(adapter)) {
        const handler: Middleware = (ctx) => {
          hit(rowId(ctx.headers));
          ctx.body = handlerBody(route, ctx.state.auth, ctx);
        };
        const stack = guard ? [guard, handler] : [handler];
        router.get(`/${route}`, ...stack);
        router.post(`/${route}`, ...stack);
        router.options(`/${route}`, ...stack);
      }
      app.use(router.routes());
    }
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
