/**
 * What the store writes to Redis: key names, the SCAN pattern and the pub/sub message.
 *
 * One plain string key per revoked token, `<prefix>revoked:<jti>` = `<exp>` (every issuer), or
 * `<prefix>revoked-by:<base64url(iss)>:<jti>` (one issuer's token), expiring at
 * `exp + clockTolerance` (PXAT). Plain keys expire on every Redis version (a hash with per-field
 * TTL would need Redis 7.4) and each key dies with its token, so Redis never holds dead entries.
 */
import { parseJsonWithoutPrototypes } from '@bearer-guard/core/adapter';

/** A revocation as published on the channel: the token id, its issuer when scoped, its `exp` (seconds since the epoch). */
export interface RevocationMessage {
  jti: string;
  iss?: string;
  exp: number;
}

/** Names of everything the store touches in Redis. */
export interface KeySpace {
  /** `<prefix>revoked` — every denylist key starts with it. */
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
  const keyPrefix = `${prefix}revoked`;
  return { keyPrefix, pattern: `${escapeGlob(keyPrefix)}*`, channel };
}

/** The Redis key of a revocation. */
export function entryKey(keys: KeySpace, jti: string, issuer: string | undefined): string {
  return issuer === undefined
    ? `${keys.keyPrefix}:${jti}`
    : `${keys.keyPrefix}-by:${Buffer.from(issuer, 'utf8').toString('base64url')}:${jti}`;
}

/** The `jti` and issuer a Redis key names; `undefined` for a key this package did not write. */
export function parseEntryKey(keys: KeySpace, name: string): { jti: string; issuer: string | undefined } | undefined {
  if (!name.startsWith(keys.keyPrefix)) return undefined;
  const rest = name.slice(keys.keyPrefix.length);
  if (rest.startsWith(':')) return rest.length > 1 ? { jti: rest.slice(1), issuer: undefined } : undefined;
  if (!rest.startsWith('-by:')) return undefined;
  const colon = rest.indexOf(':', 4);
  if (colon <= 4 || colon === rest.length - 1) return undefined;
  const encoded = rest.slice(4, colon);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return undefined;
  return { jti: rest.slice(colon + 1), issuer: Buffer.from(encoded, 'base64url').toString('utf8') };
}

/** The message published for a revocation. */
export function encodeMessage(jti: string, exp: number, issuer: string | undefined): string {
  return JSON.stringify(issuer === undefined ? { jti, exp } : ({ jti, iss: issuer, exp } satisfies RevocationMessage));
}

/** Parses a published message; `undefined` when it is not a revocation this package wrote. */
export function decodeMessage(text: string): RevocationMessage | undefined {
  let value: unknown;
  try {
    // Objects without a prototype: an `iss` on a polluted Object.prototype must not scope (and so
    // undo) a revocation.
    value = parseJsonWithoutPrototypes(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { jti, iss, exp } = value as Record<string, unknown>;
  if (typeof jti !== 'string' || jti.length === 0 || typeof exp !== 'number' || !Number.isFinite(exp)) return undefined;
  if (iss !== undefined && (typeof iss !== 'string' || iss.length === 0)) return undefined;
  return iss === undefined ? { jti, exp } : { jti, iss, exp };
}

/** Parses a stored `exp` value; `undefined` for a missing (just expired) or foreign value. */
export function parseStoredExp(value: unknown): number | undefined {
  if (value === null || value === undefined) return undefined;
  const exp = Number(String(value));
  return Number.isFinite(exp) ? exp : undefined;
}
