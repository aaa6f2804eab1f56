/**
 * Opaque tokens through introspection (RFC 7662) on every target: rows through the table runner
 * against a real introspection endpoint on 127.0.0.1, then per target what a row cannot say: a
 * revocation at the authorization server showing once the cache's maxAge has passed, and a flood
 * of junk tokens that never becomes more than 16 calls at once.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, expect, it } from 'vitest';
import { send } from './helpers/http.js';
import { checkHygiene, runTable, type RunnableRow } from './helpers/run-table.js';
import { DEFAULT_OPTIONS, forbidden, invalid, ok, UNAVAILABLE } from './table.js';

const ISSUER = 'https://issuer.conformance.test/';
const now = () => Math.floor(Date.now() / 1000);

/** The endpoint's answers by token; anything else is `{ active: false }`. */
const answers = new Map<string, { status?: number; body: unknown; delayMs?: number }>();
let inProgress = 0;
let peak = 0;
let calls = 0;

const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', async () => {
    calls++;
    inProgress++;
    peak = Math.max(peak, inProgress);
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const expected = `Basic ${Buffer.from('orders-api:orders-secret').toString('base64')}`;
    const answer =
      req.headers.authorization !== expected
        ? { status: 401, body: { error: 'invalid_client' } }
        : (answers.get(form.get('token') ?? '') ?? { body: { active: false } });
    if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
    inProgress--;
    res.statusCode = answer.status ?? 200;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(answer.body));
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const ENDPOINT = `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`;
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** An opaque token the endpoint answers for with `body` (active with the table's claims unless given). */
function opaque(name: string, body?: unknown, extra: { status?: number; delayMs?: number } = {}): string {
  const token = `opaque-${name}-${'x'.repeat(24)}`;
  answers.set(token, {
    body: body ?? { active: true, iss: ISSUER, aud: 'orders', sub: 'user-1', exp: now() + 3600, scope: 'read:orders' },
    ...extra,
  });
  return token;
}

const INTROSPECTION = { endpoint: ENDPOINT, clientId: 'orders-api', clientSecret: 'orders-secret' };

const rows: RunnableRow[] = [
  { name: 'introspection: an active opaque token passes', token: () => opaque('active'), expect: ok() },
  {
    name: 'introspection: its scopes reach the guards (scoped route)',
    route: 'scoped',
    token: () => opaque('scoped'),
    expect: ok('scoped'),
  },
  {
    name: 'introspection: a guard the answer does not satisfy → 403',
    route: 'admin',
    token: () => opaque('not-admin'),
    expect: forbidden('insufficient_scope', 'admin'),
  },
  {
    name: 'introspection: an inactive token → invalid_token',
    token: () => opaque('inactive', { active: false }),
    expect: invalid('token_inactive'),
  },
  {
    name: 'introspection: "active": "true" (a string) is not active → invalid_token',
    token: () => opaque('string-true', { active: 'true', iss: ISSUER, aud: 'orders', exp: now() + 60 }),
    expect: invalid('token_inactive'),
  },
  {
    name: 'introspection: an answer for another audience → invalid_token',
    token: () => opaque('audience', { active: true, iss: ISSUER, aud: 'billing', sub: 'user-1', exp: now() + 60 }),
    expect: invalid('invalid_audience'),
  },
  {
    name: 'introspection: an answer past its exp → invalid_token',
    token: () => opaque('expired', { active: true, iss: ISSUER, aud: 'orders', sub: 'user-1', exp: now() - 60 }),
    expect: invalid('token_expired'),
  },
  {
    name: 'introspection: an answer without exp fails as a JWT without exp would → invalid_token',
    token: () => opaque('no-exp', { active: true, iss: ISSUER, aud: 'orders', sub: 'user-1' }),
    expect: invalid('missing_claim'),
  },
  {
    name: 'introspection: an OAuth error answer (400 unsupported_token_type) → invalid_token',
    token: () => opaque('refused', { error: 'unsupported_token_type' }, { status: 400 }),
    expect: invalid('introspection_refused'),
  },
  {
    name: 'introspection: the endpoint fails (500) → 503',
    token: () => opaque('error', { error: 'server_error' }, { status: 500 }),
    expect: { ...UNAVAILABLE, reason: 'introspection_unavailable' },
  },
  {
    name: 'introspection: the endpoint is slower than the timeout → 503',
    options: { introspection: { ...INTROSPECTION, timeout: '100ms' } },
    token: () => opaque('slow', undefined, { delayMs: 400 }),
    expect: { ...UNAVAILABLE, reason: 'introspection_unavailable' },
  },
  {
    name: 'introspection: the endpoint is down → 503',
    options: { introspection: { ...INTROSPECTION, endpoint: 'http://127.0.0.1:9/introspect' } },
    token: () => opaque('down'),
    expect: { ...UNAVAILABLE, reason: 'introspection_unavailable' },
  },
  {
    name: 'introspection: the endpoint refuses our client (401) → 503, never a client error',
    options: { introspection: { ...INTROSPECTION, clientSecret: 'wrong' } },
    token: () => opaque('bad-client'),
    expect: { ...UNAVAILABLE, reason: 'introspection_unavailable' },
  },
  {
    name: 'introspection: a JWT is still verified locally by default',
    token: {},
    expect: ok(),
  },
  {
    name: "introspection, tokens: 'all': a validly signed JWT the endpoint says is inactive → invalid_token",
    options: { introspection: { ...INTROSPECTION, tokens: 'all' } },
    token: {},
    expect: invalid('token_inactive'),
  },
];

runTable({
  rows,
  defaults: { ...DEFAULT_OPTIONS, introspection: INTROSPECTION },
  minRows: 15,
  // Opaque tokens need no kit; the runner hands row builders an empty one.
  setup: async () => () => ({}),
  mounts: [{ prefix: 'short', options: { introspection: { ...INTROSPECTION, cache: { maxAge: '300ms' } } } }],
  perTarget: ({ app, agent, target }) => {
    const get = (path: string, token: string) =>
      send(
        app().base,
        {
          method: 'GET',
          path,
          headers: [
            ['authorization', `Bearer ${token}`],
            ['x-row-id', `${target}:introspection`],
          ],
        },
        agent,
      );

    it('a revocation at the authorization server shows once cache.maxAge has passed', async () => {
      const token = opaque(`revoked-${target}`);
      expect((await get('/short/protected', token)).status).toBe(200);
      answers.set(token, { body: { active: false } });
      expect((await get('/short/protected', token)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 350));
      const res = await get('/short/protected', token);
      expect(res.status).toBe(401);
      expect(res.json).toEqual({ error: 'invalid_token', error_description: 'The access token is invalid' });
      checkHygiene(res, [token], 'revoked');
    });

    it('a flood of distinct junk tokens: at most 16 calls at once; every answer a clean 401 or 503', async () => {
      peak = 0;
      calls = 0;
      const junk = Array.from({ length: 120 }, (_, i) => `junk-${target}-${i}-${'y'.repeat(20)}`);
      for (const token of junk) answers.set(token, { body: { active: false }, delayMs: 100 });
      const results = await Promise.all(junk.map((token) => get('/default/protected', token)));
      expect(peak).toBeLessThanOrEqual(16);
      expect(calls).toBe(120);
      for (const res of results) {
        expect(res.status).toBe(401);
        expect(res.json).toEqual({ error: 'invalid_token', error_description: 'The access token is invalid' });
      }
      // Seen again: the inactive answers are cached, no new call.
      await Promise.all(junk.slice(0, 20).map((token) => get('/default/protected', token)));
      expect(calls).toBe(120);
    });
  },
});
