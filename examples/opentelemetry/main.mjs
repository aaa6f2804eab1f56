/**
 * Runs an Express API behind bearer-guard with OpenTelemetry printing spans and metrics to the
 * console, against a local test issuer: `node main.mjs`, then watch a valid, an expired and a
 * token-less request become spans and counters.
 */
import { createTestIssuer } from '@bearer-guard/testing';
import { metrics, trace } from '@opentelemetry/api';
import { ConsoleMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, ConsoleSpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { auth, requireScopes } from '@bearer-guard/express';
import express from 'express';
import { instrumentBearerGuard } from './instrument.mjs';

const tracerProvider = new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())],
});
const reader = new PeriodicExportingMetricReader({
  exporter: new ConsoleMetricExporter(),
  exportIntervalMillis: 60_000,
});
const meterProvider = new MeterProvider({ readers: [reader] });
trace.setGlobalTracerProvider(tracerProvider);
metrics.setGlobalMeterProvider(meterProvider);
const stop = instrumentBearerGuard({
  tracer: trace.getTracer('bearer-guard'),
  meter: metrics.getMeter('bearer-guard'),
});

const issuer = await createTestIssuer();
const app = express();
app.use(auth({ issuer: issuer.issuer, audience: 'orders' }));
app.get('/orders', requireScopes('read:orders'), (req, res) => res.json({ user: req.auth?.payload.sub }));
const server = app.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const url = `http://127.0.0.1:${server.address().port}/orders`;

const valid = await issuer.sign({ sub: 'u1', scope: 'read:orders' }, { audience: 'orders' });
const expired = await issuer.sign({ sub: 'u1' }, { audience: 'orders', expiresIn: '-1m' });
for (const token of [valid, expired, undefined]) {
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  console.log(`GET /orders → ${res.status}`);
}
await reader.forceFlush();
stop();
server.close();
await Promise.all([issuer.close(), tracerProvider.shutdown(), meterProvider.shutdown()]);
