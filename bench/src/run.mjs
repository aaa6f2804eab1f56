/**
 * `pnpm bench`: one command, one run, every candidate side by side. Writes bench/RESULTS.md and
 * prints it. Sections:
 *   1. verification ops/s per algorithm (child process, interleaved reps, ratio to raw crypto.verify)
 *   2. HTTP req/s and p99 per framework (a server child per case, loaded in turn, interleaved reps, autocannon here)
 *   3. heap cost of the verified-token cache (child process, --expose-gc)
 *   4. revocation stores through Express (memory, Redis on a local redis-server)
 * and draws sections 1 and 2 as SVG bar charts in bench/charts/, which RESULTS.md embeds.
 * BENCH_QUICK=1 runs the same harness with tiny slices: a smoke test, not figures to quote.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { QUICK, config } from './config.mjs';
import { machine, versions } from './lib/env.mjs';
import { markdownTable } from './lib/table.mjs';
import { httpCharts, verifyCharts } from './lib/charts.mjs';
import { renderVerify, runVerifyBench } from './verify/index.mjs';
import { prepareHttp, renderGroup, runGroup } from './http/index.mjs';
import { httpGroups, revocationGroup } from './http/cases.mjs';
import { renderMemory, runMemoryBench } from './memory/index.mjs';
import { startRedis } from './lib/redis-server.mjs';

const resultsFile = fileURLToPath(new URL('../RESULTS.md', import.meta.url));
const chartsDir = new URL('../charts/', import.meta.url);
const started = Date.now();
const problems = [];

// Nothing may hang the run: past the budget, give up (children are killed on exit).
const watchdog = setTimeout(() => {
  console.error(`bench: watchdog — run exceeded ${config.watchdogMs / 60_000} minutes, aborting`);
  process.exit(2);
}, config.watchdogMs);
watchdog.unref();

const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
const log = (line) => console.log(`[bench ${elapsed()}] ${line}`);

async function section(name, fn) {
  log(`${name}…`);
  try {
    return await fn();
  } catch (error) {
    problems.push(`${name}: ${error.message.split('\n')[0]}`);
    log(`${name} FAILED: ${error.message}`);
    return undefined;
  }
}

// The benchmark measures the built packages: fail at once, not case by case, when they are missing.
for (const name of ['@bearer-guard/core', '@bearer-guard/express', '@bearer-guard/koa', '@bearer-guard/fastify']) {
  try {
    await import(name);
  } catch (error) {
    console.error(`bench: cannot load ${name} (${error.code ?? error.message}). Build the packages first: pnpm build`);
    process.exit(1);
  }
}

const env = machine();
log(`${config.mode} run on ${env.cpu}, ${env.cores} cores, Node ${env.node}; load average ${env.loadavg}`);

const verify = await section('1. verification ops/s', () => runVerifyBench(config.verify));

const http = await section('2. HTTP req/s', async () => {
  const material = await prepareHttp({ ...config.http, revokedEntries: config.revocation.revokedEntries });
  const groups = [];
  for (const group of httpGroups) {
    log(`   ${group.title}`);
    groups.push(await runGroup(group, material, config.http));
  }
  return { material, groups };
});

const revocation = await section('4. revocation stores', async () => {
  if (!http) throw new Error('skipped: the HTTP section failed');
  const redis = await startRedis();
  if (redis.skipped) log(`   Redis case skipped: ${redis.skipped}`);
  try {
    return { group: await runGroup(revocationGroup(redis.url), http.material, config.http), redis };
  } finally {
    await redis.stop?.();
  }
});

const memory = await section('3. verified-token cache memory', () => runMemoryBench(config.memory));

for (const g of [...(http?.groups ?? []), ...(revocation ? [revocation.group] : [])]) {
  for (const r of g.results) if (r.error) problems.push(`${r.id}: ${r.error}`);
  for (const r of g.results)
    if (!r.error && (r.non2xx || r.errors || r.timeouts)) {
      problems.push(`${r.id}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts under load`);
    }
}
for (const r of verify?.results ?? [])
  for (const row of r.rows) if (row.failed) problems.push(`${r.alg} ${row.id}: ${row.failed}`);

/**
 * This run's charts replace the last run's (none is left over from a section that failed this
 * time); RESULTS.md embeds only those written. A chart that cannot be written is a problem, not a crash.
 */
function writeCharts() {
  try {
    const charts = [
      ...(verify ? verifyCharts(verify, { quick: QUICK }) : []),
      ...(http ? httpCharts(http.groups, { quick: QUICK }) : []),
    ];
    rmSync(chartsDir, { recursive: true, force: true });
    mkdirSync(chartsDir, { recursive: true });
    for (const chart of charts) writeFileSync(new URL(chart.file, chartsDir), chart.svg);
    log(`wrote ${charts.length} charts to ${fileURLToPath(chartsDir)}`);
    return charts;
  } catch (error) {
    problems.push(`charts: ${error.message.split('\n')[0]}`);
    return [];
  }
}
const charts = writeCharts();
/** Markdown images of the charts whose file name starts with `prefix`, relative to RESULTS.md. */
const embed = (prefix) =>
  charts
    .filter((c) => c.file.startsWith(prefix))
    .map((c) => `![${c.title}](charts/${c.file})\n\n`)
    .join('');

