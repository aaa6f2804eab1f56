/**
 * What the store writes to Redis: key names, the SCAN pattern and the pub/sub message.
 *
 * One plain string key per revoked token, `<prefix>revoked:<jti>` = `<exp>`, expiring at
 * `exp + clockTolerance` (PXAT). Plain keys expire on every Redis version (a hash with per-field
 * TTL would need Redis 7.4) and each key dies with its token, so Redis never holds dead entries.
 */

/** A revocation as published on the channel: the token id and its `exp` (seconds since the epoch). */
export interface RevocationMessage {
  jti: string;
  exp: number;
}

/** Names of everything the store touches in Redis. */
export interface KeySpace {
  /** `<prefix>revoked:` — every denylist key starts with it. */
  readonly keyPrefix: string;
  /** SCAN MATCH pattern for the denylist keys (the prefix with glob characters escaped). */
  readonly pattern: string;
  /** Pub/sub channel announcing revocations. */
  readonly channel: string;
}

/** Escapes Redis glob metacharacters (`* ? [ ] \`) so that a prefix matches only itself. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** The key space for a user-chosen prefix and channel. */
export function keySpace(prefix: string, channel: string): KeySpace {
  const keyPrefix = `${prefix}revoked:`;
  return { keyPrefix, pattern: `${escapeGlob(keyPrefix)}*`, channel };
}

/** The message published for a revocation. */
export function encodeMessage(jti: string, exp: number): string {
  return JSON.stringify({ jti, exp } satisfies RevocationMessage);
}

/** Parses a published message; `undefined` when it is not a revocation this package wrote. */
export function decodeMessage(text: string): RevocationMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { jti, exp } = value as Record<string, unknown>;
  if (typeof jti !== 'string' || jti.length === 0 || typeof exp !== 'number' || !Number.isFinite(exp)) return undefined;
  return { jti, exp };
}

/** Parses a stored `exp` value; `undefined` for a missing (just expired) or foreign value. */
export function parseStoredExp(value: unknown): number | undefined {
  if (value === null || value === undefined) return undefined;
  const exp = Number(String(value));
  return Number.isFinite(exp) ? exp : undefined;
}
