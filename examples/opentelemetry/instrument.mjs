/**
 * bearer-guard in OpenTelemetry: spans and counters from bearer-guard's diagnostics channels,
 * with nothing but `@opentelemetry/api` (bring your own SDK, exporter and context setup).
 *
 * - every verification (the tracing channel `bearer-guard:verify`) becomes a span
 *   `bearer-guard verify`, with the token's `alg`, `kid` and issuer on success, and the rejection's
 *   code and reason (status ERROR) on failure; never the token;
 * - `bearer_guard.verifications` counts verifications by outcome (`ok`, `rejected`);
 * - `bearer_guard.rejections` counts rejections by `code` and `reason` (guards' 403s included);
 * - `bearer_guard.key_fetches` counts JWKS and discovery events by `type` (`jwks_fetch`,
 *   `jwks_fetch_error`, `discovery`, `jwks_private_key`…).
 */
import { channel, tracingChannel } from 'node:diagnostics_channel';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';

/**
 * Subscribes to bearer-guard's channels; returns a function that unsubscribes.
 * @param {{ tracer: import('@opentelemetry/api').Tracer, meter: import('@opentelemetry/api').Meter }} otel
 * @returns {() => void}
 */
export function instrumentBearerGuard({ tracer, meter }) {
  const verifications = meter.createCounter('bearer_guard.verifications', {
    description: 'Token verifications, by outcome',
  });
  const rejections = meter.createCounter('bearer_guard.rejections', {
    description: 'Rejected requests, by code and reason',
  });
  const fetches = meter.createCounter('bearer_guard.key_fetches', {
    description: 'JWKS and discovery events, by type',
  });
  /** @type {WeakMap<object, import('@opentelemetry/api').Span>} */
  const spans = new WeakMap();

  const verify = tracingChannel('bearer-guard:verify');
  const handlers = {
    start(context) {
      spans.set(
        context,
        tracer.startSpan('bearer-guard verify', {
          kind: SpanKind.INTERNAL,
          attributes: { 'bearer_guard.operation': context.operation },
        }),
      );
    },
    asyncEnd(context) {
      const span = spans.get(context);
      if (!span) return;
      spans.delete(context);
      if (context.error) {
        span.setAttributes({ 'bearer_guard.code': context.error.code, 'bearer_guard.reason': context.error.reason });
        span.setStatus({ code: SpanStatusCode.ERROR, message: context.error.reason });
        verifications.add(1, { outcome: 'rejected' });
      } else {
        const summary = context.result;
        // No token on an optional route: nothing was verified.
        if (summary)
          span.setAttributes({
            'bearer_guard.alg': summary.alg,
            'bearer_guard.kid': summary.kid ?? '',
            'bearer_guard.issuer': summary.issuer ?? '',
          });
        span.setStatus({ code: SpanStatusCode.OK });
        verifications.add(1, { outcome: summary ? 'ok' : 'anonymous' });
      }
      span.end();
    },
  };
  verify.subscribe(handlers);
  const onRejection = (message) => rejections.add(1, { code: message.code, reason: message.reason });
  const onFetch = (event) => fetches.add(1, { type: event.type });
  channel('bearer-guard:rejection').subscribe(onRejection);
  channel('bearer-guard:fetch').subscribe(onFetch);
  return () => {
    verify.unsubscribe(handlers);
    channel('bearer-guard:rejection').unsubscribe(onRejection);
    channel('bearer-guard:fetch').unsubscribe(onFetch);
  };
}
