import { isUtf8, isAscii } from 'node:buffer';
import { generateKey, mintMany } from '../lib/tokens.mjs';
const key = await generateKey('ES256');
const toks = await mintMany(key, 64, 'h');
const segs = toks.map((t) => t.split('.')[1]);
const cases = {
  cur: (s) => { const b = Buffer.from(s, 'base64url'); if (!isUtf8(b)) throw 1; return JSON.parse(b.toString('utf8')); },
  ascii: (s) => { const b = Buffer.from(s, 'base64url'); if (isAscii(b)) return JSON.parse(b.latin1Slice(0, b.length)); if (!isUtf8(b)) throw 1; return JSON.parse(b.toString('utf8')); },
  td: (() => { const td = new TextDecoder('utf-8', { fatal: true }); return (s) => JSON.parse(td.decode(Buffer.from(s, 'base64url'))); })(),
  atob: (s) => JSON.parse(atob(s.replace(/-/g, '+').replace(/_/g, '/'))),
  decodeOnly: (s) => Buffer.from(s, 'base64url'),
};
for (let r = 0; r < 3; r++) for (const [name, f] of Object.entries(cases)) {
  const N = 300000; let x = 0; const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) x += f(segs[i & 63]) ? 1 : 0;
  if (r === 2) console.log(name.padEnd(12), (Number(process.hrtime.bigint() - t0) / N).toFixed(0), 'ns');
}
