import { describe, expect, it } from 'vitest';
import { AuthUnavailableError } from '../src/errors.js';
import { SingleFlight, type Unavailable } from '../src/single-flight.js';

const JWKS: Unavailable = {
  reason: 'jwks_unavailable',
  message: (detail) => `JWKS https://keys.test/ unavailable: ${detail}`,
};

/** A SingleFlight over an operation the test settles by hand, on a clock the test moves. */
function harness(unavailable: Unavailable = JWKS) {
  const clock = { now: 1_000_000 };
  const calls: { signal: AbortSignal; resolve: (value: string) => void; reject: (error: unknown) => void }[] = [];
  const flight = new SingleFlight<string>(
    (signal) => new Promise<string>((resolve, reject) => calls.push({ signal, resolve, reject })),
    unavailable,
    () => clock.now,
  );
  const last = () => calls[calls.length - 1]!;
  return { flight, calls, clock, last };
}

/** One failed operation through `run()`. */
async function failOnce(h: ReturnType<typeof harness>, error: unknown = new Error('HTTP 500')): Promise<void> {
  const pending = h.flight.run();
  h.last().reject(error);
  await expect(pending).rejects.toBe(error);
}

async function rejection(promise: Promise<unknown>): Promise<AuthUnavailableError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthUnavailableError);
  return error as AuthUnavailableError;
}

describe('SingleFlight', () => {
  it('shares one operation among every caller while it runs, then starts a new one', async () => {
    const h = harness();
    const all = [h.flight.run(), h.flight.request(), h.flight.run()];
    for (let i = 0; i < 20; i++) all.push(h.flight.request());
    expect(h.calls).toHaveLength(1);
    expect(h.flight.inFlight).toBe(true);
    h.last().resolve('keys');
    expect(await Promise.all(all)).toEqual(Array(all.length).fill('keys'));
    expect(h.flight.inFlight).toBe(false);
    const next = h.flight.request();
    expect(h.calls).toHaveLength(2);
    h.last().resolve('keys again');
    await expect(next).resolves.toBe('keys again');
  });

  it('backs off 1 s, 2 s, 4 s … at most 30 s after consecutive failures, and a success resets it', async () => {
    const h = harness();
    const waits = [
      [1, 1000],
      [2, 2000],
      [3, 4000],
      [4, 8000],
      [5, 16_000],
      [6, 30_000],
      [7, 30_000],
    ] as const;
    for (const [failures, wait] of waits) {
      await failOnce(h);
      expect([h.flight.failures, h.flight.backoffUntil - h.clock.now]).toEqual([failures, wait]);
    }
    const pending = h.flight.run();
    h.last().resolve('keys');
    await pending;
    expect([h.flight.failures, h.flight.backoffUntil]).toEqual([0, 0]);
    await failOnce(h);
    expect(h.flight.backoffUntil - h.clock.now).toBe(1000);
  });

  it('request() while backing off: a 503 at once, naming the wait and the last error; then a new attempt', async () => {
    const h = harness();
    const cause = new Error('unexpected HTTP status 500 (https://keys.test/)');
    await failOnce(h, cause);
    h.clock.now += 400;
    const error = await rejection(h.flight.request());
    expect(h.calls).toHaveLength(1); // no operation started
    expect(error.status).toBe(503);
    expect(error.reason).toBe('jwks_unavailable');
    expect(error.message).toBe(`JWKS https://keys.test/ unavailable: backing off for 600 ms after: ${cause.message}`);
    expect(error.cause).toBe(cause);
    expect(h.flight.ready()).toBe(false);
    h.clock.now += 600;
    expect(h.flight.ready()).toBe(true);
    const retry = h.flight.request();
    expect(h.calls).toHaveLength(2);
    h.last().resolve('keys');
    await expect(retry).resolves.toBe('keys');
  });

  it('run() ignores the backoff, and request() joins an operation in flight even while backing off', async () => {
    const h = harness();
    await failOnce(h);
    const deliberate = h.flight.run();
    expect(h.calls).toHaveLength(2);
    const joined = h.flight.request();
    expect(h.calls).toHaveLength(2);
    h.last().resolve('keys');
    await expect(deliberate).resolves.toBe('keys');
    await expect(joined).resolves.toBe('keys');
  });

  it('request() turns a failure into the 503 of its reason, the cause kept', async () => {
    const h = harness({
      reason: 'discovery_failed',
      message: (detail) => `discovery for https://issuer.test failed: ${detail}`,
    });
    const pending = h.flight.request();
    const cause = new Error('request failed: connect ECONNREFUSED');
    h.last().reject(cause);
    const error = await rejection(pending);
    expect(error.reason).toBe('discovery_failed');
    expect(error.message).toBe('discovery for https://issuer.test failed: request failed: connect ECONNREFUSED');
    expect(error.cause).toBe(cause);
    // Something thrown that is not an Error still makes a message.
    h.clock.now += 1000;
    const odd = h.flight.request();
    h.last().reject('boom');
    expect((await rejection(odd)).message).toBe('discovery for https://issuer.test failed: boom');
  });

  it('ready() is false while an operation runs', async () => {
    const h = harness();
    expect(h.flight.ready()).toBe(true);
    const pending = h.flight.run();
    expect(h.flight.ready()).toBe(false);
    h.last().resolve('keys');
    await pending;
    expect(h.flight.ready()).toBe(true);
  });

  it('close() aborts the operation in flight, and nothing starts afterwards', async () => {
    const h = harness();
    const pending = h.flight.request();
    const { signal, reject } = h.last();
    signal.addEventListener('abort', () => reject(new Error('request aborted')));
    h.flight.close();
    expect(signal.aborted).toBe(true);
    expect(h.flight.closed).toBe(true);
    expect((await rejection(pending)).message).toBe('JWKS https://keys.test/ unavailable: request aborted');
    expect(h.flight.ready()).toBe(false);
    await expect(h.flight.run()).rejects.toThrow('key source closed');
    const closed = await rejection(h.flight.request());
    expect(closed.message).toBe('JWKS https://keys.test/ unavailable: key source closed');
    expect(h.calls).toHaveLength(1);
  });
});
