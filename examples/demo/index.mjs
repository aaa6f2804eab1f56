#!/usr/bin/env node
/**
 * The whole system in one process: the auth service and the same orders API on Express, Koa
 * and Fastify, all three guarded by one shared policy module, plus more instances of the Express
 * API: one that also accepts DPoP-bound tokens, one that also accepts encrypted (JWE) and opaque
 * (introspected) tokens, and one that introspects every token. Walks through the story, checks
 * every answer, prints a transcript and exits 0 only when every step went as expected.
 *
 *   node examples/demo/index.mjs                              # revocations in memory
 *   REDIS_URL=redis://127.0.0.1:6379 node examples/demo/index.mjs  # one Redis store per API
 *
 * Nothing secret is printed: client secrets are random per run and tokens never shown.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAuthService } from '@bearer-guard/example-auth-service';
import { createOrdersApp as expressApp } from '@bearer-guard/example-orders-express';
import { createOrdersApp as fastifyApp } from '@bearer-guard/example-orders-fastify';
import { createOrdersApp as koaApp } from '@bearer-guard/example-orders-koa';
import { revocationStore } from '@bearer-guard/example-policy';
import { callApi, claimsOf, createDPoPClient, getJson, headerOf, postForm, tamper } from './client.mjs';
import { tokenFormats } from './token-formats.mjs';
import { createTranscript } from './transcript.mjs';

const watchdog = setTimeout(() => {
  console.error('demo: still running after 50 s; giving up');
  process.exit(1);
}, 50_000).unref();

const redisUrl = process.env.REDIS_URL || undefined;
const secret = () => randomBytes(18).toString('base64url');
// The orders API's key pair for encrypted tokens (part 6): the auth service encrypts to the public half.
const apiKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const clients = {
  reader: { id: 'reader', secret: secret(), scopes: ['orders:read'] },
  writer: { id: 'writer', secret: secret(), scopes: ['orders:read', 'orders:write'] },
  admin: { id: 'admin', secret: secret(), scopes: ['orders:read', 'orders:write', 'orders:admin'] },
  // Part 6: a client whose tokens are opaque references, one whose tokens are encrypted to the
  // orders API's public key, and the orders API itself, a client allowed to introspect.
  mobile: { id: 'mobile', secret: secret(), scopes: ['orders:read'], tokenFormat: 'opaque' },
  partner: {
    id: 'partner',
    secret: secret(),
    scopes: ['orders:read'],
    tokenFormat: 'encrypted',
    encryptionKey: apiKeys.publicKey,
  },
  ordersApi: { id: 'orders-api', secret: secret(), scopes: [], introspect: true },
};

// One store shared by everyone in memory; with Redis, one store per process-to-be, as in production.
const stores = [];
const store = () => {
  const s = redisUrl || stores.length === 0 ? revocationStore({ redisUrl }) : stores[0];
  if (!stores.includes(s)) stores.push(s);
  return s;
};

const auth = await createAuthService({ clients: Object.values(clients), revocation: store(), tokenLifetime: 300 });
const apis = {
  express: await expressApp({ issuer: auth.issuer, revocation: store() }),
  koa: await koaApp({ issuer: auth.issuer, revocation: store() }),
  fastify: await fastifyApp({ issuer: auth.issuer, revocation: store() }),
};
const frameworks = /** @type {(keyof typeof apis)[]} */ (Object.keys(apis));
// The same Express API with `dpop: true`: a fourth instance, so that the three above keep their
// identical Bearer-only challenges (a DPoP-enabled API also offers a `DPoP` challenge).
const dpopApi = await expressApp({ issuer: auth.issuer, revocation: store(), dpop: true });
// Two more, for part 6, with no revocation store: they learn of revocations by introspection only.
// `formatsApi` verifies signed JWTs locally, decrypts encrypted ones with its private key and
// introspects anything else (opaque), caching each answer 1 s; `phantomApi` introspects every
// token, JWTs included (`tokens: 'all'`), without a cache.
const introspectAs = { clientId: clients.ordersApi.id, clientSecret: clients.ordersApi.secret };
const formatsApi = await expressApp({
  issuer: auth.issuer,
  decryption: { keys: [apiKeys.privateKey] },
  introspection: { ...introspectAs, cache: { maxAge: '1s' } },
});
const phantomApi = await expressApp({
  issuer: auth.issuer,
  introspection: { ...introspectAs, tokens: 'all', cache: false },
});
if (redisUrl) await waitForRedis();

