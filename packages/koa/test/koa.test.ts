/**
 * Koa-specific behaviour; the shared behaviour is in conformance/.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type KoaModule from 'koa';
import koa2 from 'koa2';
import koa3 from 'koa3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requireRoles as coreRoles } from '@bearer-guard/core';
import { allOf, auth, guard, requireScopes } from '../src/index.js';
import { VERIFIER, hs256 } from '../../../test/helpers/hs256.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0))
    await new Promise((r) => {
      s.closeAllConnections();
      s.close(r);
    });
});

async function start(app: KoaModule): Promise<string> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const get = (url: string, token?: string) => fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });

let Koa: typeof KoaModule;

describe.each([
  ['koa2', koa2],
  ['koa3', koa3],
])('%s', (_name, framework) => {
  beforeAll(() => {
    Koa = framework;
  });

  describe('auth()', () => {
    it('validates options at construction', () => {
      expect(() => auth({ ...VERIFIER, audiense: 'x' } as never)).toThrow(TypeError);
    });

    it('sets ctx.state.auth and does not call next on failure', async () => {
      const app = new Koa();
      const reached: string[] = [];
      app.use(auth(VERIFIER));
      app.use((ctx) => {
        reached.push(ctx.state.auth?.payload.sub ?? '');
        ctx.body = { sub: ctx.state.auth?.payload.sub };
      });
      const base = await start(app);
      expect(await (await get(base, hs256())).json()).toEqual({ sub: 'user-1' });
      const refused = await get(base, 'not.a.token');
      expect(refused.status).toBe(401);
      expect(refused.headers.get('content-type')).toMatch(/^application\/json/);
      expect(reached).toEqual(['user-1']);
    });

    it("forwardErrors throws: Koa's default handler keeps status and challenge, never the server-side message", async () => {
      const app = new Koa();
      app.silent = true;
      const errors: unknown[] = [];
      app.on('error', (err: { reason: string; expose?: boolean }) =>
        errors.push({ reason: err.reason, expose: err.expose }),
      );
      app.use(auth({ ...VERIFIER, forwardErrors: true }));
      app.use((ctx) => {
        ctx.body = 'never';
      });
      const res = await get(await start(app), hs256({ exp: 1 }));
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(
        'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"',
      );
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.text()).toBe('Unauthorized');
      expect(errors).toEqual([{ reason: 'token_expired', expose: undefined }]);
    });

    it('forwardErrors lets an error middleware reshape the answer', async () => {
      const app = new Koa();
      app.use(async (ctx, next) => {
        try {
          await next();
        } catch (err) {
          const e = err as { status: number; headers: Record<string, string>; body: object };
          ctx.status = e.status;
          ctx.set(e.headers);
          ctx.body = { problem: e.body };
        }
      });
      app.use(auth({ ...VERIFIER, forwardErrors: true }));
      app.use(requireScopes('write'));
      app.use((ctx) => {
        ctx.body = 'never';
      });
      const res = await get(await start(app), hs256({ scope: 'read' }));
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({
        problem: {
          error: 'insufficient_scope',
          error_description: 'The access token does not grant the required permissions',
        },
      });
    });

    it('does not catch errors thrown after it', async () => {
      const app = new Koa();
      app.silent = true;
      app.use(auth(VERIFIER));
      app.use(() => {
        throw Object.assign(new Error('boom'), { status: 409 });
      });
      const res = await get(await start(app), hs256());
      expect(res.status).toBe(409);
    });
  });

  describe('guards', () => {
    it('app.use(auth), not called, is a set-up error that says to call it', async () => {
      const app = new Koa();
      app.use(async (ctx, next) => {
        try {
          await next();
        } catch (error) {
          ctx.status = 500;
          ctx.body = { message: (error as Error).message };
        }
      });
      app.use(auth as never);
      const res = await get(await start(app), hs256());
      expect([res.status, await res.json()]).toEqual([
        500,
        {
          message:
            'bearer-guard: auth was installed without being called: write app.use(auth(options)), not app.use(auth)',
        },
      ]);
    });

    it('combine core guards and guard middleware', async () => {
      const app = new Koa();
      app.use(auth(VERIFIER));
      app.use(allOf(requireScopes('read'), coreRoles('admin')));
      app.use(guard(coreRoles('admin')));
      app.use((ctx) => {
        ctx.body = { ok: true };
      });
      const base = await start(app);
      expect((await get(base, hs256({ scope: 'read', roles: ['admin'] }))).status).toBe(200);
      expect((await get(base, hs256({ scope: 'read' }))).status).toBe(403);
    });

    it('refuse values that are not guards at set-up', () => {
      expect(() => guard({} as never)).toThrow(TypeError);
    });
  });
});
