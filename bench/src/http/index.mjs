/**
 * Sections 2 and 4 (parent side): one server process per case, forked from servers/<framework>.mjs
 * and checked (a valid token gets 200, no token and a tampered token get 401…) before any load, so
 * a broken setup is never measured; then interleaved repetitions load one server at a time.
 */
import { fileURLToPath } from 'node:url';
import { AUDIENCE, ISSUER } from '../config.mjs';
import { ask, nextMessage, pin, startChild, stopChild, withTimeout } from '../lib/child.mjs';
import { int, max, median, min, ms, ratio, signedMicros } from '../lib/stats.mjs';
import { markdownTable } from '../lib/table.mjs';
import { generateKey, mint, mintMany, tamper } from '../lib/tokens.mjs';
import { runLoad } from './load.mjs';

const serverFile = (framework) => fileURLToPath(new URL(`../servers/${framework}.mjs`, import.meta.url));
const REVOKED_JTI = 'revoked-check';

/** The RS256 key and tokens every HTTP case uses. */
export async function prepareHttp(cfg) {
  const key = await generateKey('RS256');
  return {
    // The load generator (autocannon, in this process) on CPU 0, each server on CPU 1.
    pinned: pin(process.pid, 0),
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
  if (answer.status !== status)
    throw new Error(`check "${what}": expected ${status}, got ${answer.status} ${answer.text.slice(0, 200)}`);
  if (status === 200 && !answer.text.includes('"orders"'))
    throw new Error(`check "${what}": unexpected body ${answer.text.slice(0, 200)}`);
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
    for (const i of [1, stream.length >> 1, stream.length - 1])
      await expectStatus(port, stream[i], 200, `unique token #${i}`);
  }
  if (testCase.revocation) await expectStatus(port, tokens.revoked, 401, 'revoked token');
}

/** Starts and checks one case's server; resolves with `{ testCase, child, port }` or `{ testCase, error }`. */
async function startCase(testCase, framework, material) {
  const child = startChild(serverFile(framework), { label: testCase.id });
  try {
    await nextMessage(child, 'ready', 30_000);
    // The load generator runs in this process, on CPU 0 (see runGroup): the server gets CPU 1.
    if (material.pinned) pin(child.pid, 1);
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
    return { testCase, child, port, slices: [] };
  } catch (error) {
    await stopChild(child);
    return { testCase, error: error.message.split('\n')[0].slice(0, 240) };
  }
}

/**
 * Runs a group: every case's server is started and checked first (idle servers cost nothing),
 * then `reps` repetitions load each server in turn for one slice, the order rotated from one
 * repetition to the next. A case's ratio in a repetition compares it with the baseline's slice of
 * that same repetition, so slow drift of the machine cancels out; the table gives the median.
 */