const t = createTranscript();
t.note('bearer-guard demo: one auth service, one policy module, the same orders API on three frameworks');
/** One line of the cast list, labels aligned. @param {string} label @param {string} text */
const castLine = (label, text) => t.note(`  ${label.padEnd(18)}  ${text}`);
castLine('auth service', `${auth.issuer}   (RFC 8414 metadata, /jwks.json, /token, /revoke, /introspect)`);
for (const name of frameworks) castLine(name, apis[name].url);
castLine('express+DPoP', `${dpopApi.url}   (the Express API with dpop: true)`);
castLine('express+JWE+opaque', `${formatsApi.url}   (with decryption and introspection, cache 1 s)`);
castLine('express+phantom', `${phantomApi.url}   (introspects every token: tokens 'all', no cache)`);
castLine(
  'revocations',
  redisUrl
    ? `Redis at ${new URL(redisUrl).host}, one store per API and one for the auth service`
    : 'in memory, one store shared in this process',
);

try {
  await story();
} catch (error) {
  t.row({
    step: 'the demo itself',
    framework: '-',
    request: '-',
    expected: 'no error',
    got: String(error?.message ?? error),
  });
}
await Promise.allSettled([
  auth.close(),
  dpopApi.close(),
  formatsApi.close(),
  phantomApi.close(),
  ...frameworks.map((name) => apis[name].close()),
]);
await Promise.allSettled(stores.map((s) => s.close?.()));

t.note('');
t.note(
  t.failed === 0
    ? `All ${t.passed} steps answered as expected ✓`
    : `${t.failed} of ${t.passed + t.failed} steps did NOT answer as expected ✗`,
);
process.exitCode = t.failed === 0 ? 0 : 1;
clearTimeout(watchdog);
setTimeout(() => process.exit(), 2000).unref(); // only fires if something still holds the event loop

