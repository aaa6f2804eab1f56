/**
 * Section 1, run in its own process (`--expose-gc`): verification ops/s per algorithm and
 * candidate. Candidates are interleaved per repetition (rep 1: all candidates, rep 2: all…, the
 * order rotated each rep), each runs for a fixed time slice, and every candidate is compared with
 * the raw `crypto.verify` floor of the same repetition.
 */
import { exitWithParent } from '../lib/child.mjs';
import { generateKey, mint, mintMany, tamper } from '../lib/tokens.mjs';
import { candidates } from './candidates.mjs';

exitWithParent();

const gc = globalThis.gc ?? (() => {});
const now = () => performance.now();

/** Runs `op` back to back for `sliceMs`; returns ops/s. Bounded by time, checked every few ops. */
async function measureSequential(impl, isAsync, state, sliceMs) {
  const { op } = impl;
  let n = 0;
  const start = now();
  const end = start + sliceMs;
  let t = start;
  if (isAsync) {
    do {
      for (let k = 0; k < 4; k++) await op(state.i++);
      n += 4;
      t = now();
    } while (t < end);
  } else {
    do {
      for (let k = 0; k < 4; k++) op(state.i++);
      n += 4;
      t = now();
    } while (t < end);
  }
  return (n * 1000) / (t - start);
}

/** `inFlight` sequential loops sharing the slice: throughput with concurrency. */
async function measureInFlight(impl, state, sliceMs, inFlight) {
  const { op } = impl;
  let n = 0;
  const start = now();
  const end = start + sliceMs;
  const worker = async () => {
    while (now() < end) {
      await op(state.i++);
      n++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return (n * 1000) / (now() - start);
}

async function expectRejected(impl, token) {
  let accepted;
  try {
    accepted = await impl.verifyOnce(token);
  } catch {
    return;
  }
  if (accepted) throw new Error('accepted a tampered token');
}

async function runAlg(alg, cfg, log) {
  const key = await generateKey(alg);
  const tokens = await mintMany(key, cfg.uniqueTokens, `${alg}-u`);
  const repeated = await mint(key, -1, { jti: `${alg}-repeated` });
  const ctx = { alg, key, tokens, repeated };

  const active = [];
  const skipped = [];
  for (const c of candidates) {
    const label = c.label.replace('{inFlight}', String(cfg.inFlight));
    if (c.unsupported?.[alg]) {
      skipped.push({ id: c.id, label, reason: c.unsupported[alg] });
      continue;
    }
    try {
      const impl = await c.create(ctx);
      // Correctness first: a good token passes, a tampered one does not.
      const ok = await impl.verifyOnce(ctx.repeated);
      if (!ok) throw new Error('rejected a valid token');
      await impl.verifyOnce(tokens[0]);
      await expectRejected(impl, tamper(tokens[1]));
      active.push({ c, label, impl, state: { i: 0 }, ops: [], ratios: [] });
    } catch (error) {
      skipped.push({ id: c.id, label, reason: `failed its check: ${error.message}` });
    }
  }
  const raw = active.find((a) => a.c.id === 'raw');
  if (!raw) throw new Error(`${alg}: the raw crypto.verify floor failed its check`);

  const measure = (a, ms) =>
    a.c.inFlight
      ? measureInFlight(a.impl, a.state, ms, cfg.inFlight)
      : measureSequential(a.impl, a.c.async, a.state, ms);

  // Warm-up: every candidate, so the JIT has seen them all before anything counts.
  for (const a of active) {
    gc();
    await measure(a, cfg.warmupMs);
  }

  for (let rep = 0; rep < cfg.reps; rep++) {
    const order = active.map((_, k) => active[(k + rep) % active.length]);
    const opsThisRep = new Map();
    for (const a of order) {
      gc();
      try {
        opsThisRep.set(a, await measure(a, cfg.sliceMs));
      } catch (error) {
        a.failed = error.message;
      }
    }
    const floor = opsThisRep.get(raw);
    for (const [a, ops] of opsThisRep) {
      a.ops.push(ops);
      a.ratios.push(ops / floor);
    }
    log(`${alg} rep ${rep + 1}/${cfg.reps}: raw ${Math.round(floor)} ops/s`);
  }
  for (const a of active) a.impl.close?.();

  return {
    alg,
    tokenBytes: repeated.length,
    rows: active.map((a) => ({
      id: a.c.id,
      label: a.label,
      note: !!a.c.note,
      async: a.c.async,
      ops: a.ops,
      ratios: a.ratios,
      failed: a.failed,
    })),
    skipped,
  };
}

process.on('message', async (message) => {
  if (message?.type === 'close') process.exit(0);
  if (message?.type !== 'run') return;
  try {
    const cfg = message.config;
    const results = [];
    for (const alg of cfg.algs) results.push(await runAlg(alg, cfg, (line) => console.log(line)));
    process.send({ type: 'result', results, gcExposed: typeof globalThis.gc === 'function' });
  } catch (error) {
    process.send({ type: 'error', message: error?.stack ?? String(error) });
  }
});
process.send({ type: 'ready' });
