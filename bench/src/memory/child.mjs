/**
 * Section 3, in its own process with `--expose-gc`: heap cost of the verified-token cache.
 * Fills a verifier's cache with N distinct verified tokens and compares heapUsed (after forced
 * GC) before and after, against a `cache: false` verifier doing the same verifications (the
 * control: whatever verification itself leaves behind). Tokens are minted before the baseline
 * and kept alive throughout, so they are not counted: the cache keys on a 44-byte SHA-256 of the
 * token, not on the token itself.
 */
import { createVerifier } from '@bearer-guard/core';
import { AUDIENCE, ISSUER } from '../config.mjs';
import { exitWithParent } from '../lib/child.mjs';
import { generateKey, mint, mintMany } from '../lib/tokens.mjs';

exitWithParent();

function heapUsed() {
  for (let i = 0; i < 3; i++) globalThis.gc();
  // The JS heap plus ArrayBuffer memory (typed arrays keep their bytes outside the heap).
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function fillDelta(key, tokens, cache) {
  // Measured from before the verifier is made: the cache's fixed tables count too.
  const before = heapUsed();
  const verifier = createVerifier({
    publicKey: key.spki,
    issuer: ISSUER,
    audience: AUDIENCE,
    ...(cache === undefined ? {} : { cache }),
  });
  // Each token twice: the cache admits a token on its second sight.
  for (const token of tokens) {
    await verifier.verify(token);
    await verifier.verify(token);
  }
  const after = heapUsed();
  verifier.close(); // also keeps the verifier, and so its cache, alive until after the measurement
  return after - before;
}

async function run({ entries, trials }) {
  const key = await generateKey('EdDSA');
  const tokens = await mintMany(key, entries, 'mem');
  // Warm the JIT on a throwaway verifier so compiled code does not count as cache.
  const warm = createVerifier({ publicKey: key.spki, issuer: ISSUER, audience: AUDIENCE });
  for (let i = 0; i < 200; i++) await warm.verify(await mint(key, 1e6 + i, { jti: `warm-${i}` }));
  warm.close();

  const full = [];
  const control = [];
  const defaults = [];
  // One discarded round first: the first fills still compile code and settle lazily-created
  // internals (a control delta of several MiB, up or down, without it).
  for (let t = -1; t < trials; t++) {
    if (t < 0) {
      await fillDelta(key, tokens, false);
      await fillDelta(key, tokens, { max: entries });
      await fillDelta(key, tokens, undefined);
      continue;
    }
    control.push(await fillDelta(key, tokens, false));
    full.push(await fillDelta(key, tokens, { max: entries }));
    defaults.push(await fillDelta(key, tokens, undefined));
  }
  return {
    entries,
    trials,
    alg: key.alg,
    tokenBytes: tokens[0].length,
    payloadBytes: Buffer.from(tokens[0].split('.')[1], 'base64url').length,
    fullDelta: median(full),
    controlDelta: median(control),
    defaultDelta: median(defaults),
    samples: { full, control, defaults },
    tokensKept: tokens.length,
  };
}

process.on('message', async (message) => {
  if (message?.type === 'close') process.exit(0);
  if (message?.type !== 'run') return;
  try {
    if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');
    process.send({ type: 'result', result: await run(message.config) });
  } catch (error) {
    process.send({ type: 'error', message: error?.stack ?? String(error) });
  }
});
process.send({ type: 'ready' });