export async function runGroup(group, material, cfg) {
  const started = [];
  for (const testCase of group.cases) started.push(await startCase(testCase, group.framework, material));
  const active = started.filter((s) => !s.error);
  const baseline = active.find((s) => s.testCase.bare);
  try {
    for (const s of started) if (s.error) console.log(`  ${s.testCase.id}: FAILED ${s.error}`);
    if (!baseline) throw new Error(`${group.title}: the baseline server failed its checks`);
    for (let rep = 0; rep < cfg.reps; rep++) {
      const order = active.map((_, k) => active[(k + rep) % active.length]);
      for (const s of order) {
        const load = {
          port: s.port,
          tokens: material[s.testCase.stream],
          connections: cfg.connections,
          pipelining: cfg.pipelining,
        };
        try {
          await runLoad({ ...load, durationSec: cfg.warmupSec });
          const before = await ask(s.child, { type: 'cpu' }, 'cpu', 10_000);
          const slice = await runLoad({ ...load, durationSec: cfg.durationSec });
          const after = await ask(s.child, { type: 'cpu' }, 'cpu', 10_000);
          const served = after.requests - before.requests;
          s.slices[rep] = { ...slice, served, cpuPerRequest: (after.micros - before.micros) / served };
        } catch (error) {
          s.error ??= `load failed: ${error.message.split('\n')[0].slice(0, 200)}`;
        }
      }
      console.log(
        `  rep ${rep + 1}/${cfg.reps}: ${active.map((s) => `${s.testCase.id.split('/')[1]} ${s.slices[rep] ? int(s.slices[rep].rps) : 'failed'}`).join(', ')}${baseline.slices[rep] ? '' : ' (no baseline)'}`,
      );
    }
    for (const s of active) {
      if (!s.child.connected) continue;
      try {
        const stats = await ask(s.child, { type: 'stats' }, 'stats', 10_000);
        s.jwksFetches = stats.jwksFetches;
      } catch (error) {
        s.error ??= `stats: ${error.message}`;
      }
    }
  } finally {
    await Promise.all(active.map((s) => stopChild(s.child)));
  }
  const results = started.map((s) => {
    if (s.error) return { ...s.testCase, error: s.error };
    const done = s.slices.filter(Boolean);
    const reps = s.slices.map((slice, rep) => ({ slice, base: baseline.slices[rep] })).filter((r) => r.slice && r.base);
    const sum = (key) => done.reduce((total, slice) => total + slice[key], 0);
    return {
      ...s.testCase,
      rps: done.map((slice) => slice.rps),
      ratios: reps.map((r) => r.slice.rps / r.base.rps),
      cpuPerRequest: done.map((slice) => slice.cpuPerRequest),
      cpuRatios: reps.map((r) => r.slice.cpuPerRequest / r.base.cpuPerRequest),
      // Paired per repetition: the difference within one repetition cancels the machine's drift.
      cpuAdded: reps.map((r) => r.slice.cpuPerRequest - r.base.cpuPerRequest),
      p50: median(done.map((slice) => slice.p50)),
      p99: median(done.map((slice) => slice.p99)),
      non2xx: sum('non2xx'),
      errors: sum('errors'),
      timeouts: sum('timeouts'),
      statusCodes: done.reduce((all, slice) => {
        for (const [code, n] of Object.entries(slice.statusCodes)) all[code] = (all[code] ?? 0) + n;
        return all;
      }, {}),
      jwksFetches: s.jwksFetches,
    };
  });
  return { ...group, results };
}

export function renderGroup(group) {
  const label = group.baselineLabel ?? 'bare';
  const rows = group.results.map((r) => {
    if (r.error) return [r.label, 'failed', '', '', '', '', '', '', '', '', '', r.error];
    const notes = [];
    if (r.jwksFetches !== null && r.jwksFetches !== undefined) notes.push(`JWKS fetches: ${r.jwksFetches}`);
    const other = Object.entries(r.statusCodes).filter(([code]) => !code.startsWith('2'));
    if (other.length) notes.push(`status ${other.map(([c, n]) => `${c}×${n}`).join(', ')}`);
    return [
      r.label,
      int(median(r.rps)),
      `${int(min(r.rps))}–${int(max(r.rps))}`,
      r.bare ? '(baseline)' : ratio(median(r.ratios)),
      `${median(r.cpuPerRequest).toFixed(0)} µs`,
      r.bare ? '(baseline)' : signedMicros(median(r.cpuAdded)),
      r.bare ? '(baseline)' : ratio(median(r.cpuRatios)),
      ms(r.p50, 0),
      ms(r.p99, 0),
      String(r.non2xx),
      `${r.errors}/${r.timeouts}`,
      notes.join('; '),
    ];
  });
  const table = markdownTable(
    [
      'case',
      'median req/s',
      'min–max req/s',
      `req/s vs ${label}`,
      'server CPU per request',
      `CPU added vs ${label}`,
      `CPU vs ${label}`,
      'p50',
      'p99',
      'non-2xx',
      'errors/timeouts',
      'notes',
    ],
    rows,
    ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
  );
  const base = group.results.find((r) => r.bare && !r.error);
  const spread = base
    ? `The ${label} baseline ranged over ${int(min(base.rps))}–${int(max(base.rps))} req/s across the repetitions (the fastest ${((max(base.rps) / min(base.rps) - 1) * 100).toFixed(0)} % above the slowest): req/s differences smaller than that spread are noise; the ratios, taken within each repetition, are steadier.`
    : 'Baseline unavailable: ratios cannot be computed.';
  return `### ${group.title}\n\n${table}\n\n${spread}`;
}
