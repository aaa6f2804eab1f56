/**
 * The Redis revocation store: a denylist in Redis, a replica in every instance, pub/sub between.
 *
 * Correctness rests on one invariant: the replica holds every revocation made before
 * `trustedAt`. A full load (SCAN) started while the subscription is up establishes it as of the
 * load's start: older revocations are in Redis, newer ones are published to a subscription that
 * already exists. A PING answered on the same subscribed connection then moves `trustedAt` to the
 * moment it was sent, since Redis delivers on one connection in order. When the subscription
 * drops (`epoch` changes) nothing moves `trustedAt` until a new load on the new connection.
 * That trust state lives in {@link ReplicaTrust} (./trust.ts); this file does the I/O.
 */
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuthUnavailableError, type JWTPayload, type RevocationStore } from '@bearer-guard/core';
import { DenyList, revocationIdOf } from '@bearer-guard/core/adapter';
import {
  CLOSE_GRACE_MS,
  createOwnedClient,
  duplicateForSubscriber,
  reconnectDelay,
  shutdown,
  withTimeout,
} from './connection.js';
import { createReporter } from './events.js';
import {
  resolveConnection,
  resolveStoreOptions,
  type RedisClient,
  type RedisConnection,
  type RedisRevocationStoreOptions,
} from './options.js';
import { decodeMessage, encodeMessage, entryKey, keySpace, parseEntryKey, parseStoredExp } from './protocol.js';
import { ReplicaTrust } from './trust.js';

/**
 * Where the store stands:
 * - `loading`: the initial load is not done (`isRevoked` waits up to `connectTimeout`);
 * - `synced`: subscribed, and the replica was proven complete within `maxStaleness`;
 * - `stale`: the subscription dropped or went quiet, or a re-sync is under way; `isRevoked` still
 *   answers from the replica until it is `maxStaleness` old, then applies the failure policy;
 * - `closed`: `close()` was called.
 */
export type RedisRevocationState = 'loading' | 'synced' | 'stale' | 'closed';

/** A {@link RevocationStore} on Redis, with its lifecycle. */
export interface RedisRevocationStore extends RevocationStore {
  /**
   * True when `payload.jti` is revoked (for every issuer, or for `payload.iss`). Answered from the local replica, synchronously: no Redis
   * round trip. Returns a promise only while the initial load is under way. Throws
   * `AuthUnavailableError('revocation_unavailable')` (503) when the replica cannot be trusted
   * and the failure policy is `'deny'`.
   */
  isRevoked(payload: JWTPayload): boolean | Promise<boolean>;
  /**
   * Revokes `jti` until `expiresAt` (the token's `exp`, seconds since the epoch) plus
   * `clockTolerance`: written to Redis (`SET … PXAT`), announced to every instance (`PUBLISH`)
   * and added to this instance's replica at once. A token already past that deadline is ignored.
   * With `issuer` (the token's `iss`), only that issuer's token with this `jti` is refused; pass
   * it whenever verifiers accept several issuers. Rejects when Redis does not confirm within
   * `commandTimeout`; this instance refuses the token anyway, and writes it back to Redis at its
   * next re-sync.
   */
  revoke(jti: string, expiresAt: number, issuer?: string): Promise<void>;
  /** Seconds an entry is kept past its token's `exp` (the `clockTolerance` option). */
  readonly retention: number;
  /** Called by a verifier that accepts several issuers: `revoke` must then name the issuer. */
  requireIssuer(): void;
  /** Resolves once the initial load is done; rejects only if the store is closed first. */
  readonly ready: Promise<void>;
  /** Entries in the local replica (expired ones are dropped first). */
  readonly size: number;
  /** See {@link RedisRevocationState}. */
  readonly state: RedisRevocationState;
  /**
   * Unsubscribes and closes the connections the store created: the subscriber always, the main
   * connection only when created from `{ url }`. A client you passed in is never closed.
   */
  close(): Promise<void>;
}

