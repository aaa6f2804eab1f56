/**
 * Sections 2 and 4 (parent side): one server process at a time, forked from servers/<framework>.mjs,
 * checked (a valid token gets 200, no token and a tampered token get 401…) before any load, so a
 * broken setup is never measured; then a short warm-up load, the measured load, and the kill.
 */
import { fileURLToPath } from 'node:url';
import { AUDIENCE, ISSUER } from '../config.mjs';
import { ask, nextMessage, startChild, stopChild, withTimeout } from '../lib/child.mjs';
import { int, ms, ratio } from '../lib/stats.mjs';
import { markdownTable } from '../lib/table.mjs';
import { generateKey, mint, mintMany, tamper } from '../lib/tokens.mjs';
import { runLoad } from './load.mjs';

const serverFile = (framework) => fileURLToPath(new URL(`../servers/${framework}.mjs`, import.meta.url));
const REVOKED_JTI = 'revoked-check';

/** The RS256 key and tokens every HTTP case uses. */
export async function prepareHttp(cfg) {
  const key = await generateKey('RS256');
  return {
    key,
    publicKey: { alg: key.alg, kid: key.kid, spki: key.spki, jwk: key.jwk },
    unique: await mintMany(key, cfg.uniqueTokens, 'http-u'),
    repeated: [await mint(key, -1, { jti: 'http-repeated' })],
    revoked: await mint(key, -2, { jti: REVOKED_JTI }),
    fillers: Array.from({ length: cfg.revokedEntries ?? 1000 }, (_, i) => `revoked-filler-${i}`),
  };
}

async function get(port, token) {
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  const response = await fetch(`http://127.0.0.1:${port}/orders`, { headers, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  return { status: response.status, text };
}

async function expectStatus(port, token, status, what) {
  const answer = await get(port, token);
  if (answer.status !== status) throw new Error(`check "${what}": expected ${status}, got ${answer.status} ${answer.text.slice(0, 200)}`);
  if (status === 200 && !answer.text.includes('"orders"')) throw new Error(`check "${what}": unexpected body ${answer.text.slice(0, 200)}`);
}

/** Proves the server is what the case says before it is measured. */
async function check(port, testCase, tokens) {
  const stream = tokens[testCase.stream];
  await expectStatus(port, stream[0], 200, 'valid token');
  if (testCase.variant !== 'bare') {
    await expectStatus(port, undefined, 401, 'no token');
    await expectStatus(port, tamper(stream[0]), 401, 'tampered token');
  }
  if (testCase.stream === 'unique') {
    for (const i of [1, stream.length >> 1, stream.length - 1]) await expectStatus(port, stream[i], 200, `unique token #${i}`);
  }
  if (testCase.revocation) await expectStatus(port, tokens.revoked, 401, 'revoked token');
}

async function runCase(testCase, framework, material, cfg) {
  const child = startChild(serverFile(framework), { label: testCase.id });
  try {
    await nextMessage(child, 'ready', 30_000);
    const spec = {
      variant: testCase.variant,
      issuer: ISSUER,
      audience: AUDIENCE,
      key: material.publicKey,
      cache: testCase.cache,
      jwks: testCase.jwks === true,
      revocation: testCase.revocation && { ...testCase.revocation, revoked: [...material.fillers, REVOKED_JTI] },
    };
    const { port } = await ask(child, { type: 'start', spec }, 'listening', 30_000);
    await withTimeout(check(port, testCase, material), 30_000, `${testCase.id} checks`);
    const tokens = material[testCase.stream];
    const load = { port, tokens, connections: cfg.connections, pipelining: cfg.pipelining };
    await runLoad({ ...load, durationSec: cfg.warmupSec });
    const result = await runLoad({ ...load, durationSec: cfg.durationSec });
    const stats = await ask(child, { type: 'stats' }, 'stats', 10_000);
    return { ...testCase, result, jwksFetches: stats.jwksFetches, serverRss: stats.memory };
  } catch (error) {
    return { ...testCase, error: error.message.split('\n')[0].slice(0, 240) };
  } finally {
    await stopChild(child);
  }
}

/** Runs every case of a group, one server at a time; logs one line per case. */
export async function runGroup(group, material, cfg) {
  const results = [];
  for (const testCase of group.cases) {
    const r = await runCase(testCase, group.framework, material, cfg);
    results.push(r);
    console.log(
      r.error
        ? `  ${r.id}: FAILED ${r.error}`
        : `  ${r.id}: ${int(r.result.rps)} req/s, p99 ${ms(r.result.p99, 0)}, non-2xx ${r.result.non2xx}, errors ${r.result.errors}`,
    );
  }
  return { ...group, results };
}

export function renderGroup(group) {
  const baselines = group.results.filter((r) => r.bare && !r.error);
  const baseline = baselines.length ? baselines.reduce((sum, r) => sum + r.result.rps, 0) / baselines.length : NaN;
  const drift = baselines.length === 2 ? baselines[1].result.rps / baselines[0].result.rps - 1 : NaN;
  const rows = group.results.map((r) => {
    if (r.error) return [r.label, 'failed', '', '', '', '', '', r.error];
    const { result } = r;
    const notes = [];
    if (r.jwksFetches !== null && r.jwksFetches !== undefined) notes.push(`JWKS fetches: ${r.jwksFetches}`);
    const other = Object.entries(result.statusCodes).filter(([code]) => !code.startsWith('2'));
    if (other.length) notes.push(`status ${other.map(([c, n]) => `${c}×${n}`).join(', ')}`);
    return [
      r.label,
      int(result.rps),
      r.bare ? (baselines.length === 2 ? '(baseline)' : '1.00×') : ratio(result.rps / baseline),
      ms(result.p50, 0),
      ms(result.p99, 0),
      String(result.non2xx),
      `${result.errors}/${result.timeouts}`,
      notes.join('; '),
    ];
  });
  const table = markdownTable(
    ['case', 'req/s', `vs ${group.baselineLabel ?? 'bare'}`, 'p50', 'p99', 'non-2xx', 'errors/timeouts', 'notes'],
    rows,
    ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
  );
  const driftLine = Number.isFinite(drift)
    ? `Baseline = mean of the two ${group.baselineLabel ?? 'bare'} runs (${int(baseline)} req/s); they differ by ${(drift * 100).toFixed(1)} % (drift/noise during the group).`
    : 'Baseline unavailable: ratios cannot be computed.';
  return `### ${group.title}\n\n${table}\n\n${driftLine}`;
}
