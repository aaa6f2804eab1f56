import * as http from 'node:http';
import express from 'express';
import { generateKey, mint } from '../lib/tokens.mjs';
import { ISSUER, AUDIENCE } from '../config.mjs';
const key = await generateKey('RS256');
const token = await mint(key, 1);
const app = express();
app.use((await import('@bearer-guard/express')).auth({ issuer: ISSUER, audience: AUDIENCE, publicKey: key.spki }));
app.get('/orders', (req, res) => res.json({ fast: %HasFastProperties(req), resfast: %HasFastProperties(res) }));
const app2 = express();
app2.get('/orders', (req, res) => res.json({ fast: %HasFastProperties(req), resfast: %HasFastProperties(res) }));
for (const a of [app, app2]) {
const server = http.createServer(a).listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const r = await fetch(`http://127.0.0.1:${server.address().port}/orders`, { headers: { authorization: `Bearer ${token}` } });
console.log(await r.text());
server.close();
}