async function story() {
  const tokenUrl = `${auth.url}/token`;
  const revokeUrl = `${auth.url}/revoke`;
  const grant = (/** @type {Record<string, string>} */ extra = {}) => ({ grant_type: 'client_credentials', ...extra });
  /** @param {string} step @param {(name: string, url: string) => Promise<string>} run @param {string} request @param {string} expected */
  const everyApi = async (step, request, expected, run) => {
    for (const name of frameworks)
      t.row({ step, framework: name, request, expected, got: await run(name, apis[name].url) });
  };

  t.section('1. Tokens from the auth service (OAuth 2.0 client credentials, RFC 9068 JWTs)');
  const meta = await getJson(`${auth.url}/.well-known/oauth-authorization-server`);
  t.row({
    step: 'APIs discover the issuer',
    framework: 'auth',
    request: 'GET /.well-known/oauth-…',
    expected: '200 issuer + jwks_uri',
    got: `${meta.summary}${meta.body?.issuer === auth.issuer && meta.body?.jwks_uri === `${auth.issuer}/jwks.json` ? ' issuer + jwks_uri' : ' (wrong metadata)'}`,
  });
  /** @param {keyof typeof clients} who @param {Record<string, string>} params @param {'basic' | 'post'} [how] */
  const token = async (who, params, how) => {
    const res = await postForm(tokenUrl, clients[who], params, how);
    return { res, token: res.body?.access_token, got: res.status === 200 ? `200 ${res.body.scope}` : res.summary };
  };
  const reader = await token('reader', grant());
  t.row({
    step: 'reader gets a token (HTTP Basic)',
    framework: 'auth',
    request: 'POST /token',
    expected: '200 orders:read',
    got: reader.got,
  });
  const writer = await token('writer', grant(), 'post');
  t.row({
    step: 'writer gets a token (form body)',
    framework: 'auth',
    request: 'POST /token',
    expected: '200 orders:read orders:write',
    got: writer.got,
  });
  const admin = await token('admin', grant());
  t.row({
    step: 'admin gets a token',
    framework: 'auth',
    request: 'POST /token',
    expected: '200 orders:read orders:write orders:admin',
    got: admin.got,
  });
  const narrowed = await token('writer', grant({ scope: 'orders:read' }));
  t.row({
    step: 'writer asks for less: orders:read',
    framework: 'auth',
    request: 'POST /token scope=…',
    expected: '200 orders:read',
    got: narrowed.got,
  });
  const greedy = await token('reader', grant({ scope: 'orders:read orders:write' }));
  t.row({
    step: 'reader asks for orders:write',
    framework: 'auth',
    request: 'POST /token scope=…',
    expected: '400 invalid_scope',
    got: greedy.got,
  });
  const wrong = await postForm(tokenUrl, { id: 'reader', secret: 'not-the-secret' }, grant());
  const challenged = wrong.headers.get('www-authenticate')?.startsWith('Basic ') ? '' : ' (no Basic challenge)';
  t.row({
    step: 'wrong client secret',
    framework: 'auth',
    request: 'POST /token',
    expected: '401 invalid_client',
    got: wrong.summary + challenged,
  });
  if (!reader.token || !writer.token || !admin.token || !narrowed.token) throw new Error('no tokens: cannot go on');
  const claims = claimsOf(reader.token);
  const rfc9068 =
    headerOf(reader.token).typ === 'at+jwt' &&
    claims.sub === 'reader' &&
    claims.client_id === 'reader' &&
    claims.aud === 'orders-api' &&
    typeof claims.jti === 'string';
  t.row({
    step: 'the token is an RFC 9068 JWT',
    framework: 'auth',
    request: '(decode reader token)',
    expected: 'typ at+jwt, sub, aud, jti',
    got: rfc9068 ? 'typ at+jwt, sub, aud, jti' : 'claims missing',
  });

  t.section('2. One policy, three frameworks: the same answers everywhere');
  await everyApi(
    'health needs no token',
    'GET /health',
    '200',
    async (_, url) => (await callApi(url, 'GET', '/health')).summary,
  );
  await everyApi(
    'no token',
    'GET /orders',
    '401 unauthorized',
    async (_, url) => (await callApi(url, 'GET', '/orders')).summary,
  );
  await everyApi(
    'reader lists orders',
    'GET /orders',
    '200',
    async (_, url) => (await callApi(url, 'GET', '/orders', reader.token)).summary,
  );
  await everyApi(
    'reader may not create',
    'POST /orders',
    '403 insufficient_scope',
    async (_, url) => (await callApi(url, 'POST', '/orders', reader.token, { item: 'tea' })).summary,
  );
  await everyApi(
    'writer creates an order',
    'POST /orders',
    '201',
    async (_, url) => (await callApi(url, 'POST', '/orders', writer.token, { item: 'tea', quantity: 3 })).summary,
  );
  await everyApi(
    'writer reads it back',
    'GET /orders/2',
    '200',
    async (_, url) => (await callApi(url, 'GET', '/orders/2', writer.token)).summary,
  );
  await everyApi(
    'narrowed writer token may not create',
    'POST /orders',
    '403 insufficient_scope',
    async (_, url) => (await callApi(url, 'POST', '/orders', narrowed.token, { item: 'tea' })).summary,
  );
  await everyApi(
    'writer may not delete (needs admin)',
    'DELETE /orders/2',
    '403 insufficient_scope',
    async (_, url) => (await callApi(url, 'DELETE', '/orders/2', writer.token)).summary,
  );
  await everyApi(
    'admin deletes',
    'DELETE /orders/2',
    '204',
    async (_, url) => (await callApi(url, 'DELETE', '/orders/2', admin.token)).summary,
  );
  const forged = tamper(reader.token, { scope: 'orders:read orders:write' });
  const answers = [];
  await everyApi('reader forges orders:write', 'POST /orders', '401 invalid_token', async (_, url) => {
    const res = await callApi(url, 'POST', '/orders', forged, { item: 'free tea' });
    answers.push(`${res.status} ${res.headers.get('www-authenticate')} ${res.text}`);
    return res.summary;
  });
  t.row({
    step: 'same status, challenge and body',
    framework: 'all',
    request: '(compare the 401s)',
    expected: 'identical',
    got: new Set(answers).size === 1 ? 'identical' : 'different',
  });
  const expired = await auth.issueToken({
    clientId: 'reader',
    issuedAt: Math.floor(Date.now() / 1000) - 600,
    lifetime: 60,
  });
  await everyApi(
    'token expired 9 minutes ago',
    'GET /orders',
    '401 invalid_token',
    async (_, url) => (await callApi(url, 'GET', '/orders', expired)).summary,
  );

  t.section('3. Key rotation: the new key signs, the old key still verifies until its tokens expire');
  const oldKid = headerOf(reader.token).kid;
  const { kid: newKid } = await auth.rotate();
  const published = auth.jwks().keys.map((k) => k.kid);
  const both = published.includes(oldKid) && published.includes(newKid);
  t.row({
    step: 'rotate the signing key',
    framework: 'auth',
    request: 'rotate()',
    expected: 'JWKS has old + new kid',
    got: both ? 'JWKS has old + new kid' : `JWKS has ${published.length} keys`,
  });
  const fresh = await token('reader', grant());
  const signedByNew = fresh.token && headerOf(fresh.token).kid === newKid;
  t.row({
    step: 'new reader token',
    framework: 'auth',
    request: 'POST /token',
    expected: `200 kid ${newKid.slice(0, 8)}…`,
    got: signedByNew ? `200 kid ${newKid.slice(0, 8)}…` : fresh.got,
  });
  await everyApi(
    `old token (kid ${oldKid.slice(0, 8)}…)`,
    'GET /orders',
    '200',
    async (_, url) => (await callApi(url, 'GET', '/orders', reader.token)).summary,
  );
  await everyApi(
    `new token (kid ${newKid.slice(0, 8)}…)`,
    'GET /orders',
    '200',
    async (_, url) => (await callApi(url, 'GET', '/orders', fresh.token)).summary,
  );

  t.section('4. Revocation (RFC 7009): revoked once at the auth service, refused by every API');
  const foreign = await postForm(revokeUrl, clients.reader, { token: writer.token, token_type_hint: 'access_token' });
  t.row({
    step: "reader revokes writer's token",
    framework: 'auth',
    request: 'POST /revoke',
    expected: '400 unauthorized_client',
    got: foreign.summary,
  });
  await everyApi(
    "writer's token still works",
    'GET /orders',
    '200',
    async (_, url) => (await callApi(url, 'GET', '/orders', writer.token)).summary,
  );
  const own = await postForm(revokeUrl, clients.writer, { token: writer.token }, 'post');
  t.row({
    step: 'writer revokes its own token',
    framework: 'auth',
    request: 'POST /revoke',
    expected: '200',
    got: own.summary,
  });
  const junk = await postForm(revokeUrl, clients.writer, { token: 'not-a-token' });
  t.row({
    step: 'revoking an unknown token',
    framework: 'auth',
    request: 'POST /revoke',
    expected: '200',
    got: junk.summary,
  });
  // With Redis each API learns of the revocation through pub/sub, a moment later.
  await everyApi('revoked token', 'GET /orders', '401 invalid_token', (_, url) =>
    eventually('401 invalid_token', async () => (await callApi(url, 'GET', '/orders', writer.token)).summary),
  );
  await everyApi(
    'other tokens unaffected',
    'GET /orders',
    '200',
    async (_, url) => (await callApi(url, 'GET', '/orders', reader.token)).summary,
  );

  t.section('5. DPoP (RFC 9449): a token bound to the client’s key, worthless without a fresh proof of that key');
  const client = await createDPoPClient();
  const bound = await postForm(tokenUrl, clients.reader, grant(), 'basic', {
    dpop: await client.proof('POST', tokenUrl),
  });
  t.row({
    step: 'reader sends a DPoP proof',
    framework: 'auth',
    request: 'POST /token + DPoP',
    expected: '200 token_type DPoP',
    got: bound.status === 200 ? `200 token_type ${bound.body.token_type}` : bound.summary,
  });
  const dpopToken = bound.body?.access_token;
  if (!dpopToken) throw new Error('no DPoP-bound token: cannot go on');
  t.row({
    step: 'the token names the key',
    framework: 'auth',
    request: '(decode the token)',
    expected: 'cnf.jkt = key thumbprint',
    got: claimsOf(dpopToken).cnf?.jkt === client.jkt ? 'cnf.jkt = key thumbprint' : 'cnf.jkt missing or wrong',
  });
  const misdirected = await postForm(tokenUrl, clients.reader, grant(), 'basic', {
    dpop: await client.proof('POST', revokeUrl),
  });
  t.row({
    step: 'a proof made for another URL',
    framework: 'auth',
    request: 'POST /token + DPoP',
    expected: '400 invalid_dpop_proof',
    got: misdirected.summary,
  });

  const orders = `${dpopApi.url}/orders`;
  /** One call to the DPoP-enabled API; `dpop` undefined sends the token as Bearer. @param {string} token @param {string} [dpop] */
  const callDPoPApi = async (token, dpop) =>
    (await callApi(dpopApi.url, 'GET', '/orders', token, undefined, { dpop })).summary;
  const dpopRow = (
    /** @type {string} */ step,
    /** @type {string} */ request,
    /** @type {string} */ expected,
    /** @type {string} */ got,
  ) => t.row({ step, framework: 'express+DPoP', request, expected, got });
  const proof = await client.proof('GET', orders, dpopToken);
  dpopRow('bound token + its proof', 'GET /orders (DPoP)', '200', await callDPoPApi(dpopToken, proof));
  dpopRow('bound token without proof', 'GET /orders (Bearer)', '401 invalid_token', await callDPoPApi(dpopToken));
  dpopRow('the same proof again', 'GET /orders (DPoP)', '401 invalid_dpop_proof', await callDPoPApi(dpopToken, proof));
  const stranger = await createDPoPClient();
  dpopRow(
    'a proof by another key',
    'GET /orders (DPoP)',
    '401 invalid_token',
    await callDPoPApi(dpopToken, await stranger.proof('GET', orders, dpopToken)),
  );
  dpopRow(
    'a proof for another URL',
    'GET /orders (DPoP)',
    '401 invalid_dpop_proof',
    await callDPoPApi(dpopToken, await client.proof('GET', `${orders}/1`, dpopToken)),
  );
  dpopRow('Bearer tokens still work', 'GET /orders (Bearer)', '200', await callDPoPApi(reader.token));
  t.row({
    step: 'bound token where DPoP is off',
    framework: 'koa',
    request: 'GET /orders (Bearer)',
    expected: '401 invalid_token',
    got: (await callApi(apis.koa.url, 'GET', '/orders', dpopToken)).summary,
  });

  await tokenFormats({
    t,
    auth,
    clients,
    formatsApi,
    phantomApi,
    plainApi: apis.koa,
    tokenUrl,
    revokeUrl,
    meta: meta.body,
    jwt: fresh.token,
  });
}

/** Polls `run` until it answers `expected` (at most 2 s), then returns its last answer. */
async function eventually(/** @type {string} */ expected, /** @type {() => Promise<string>} */ run) {
  const deadline = Date.now() + 2000;
  let got = await run();
  while (got !== expected && redisUrl && Date.now() < deadline) {
    await sleep(50);
    got = await run();
  }
  return got;
}

/** Waits (at most 5 s) for every Redis store's initial load, so a missing Redis fails fast and clearly. */
async function waitForRedis() {
  const timeout = sleep(5000, 'timeout', { ref: false });
  const result = await Promise.race([Promise.all(stores.map((s) => s.ready)), timeout]);
  if (result === 'timeout') {
    console.error(`demo: Redis at ${new URL(/** @type {string} */ (redisUrl)).host} did not answer within 5 s`);
    await Promise.allSettled([
      auth.close(),
      dpopApi.close(),
      formatsApi.close(),
      phantomApi.close(),
      ...frameworks.map((name) => apis[name].close()),
      ...stores.map((s) => s.close?.()),
    ]);
    process.exit(1);
  }
}
