/**
 * What the store reports: events for `onEvent`, and one line each for a `logger`.
 */
import type { FailurePolicy } from './options.js';

/** Why an `error` event was raised. */
export type RedisRevocationErrorStage = 'connect' | 'sync' | 'write-back' | 'message' | 'close';

/**
 * Everything the store reports through the `onEvent` option. Nothing is printed unless a
 * `logger` is given, except the `'allow'` policy's warning (see {@link RedisRevocationStoreOptions.failurePolicy}).
 */
export type RedisRevocationEvent =
  /** The initial load and its write-back finished (`ready` resolved as soon as the load was done). */
  | { type: 'sync'; entries: number; loaded: number; writtenBack: number; durationMs: number }
  /** A re-sync after a reconnect, and its write-back, finished: the replica is trusted again. */
  | { type: 'resynced'; entries: number; loaded: number; writtenBack: number; durationMs: number }
  /**
   * An entry joined the replica: revoked here (`local`) or announced by another instance
   * (`remote`); `issuer` when the entry is scoped to one issuer's tokens.
   */
  | { type: 'revoked'; jti: string; issuer: string | undefined; expiresAt: number; origin: 'local' | 'remote' }
  /** The subscription to Redis dropped; the replica is served for at most `maxStaleness`. */
  | { type: 'disconnected'; error?: Error }
  /**
   * The replica went longer than `maxStaleness` without proof that it is complete: `deny` now
   * answers 503, `allow` keeps answering from it. Once per outage.
   */
  | { type: 'stale'; policy: FailurePolicy; sinceMs: number }
  /** Something failed; the store keeps going (and retries where that makes sense). */
  | { type: 'error'; stage: RedisRevocationErrorStage; error: Error };

/**
 * Where the store writes its log lines, if anywhere. `console`, pino and winston loggers all
 * fit: each method is called with one string.
 */
export interface RevocationLogger {
  warn(message: string): void;
  error?(message: string): void;
  info?(message: string): void;
}

const PREFIX = '@bearer-guard/redis:';

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** The log line for an event, with its level; `undefined` for events not worth a line. */
export function describeEvent(
  event: RedisRevocationEvent,
): { level: 'info' | 'warn' | 'error'; message: string } | undefined {
  switch (event.type) {
    case 'sync':
      return {
        level: 'info',
        message: `${PREFIX} loaded ${event.loaded} revocations from Redis in ${event.durationMs} ms`,
      };
    case 'resynced':
      return {
        level: 'info',
        message: `${PREFIX} re-synced with Redis in ${event.durationMs} ms: ${event.loaded} in Redis, ${event.writtenBack} written back, ${event.entries} held`,
      };
    case 'disconnected':
      return {
        level: 'warn',
        message: `${PREFIX} lost the subscription to Redis${event.error ? ` (${event.error.message})` : ''}; serving revocations from the local replica until it is too stale`,
      };
    case 'stale':
      return event.policy === 'deny'
        ? {
            level: 'error',
            message: `${PREFIX} no contact with Redis for ${seconds(event.sinceMs)}: the revocation list cannot be trusted, refusing authentication (503) until Redis is back (failurePolicy 'deny')`,
          }
        : {
            level: 'warn',
            message: `${PREFIX} no contact with Redis for ${seconds(event.sinceMs)}: FAILING OPEN, answering from the last copy of the revocation list; tokens revoked meanwhile on other instances are ACCEPTED (failurePolicy 'allow')`,
          };
    case 'error':
      return { level: 'error', message: `${PREFIX} ${event.stage} failed: ${event.error.message}` };
    case 'revoked':
      return undefined;
  }
}

/** Creates the function the store reports through: calls the hook, then logs. Never throws. */
export function createReporter(
  onEvent: ((event: RedisRevocationEvent) => void) | undefined,
  logger: RevocationLogger | undefined,
  policy: FailurePolicy,
): (event: RedisRevocationEvent) => void {
  return (event) => {
    try {
      onEvent?.(event);
    } catch {
      // A failing hook must not break the store.
    }
    const line = describeEvent(event);
    if (!line) return;
    try {
      if (logger) {
        const write =
          line.level === 'warn'
            ? logger.warn
            : (logger[line.level] ?? (line.level === 'error' ? logger.warn : undefined));
        write?.call(logger, line.message);
      } else if (event.type === 'stale' && policy === 'allow') {
        // Failing open must never be silent: Node prints process warnings to stderr by default.
        process.emitWarning(line.message, { code: 'BEARER_GUARD_REVOCATION_STALE' });
      }
    } catch {
      // Logging must not break the store either.
    }
  };
}