const WRITE_BACK_BATCH = 1000;

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/**
 * A revocation store shared by every instance through Redis. Each instance keeps a replica of
 * the denylist, loaded at start and kept current by pub/sub, so `isRevoked` costs no round trip;
 * after a reconnect the replica is re-synced and entries Redis lost (a restart without
 * persistence) are written back.
 *
 * @param connection - `{ url }` (the store owns its connections) or `{ client }`, a node-redis v5
 *   client you own; the store duplicates it for its subscription.
 * @param options - see {@link RedisRevocationStoreOptions}; validated here (`TypeError` naming the option).
 * @example
 * ```ts
 * import { auth } from '@bearer-guard/express';
 * import { redisRevocationStore } from '@bearer-guard/redis';
 *
 * const revocation = redisRevocationStore({ url: process.env.REDIS_URL });
 * app.use(auth({ issuer, audience, revocation }));
 * // on logout, or from an admin route:
 * const { jti, exp, iss } = req.auth.payload;
 * await revocation.revoke(jti, exp, iss);
 * ```
 */
export function redisRevocationStore(
  connection: RedisConnection,
  options: RedisRevocationStoreOptions = {},
): RedisRevocationStore {
  const { client: userClient, url } = resolveConnection(connection);
  const o = resolveStoreOptions(options);
  const keys = keySpace(o.keyPrefix, o.channel);
  const report = createReporter(o.onEvent, o.logger, o.failurePolicy);
  const replica = new DenyList(o.clockTolerance);
  const owned = userClient === undefined;
  const main: RedisClient = userClient ?? createOwnedClient(url as string);
  const trust = new ReplicaTrust({ maxStalenessMs: o.maxStalenessMs, connectTimeoutMs: o.connectTimeoutMs });
  const aborter = new AbortController();
  const nowSec = () => Date.now() / 1000;

  let subscriber: RedisClient | undefined;
  let closed = false;
  let closing: Promise<void> | undefined;
  let subscribed = false; // the first SUBSCRIBE was acknowledged: later 'ready' events are reconnects
  let subscriberUp = false;
  let pingInFlight = false;
  let syncRunning = false;
  let syncAgain = false;

  let resolveReady!: () => void;
  let rejectReady!: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => {}); // nobody has to await it
  // What `isRevoked` awaits before the first load: the load, or the end of `connectTimeout`.
  const startup = Promise.race([
    ready.catch(() => {}),
    sleep(o.connectTimeoutMs, undefined, { ref: false, signal: aborter.signal }).catch(() => {}),
  ]);

  function noteStale(now: number): void {
    const sinceMs = trust.noteStale(now);
    if (sinceMs !== undefined) report({ type: 'stale', policy: o.failurePolicy, sinceMs });
  }

  function answer(jti: string, issuer: string | undefined): boolean {
    const now = Date.now();
    if (!trust.trusted(now)) {
      noteStale(now);
      if (o.failurePolicy === 'deny') {
        throw new AuthUnavailableError(
          'revocation_unavailable',
          `revocation list cannot be trusted: ${trust.whyUntrusted(now)}`,
        );
      }
    }
    return replica.has(jti, issuer, now / 1000);
  }

  // --- subscription -------------------------------------------------------------------------

  function onMessage(message: string): void {
    const revocation = decodeMessage(String(message));
    if (!revocation) {
      report({ type: 'error', stage: 'message', error: new Error(`ignored a malformed message on ${keys.channel}`) });
      return;
    }
    if (replica.add(revocation.jti, revocation.exp, revocation.iss, nowSec())) {
      report({
        type: 'revoked',
        jti: revocation.jti,
        issuer: revocation.iss,
        expiresAt: revocation.exp,
        origin: 'remote',
      });
    }
  }

  function onDown(error?: unknown): void {
    if (closed || !subscriberUp || subscriber?.isReady) return; // not an outage, or already known
    subscriberUp = false;
    trust.nextEpoch();
    report(error === undefined ? { type: 'disconnected' } : { type: 'disconnected', error: asError(error) });
  }

  function onReady(): void {
    if (closed || !subscribed) return; // the first 'ready' is handled by start()
    trust.nextEpoch(); // a new connection: nothing proven on the old one carries over
    subscriberUp = true;
    requestSync(); // node-redis re-subscribed before 'ready'; reload whatever was missed meanwhile
  }

  /**
   * A PING on the subscribed connection, answered in order after every message published before
   * it: once answered, the replica held every revocation made before it was sent.
   */
  function proofPing(sub: RedisClient, expectedEpoch: number): Promise<void> {
    const sentAt = Date.now();
    return sub.ping().then(() => trust.proven(expectedEpoch, sentAt));
  }

  /** Pings the subscribed connection now and then, one ping at a time, to keep the replica trusted. */
  function heartbeat(): void {
    if (closed) return;
    const now = Date.now();
    if (trust.overdue(now)) noteStale(now);
    const sub = subscriber;
    if (!sub || !subscriberUp || pingInFlight || !sub.isReady) return;
    pingInFlight = true;
    proofPing(sub, trust.epoch)
      .catch(() => {})
      .finally(() => {
        pingInFlight = false;
      });
  }

  /** Proves the replica current right after a load; bounded by `commandTimeout` (no answer proves nothing). */
  async function prove(expectedEpoch: number): Promise<void> {
    const sub = subscriber;
    if (closed || !sub || !subscriberUp || !sub.isReady) return;
    await withTimeout(proofPing(sub, expectedEpoch), o.commandTimeoutMs, () => new Error('PING timed out')).catch(
      () => {},
    );
  }

  // --- load and re-sync ---------------------------------------------------------------------

  /** Writes back what the replica holds and Redis lacks (a Redis restarted without persistence). */
  async function writeBack(seen: ReadonlySet<string>): Promise<number> {
    const missing = [...replica.live(nowSec())].filter(({ jti, issuer }) => !seen.has(entryKey(keys, jti, issuer)));
    let written = 0;
    for (let i = 0; i < missing.length && !closed; i += WRITE_BACK_BATCH) {
      const batch = missing.slice(i, i + WRITE_BACK_BATCH);
      const replies = await Promise.all(
        batch.map(({ jti, issuer, exp }) =>
          main.set(entryKey(keys, jti, issuer), String(exp), {
            expiration: { type: 'PXAT', value: Math.ceil(replica.deadline(exp) * 1000) },
            condition: 'NX',
          }),
        ),
      );
      // Only the instance whose SET created the key announces it: one message per entry, not per instance.
      const created = batch.filter((_, j) => String(replies[j]) === 'OK');
      await Promise.all(
        created.map(({ jti, issuer, exp }) => main.publish(keys.channel, encodeMessage(jti, exp, issuer))),
      );
      written += created.length;
    }
    return written;
  }

  /** Loads the whole denylist into the replica (a union: nothing unexpired is forgotten). */
  async function load(): Promise<{ loaded: number; seen: Set<string> }> {
    const seen = new Set<string>();
    let loaded = 0;
    for await (const batch of main.scanIterator({ MATCH: keys.pattern, COUNT: 1000 }) as AsyncIterable<unknown[]>) {
      if (closed) break;
      if (batch.length === 0) continue;
      const names = batch.map(String);
      const values = (await main.mGet(names)) as unknown[];
      const now = nowSec();
      names.forEach((name, i) => {
        const exp = parseStoredExp(values[i]);
        const entry = parseEntryKey(keys, name);
        if (exp === undefined || entry === undefined) return; // expired between SCAN and MGET, or not ours
        seen.add(name);
        loaded++;
        replica.add(entry.jti, exp, entry.issuer, now);
      });
    }
    return { loaded, seen };
  }

  function requestSync(): void {
    if (closed) return;
    if (syncRunning) {
      syncAgain = true; // the running load may predate the reconnect: run once more after it
      return;
    }
    syncRunning = true;
    void runSyncs().finally(() => {
      syncRunning = false;
    });
  }

  async function runSyncs(): Promise<void> {
    let failures = 0;
    do {
      syncAgain = false;
      if (closed || !subscriberUp) return; // the next 'ready' asks again
      const startEpoch = trust.epoch;
      const startedAt = Date.now();
      try {
        const { loaded, seen } = await load();
        if (closed) return;
        if (!subscriberUp || !trust.loaded(startEpoch, startedAt)) continue; // dropped meanwhile: not proof of anything
        // A load can outlast maxStaleness (a large denylist, a busy Redis): prove the replica
        // current before announcing it, so `ready` and `resynced` mean "trusted now".
        await prove(startEpoch);
        if (closed) return;
        const first = trust.synced();
        failures = 0;
        if (first) resolveReady();
        let writtenBack = 0;
        try {
          writtenBack = await writeBack(seen);
        } catch (error) {
          if (!closed) report({ type: 'error', stage: 'write-back', error: asError(error) });
        }
        if (closed) return;
        report({
          type: first ? 'sync' : 'resynced',
          entries: replica.size,
          loaded,
          writtenBack,
          durationMs: Date.now() - startedAt,
        });
      } catch (error) {
        if (closed) return;
        report({ type: 'error', stage: 'sync', error: asError(error) });
        syncAgain = true;
        await sleep(reconnectDelay(failures++), undefined, { ref: false });
      }
    } while (syncAgain);
  }

  // --- start --------------------------------------------------------------------------------

  async function start(): Promise<void> {
    if (owned) await main.connect();
    else if (!main.isOpen) await once(main, 'ready', { signal: aborter.signal }); // its owner connects it
    if (closed) return;
    const sub = duplicateForSubscriber(main);
    subscriber = sub;
    sub
      .on('error', onDown)
      .on('end', () => onDown())
      .on('ready', onReady);
    await sub.connect();
    // Subscribe before loading, so that nothing published during the load is missed.
    for (let attempt = 0; !closed; attempt++) {
      try {
        await sub.subscribe(keys.channel, onMessage);
        break;
      } catch (error) {
        if (closed) return;
        report({ type: 'error', stage: 'connect', error: asError(error) });
        await sleep(reconnectDelay(attempt), undefined, { ref: false });
      }
    }
    if (closed) return;
    subscribed = true;
    subscriberUp = sub.isReady;
    if (subscriberUp) requestSync(); // otherwise the next 'ready' does
  }

  const heartbeatTimer = setInterval(heartbeat, o.heartbeatMs).unref();
  const sweepTimer = setInterval(() => replica.sweep(nowSec()), o.sweepIntervalMs).unref();
  start().catch((error: unknown) => {
    if (!closed) report({ type: 'error', stage: 'connect', error: asError(error) });
  });

  async function doClose(): Promise<void> {
    closed = true;
    trust.close();
    clearInterval(heartbeatTimer);
    clearInterval(sweepTimer);
    aborter.abort();
    if (!trust.everSynced)
      rejectReady(new Error('@bearer-guard/redis: the store was closed before the initial load finished'));
    try {
      const sub = subscriber;
      if (sub) {
        if (subscribed && sub.isReady) {
          await withTimeout(
            sub.unsubscribe(keys.channel, onMessage),
            CLOSE_GRACE_MS,
            () => new Error('UNSUBSCRIBE timed out'),
          ).catch(() => {});
        }
        await shutdown(sub, CLOSE_GRACE_MS);
      }
      if (owned) await shutdown(main, CLOSE_GRACE_MS);
    } catch (error) {
      report({ type: 'error', stage: 'close', error: asError(error) });
    }
  }

  return {
    isRevoked(payload) {
      const id = revocationIdOf(payload);
      if (id === undefined) return false;
      if (trust.starting(Date.now())) return startup.then(() => answer(id.jti, id.issuer));
      return answer(id.jti, id.issuer);
    },
    async revoke(jti, expiresAt, issuer) {
      replica.checkRevoke(jti, expiresAt, issuer);
      if (closed) throw new Error('@bearer-guard/redis: revoke() on a closed store');
      const deadline = replica.deadline(expiresAt);
      if (deadline <= nowSec()) return; // the token is dead already: nothing to remember
      if (replica.add(jti, expiresAt, issuer, nowSec()))
        report({ type: 'revoked', jti, issuer, expiresAt, origin: 'local' });
      try {
        const write = main
          .multi()
          .set(entryKey(keys, jti, issuer), String(expiresAt), {
            expiration: { type: 'PXAT', value: Math.ceil(deadline * 1000) },
          })
          .publish(keys.channel, encodeMessage(jti, expiresAt, issuer))
          .exec();
        await withTimeout(
          write,
          o.commandTimeoutMs,
          () => new Error(`no answer from Redis within ${o.commandTimeoutMs} ms`),
        );
      } catch (error) {
        throw new Error(
          `@bearer-guard/redis: revoke(${JSON.stringify(jti)}) was not confirmed by Redis (${asError(error).message}). ` +
            'This instance refuses the token already and writes it to Redis at its next re-sync; other instances do not know of it yet.',
          { cause: error },
        );
      }
    },
    ready,
    retention: o.clockTolerance,
    requireIssuer: () => replica.requireIssuer(),
    get size() {
      replica.sweep(nowSec());
      return replica.size;
    },
    get state(): RedisRevocationState {
      if (closed) return 'closed';
      if (!trust.everSynced) return 'loading';
      return subscriberUp && trust.current(Date.now()) ? 'synced' : 'stale';
    },
    close() {
      closing ??= doClose();
      return closing;
    },
  };
}