const env2 = machine();
const h = config.http;
const doc = [
  '# bearer-guard benchmark results',
  '',
  QUICK
    ? '> **Quick smoke run (`BENCH_QUICK=1`)**: tiny time slices, figures are indicative only — do not quote them.\n'
    : '',
  `Date: ${new Date().toISOString()} · mode: ${config.mode} · total run time: ${elapsed()}`,
  '',
  '## Machine',
  '',
  markdownTable(
    ['item', 'value'],
    [
      ['CPU', env.cpu],
      ['cores', String(env.cores)],
      ['Node', `${env.node} (V8 ${env.v8}, OpenSSL ${env.openssl})`],
      ['OS', env.os],
      ['memory', env.memory],
      ['load average (1/5/15 min) at start → end', `${env.loadavg} → ${env2.loadavg}`],
      ['repository commit', env.commit],
    ],
  ),
  '',
  "The load average shows whether anything else was running: on a quiet machine it stays near the benchmark's own use (≈ 1–2).",
  '',
  '## Versions',
  '',
  markdownTable(
    ['package', 'version'],
    [...versions(), ...(revocation?.redis?.version ? [['redis-server', revocation.redis.version]] : [])],
  ),
  '',
  '## How to reproduce',
  '',
  '```sh',
  'pnpm install --frozen-lockfile',
  'pnpm bench                         # builds the packages, then runs bench/src/run.mjs (full run, ~8 min on an idle 2-core machine)',
  'cd bench && BENCH_QUICK=1 node src/run.mjs   # smoke run of the same harness (~1–2 min), needs a prior build',
  '```',
  '',
  'Run it on an otherwise idle machine; `redis-server` on PATH enables the Redis revocation case. See bench/README.md for what each figure means.',
  '',
  '## 1. Verification, operations per second',
  '',
  verify ? embed('verify-') + renderVerify(verify) : `Not measured: ${problems.find((p) => p.startsWith('1.'))}`,
  '',
  '## 2. HTTP requests per second',
  '',
  embed('http-') +
    `RS256, autocannon in the parent process against one server child at a time on 127.0.0.1: ${h.connections} connections, ` +
    `pipelining ${h.pipelining}${http?.material.pinned ? ', autocannon pinned to CPU 0 and the server to CPU 1 (`taskset`)' : ' (not pinned to CPUs: `taskset` unavailable)'}. ` +
    'Pipelining keeps the server busy: its CPU per request then no longer depends on how the load generator paces it. ' +
    `All servers of a group are started and checked first, then ${h.reps} repetitions load each ` +
    `in turn (order rotated each repetition): ${h.warmupSec} s warm-up (discarded) then ${h.durationSec} s measured per slice; ` +
    `\`GET /orders\` answers a small JSON. "unique tokens" = round-robin over ${h.uniqueTokens} distinct tokens: a token comes back ` +
    'only after thousands of others, so the verified-token cache (1000 entries, a token admitted on its second sight within about ' +
    'that many verifications) never holds it, and every request is a full verification. Every server was checked before its load: a valid token ' +
    'gets 200, no token and a tampered token get 401 (and a revoked token 401 in section 4). Ratio = median over repetitions ' +
    'of (case req/s ÷ bare framework req/s in the same repetition). "Server CPU per request" is the server process\'s user + ' +
    'system CPU time (`process.cpuUsage()`, every thread) over the measured slice ÷ the requests it received in the slice (its own count), median over the ' +
    'repetitions; "CPU added vs bare" is the median of (case − bare) per repetition, the figure the charts show; ' +
    '"CPU vs bare" is the median of (case ÷ bare) per repetition. A server that is CPU-bound serves requests/s in ' +
    'inverse proportion to it, and it moves far less than req/s when the machine is shared: 1.04× means the case costs ' +
    '4 % more CPU per request than the bare framework. p50/p99 are medians over the slices; non-2xx, errors and timeouts are totals.',
  '',
  http ? http.groups.map(renderGroup).join('\n\n') : `Not measured: ${problems.find((p) => p.startsWith('2.'))}`,
  '',
  '## 3. Memory of the verified-token cache',
  '',
  memory ? renderMemory(memory) : `Not measured: ${problems.find((p) => p.startsWith('3.'))}`,
  '',
  '## 4. Revocation stores (issue 5)',
  '',
  revocation
    ? `${renderGroup(revocation.group)}\n\nEach store holds ${config.revocation.revokedEntries} revoked ids (none of them the load's token) ` +
      'plus one the check proves is refused. The repeated token hits the verified-token cache, so the revocation lookup, done ' +
      'on every request, is the largest share of the auth cost it can be.' +
      (revocation.redis.skipped ? `\n\nRedis case skipped: ${revocation.redis.skipped}.` : '')
    : `Not measured: ${problems.find((p) => p.startsWith('4.'))}`,
  '',
  '## Problems during this run',
  '',
  problems.length
    ? problems.map((p) => `- ${p}`).join('\n')
    : 'None: every candidate passed its checks, and no request failed under load.',
  '',
].join('\n');

writeFileSync(resultsFile, doc);
console.log(`\n${doc}`);
log(`wrote ${resultsFile}`);
clearTimeout(watchdog);
process.exit(problems.length ? 1 : 0);
