import * as http from 'node:http';
import express from 'express';
const SYM = Symbol.for('x'); const b = {};
const acc = [0, 0, 0]; let n = 0;
const now = performance.now.bind(performance);
const mode = process.argv[2];
const proto = Object.create(http.IncomingMessage.prototype);
function h(req, res) {
  if (mode === 'proto') Object.setPrototypeOf(req, proto);
  if (mode === 'props') { req.a1 = 1; req.a2 = 2; req.a3 = 3; req.a4 = 4; req.a5 = 5; req.a6 = 6; req.a7 = 7; req.a8 = 8; req.a9 = 9; req.a10 = 10; }
  const t0 = now(); const t1 = now(); req[SYM] = b; const t2 = now(); req.auth = b; const t3 = now();
  acc[0] += t1 - t0; acc[1] += t2 - t1; acc[2] += t3 - t2; n++;
  res.end('ok');
}
const server = http.createServer(mode === 'express' ? express().use((req, res, next) => h(req, res)) : h).listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const autocannon = (await import('autocannon')).default;
await autocannon({ url: `http://127.0.0.1:${server.address().port}`, connections: 20, pipelining: 10, duration: 2 });
console.log(mode, acc.map((a) => (a * 1000 / n).toFixed(2)).join(' '), n);
server.close();
