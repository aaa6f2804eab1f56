import * as crypto from 'node:crypto';
import { createVerifier } from '@bearer-guard/core';
import { generateKey, mintMany } from '../lib/tokens.mjs';
import { ISSUER, AUDIENCE } from '../config.mjs';
const alg = process.argv[2] ?? 'RS256';
const key = await generateKey(alg);
const toks = await mintMany(key, 2000, 'c');
const v = createVerifier({ issuer: ISSUER, audience: AUDIENCE, publicKey: key.spki, cache: process.env.NOCACHE ? false : undefined });
const ko = crypto.createPublicKey(key.spki);
const params = { RS256: ['sha256', ko], ES256: ['sha256', { key: ko, dsaEncoding: 'ieee-p1363' }], EdDSA: [null, ko], PS256: ['sha256', { key: ko, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }] }[alg];
const parts = toks.map((t) => { const d = t.lastIndexOf('.'); return [Buffer.from(t.slice(0, d)), Buffer.from(t.slice(d + 1), 'base64url')]; });
const rawOp = (i) => crypto.verify(params[0], parts[i % 2000][0], params[1], parts[i % 2000][1]);
let vp = -1, cur; const mk = () => createVerifier({ issuer: ISSUER, audience: AUDIENCE, publicKey: key.spki, cache: process.env.NOCACHE ? false : undefined });
const bgOp = (i) => { const p = Math.floor(i / 2000); if (p !== vp) { cur = mk(); vp = p; } return cur.verify(toks[i % 2000]); };
async function measure(op, isAsync, ms) { let n = 0; const t0 = performance.now(); let t; do { for (let k = 0; k < 8; k++) isAsync ? await op(n + k) : op(n + k); n += 8; t = performance.now(); } while (t - t0 < ms); return n * 1000 / (t - t0); }
const ratios = [];
for (let r = 0; r < Number(process.env.REPS ?? 9); r++) { const a = await measure(rawOp, false, 300); const b = await measure(bgOp, true, 300); if (r > 0) ratios.push(b / a); if (r > 0 && process.env.V) console.log(Math.round(a), Math.round(b), (b / a).toFixed(3)); }
ratios.sort(); console.log(alg, 'median ratio', ratios[ratios.length >> 1].toFixed(3));
v.close();
