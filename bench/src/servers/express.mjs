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
    case 'bg-timed': {
      const { auth } = await import('@bearer-guard/express');
      const mw = auth(await bearerGuardOptions(spec, ctx.jwksServer, ctx.cleanups));
      let acc = 0, n = 0;
      setInterval(() => { if (n) console.log('mw µs', (acc * 1000 / n).toFixed(2), n); acc = 0; n = 0; }, 2000).unref();
      return (req, res, next) => { const t0 = performance.now(); mw(req, res, () => { acc += performance.now() - t0; n++; next(); }); };
    }
    case 'bg-split': {
      const core = await import('@bearer-guard/core');
      const { authenticateNow, createAdapterBase, responseHeadersOf } = await import('@bearer-guard/core/adapter');
      const base = createAdapterBase(await bearerGuardOptions(spec, ctx.jwksServer, ctx.cleanups), [{}], () => {});
      const acc = [0, 0, 0, 0, 0]; let n = 0;
      setInterval(() => { if (n) console.log('split µs', acc.map((a) => (a * 1000 / n).toFixed(2)).join(' '), n); acc.fill(0); n = 0; }, 2000).unref();
      const now = performance.now.bind(performance);
      return (req, res, next) => {
        const t0 = now();
        const metadata = base.metadata(req.method, req.originalUrl ?? req.url);
        const t1 = now();
        base.bind(req);
        const t2 = now();
        const parts = { headers: req.headers, rawHeaders: req.rawHeaders, url: req.originalUrl ?? req.url, body: req.body, method: req.method };
        const t3 = now();
        const result = authenticateNow(base.verifier, parts, { request: req });
        const t4 = now();
        req.auth = result; const h = responseHeadersOf(result);
        const t5 = now();
        acc[0] += t1 - t0; acc[1] += t2 - t1; acc[2] += t3 - t2; acc[3] += t4 - t3; acc[4] += t5 - t4; n++;
        next();
      };
    }
    case 'store-test': {
      const acc = [0, 0, 0, 0, 0]; let n = 0;
      setInterval(() => { if (n) console.log('store µs', acc.map((a) => (a * 1000 / n).toFixed(2)).join(' '), n); acc.fill(0); n = 0; }, 2000).unref();
      const now = performance.now.bind(performance);
      const SYM = Symbol.for('bearer-guard.binding'); const wm = new WeakMap(); const b = {};
      return (req, res, next) => {
        const t0 = now();
        const t1 = now();
        req[SYM] = b;
        const t2 = now();
        req.auth = b;
        const t3 = now();
        wm.set(req, b);
        const t4 = now();
        const h = req.headers;
        const t5 = now();
        acc[0] += t1 - t0; acc[1] += t2 - t1; acc[2] += t3 - t2; acc[3] += t4 - t3; acc[4] += t5 - t4; n++;
        next();
      };
    }
    case 'noop':
      return (_req, _res, next) => next();
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
