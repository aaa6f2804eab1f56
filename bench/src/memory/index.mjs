/** Section 3 driver (parent side). */
import { fileURLToPath } from 'node:url';
import { DEFAULT_CACHE_MAX } from '../config.mjs';
import { ask, nextMessage, startChild, stopChild } from '../lib/child.mjs';
import { bytes, int } from '../lib/stats.mjs';
import { markdownTable } from '../lib/table.mjs';

const childFile = fileURLToPath(new URL('./child.mjs', import.meta.url));

export async function runMemoryBench(cfg) {
  const child = startChild(childFile, { execArgv: ['--expose-gc'], label: 'memory' });
  try {
    await nextMessage(child, 'ready', 30_000);
    const { result } = await ask(child, { type: 'run', config: cfg }, 'result', 180_000);
    return result;
  } finally {
    await stopChild(child);
  }
}

export function renderMemory(m) {
  const perEntry = (m.fullDelta - m.controlDelta) / m.entries;
  const boundFootprint = m.defaultDelta - m.controlDelta;
  const range = (list) => (list.length > 1 ? ` (trials: ${list.map(bytes).join(', ')})` : '');
  const rows = [
    [
      `\`cache: false\` (control), ${int(m.entries)} verifications`,
      bytes(m.controlDelta) + range(m.samples.control),
      '–',
    ],
    [
      `\`cache: { max: ${m.entries} }\`, ${int(m.entries)} distinct tokens`,
      bytes(m.fullDelta) + range(m.samples.full),
      `**${int(perEntry)} B per entry** (delta minus control, ÷ ${int(m.entries)})`,
    ],
    [
      `default cache (max ${DEFAULT_CACHE_MAX}), ${int(m.entries)} distinct tokens`,
      bytes(m.defaultDelta) + range(m.samples.defaults),
      `${bytes(boundFootprint)} above the control: the bound holds`,
    ],
  ];
  return (
    `${m.alg} tokens of ${m.tokenBytes} bytes (payload ${m.payloadBytes} bytes of JSON: iss, aud, sub, scope, client_id, iat, exp, jti); ` +
    `the cache stores a SHA-256 digest of each token plus its decoded header and payload. heapUsed after forced GC ` +
    `(\`--expose-gc\`), median of ${m.trials} trial(s) after one discarded round.\n\n` +
    markdownTable(['verifier', 'heap delta', 'per entry'], rows, ['left', 'right', 'left']) +
    `\n\n**Default bound (${DEFAULT_CACHE_MAX} entries):** ≈ ${bytes(perEntry * DEFAULT_CACHE_MAX)} at ${int(perEntry)} B per entry; ` +
    `measured directly on a default verifier after ${int(m.entries)} distinct tokens: ${bytes(boundFootprint)}. ` +
    'Entries grow with the claims a token carries (larger payloads, more bytes per entry).'
  );
}
