/** Small waiting helpers: real time, bounded. */
import { randomUUID } from 'node:crypto';
import type { RedisRevocationEvent } from '@bearer-guard/redis';

/** Polls `predicate` every 10 ms until it holds; fails after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Collects a store's events; `next(type)` resolves with the next one of that type. */
export class EventLog {
  readonly events: RedisRevocationEvent[] = [];
  readonly #waiters: { type: string; resolve: (event: RedisRevocationEvent) => void }[] = [];

  readonly onEvent = (event: RedisRevocationEvent): void => {
    this.events.push(event);
    for (const waiter of this.#waiters.filter((w) => w.type === event.type)) {
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve(event);
    }
  };

  of<T extends RedisRevocationEvent['type']>(type: T): Extract<RedisRevocationEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<RedisRevocationEvent, { type: T }> => e.type === type);
  }

  next<T extends RedisRevocationEvent['type']>(
    type: T,
    timeoutMs = 5000,
  ): Promise<Extract<RedisRevocationEvent, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no '${type}' event within ${timeoutMs} ms`)), timeoutMs);
      this.#waiters.push({
        type,
        resolve: (event) => {
          clearTimeout(timer);
          resolve(event as Extract<RedisRevocationEvent, { type: T }>);
        },
      });
    });
  }
}

/** A key prefix of its own for each test, so tests sharing a server never see each other's entries. */
export function uniquePrefix(): string {
  return `bg-test:${randomUUID().slice(0, 8)}:`;
}

/** A token id. */
export function jti(): string {
  return randomUUID();
}

/** Seconds since the epoch, `ttl` seconds from now. */
export function expIn(ttl: number): number {
  return Math.floor(Date.now() / 1000) + ttl;
}
