/**
 * The stores' Redis connections: the one a store creates from a URL, the duplicate the
 * revocation store subscribes on, and how they are shut down.
 */
import { createClient } from 'redis';
import type { RedisClient } from './options.js';

/**
 * Reconnect delay: exponential from 50 ms, capped at 2 s, with up to 100 ms of jitter so that
 * many instances do not reconnect in lockstep after a Redis restart. Never gives up: the store
 * stays usable (under its failure policy) for as long as Redis is away.
 */
export function reconnectDelay(retries: number): number {
  return Math.min(50 * 2 ** Math.min(retries, 6), 2000) + Math.floor(Math.random() * 100);
}

/** Creates the client for `{ url }`; connected later by the store. */
export function createOwnedClient(url: string): RedisClient {
  const client = createClient({ url, socket: { reconnectStrategy: reconnectDelay } }) as RedisClient;
  // Without a listener an 'error' event would crash the process; the subscriber reports outages.
  client.on('error', () => {});
  return client;
}

/**
 * A second connection for the subscription (a subscribed connection cannot run other commands),
 * with the user's options but always reconnecting: the replica depends on it.
 */
export function duplicateForSubscriber(client: RedisClient): RedisClient {
  const socket = (client.options as { socket?: object } | undefined)?.socket;
  return client.duplicate({ socket: { ...socket, reconnectStrategy: reconnectDelay } }) as RedisClient;
}

/** How long `close()` waits for a connection to close politely before destroying it. */
export const CLOSE_GRACE_MS = 1000;

/**
 * Closes a connection: politely (waiting for pending replies) when it is up, at most `graceMs`,
 * then by force; a connection still trying to connect is destroyed at once.
 */
export async function shutdown(client: RedisClient, graceMs: number): Promise<void> {
  if (!client.isOpen) return;
  if (!client.isReady) {
    client.destroy();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const forced = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(resolve, graceMs, 'timeout');
  });
  try {
    const outcome = await Promise.race([client.close().then(() => 'closed' as const), forced]);
    if (outcome === 'timeout' && client.isOpen) client.destroy();
  } finally {
    clearTimeout(timer);
  }
}

/** Rejects with `error()` when `promise` does not settle within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
