/** Fastify 5 servers: bare, bearer-guard (every mode), @fastify/jwt (public key), fastify-jwt-jwks. */
import Fastify from 'fastify';
import { ORDERS, bearerGuardOptions, serve } from './common.mjs';

async function register(app, spec, ctx) {
  switch (spec.variant) {
    case 'bare':
      return;
    case 'bearer-guard': {
      const { default: bearerGuard } = await import('@bearer-guard/fastify');
      await app.register(bearerGuard, await bearerGuardOptions(spec, ctx.jwksServer, ctx.cleanups));
      return;
    }
    case '@fastify/jwt': {
      const { default: fastifyJwt } = await import('@fastify/jwt');
      await app.register(fastifyJwt, {
        secret: { public: spec.key.spki },
        verify: { allowedIss: spec.issuer, allowedAud: spec.audience, algorithms: [spec.key.alg] },
      });
      app.addHook('onRequest', (request) => request.jwtVerify());
      return;
    }
    case 'fastify-jwt-jwks': {
      const { default: fastifyJwtJwks } = await import('fastify-jwt-jwks');
      await app.register(fastifyJwtJwks, { jwksUrl: ctx.jwksServer.url, issuer: spec.issuer, audience: spec.audience });
      app.addHook('onRequest', (request) => app.authenticate(request));
      return;
    }
    default:
      throw new Error(`fastify: unknown variant ${spec.variant}`);
  }
}

serve(async (spec, ctx) => {
  const app = Fastify({ logger: false });
  await register(app, spec, ctx);
  app.get('/orders', async () => ORDERS);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { port: app.server.address().port, server: app.server, close: () => app.close() };
});
