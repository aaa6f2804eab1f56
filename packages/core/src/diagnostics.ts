/**
 * What the server side can see of bearer-guard at work, with nothing to configure:
 *
 * - `NODE_DEBUG=bearer-guard` prints one line to stderr per rejection (its reason and detail) and
 *   per JWKS or discovery fetch (Node's `util.debuglog`; nothing is printed otherwise);
 * - `node:diagnostics_channel`: the tracing channel `bearer-guard:verify` around every
 *   verification, and the channels `bearer-guard:rejection` and `bearer-guard:fetch`, so that
 *   OpenTelemetry or any APM can subscribe. Nothing is published while nobody subscribes.
 *
 * Never a token or a secret: rejection messages carry claim values (`iss`, `aud`, `typ`, `kid`),
 * quoted and shortened, and fetch events carry URLs; the verify context carries a summary of
 * the verified token, not the token.
 */
import { channel, tracingChannel } from 'node:diagnostics_channel';
import { debuglog, type DebugLogger } from 'node:util';
import type { BearerError, BearerErrorCode, BearerErrorReason } from './errors.js';
import type { JWKSEvent } from './key-source.js';

/** The names of bearer-guard's diagnostics channels. */
export const DIAGNOSTICS_CHANNELS = Object.freeze({
  /** Tracing channel (`start`, `end`, `asyncStart`, `asyncEnd`, `error`) around every verification. */
  verify: 'bearer-guard:verify',
  /** One message per rejection: {@link RejectionMessage}. */
  rejection: 'bearer-guard:rejection',
  /** One message per JWKS or discovery fetch and per key-source event: a `JWKSEvent`. */
  fetch: 'bearer-guard:fetch',
} as const);

/** What a verification yielded, for traces: never the token itself. */
export interface VerifySummary {
  /** The token's `alg`. */
  readonly alg: string;
  /** The token's `kid`, if any. */
  readonly kid: string | undefined;
  /** The token's `iss`, if any. */
  readonly issuer: string | undefined;
  /** How the token was verified: its signature, or the authorization server's introspection answer. */
  readonly source: 'jwt' | 'introspection';
}

/**
 * The context object of the `bearer-guard:verify` tracing channel. `result` is set on success
 * (a {@link VerifySummary}), `error` (a `BearerError`) on failure.
 */
export interface VerifyContext {
  /** `verify` (a token string) or `authenticate` (a request). */
  readonly operation: 'verify' | 'authenticate';
  /** The framework's request object, when an adapter authenticates one. */
  readonly request: unknown;
  result?: VerifySummary | undefined;
  error?: unknown;
}

/** A message of the `bearer-guard:rejection` channel. */
export interface RejectionMessage {
  readonly status: number;
  readonly code: BearerErrorCode;
  readonly reason: BearerErrorReason;
  /** The server-side explanation: expected and found values for `iss`, `aud`, `typ`. */
  readonly detail: string;
  /** The framework's request object, when an adapter reports the rejection. */
  readonly request: unknown;
}

const verifyChannel = tracingChannel<VerifyContext>(DIAGNOSTICS_CHANNELS.verify);
const rejectionChannel = channel(DIAGNOSTICS_CHANNELS.rejection);
const fetchChannel = channel(DIAGNOSTICS_CHANNELS.fetch);
const debug: DebugLogger = debuglog('bearer-guard');

/** True when someone listens: the verifier then summarises what it verified. */
export function tracingVerify(): boolean {
  return verifyChannel.hasSubscribers;
}

/** Runs `run` inside the `bearer-guard:verify` tracing channel, with `context`. */
export function traceVerify<T>(context: VerifyContext, run: () => Promise<T>): Promise<T> {
  return verifyChannel.tracePromise(run, context);
}

/** Publishes a rejection and prints its debug line. */
export function reportRejection(error: BearerError, request: unknown): void {
  if (rejectionChannel.hasSubscribers) {
    const message: RejectionMessage = {
      status: error.status,
      code: error.code,
      reason: error.reason,
      detail: error.detail,
      request,
    };
    rejectionChannel.publish(message);
  }
  if (debug.enabled) debug('rejected %d %s (%s): %s', error.status, error.code, error.reason, error.detail);
}

/** Publishes a key-source event (JWKS fetch, discovery, failure, rate limit…) and prints its debug line. */
export function reportFetch(event: JWKSEvent): void {
  if (fetchChannel.hasSubscribers) fetchChannel.publish(event);
  if (debug.enabled) debug('%s', describeFetch(event));
}

function ms(value: number): string {
  return `${Math.round(value)} ms`;
}

/** One line for a key-source event. */
export function describeFetch(event: JWKSEvent): string {
  switch (event.type) {
    case 'jwks_fetch': {
      const skipped = event.rejected.map(
        (r) => `${r.kid === undefined ? 'a key without kid' : `kid ${JSON.stringify(r.kid)}`}: ${r.reason}`,
      );
      return `JWKS ${event.uri} fetched in ${ms(event.durationMs)}: ${event.keys} keys${skipped.length > 0 ? `, skipped ${skipped.join('; ')}` : ''}`;
    }
    case 'jwks_fetch_error':
      return `JWKS ${event.uri} failed after ${ms(event.durationMs)}: ${event.error.message}${event.stale ? ' (serving the cached keys)' : ''}`;
    case 'jwks_rate_limited':
      return `JWKS ${event.uri}: unknown kid ${JSON.stringify(event.kid)} not looked up (rate limit)`;
    case 'jwks_key_removed':
      return `JWKS ${event.uri}: kid ${JSON.stringify(event.kid)} left the key set`;
    case 'jwks_private_key':
      return `JWKS ${event.uri} PUBLISHES PRIVATE KEY MATERIAL (${event.members.join(', ')}) for kid ${JSON.stringify(event.kid)}: the key is never used; its owner must rotate it`;
    case 'discovery':
      return `discovery for ${event.issuer} in ${ms(event.durationMs)}: jwks_uri ${event.jwksUri}`;
    case 'discovery_error':
      return `discovery for ${event.issuer} failed after ${ms(event.durationMs)}: ${event.error.message}`;
  }
}
