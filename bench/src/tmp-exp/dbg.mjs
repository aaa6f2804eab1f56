import { createVerifier } from '@bearer-guard/core';
import { generateKey, mint } from '../lib/tokens.mjs';
import { ISSUER, AUDIENCE } from '../config.mjs';
const key = await generateKey('RS256');
const t = await mint(key, 1);
const v = createVerifier({ issuer: ISSUER, audience: AUDIENCE, publicKey: key.spki });
for (let i = 0; i < 5; i++) { const t0 = performance.now(); await v.verify(t); console.log(i, (performance.now() - t0).toFixed(3)); }
