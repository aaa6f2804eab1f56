/** Section 1 driver (parent side): runs verify/child.mjs and turns its figures into a table. */
import { fileURLToPath } from 'node:url';
import { ask, nextMessage, startChild, stopChild } from '../lib/child.mjs';
import { int, max, median, min, ratio } from '../lib/stats.mjs';
import { markdownTable } from '../lib/table.mjs';
import { candidates } from './candidates.mjs';

const childFile = fileURLToPath(new URL('./child.mjs', import.meta.url));

export async function runVerifyBench(cfg) {
  const child = startChild(childFile, { execArgv: ['--expose-gc'], label: 'verify' });
  try {
    await nextMessage(child, 'ready', 30_000);
    const slices = cfg.algs.length * candidates.length * (cfg.reps * cfg.sliceMs + cfg.warmupMs);
    const budget = 2 * slices + 120_000; // minting, key generation and a slow machine
    const { results, gcExposed } = await ask(child, { type: 'run', config: cfg }, 'result', budget);
    return { results, gcExposed, cfg };
  } finally {
    await stopChild(child);
  }
}

export function renderVerify({ results, gcExposed, cfg }) {
  const parts = [];
  for (const r of results) {
    const rows = r.rows.map((row) => {
      if (row.failed) return [row.label, 'failed', '', '', row.failed];
      return [
        row.label,
        int(median(row.ops)),
        `${int(min(row.ops))}–${int(max(row.ops))}`,
        row.id === 'raw' ? '1.00× (floor)' : ratio(median(row.ratios)),
        row.note
          ? 'note: concurrency, not comparable to the sequential rows'
          : row.async
            ? 'async, 1 in flight'
            : 'sync',
      ];
    });
    for (const s of r.skipped) rows.push([s.label, 'skipped', '', '', s.reason]);
    parts.push(
      `### ${r.alg} (token ${r.tokenBytes} bytes)\n\n` +
        markdownTable(['candidate', 'median ops/s', 'min–max ops/s', 'vs raw crypto.verify', 'notes'], rows, [
          'left',
          'right',
          'right',
          'right',
          'left',
        ]),
    );
  }
  const header =
    `${cfg.reps} repetitions × ${cfg.sliceMs} ms per candidate, interleaved (order rotated each rep) after a ` +
    `${cfg.warmupMs} ms warm-up of each; ${cfg.uniqueTokens} distinct tokens per algorithm plus one repeated token. ` +
    'The "unique" rows of bearer-guard make a fresh verifier for each pass over the tokens (one key import per ' +
    `${cfg.uniqueTokens} operations), so each token is one the verifier has never seen: its cache admits a token on the ` +
    'second sight, and would otherwise hold some of them. Ratio = median over reps of (candidate ops/s ÷ raw crypto.verify ops/s ' +
    `in the same rep). ${gcExposed ? 'GC forced before each slice.' : 'GC not exposed: slices may include collections.'}`;
  return `${header}\n\n${parts.join('\n\n')}`;
}
