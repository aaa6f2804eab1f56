/**
 * Parts 6 and 7 of the demo: tokens in the auth service's three formats (signed JWT, opaque,
 * encrypted) against an orders API with `decryption` and `introspection`, and an API that
 * introspects every token. Every answer is a checked row of the transcript.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { callApi, headerOf, postForm } from './client.mjs';

/**
 * Part 6: one API verifies a signed JWT locally, an encrypted one by decrypting it, an opaque one
 * by asking the auth service (RFC 7662); a revocation reaches it through introspection once its
 * cached answer is 1 s old. Part 7: an API that introspects every token sees revocations at once.
 * @param {object} context
 * @param {ReturnType<typeof import('./transcript.mjs').createTranscript>} context.t
 * @param {{ url: string }} context.auth - the auth service
 * @param {Record<'reader' | 'mobile' | 'partner' | 'ordersApi', { id: string, secret: string }>} context.clients
 * @param {{ url: string }} context.formatsApi - with `decryption` and `introspection` (cache 1 s)
 * @param {{ url: string }} context.phantomApi - with `introspection.tokens: 'all'`
 * @param {{ url: string }} context.plainApi - the Koa API, with neither
 * @param {string} context.tokenUrl @param {string} context.revokeUrl
 * @param {Record<string, unknown> | undefined} context.meta - the auth service's metadata
 * @param {string | undefined} context.jwt - a live signed JWT of `reader`
 */
