/** Express 5 servers: bare, bearer-guard (every mode), express-oauth2-jwt-bearer, express-jwt + jwks-rsa. */
import * as http from 'node:http';
import { createRequire } from 'node:module';
import express from 'express';
import { ORDERS, bearerGuardOptions, listen, serve } from './common.mjs';

const require = createRequire(import.meta.url);

async function authMiddleware(spec, ctx) {
  switch (spec.variant) {
    case 'bare':
      return undefined;
    case 'bearer-guard': {
      const { auth } = await import('@bearer-guard/express');
      return auth(await bearerGuardOptions(spec, ctx.jwksServer, ctx.cleanups));
    }
    case 'express-oauth2-jwt-bearer': {
      const { auth } = require('express-oauth2-jwt-bearer');
      return auth({
        issuer: spec.issuer,
        audience: spec.audience,
        jwksUri: ctx.jwksServer.url,
        tokenSigningAlg: spec.key.alg,
      });
    }
    case 'express-jwt': {
      const { expressjwt } = require('express-jwt');
      const jwksRsa = require('jwks-rsa');
      return expressjwt({
        secret: jwksRsa.expressJwtSecret({
          jwksUri: ctx.jwksServer.url,
          cache: true,
          rateLimit: true,
          jwksRequestsPerMinute: 10,
        }),
        issuer: spec.issuer,
        audience: spec.audience,
        algorithms: [spec.key.alg],
      });
    }
    default:
      throw new Error(`express: unknown variant ${spec.variant}`);
  }
}

serve(async (spec, ctx) => {
  const app = express();
  const middleware = await authMiddleware(spec, ctx);
  if (middleware) app.use(middleware);
  app.get('/orders', (_req, res) => {
    res.json(ORDERS);
  });
  // Peers hand failures to next(err): answer them as JSON, not Express's HTML page.
  app.use((err, _req, res, _next) => {
    res.status(err.status ?? err.statusCode ?? 500).json({ error: err.code ?? 'error' });
  });
  return listen(http.createServer(app));
});
