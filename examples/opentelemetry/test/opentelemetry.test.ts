/**
 * The OpenTelemetry example, read back through a real SDK: spans from an in-memory exporter and
 * counters from an in-memory metric exporter, for requests to a real Express app on 127.0.0.1
 * verifying tokens of a real local issuer (discovery + JWKS).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestIssuer, type TestIssuer } from '@bearer-guard/testing';
import { auth, requireScopes } from '@bearer-guard/express';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import express from 'express';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { instrumentBearerGuard } from '../instrument.mjs';

let issuer: TestIssuer;
let server: Server;
let base: string;
const spans = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
const metricsOut = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter: metricsOut, exportIntervalMillis: 3_600_000 });
const meterProvider = new MeterProvider({ readers: [reader] });
let stop: () => void;

beforeAll(async () => {
  stop = instrumentBearerGuard({ tracer: tracerProvider.getTracer('test'), meter: meterProvider.getMeter('test') });
  issuer = await createTestIssuer();
  const app = express();
  app.use(auth({ issuer: issuer.issuer, audience: 'orders' }));
  app.get('/orders', requireScopes('read:orders'), (req, res) => {
    res.json({ user: req.auth?.payload.sub });
  });
  server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  stop?.();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await issuer?.close();
  await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
});

/** The points of one counter, as `{ attributes, value }`. */
function counter(name: string): { attributes: Record<string, unknown>; value: number }[] {
  const last = metricsOut.getMetrics().at(-1);
  const metric = last?.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
  return (metric?.dataPoints ?? []).map((p) => ({ attributes: p.attributes, value: p.value as number }));
}

it('turns verifications, rejections and key fetches into spans and counters, never the token', async () => {
  const valid = await issuer.sign({ sub: 'u1', scope: 'read:orders' }, { audience: 'orders' });
  const wrongAudience = await issuer.sign({ sub: 'u2', scope: 'read:orders' }, { audience: 'billing' });
  const readOnly = await issuer.sign({ sub: 'u3', scope: 'write:orders' }, { audience: 'orders' });
  const statuses: number[] = [];
  for (const token of [valid, wrongAudience, readOnly, undefined]) {
    const res = await fetch(`${base}/orders`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    statuses.push(res.status);
  }
  expect(statuses).toEqual([200, 401, 403, 401]);

  const finished = spans
    .getFinishedSpans()
    .map((s) => ({ name: s.name, status: s.status.code, attributes: s.attributes }));
  expect(finished).toEqual([
    {
      name: 'bearer-guard verify',
      status: 1, // OK
      attributes: {
        'bearer_guard.operation': 'authenticate',
        'bearer_guard.alg': 'RS256',
        'bearer_guard.kid': issuer.kid,
        'bearer_guard.issuer': issuer.issuer,
      },
    },
    {
      name: 'bearer-guard verify',
      status: 2, // ERROR
      attributes: {
        'bearer_guard.operation': 'authenticate',
        'bearer_guard.code': 'invalid_token',
        'bearer_guard.reason': 'invalid_audience',
      },
    },
    {
      name: 'bearer-guard verify',
      status: 1,
      attributes: {
        'bearer_guard.operation': 'authenticate',
        'bearer_guard.alg': 'RS256',
        'bearer_guard.kid': issuer.kid,
        'bearer_guard.issuer': issuer.issuer,
      },
    },
    {
      name: 'bearer-guard verify',
      status: 2,
      attributes: {
        'bearer_guard.operation': 'authenticate',
        'bearer_guard.code': 'unauthorized',
        'bearer_guard.reason': 'missing_token',
      },
    },
  ]);
  const exported = JSON.stringify(spans.getFinishedSpans().map((s) => s.attributes));
  for (const token of [valid, wrongAudience, readOnly]) expect(exported.includes(token)).toBe(false);

  await reader.forceFlush();
  expect(counter('bearer_guard.verifications')).toEqual([
    { attributes: { outcome: 'ok' }, value: 2 },
    { attributes: { outcome: 'rejected' }, value: 2 },
  ]);
  expect(counter('bearer_guard.rejections')).toEqual([
    { attributes: { code: 'invalid_token', reason: 'invalid_audience' }, value: 1 },
    { attributes: { code: 'insufficient_scope', reason: 'insufficient_scope' }, value: 1 },
    { attributes: { code: 'unauthorized', reason: 'missing_token' }, value: 1 },
  ]);
  expect(counter('bearer_guard.key_fetches')).toEqual([
    { attributes: { type: 'discovery' }, value: 1 },
    { attributes: { type: 'jwks_fetch' }, value: 1 },
  ]);
});
