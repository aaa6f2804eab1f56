/**
 * Express-specific behaviour; the shared behaviour is in conformance/.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type expressModule from 'express';
import type { ErrorRequestHandler, Express } from 'express';
import express4 from 'express4';
import express5 from 'express5';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requireScopes as coreScopes, requireRoles as coreRoles } from '@bearer-guard/core';
import { allOf, auth, claimCheck, guard, requireRoles, requireScopes } from '../src/index.js';
import { VERIFIER, hs256 } from '../../../test/helpers/hs256.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0))
    await new Promise((r) => {
      s.closeAllConnections();
      s.close(r);
    });
});

async function start(app: Express): Promise<string> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let express: typeof expressModule;

const get = (url: string, token?: string) => fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });

describe.each([
  ['express4', express4],
  ['express5', express5],
])('%s', (_name, framework) => {
  beforeAll(() => {
    express = framework;
  });

  describe('auth()', () => {
    it('validates options at construction', () => {
      expect(() => auth({ ...VERIFIER, audiense: 'x' } as never)).toThrow(TypeError);
      expect(() => auth({} as never)).toThrow(/issuer/);
    });

    it('sets req.auth, and leaves it undefined for an optional request without token', async () => {
      const app = express();
      app.use(auth({ ...VERIFIER, optional: true }));
      app.get('/', (req, res) => res.json({ auth: req.auth ?? null }));
      const base = await start(app);
      expect(await (await get(base)).json()).toEqual({ auth: null });
      const token = hs256();
      const body = (await (await get(base, token)).json()) as { auth: unknown };
      expect(body.auth).toMatchObject({ payload: { sub: 'user-1' }, header: { alg: 'HS256' }, token });
    });

    it('forwardErrors hands the error to next(err) with status, headers and body', async () => {
      const app = express();
      app.use(auth({ ...VERIFIER, forwardErrors: true }));
      app.get('/', (_req, res) => res.json({}));
      const seen: unknown[] = [];
      const handler: ErrorRequestHandler = (err, _req, _res, next) => {
        seen.push({ status: err.status, headers: err.headers, body: err.body, reason: err.reason });
        next(err);
      };
      app.use(handler);
      const base = await start(app);
      const res = await get(base, hs256({ exp: 1 }));
      expect(seen).toEqual([
        {
          status: 401,
          headers: {
            'www-authenticate':
              'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"',
            'cache-control': 'no-store',
          },
          body: { error: 'invalid_token', error_description: 'The access token is invalid' },
          reason: 'token_expired',
        },
      ]);
      // Express's own final handler keeps the status and the challenge (it reads err.status and err.headers).
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(
        'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"',
      );
    });

    it('never leaves an unhandled rejection, even when the response cannot be written', async () => {
      const unhandled: unknown[] = [];
      const listener = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', listener);
      try {
        const app = express();
        app.use((_req, res, next) => {
          res.status(299).set('x', '1');
          res.flushHeaders(); // headers already sent: auth() must fall back to next(err)
          next();
        });
        app.use(auth(VERIFIER));
        app.get('/', (_req, res) => res.end());
        app.use(((_err, _req, res, _next) => res.end('handled')) as ErrorRequestHandler);
        const base = await start(app);
        const res = await get(base);
        expect(res.status).toBe(299);
        expect(await res.text()).toBe('handled');
        await new Promise((r) => setTimeout(r, 20));
        expect(unhandled).toEqual([]);
      } finally {
        process.off('unhandledRejection', listener);
      }
    });
  });

  describe('guards', () => {
    it('app.use(auth), not called, is a set-up error that says to call it', async () => {
      const app = express();
      app.use(auth as never);
      app.get('/', (_req, res) => res.json({}));
      app.use(((err, _req, res, _next) =>
        res.status(500).json({ message: (err as Error).message })) as ErrorRequestHandler);
      const res = await get(await start(app), hs256());
      expect([res.status, await res.json()]).toEqual([
        500,
        {
          message:
            'bearer-guard: auth was installed without being called: write app.use(auth(options)), not app.use(auth)',
        },
      ]);
    });

    it('combine core guards and guard middleware in allOf, and run core guards through guard()', async () => {
      const app = express();
      app.use(auth({ ...VERIFIER, realm: 'shop' }));
      app.get('/mixed', allOf(requireScopes('read'), coreRoles('admin')), (_req, res) => res.json({ ok: true }));
      app.get('/core', guard(coreScopes('read')), (_req, res) => res.json({ ok: true }));
      app.get(
        '/check',
        claimCheck(async (p) => p.sub === 'user-1'),
        (_req, res) => res.json({ ok: true }),
      );
      app.get('/roles', requireRoles('admin'), (_req, res) => res.json({ ok: true }));
      const base = await start(app);
      expect((await get(`${base}/mixed`, hs256({ scope: 'read', roles: ['admin'] }))).status).toBe(200);
      const refused = await get(`${base}/mixed`, hs256({ scope: 'read' }));
      expect(refused.status).toBe(403);
      expect(refused.headers.get('www-authenticate')).toBe(
        'Bearer realm="shop", error="insufficient_scope", error_description="The access token does not grant the required permissions"',
      );
      expect((await get(`${base}/core`, hs256({ scope: 'read' }))).status).toBe(200);
      expect((await get(`${base}/check`, hs256())).status).toBe(200);
      expect((await get(`${base}/check`, hs256({ sub: 'someone' }))).status).toBe(403);
    });

    it('forward their errors when auth() forwards', async () => {
      const app = express();
      app.use(auth({ ...VERIFIER, forwardErrors: true }));
      app.get('/', requireScopes('write'), (_req, res) => res.json({}));
      app.use(((err, _req, res, _next) => res.status(418).json({ reason: err.reason })) as ErrorRequestHandler);
      const res = await get(await start(app), hs256({ scope: 'read' }));
      expect(res.status).toBe(418);
      expect(await res.json()).toEqual({ reason: 'insufficient_scope' });
    });

    it("still answer 401 after an error handler of the app's own swallows a forwarded failure", async () => {
      const app = express();
      app.use(auth({ ...VERIFIER, forwardErrors: true }));
      // A careless handler: logs nothing, and carries on as if nothing happened.
      app.use(((_err, _req, _res, next) => next()) as ErrorRequestHandler);
      app.get('/', requireScopes('read'), (req, res) => res.json({ handlerRan: true, auth: req.auth ?? null }));
      const base = await start(app);
      for (const token of [hs256({ scope: 'read', exp: 1 }), 'not-a-token', undefined]) {
        const res = await get(base, token);
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="api"/);
      }
      const ok = await get(base, hs256({ scope: 'read' }));
      expect([ok.status, ((await ok.json()) as { handlerRan: boolean }).handlerRan]).toEqual([200, true]);
    });

    it('refuse values that are not guards at set-up', () => {
      expect(() => guard('read' as never)).toThrow(TypeError);
      expect(() => allOf((() => undefined) as never)).toThrow(TypeError);
    });
  });
});
