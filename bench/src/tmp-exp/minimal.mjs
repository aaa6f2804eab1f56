import * as crypto from 'node:crypto';
import { generateKey, mintMany } from '../lib/tokens.mjs';
import { ISSUER, AUDIENCE } from '../config.mjs';
const alg = process.argv[2] ?? 'RS256';
const key = await generateKey(alg);
const toks = await mintMany(key, 2000, 'c');
const ko = crypto.createPublicKey(key.spki);
const params = { RS256: ['sha256', ko], ES256: ['sha256', { key: ko, dsaEncoding: 'ieee-p1363' }], EdDSA: [null, ko] }[alg];
const parts = toks.map((t) => { const d = t.lastIndexOf('.'); return [Buffer.from(t.slice(0, d)), Buffer.from(t.slice(d + 1), 'base64url')]; });
const raw = (i) => crypto.verify(params[0], parts[i % 2000][0], params[1], parts[i % 2000][1]);
const minimal = (i) => { const t = toks[i % 2000]; const a = t.indexOf('.'), b = t.indexOf('.', a + 1); const p = JSON.parse(Buffer.from(t.slice(a + 1, b), 'base64url').toString()); if (p.iss !== ISSUER || p.aud !== AUDIENCE || p.exp < Date.now() / 1000) throw 1; if (!crypto.verify(params[0], Buffer.from(t.slice(0, b), 'latin1'), params[1], Buffer.from(t.slice(b + 1), 'base64url'))) throw 2; return p; };
const minimalAsync = async (i) => minimal(i);
const nojson = (i) => { const t = toks[i % 2000]; const b = t.lastIndexOf('.'); if (!crypto.verify(params[0], Buffer.from(t.slice(0, b), 'latin1'), params[1], Buffer.from(t.slice(b + 1), 'base64url'))) throw 2; };
async function measure(op, isAsync, ms) { let n = 0; const t0 = performance.now(); let t; do { for (let k = 0; k < 8; k++) isAsync ? await op(n + k) : op(n + k); n += 8; t = performance.now(); } while (t - t0 < ms); return n * 1000 / (t - t0); }
const r = { minimal: [], minimalAsync: [], nojson: [] };
for (let rep = 0; rep < 7; rep++) { const a = await measure(raw, false, 300); r.minimal.push(await measure(minimal, false, 300) / a); r.minimalAsync.push(await measure(minimalAsync, true, 300) / a); r.nojson.push(await measure(nojson, false, 300) / a); }
for (const [k, v] of Object.entries(r)) { v.sort(); console.log(alg, k, v[3].toFixed(3)); }
