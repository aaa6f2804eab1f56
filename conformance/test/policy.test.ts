/**
 * One policy module (options + core guards), imported unchanged by an Express, a Koa and a
 * Fastify app: every route answers every token identically in the three frameworks.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as bgExpress from '@bearer-guard/express';
import * as bgFastify from '@bearer-guard/fastify';
import * as bgKoa from '@bearer-guard/koa';
import Router from '@koa/router';
import express5 from 'express5';
import fastify5 from 'fastify5';
import koa3 from 'koa3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from './helpers/http.js';
import { createTestIssuer, type TestIssuer } from '@bearer-guard/testing';

type Policy = typeof import('./policy/policy.js');
type Rule = keyof Policy['policy'];
const rules: Rule[] = ['readOrders', 'refund', 'tenantAdmin'];

function listen(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function expressService({ options, policy }: Policy) {
  const app = express5();
  app.use(bgExpress.auth(options));
  for (const rule of rules)
    app.get(`/${rule}`, bgExpress.guard(policy[rule]), (req, res) => res.json({ rule, sub: req.auth?.payload.sub }));
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    base: listen(server),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function koaService({ options, policy }: Policy) {
  const app = new koa3();
  const router = new Router();
  for (const rule of rules) {
    router.get(`/${rule}`, bgKoa.guard(policy[rule]), (ctx) => {
      ctx.body = { rule, sub: ctx.state.auth?.payload.sub };
    });
  }
  app.use(bgKoa.auth(options));
  app.use(router.routes());
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    base: listen(server),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function fastifyService({ options, policy }: Policy, style: 'hook' | 'config') {
  const app = fastify5();
  await app.register(bgFastify.default, options);
  for (const rule of rules) {
    const handler = async (request: { auth?: { payload: { sub?: string } } | null }) => ({
      rule,
      sub: request.auth?.payload.sub,
    });
    if (style === 'hook') app.get(`/${rule}`, { onRequest: bgFastify.guard(policy[rule]) }, handler);
    else app.get(`/${rule}`, { config: { auth: { guard: policy[rule] } } }, handler);
  }
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { base: listen(app.server), close: () => app.close() };
}

describe('a shared policy module', () => {
  let issuer: TestIssuer;
  let services: [string, { base: string; close(): Promise<void> }][];

  beforeAll(async () => {
    issuer = await createTestIssuer({ audience: 'orders' });
    process.env.POLICY_ISSUER = issuer.issuer;
    const policy: Policy = await import('./policy/policy.js');
    services = [
      ['express', await expressService(policy)],
      ['koa', await koaService(policy)],
      ['fastify (onRequest hooks)', await fastifyService(policy, 'hook')],
      ['fastify (route config)', await fastifyService(policy, 'config')],
    ];
  });
  afterAll(async () => {
    for (const [, service] of services ?? []) await service.close();
    await issuer?.close();
    delete process.env.POLICY_ISSUER;
  });

  const tokens: Record<string, Record<string, unknown> | null> = {
    none: null,
    reader: { scope: 'read:orders' },
    support: { scope: 'write:orders', roles: ['support'] },
    writerOnly: { scope: 'write:orders' },
    acme: { tenant: 'acme' },
    expired: { scope: 'read:orders', exp: -60 },
  };

  it('gives the same status, challenge and body in every framework', async () => {
    const table: Record<string, Record<string, unknown>> = {};
    for (const [who, claims] of Object.entries(tokens)) {
      const { exp, ...rest } = claims ?? {};
      const token =
        claims && (await issuer.sign(rest, { subject: who, expiresIn: (exp as number | undefined) ?? '5m' }));
      for (const rule of rules) {
        const answers = new Map<string, unknown>();
        for (const [name, { base }] of services) {
          const res = await send(base, {
            method: 'GET',
            path: `/${rule}`,
            headers: token ? [['authorization', `Bearer ${token}`]] : [],
          });
          answers.set(name, { status: res.status, challenge: res.headers['www-authenticate'] ?? null, body: res.json });
        }
        const [first, ...rest] = [...answers.values()];
        for (const other of rest) expect(other, `${who} on /${rule}`).toEqual(first);
        table[who] ??= {};
        table[who][rule] = (first as { status: number }).status;
      }
    }
    expect(table).toEqual({
      none: { readOrders: 401, refund: 401, tenantAdmin: 401 },
      reader: { readOrders: 200, refund: 403, tenantAdmin: 403 },
      support: { readOrders: 403, refund: 200, tenantAdmin: 403 },
      writerOnly: { readOrders: 403, refund: 403, tenantAdmin: 403 },
      acme: { readOrders: 403, refund: 403, tenantAdmin: 200 },
      expired: { readOrders: 401, refund: 401, tenantAdmin: 401 },
    });
  });

  it('answers a refused refund with the policy realm and scopes', async () => {
    const [, { base }] = services[0]!;
    const token = await issuer.sign({ scope: 'read:orders' }, { subject: 'u' });
    const res = await send(base, { method: 'GET', path: '/refund', headers: [['authorization', `Bearer ${token}`]] });
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="orders", error="insufficient_scope", error_description="The access token does not grant the required permissions", scope="write:orders"',
    );
  });
});
