/** The replica's trust state on a fake clock: no Redis, no timers. */
import { describe, expect, it } from 'vitest';
import { ReplicaTrust } from '../src/trust.js';

const MAX_STALENESS = 5000;
const CONNECT_TIMEOUT = 3000;

/** A trust unit created at t = 1000 on a clock the test moves by hand. */
function setup() {
  const clock = { t: 1000 };
  const trust = new ReplicaTrust({
    maxStalenessMs: MAX_STALENESS,
    connectTimeoutMs: CONNECT_TIMEOUT,
    now: () => clock.t,
  });
  return { clock, trust };
}

describe('before the initial load', () => {
  it('is not trusted, waits for the load until connectTimeout, then is overdue', () => {
    const { clock, trust } = setup();
    expect(trust.createdAt).toBe(1000);
    expect([trust.trusted(), trust.current(), trust.everSynced, trust.trustedAt]).toEqual([
      false,
      false,
      false,
      -Infinity,
    ]);
    expect([trust.starting(), trust.overdue()]).toEqual([true, false]);
    clock.t = 1000 + CONNECT_TIMEOUT - 1;
    expect([trust.starting(), trust.overdue()]).toEqual([true, false]);
    clock.t = 1000 + CONNECT_TIMEOUT;
    expect([trust.starting(), trust.overdue()]).toEqual([false, true]);
    expect(trust.whyUntrusted()).toBe('the revocation list was not loaded from Redis within connectTimeout (3000 ms)');
  });

  it('counts the outage from creation, and notes it once', () => {
    const { clock, trust } = setup();
    clock.t = 4500;
    expect(trust.noteStale()).toBe(3500);
    clock.t = 9000;
    expect(trust.noteStale()).toBeUndefined();
  });
});

describe('a load', () => {
  it('establishes the invariant as of its start: trusted for maxStaleness after it', () => {
    const { clock, trust } = setup();
    const epoch = trust.epoch;
    clock.t = 2000; // the load ends a second after it started at 1000
    expect(trust.loaded(epoch, 1000)).toBe(true);
    expect(trust.trustedAt).toBe(1000);
    expect([trust.trusted(), trust.current()]).toEqual([true, true]);
    expect(trust.trusted(1000 + MAX_STALENESS)).toBe(true);
    expect(trust.trusted(1000 + MAX_STALENESS + 1)).toBe(false);
  });

  it('proves nothing when the subscription dropped during it', () => {
    const { trust } = setup();
    const epoch = trust.epoch;
    trust.nextEpoch();
    expect(trust.loaded(epoch, 1000)).toBe(false);
    expect([trust.trusted(), trust.trustedAt]).toEqual([false, -Infinity]);
  });

  it('never moves trustedAt back', () => {
    const { clock, trust } = setup();
    clock.t = 9000;
    trust.loaded(trust.epoch, 8000);
    trust.loaded(trust.epoch, 7000); // a load that started earlier, finished later
    expect(trust.trustedAt).toBe(8000);
  });

  it('synced() is true the first time only; before it, isRevoked waits and outages count from creation', () => {
    const { clock, trust } = setup();
    trust.loaded(trust.epoch, 1000);
    expect(trust.starting()).toBe(true); // loaded but not yet proven and announced
    expect(trust.synced()).toBe(true);
    expect(trust.synced()).toBe(false);
    expect([trust.everSynced, trust.starting(), trust.overdue()]).toEqual([true, false, false]);
    clock.t = 1000 + MAX_STALENESS + 1;
    expect(trust.overdue()).toBe(true);
  });
});

describe('a proving PING', () => {
  it('moves trustedAt to when it was sent, on the connection whose load established the invariant', () => {
    const { clock, trust } = setup();
    trust.loaded(trust.epoch, 1000);
    trust.synced();
    clock.t = 5000;
    trust.proven(trust.epoch, 4990);
    expect(trust.trustedAt).toBe(4990);
    clock.t = 4990 + MAX_STALENESS + 1;
    expect(trust.trusted()).toBe(false);
  });

  it('proves nothing when sent before the subscription dropped', () => {
    const { clock, trust } = setup();
    trust.loaded(trust.epoch, 1000);
    const before = trust.epoch;
    trust.nextEpoch();
    clock.t = 2000;
    trust.proven(before, 1900);
    expect(trust.trustedAt).toBe(1000);
  });

  it('proves nothing on a new connection until a load on it: trusted a while longer, but not current', () => {
    const { clock, trust } = setup();
    trust.loaded(trust.epoch, 1000);
    trust.synced();
    trust.nextEpoch(); // reconnected
    clock.t = 2000;
    trust.proven(trust.epoch, 1900);
    expect(trust.trustedAt).toBe(1000);
    expect([trust.trusted(), trust.current()]).toEqual([true, false]); // `stale`, still answering from the replica
    trust.loaded(trust.epoch, 1500);
    expect([trust.trustedAt, trust.current()]).toEqual([1500, true]);
  });
});

describe('an outage', () => {
  it('is noted once, with the time since the last proof; proof ends it, and the next one is noted again', () => {
    const { clock, trust } = setup();
    trust.loaded(trust.epoch, 1000);
    trust.synced();
    trust.nextEpoch(); // the subscription dropped
    clock.t = 7000;
    expect(trust.overdue()).toBe(true);
    expect(trust.whyUntrusted()).toBe('no contact with Redis for 6000 ms (maxStaleness 5000 ms)');
    expect(trust.noteStale()).toBe(6000);
    clock.t = 8000;
    expect(trust.noteStale()).toBeUndefined();

    trust.nextEpoch(); // reconnected
    trust.loaded(trust.epoch, 7900);
    expect(trust.trusted()).toBe(true);
    clock.t = 7900 + MAX_STALENESS + 100;
    expect(trust.noteStale()).toBe(MAX_STALENESS + 100);
  });

  it('is not over when the proof is already too old on arrival', () => {
    const { clock, trust } = setup();
    trust.loaded(trust.epoch, 1000);
    trust.synced();
    clock.t = 7000;
    expect(trust.noteStale()).toBe(6000);
    clock.t = 20_000;
    trust.proven(trust.epoch, 10_000); // answered, but 10 s after it was sent
    expect(trust.trusted()).toBe(false);
    expect(trust.noteStale()).toBeUndefined();
  });
});

describe('close()', () => {
  it('ends trust for good and notes no more outages', () => {
    const { trust } = setup();
    trust.loaded(trust.epoch, 1000);
    trust.synced();
    trust.close();
    expect([trust.trusted(), trust.current(), trust.starting()]).toEqual([false, false, false]);
    expect(trust.noteStale()).toBeUndefined();
    expect(trust.whyUntrusted()).toBe('the revocation store is closed');
    trust.proven(trust.epoch, 1500);
    expect(trust.trusted()).toBe(false);
  });

  it('before the initial load: no longer starting', () => {
    const { trust } = setup();
    trust.close();
    expect(trust.starting()).toBe(false);
  });
});

it('reads Date.now when given no clock', () => {
  const before = Date.now();
  const trust = new ReplicaTrust({ maxStalenessMs: MAX_STALENESS, connectTimeoutMs: CONNECT_TIMEOUT });
  expect(trust.createdAt).toBeGreaterThanOrEqual(before);
  expect(trust.createdAt).toBeLessThanOrEqual(Date.now());
  trust.loaded(trust.epoch, Date.now());
  expect(trust.trusted()).toBe(true);
});
