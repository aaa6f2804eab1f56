/**
 * autocannon, programmatic, on 127.0.0.1 only. Every request goes through `setupRequest`, which
 * sets the Authorization header from a shared counter: with a token set larger than the
 * verified-token cache, consecutive requests (across all connections) never repeat a token
 * within the cache window. The same path is used for every case (bare included), so the load
 * generator does the same work whatever is measured.
 */
import autocannon from 'autocannon';

/** Runs one load; resolves with the figures, or rejects if autocannon does not finish in time. */
export function runLoad({ port, tokens, connections, durationSec, pipelining }) {
  let next = 0;
  const n = tokens.length;
  const setupRequest = (request) => {
    request.headers = { ...request.headers, authorization: `Bearer ${tokens[next++ % n]}` };
    return request;
  };
  return new Promise((resolve, reject) => {
    let settled = false;
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections,
        duration: durationSec,
        pipelining,
        timeout: 10,
        requests: [{ method: 'GET', path: '/orders', setupRequest }],
      },
      (error, result) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(summarize(result));
      },
    );
    // autocannon stops itself after `duration`; this only fires if something is badly wrong.
    const timer = setTimeout(
      () => {
        if (settled) return;
        settled = true;
        instance.stop();
        reject(new Error(`autocannon did not finish within ${durationSec + 30} s`));
      },
      (durationSec + 30) * 1000,
    );
  });
}

function summarize(result) {
  const total = result.requests.total;
  return {
    rps: total / result.duration,
    total,
    durationSec: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count])),
  };
}
