/** Koa 3 servers (with @koa/router): bare, bearer-guard (every mode), koa-jwt + jwks-rsa. */
import { createRequire } from 'node:module';
import * as http from 'node:http';
import Koa from 'koa';
import Router from '@koa/router';
import { ORDERS, bearerGuardOptions, listen, serve } from './common.mjs';

const require = createRequire(import.meta.url);

async function authMiddleware(spec, ctx) {
  switch (spec.variant) {
    case 'bare':
      return undefined;
    case 'bearer-guard': {
      const { auth } = await import('@bearer-guard/koa');
      return auth(await bearerGuardOptions(spec, ctx.jwksServer, ctx.cleanups));
    }
    case 'koa-jwt': {
      const jwt = require('koa-jwt');
      const { koaJwtSecret } = require('jwks-rsa');
      return jwt({
        secret: koaJwtSecret({ jwksUri: ctx.jwksServer.url, cache: true, rateLimit: true, jwksRequestsPerMinute: 10 }),
        issuer: spec.issuer,
        audience: spec.audience,
        algorithms: [spec.key.alg],
      });
    }
    default:
      throw new Error(`koa: unknown variant ${spec.variant}`);
  }
}

serve(async (spec, ctx) => {
  const app = new Koa();
  // Autocannon closes its pipelined connections with answers still in flight at the end of each
  // slice: Koa would print every EPIPE (a cost inside the next slice, and noise in the log).
  app.silent = true;
  const router = new Router();
  router.get('/orders', (context) => {
    context.body = ORDERS;
  });
  const middleware = await authMiddleware(spec, ctx);
  if (middleware) app.use(middleware);
  app.use(router.routes());
  return listen(http.createServer(app.callback()));
});