export async function tokenFormats({
  t,
  auth,
  clients,
  formatsApi,
  phantomApi,
  plainApi,
  tokenUrl,
  revokeUrl,
  meta,
  jwt,
}) {
  const introspectUrl = `${auth.url}/introspect`;
  const grant = { grant_type: 'client_credentials' };
  const FORMATS = 'express+JWE+opaque';
  const PHANTOM = 'express+phantom';
  /** @param {string} url @param {string} token @param {string} [method] @param {unknown} [body] */
  const call = async (url, token, method = 'GET', body = undefined) =>
    (await callApi(url, method, '/orders', token, body)).summary;
  /** @param {string} token @param {{ id: string, secret: string }} [as] */
  const introspect = async (token, as = clients.ordersApi) => {
    const res = await postForm(introspectUrl, as, { token });
    if (res.status !== 200) return res.summary;
    return res.body.active === true ? `200 active, sub ${res.body.sub}` : `200 active ${res.body.active}`;
  };

  t.section('6. Opaque and encrypted tokens: one API verifies all three kinds (RFC 7662 introspection, JWE)');
  t.row({
    step: 'the auth service offers introspection',
    framework: 'auth',
    request: 'GET /.well-known/oauth-…',
    expected: 'introspection_endpoint',
    got: meta?.introspection_endpoint === introspectUrl ? 'introspection_endpoint' : 'missing',
  });
  const opaque = await postForm(tokenUrl, clients.mobile, grant);
  const opaqueToken = opaque.body?.access_token;
  t.row({
    step: 'mobile gets an opaque token',
    framework: 'auth',
    request: 'POST /token',
    expected: '200 opaque, 43 characters',
    got: /^[\w-]{43}$/.test(opaqueToken ?? '') ? '200 opaque, 43 characters' : opaque.summary,
  });
  const sealed = await postForm(tokenUrl, clients.partner, grant);
  const sealedToken = sealed.body?.access_token;
  const jwe = sealedToken?.split('.').length === 5 ? headerOf(sealedToken) : undefined;
  t.row({
    step: 'partner gets an encrypted token',
    framework: 'auth',
    request: 'POST /token',
    expected: '200 JWE RSA-OAEP-256 A256GCM',
    got: jwe ? `200 JWE ${jwe.alg} ${jwe.enc}` : sealed.summary,
  });
  if (!opaqueToken || !sealedToken || !jwt) throw new Error('no opaque or encrypted token: cannot go on');
  t.row({
    step: 'the API introspects the opaque token',
    framework: 'auth',
    request: 'POST /introspect',
    expected: '200 active, sub mobile',
    got: await introspect(opaqueToken),
  });
  t.row({
    step: 'reader may not introspect',
    framework: 'auth',
    request: 'POST /introspect',
    expected: '400 unauthorized_client',
    got: await introspect(opaqueToken, clients.reader),
  });
  const row =
    (/** @type {string} */ framework) =>
    (
      /** @type {string} */ step,
      /** @type {string} */ request,
      /** @type {string} */ expected,
      /** @type {string} */ got,
    ) =>
      t.row({ step, framework, request, expected, got });
  const formats = row(FORMATS);
  formats('signed JWT (verified locally)', 'GET /orders', '200', await call(formatsApi.url, jwt));
  formats('opaque token (introspected)', 'GET /orders', '200', await call(formatsApi.url, opaqueToken));
  formats('encrypted token (decrypted)', 'GET /orders', '200', await call(formatsApi.url, sealedToken));
  formats(
    'opaque token: scope still checked',
    'POST /orders',
    '403 insufficient_scope',
    await call(formatsApi.url, opaqueToken, 'POST', { item: 'tea' }),
  );
  formats(
    'an opaque token never issued',
    'GET /orders',
    '401 invalid_token',
    await call(formatsApi.url, randomBytes(32).toString('base64url')),
  );
  row('koa')(
    'encrypted token, API without its key',
    'GET /orders',
    '401 invalid_token',
    await call(plainApi.url, sealedToken),
  );
  row('koa')(
    'opaque token, API without introspection',
    'GET /orders',
    '401 invalid_token',
    await call(plainApi.url, opaqueToken),
  );

  const revoked = await postForm(revokeUrl, clients.mobile, { token: opaqueToken });
  const revokedAt = Date.now();
  t.row({
    step: 'mobile revokes its opaque token',
    framework: 'auth',
    request: 'POST /revoke',
    expected: '200',
    got: revoked.summary,
  });
  t.row({
    step: 'introspection says so at once',
    framework: 'auth',
    request: 'POST /introspect',
    expected: '200 active false',
    got: await introspect(opaqueToken),
  });
  // The API may answer from its cached introspection for up to 1 s (cache.maxAge), then asks
  // again. Polled for at most 3 s.
  const first = await call(formatsApi.url, opaqueToken);
  let got = first;
  while (got === '200' && Date.now() - revokedAt < 3000) {
    await sleep(100);
    got = await call(formatsApi.url, opaqueToken);
  }
  const refusedAfter = Date.now() - revokedAt;
  formats('revoked opaque token, within 3 s', 'GET /orders', '401 invalid_token', got);
  t.note(
    first === '200'
      ? `  (the API answered 200 from its cached introspection, then refused the token ${refusedAfter} ms after the revocation)`
      : "  (the API's cached answer was already older than 1 s: it asked again and refused the token at once)",
  );

  t.section(
    "7. Every token introspected (introspection.tokens: 'all'; the phantom-token check, done by the API itself)",
  );
  const phantom = row(PHANTOM);
  const mobile = await postForm(tokenUrl, clients.mobile, grant);
  phantom('opaque token', 'GET /orders', '200', await call(phantomApi.url, mobile.body?.access_token));
  const reader = await postForm(tokenUrl, clients.reader, grant);
  const readerJwt = reader.body?.access_token;
  if (!readerJwt) throw new Error('no reader token: cannot go on');
  phantom('signed JWT, introspected too', 'GET /orders', '200', await call(phantomApi.url, readerJwt));
  const revokedJwt = await postForm(revokeUrl, clients.reader, { token: readerJwt });
  t.row({
    step: 'reader revokes that JWT',
    framework: 'auth',
    request: 'POST /revoke',
    expected: '200',
    got: revokedJwt.summary,
  });
  phantom('revoked JWT: refused at once', 'GET /orders', '401 invalid_token', await call(phantomApi.url, readerJwt));
  formats('revoked JWT where verified locally', 'GET /orders', '200', await call(formatsApi.url, readerJwt));
  t.note('  (that API checks JWTs locally and has no revocation store: it accepts the token until its exp)');
}
