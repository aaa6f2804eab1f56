import * as http from 'node:http';
import inject from 'light-my-request';
import express from 'express';
import Koa from 'koa';
import Router from '@koa/router';
import Fastify from 'fastify';
import { generateKey, mint } from '../lib/tokens.mjs';
import { ISSUER, AUDIENCE } from '../config.mjs';
import { ORDERS } from '../servers/common.mjs';
const key = await generateKey('RS256');
const token = await mint(key, 1);
const opts = { issuer: ISSUER, audience: AUDIENCE, publicKey: key.spki };
async function build(fw, variant) {
  if (fw === 'express') {
    const app = express();
    if (variant === 'noop') app.use((q, s, n) => n());
    if (variant === 'bg') app.use((await import('@bearer-guard/express')).auth(opts));
    app.get('/orders', (_q, res) => res.json(ORDERS));
    return (o) => inject(app, o);
  }
  if (fw === 'koa') {
    const app = new Koa(); const r = new Router();
    r.get('/orders', (c) => { c.body = ORDERS; });
    if (variant === 'noop') app.use((c, n) => n());
    if (variant === 'bg') app.use((await import('@bearer-guard/koa')).auth(opts));
    app.use(r.routes());
    const cb = app.callback();
    return (o) => inject(cb, o);
  }
  const app = Fastify();
  if (variant === 'noop') app.addHook('onRequest', async () => undefined);
  if (variant === 'bg') await app.register((await import('@bearer-guard/fastify')).default, opts);
  app.get('/orders', async () => ORDERS);
  await app.ready();
  return (o) => app.inject(o);
}
const fw = process.argv[2]; const variants = (process.argv[3] ?? 'bare,noop,bg').split(',');
const reqOpts = { method: 'GET', url: '/orders', headers: { authorization: `Bearer ${token}` } };
const runs = {};
for (const v of variants) { runs[v] = { fn: await build(fw, v), cpu: [] }; const r = await runs[v].fn(reqOpts); if (r.statusCode !== 200) throw new Error(v + ' ' + r.statusCode); }
const N = Number(process.env.N ?? 20000), REPS = Number(process.env.REPS ?? 7);
for (let rep = 0; rep < REPS; rep++) for (const v of variants) {
  globalThis.gc?.();
  const t0 = process.cpuUsage();
  for (let i = 0; i < N; i++) await runs[v].fn(reqOpts);
  const t = process.cpuUsage(t0);
  runs[v].cpu.push((t.user + t.system) / N);
}
const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
for (const v of variants) console.log(fw, v.padEnd(6), 'cpu/req', med(runs[v].cpu).toFixed(2), 'added', (med(runs[v].cpu) - med(runs.bare.cpu)).toFixed(2), runs[v].cpu.map((c, i) => (c - runs.bare.cpu[i]).toFixed(2)).join(' '));
