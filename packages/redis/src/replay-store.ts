/**
 * The Redis replay store for DPoP proofs (RFC 9449 §11.1): one store for every instance of an API,
 * so that a proof accepted by one instance cannot be replayed to another.
 *
 * One atomic command per proof, `SET <keyPrefix>dpop:<key> 1 NX PXAT <expiresAt>`: Redis answers
 * `OK` to exactly one of any number of concurrent callers with one key (the proof is new) and nil
 * to the others (a replay), and drops the key when the proof could no longer be accepted anyway.
 * A Redis that is down or silent makes `remember` reject within `commandTimeout`, which the
 * verifier answers with 503.
 */
import type { Duration, ReplayStore } from '@bearer-guard/core';
import { checkKnownKeys, fail, isRecord } from '@bearer-guard/core/adapter';
import { CLOSE_GRACE_MS, createOwnedClient, shutdown, withTimeout } from './connection.js';
import { keyPrefixOption, milliseconds, resolveConnection, type RedisClient, type RedisConnection } from './options.js';

const SCOPE = 'redisReplayStore';
const KNOWN = new Set<string>(['client', 'url', 'keyPrefix', 'commandTimeout']);

/**
 * Options of {@link redisReplayStore}: where Redis is (`client` or `url`, exactly one), and how
 * keys are named and how long a command may take. Durations are core's {@link Duration}.
 */
export type RedisReplayStoreOptions = RedisConnection & {
  /**
   * Prefix of every key the store writes: `<keyPrefix>dpop:<key>`. Default `'bearer-guard:'`, as
   * for `redisRevocationStore`, so one prefix can serve both stores.
   */
  keyPrefix?: string;
  /**
   * How long `remember` waits for Redis before rejecting (the verifier then answers 503).
   * Default `'1s'`. The verifier also bounds every store call by its `revocationTimeout` (default
   * 2 s); the shorter of the two applies.
   */
  commandTimeout?: Duration;
};

/** A {@link ReplayStore} on Redis, shared by every instance that uses the same Redis and prefix. */
export interface RedisReplayStore extends ReplayStore {
  /**
   * Records `key` until `expiresAt` (seconds since the epoch, by Redis's clock) with one
   * `SET … NX PXAT`. Resolves `true` when the key was new, `false` when it was already there (a
   * replay). Rejects when Redis does not answer within `commandTimeout`, answers with an error,
   * or the store is closed.
   */
  remember(key: string, expiresAt: number): Promise<boolean>;
  /**
   * Closes the connection the store created from `{ url }`; a client you passed in is never
   * closed. Later calls to `remember` reject.
   */
  close(): Promise<void>;
}

/**
 * A DPoP replay store on Redis, shared by every instance of an API: each proof's `jti` (hashed
 * with its key by the verifier) is written with one atomic `SET … NX PXAT`, so a proof accepted
 * by one instance is refused by all the others as a replay (401 `invalid_dpop_proof`), and Redis
 * forgets it when the proof's time window has passed. When Redis is down or does not answer
 * within `commandTimeout`, DPoP requests are answered 503 rather than risk accepting a replay.
 *
 * @param options - `{ url }` (the store creates, reconnects and closes its own connection) or
 *   `{ client }`, a connected node-redis v5 client you own and may share with
 *   `redisRevocationStore`; plus `keyPrefix` and `commandTimeout`, see
 *   {@link RedisReplayStoreOptions}. Validated here: a mistake throws a `TypeError` naming the option.
 * @example
 * ```ts
 * import express from 'express';
 * import { auth } from '@bearer-guard/express';
 * import { redisReplayStore } from '@bearer-guard/redis';
 *
 * const replay = redisReplayStore({ url: process.env.REDIS_URL ?? 'redis://localhost:6379' });
 * const app = express();
 * app.use(auth({ issuer: 'https://auth.example.com/', audience: 'orders', dpop: { replay } }));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-11.1
 */
export function redisReplayStore(options: RedisReplayStoreOptions): RedisReplayStore {
  // Unknown keys first: `{ uri }` is better answered "not an option" than "give a url".
  if (isRecord(options)) checkKnownKeys(options, KNOWN, SCOPE);
  const { client: userClient, url } = resolveConnection(options, SCOPE);
  const o = options as Record<string, unknown>;
  const prefix = `${keyPrefixOption(o.keyPrefix, `${SCOPE}.keyPrefix`)}dpop:`;
  const commandTimeoutMs = milliseconds(o.commandTimeout, `${SCOPE}.commandTimeout`, 1000, 1);

  const owned = userClient === undefined;
  const client: RedisClient = userClient ?? createOwnedClient(url as string);
  // Connected now, so the first request does not pay for it; until it is up, commands wait in the
  // client's queue (bounded by `commandTimeout`). It reconnects by itself; failures surface per call.
  if (owned) client.connect().catch(() => {});
  let closed = false;
  let closing: Promise<void> | undefined;

  async function remember(key: string, expiresAt: number): Promise<boolean> {
    if (typeof key !== 'string' || key.length === 0) fail(`${SCOPE}.remember`, 'needs a non-empty string key');
    if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt) || expiresAt <= 0)
      fail(
        `${SCOPE}.remember`,
        `needs expiresAt in seconds since the epoch; got ${typeof expiresAt === 'number' ? expiresAt : JSON.stringify(expiresAt)}`,
      );
    if (closed) throw new Error('@bearer-guard/redis: remember() on a closed redisReplayStore');
    // The abort takes a command still queued (Redis unreachable) out of the client's queue, so
    // an outage does not pile up writes that nobody waits for any more.
    const aborter = new AbortController();
    try {
      const reply = await withTimeout(
        client.withAbortSignal(aborter.signal).set(`${prefix}${key}`, '1', {
          expiration: { type: 'PXAT', value: Math.ceil(expiresAt * 1000) },
          condition: 'NX',
        }),
        commandTimeoutMs,
        () => new Error(`no answer from Redis within ${commandTimeoutMs} ms`),
      );
      if (reply === null) return false;
      if (String(reply) === 'OK') return true;
      throw new Error(`unexpected reply to SET NX: ${JSON.stringify(reply)}`);
    } catch (error) {
      throw new Error(
        `@bearer-guard/redis: redisReplayStore could not record a DPoP proof (${error instanceof Error ? error.message : String(error)})`,
        { cause: error },
      );
    } finally {
      aborter.abort();
    }
  }

  return {
    remember,
    close() {
      closed = true;
      closing ??= owned ? shutdown(client, CLOSE_GRACE_MS) : Promise.resolve();
      return closing;
    },
  };
}
