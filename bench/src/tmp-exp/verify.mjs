import { runVerifyBench } from '../verify/index.mjs';
import { median } from '../lib/stats.mjs';
const algs = (process.argv[2] ?? 'RS256,ES256').split(',');
const r = await runVerifyBench({ algs, uniqueTokens: 2000, reps: Number(process.env.REPS ?? 5), sliceMs: 300, warmupMs: 200, inFlight: 32 });
for (const a of r.results) { console.log(a.alg); for (const row of a.rows) console.log('  ', row.id.padEnd(24), Math.round(median(row.ops)), median(row.ratios).toFixed(3), row.failed ?? ''); for (const s of a.skipped) console.log('   skipped', s.id, s.reason); }
