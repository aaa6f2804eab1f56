/**
 * The hostile-input suite (issue 6): the rows of `hostile-table.ts` run through the same runner
 * as the main table against Express 4/5, Koa 2/3 and Fastify 4/5 (every row on its own mount
 * with its own cold JWKS endpoint), then, per target, what a table cannot express:
 *
 * - fast-check properties over real HTTP: arbitrary Authorization values, arbitrary three
 *   segments, arbitrary claim values signed with the right key — always a clean RFC 6750 answer
 *   (400/401, 200 only when the token is genuinely valid), never a 500, never a hang;
 * - what node itself answers before any app code (NUL in a header, headers over 16 KiB);
 * - answers that legitimately differ per framework (a preflight no route answers, bracketed form
 *   parameters, which each framework's body parser reads its own way): refused, never accepted,
 *   never a 5xx, nothing leaked;
 * - the `jku`/`x5u` trap server: asked for nothing, ever.
 */
import { generateKeyPairSync } from 'node:crypto';
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createKit, startTrap, type Kit, type Trap } from './helpers/hostile-kit.js';
import type { RawResponse } from './helpers/http.js';
import { send } from './helpers/http.js';
import { CHALLENGE, checkHygiene, LEAK_MARKER, runTable, type TargetContext } from './helpers/run-table.js';
import { HOSTILE_OPTIONS, hostileRows, ISSUER, type Family } from './hostile-table.js';
import { ISOLATED_JWKS_URI, rows as mainRows } from './table.js';
import { targets } from './targets.js';

/** An RSA public key as PEM: what a tutorial might paste into `secret`. */
const PUBLIC_PEM = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
  type: 'spki',
  format: 'pem',
}) as string;

let trap: Trap | undefined;
let makeKit: ((context: Parameters<Awaited<ReturnType<typeof createKit>>>[0]) => Kit) | undefined;

/** fast-check runs per property and target: 3 properties × 6 targets × 40 requests. */
const RUNS = 40;
/** Per request: a hang is a failure. */
const TIMEOUT_MS = 3000;

describe('the hostile table', () => {
  it('has at least 80 rows, none a copy of the main table, in every family', () => {
    expect(hostileRows.length).toBeGreaterThanOrEqual(80);
    const mainNames = new Set(mainRows.map((r) => r.name));
    expect(hostileRows.filter((r) => mainNames.has(r.name)).map((r) => r.name)).toEqual([]);
    const families: Family[] = [
      'extraction',
      'structure',
      'algorithms',
      'key selection',
      'claims',
      'guards',
      'responses',
      'wiring',
    ];
    for (const family of families)
      expect(hostileRows.filter((r) => r.family === family).length, family).toBeGreaterThan(0);
  });
});

runTable<Kit>({
  rows: hostileRows,
  defaults: HOSTILE_OPTIONS,
  minRows: 80,
  isolateEveryRow: true,
  setup: async (issuer) => {
    trap = await startTrap();
    makeKit = await createKit(issuer, trap);
    return makeKit;
  },
  mounts: [
    { prefix: 'prop', options: { jwksUri: ISOLATED_JWKS_URI } },
    { prefix: 'propbody', options: { jwksUri: ISOLATED_JWKS_URI, tokenLocations: ['header', 'body'] } },
    { prefix: 'propopt', options: { jwksUri: ISOLATED_JWKS_URI, optional: true } },
    // Forwarded errors with no error handler of the app's own: the framework's default renders them.
    { prefix: 'bare', options: { jwksUri: ISOLATED_JWKS_URI, forwardErrors: true }, appErrorHandler: false },
  ],
  perTarget: (t) => {
    describe('properties over real HTTP', () => properties(t));
    describe('before and around the adapter', () => edges(t));
    describe("the framework's own error handler and a polluted Object.prototype", () => wiring(t));
  },
});

afterAll(async () => {
  await trap?.close();
});

it('the jku/x5u server received no request from any target', () => {
  expect(trap).toBeDefined();
  expect(trap?.requests).toBe(0);
});

// ── shared checks ────────────────────────────────────────────────────────────────────────

const CODES = ['invalid_request', 'invalid_token', 'insufficient_scope', 'unauthorized', 'temporarily_unavailable'];

/** An error answer as RFC 6750 and the contract want it, whatever the input. */
function expectCleanRefusal(res: RawResponse, statuses: number[], label: string): void {
  expect(statuses, `${label}: status ${res.status} (${res.text.slice(0, 120)})`).toContain(res.status);
  expect(String(res.headers['content-type']), label).toMatch(/^application\/json\b/);
  expect(res.headers['cache-control'], label).toBe('no-store');
  const body = res.json as Record<string, unknown>;
  expect(Object.keys(body ?? {}).sort(), label).toEqual(['error', 'error_description']);
  expect(CODES, label).toContain(body.error);
  expect(typeof body.error_description, label).toBe('string');
  if (res.status === 503) expect(res.headers['www-authenticate'], label).toBeUndefined();
  else expect(res.headers['www-authenticate'], label).toMatch(CHALLENGE);
}

let counter = 0;

async function request(
  t: TargetContext,
  path: string,
  headers: [string, string][],
  extra: { method?: string; body?: string } = {},
) {
  const id = `${t.target}:extra:${++counter}`;
  const res = await send(
    t.app().base,
    {
      method: extra.method ?? 'GET',
      path,
      headers: [...headers, ['x-row-id', id]],
      ...(extra.body === undefined ? {} : { body: extra.body }),
    },
    t.agent,
    TIMEOUT_MS,
  );
  return { res, id };
}

/** The server still answers a valid token with 200. */
async function expectStillUp(t: TargetContext): Promise<void> {
  const token = makeKit!({ issuer: t.issuer(), endpoint: t.endpoint('prop') }).sign();
  const { res, id } = await request(t, '/prop/protected', [['authorization', `Bearer ${token}`]]);
  expect(res.status).toBe(200);
  expect(t.handlerRan(id)).toBe(true);
}

// ── properties ───────────────────────────────────────────────────────────────────────────

const PRINTABLE = [...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)), '\t'];
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('');
const B64TOKEN = [...B64URL, '+', '/', '~', '='];

const printable = fc.string({ unit: fc.constantFrom(...PRINTABLE), maxLength: 120 });

function properties(t: TargetContext): void {
  it('arbitrary Authorization values (printable ASCII, spaces, tabs) → 400/401, never 500', async () => {
    const value = fc.oneof(
      printable,
      printable.map((s) => `Bearer ${s}`),
      printable.map((s) => `bearer  ${s}`),
      fc.tuple(printable, printable).map(([a, b]) => `Bearer ${a}.${b}`),
    );
    await fc.assert(
      fc.asyncProperty(value, async (authorization) => {
        const { res, id } = await request(t, '/prop/scoped', [['authorization', authorization]]);
        expectCleanRefusal(res, [400, 401], JSON.stringify(authorization));
        expect(t.handlerRan(id)).toBe(false);
        const echo = authorization.trim();
        checkHygiene(
          res,
          [LEAK_MARKER, ...(echo.length >= 24 && /[^\s]/.test(echo) ? [echo] : [])],
          JSON.stringify(authorization),
        );
      }),
      { numRuns: RUNS },
    );
    await expectStillUp(t);
  });

  it('arbitrary three segments → 400/401, never 500', async () => {
    const kit = () => makeKit!({ issuer: t.issuer(), endpoint: t.endpoint('prop') });
    const segment = fc.oneof(
      fc.string({ unit: fc.constantFrom(...B64URL), maxLength: 60 }),
      fc.string({ unit: fc.constantFrom(...B64TOKEN), maxLength: 60 }),
      fc.json({ maxDepth: 2 }).map((j) => Buffer.from(j).toString('base64url')),
      fc.uint8Array({ maxLength: 96 }).map((u) => Buffer.from(u).toString('base64url')),
      fc
        .record(
          {
            alg: fc.constantFrom('RS256', 'PS256', 'ES256', 'HS256', 'none', 'EdDSA'),
            kid: fc.constantFrom('k1', 'k2', '', '__proto__'),
            typ: fc.constant('JWT'),
          },
          { requiredKeys: [] },
        )
        .map((h) => Buffer.from(JSON.stringify(h)).toString('base64url')),
      // valid claims: a token that then reaches the key lookup and the signature check
      fc.constant(null).map(() => Buffer.from(JSON.stringify(kit().claims())).toString('base64url')),
    );
    await fc.assert(
      fc.asyncProperty(segment, segment, segment, async (h, p, s) => {
        const token = `${h}.${p}.${s}`;
        const { res, id } = await request(t, '/prop/protected', [['authorization', `Bearer ${token}`]]);
        expectCleanRefusal(res, [400, 401], token);
        expect(t.handlerRan(id)).toBe(false);
        checkHygiene(res, [LEAK_MARKER, ...(token.length >= 24 ? [token] : [])], token);
      }),
      { numRuns: RUNS },
    );
    await expectStillUp(t);
  });

  it('arbitrary claim values signed with the right key → 200 exactly when valid, else 401', async () => {
    type Claim = { value?: unknown; time?: number; valid: boolean };
    const absent = (valid: boolean): fc.Arbitrary<Claim> => fc.constant({ valid });
    const wrongType = fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.integer(), { maxLength: 2 }),
      fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }),
    );
    const nonString = fc.oneof(
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.integer(), { maxLength: 2 }),
      fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }),
    );
    const of = (arb: fc.Arbitrary<unknown>, valid: boolean): fc.Arbitrary<Claim> =>
      arb.map((value) => ({ value, valid }));
    const at = (min: number, max: number, valid: boolean): fc.Arbitrary<Claim> =>
      fc.integer({ min, max }).map((time) => ({ time, valid }));
    // Time offsets stay 60 s or more from every boundary: the property is about types and values.
    const claims = fc.record({
      exp: fc.oneof(at(60, 86_400, true), at(-86_400, -60, false), absent(false), of(wrongType, false)),
      nbf: fc.oneof(absent(true), at(-86_400, 0, true), at(60, 86_400, false), of(wrongType, false)),
      iat: fc.oneof(absent(true), at(-86_400, 0, true), at(60, 86_400, false), of(wrongType, false)),
      iss: fc.oneof(
        of(fc.constant(ISSUER), true),
        of(
          fc.string({ maxLength: 40 }).filter((s) => s !== ISSUER),
          false,
        ),
        of(nonString, false),
        absent(false),
      ),
      aud: fc.oneof(
        of(fc.constant('orders'), true),
        of(
          fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }).map((a) => [...a, 'orders']),
          true,
        ),
        of(
          fc.string({ maxLength: 12 }).filter((s) => s !== 'orders'),
          false,
        ),
        of(
          fc.array(
            fc.string({ maxLength: 8 }).filter((s) => s !== 'orders'),
            { maxLength: 3 },
          ),
          false,
        ),
        of(fc.constant(['orders', 1]), false),
        of(fc.oneof(fc.integer(), fc.constant(null), fc.boolean()), false),
        absent(false),
      ),
      sub: fc.oneof(absent(true), of(fc.string({ maxLength: 20 }), true), of(nonString, false)),
      jti: fc.oneof(absent(true), of(fc.string({ maxLength: 20 }), true), of(nonString, false)),
      client_id: fc.oneof(absent(true), of(fc.string({ maxLength: 20 }), true), of(nonString, false)),
    });
    const reserved = new Set(['exp', 'nbf', 'iat', 'iss', 'aud', 'sub', 'jti', 'client_id']);
    const extra = fc.dictionary(
      fc.string({ maxLength: 8 }).filter((k) => !reserved.has(k)),
      fc.jsonValue({ maxDepth: 2 }),
      { maxKeys: 4 },
    );

    await fc.assert(
      fc.asyncProperty(claims, extra, async (spec, more) => {
        const kit = makeKit!({ issuer: t.issuer(), endpoint: t.endpoint('prop') });
        const payload: Record<string, unknown> = { ...more };
        for (const [name, claim] of Object.entries(spec) as [string, Claim][]) {
          if (claim.time !== undefined) payload[name] = kit.now + claim.time;
          else if ('value' in claim) payload[name] = claim.value;
        }
        const valid = Object.values(spec).every((c: Claim) => c.valid);
        const token = kit.sign({ payloadJson: JSON.stringify(payload) });
        const { res, id } = await request(t, '/prop/protected', [['authorization', `Bearer ${token}`]]);
        const label = JSON.stringify(payload);
        if (valid) {
          expect(res.status, `${label} → ${res.text}`).toBe(200);
          expect(res.headers['www-authenticate'], label).toBeUndefined();
          expect(String(res.headers['content-type']), label).toMatch(/^application\/json\b/);
          expect(res.json, label).toEqual({ route: 'protected', sub: payload.sub ?? null, authenticated: true });
          expect(t.handlerRan(id), label).toBe(true);
          expect(t.reasons(id), label).toEqual([]);
        } else {
          expectCleanRefusal(res, [401], label);
          expect(res.json, label).toEqual({ error: 'invalid_token', error_description: 'The access token is invalid' });
          expect(t.handlerRan(id), label).toBe(false);
          expect(t.reasons(id), label).toHaveLength(1);
        }
        checkHygiene(res, [token], label);
      }),
      { numRuns: RUNS },
    );
    await expectStillUp(t);
  });
}

// ── before and around the adapter ─────────────────────────────────────────────────────────

/**
 * Sends raw bytes (what node's own client refuses to send) and reads the status line; `0` when
 * the server reset the connection before an answer could be read.
 */
function rawExchange(base: string, bytes: Buffer): Promise<{ status: number; text: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    let settled = false;
    const done = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      if (error && !['ECONNRESET', 'EPIPE'].includes((error as NodeJS.ErrnoException).code ?? '')) reject(error);
      else resolve({ status, text });
    };
    const timer = setTimeout(() => {
      socket.destroy();
      done(new Error(`no answer within ${TIMEOUT_MS} ms`));
    }, TIMEOUT_MS);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', done);
    socket.on('close', () => done());
    socket.end(bytes);
  });
}

const rawGet = (path: string, headers: [string, string][]) =>
  Buffer.from(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}Connection: close\r\n\r\n`,
    'latin1',
  );

function edges(t: TargetContext): void {
  it('NUL in the Authorization header: node answers 400 itself; the app never sees it', async () => {
    const id = `${t.target}:nul`;
    const { status, text } = await rawExchange(
      t.app().base,
      rawGet('/prop/protected', [
        ['Authorization', 'Bearer a\u0000b'],
        ['x-row-id', id],
      ]),
    );
    expect(status, text).toBe(400);
    expect(t.handlerRan(id)).toBe(false);
    expect(t.reasons(id)).toEqual([]);
    await expectStillUp(t);
  });

  // node's own clientError handler ends the connection after its 431; Fastify's writes the 431
  // and destroys the socket at once, so the client may see the reset instead (status 0).
  it("headers over node's 16 KiB limit: 431 before any app code; the app never sees them", async () => {
    const id = `${t.target}:431`;
    const { status, text } = await rawExchange(
      t.app().base,
      rawGet('/prop/protected', [
        ['Authorization', `Bearer ${'a'.repeat(17 * 1024)}`],
        ['x-row-id', id],
      ]),
    );
    expect(t.target.startsWith('fastify') ? [431, 0] : [431], text.slice(0, 200)).toContain(status);
    expect(t.handlerRan(id)).toBe(false);
    expect(t.reasons(id)).toEqual([]);
    await expectStillUp(t);
  });

  // Routing decides whether auth() sees a request no route answers: Express runs router-level
  // middleware for any path under the mount (401), @koa/router and Fastify answer 404 first.
  it('CORS preflight to a path no route answers: 401 or 404, never a 5xx, nothing leaked', async () => {
    const { res, id } = await request(
      t,
      `/prop/${LEAK_MARKER}`,
      [
        ['origin', 'https://app.example'],
        ['access-control-request-method', 'DELETE'],
        ['access-control-request-headers', 'authorization'],
      ],
      { method: 'OPTIONS' },
    );
    expect([401, 404]).toContain(res.status);
    if (res.status === 401) expectCleanRefusal(res, [401], 'preflight');
    expect(t.handlerRan(id)).toBe(false);
    // Fastify's 404 names the route it did not find: the path is the client's own, not a token.
    checkHygiene(res, [], 'preflight');
  });

  // The body parser of each framework reads `access_token[]` its own way: Express
  // (urlencoded, extended: false) and @fastify/formbody keep the name as is (another parameter:
  // 401, no token); @koa/bodyparser (qs) turns it into an array (400, malformed parameter).
  it('form body access_token[] / access_token[x]: refused (400 or 401), never accepted', async () => {
    const token = makeKit!({ issuer: t.issuer(), endpoint: t.endpoint('propbody') }).sign();
    for (const body of [
      `access_token[]=${token}`,
      `access_token[x]=${token}`,
      `access_token[0]=${token}&access_token[1]=${token}`,
    ]) {
      const { res, id } = await request(
        t,
        '/propbody/protected',
        [['content-type', 'application/x-www-form-urlencoded']],
        { method: 'POST', body },
      );
      expectCleanRefusal(res, [400, 401], body.slice(0, 20));
      expect(t.handlerRan(id)).toBe(false);
      checkHygiene(res, [token], body.slice(0, 20));
    }
  });
}

// ── wiring: the framework's default error handler, a polluted prototype, start-up checks ───

/** Everything of the server-side reason a default error handler could print. */
const DETAILS = ['no key with kid', 'claim value', 'requireScopes', 'failed', LEAK_MARKER];

function wiring(t: TargetContext): void {
  // Express's finalhandler prints `err.stack` (outside production), Koa's the status text,
  // Fastify's `{ statusCode, code, error, message }`: each its own body, none with the reason.
  it("forwardErrors and no error handler of the app's own: the default handler answers, nothing of the reason leaks", async () => {
    const kit = makeKit!({ issuer: t.issuer(), endpoint: t.endpoint('bare') });
    const token = kit.sign({ header: { kid: `${LEAK_MARKER}-kid` } });
    const { res, id } = await request(t, '/bare/protected', [['authorization', `Bearer ${token}`]]);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"',
    );
    expect(t.handlerRan(id)).toBe(false);
    expect(t.reasons(id)).toEqual(['no_matching_key']);
    checkHygiene(res, [token, ...DETAILS], 'forwarded 401');
    expect(res.text).toContain(t.target.startsWith('koa') ? 'Unauthorized' : 'The access token is invalid');

    const scoped = await request(t, '/bare/scoped', [
      ['authorization', `Bearer ${kit.sign({ claims: { scope: 'other' } })}`],
    ]);
    expect(scoped.res.status).toBe(403);
    expect(scoped.res.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="The access token does not grant the required permissions", scope="read:orders"',
    );
    checkHygiene(scoped.res, DETAILS, 'forwarded 403');
  });

  // What a prototype-pollution gadget elsewhere in the app could plant: none of it opens a route.
  it('an `auth`, `optional` or `global` on Object.prototype authenticates nothing', async () => {
    const planted: Record<string, unknown> = {
      auth: {
        payload: { sub: LEAK_MARKER, scope: 'read:orders admin', roles: ['admin'] },
        header: { alg: 'none' },
        token: 'x',
      },
      optional: true,
      global: false,
    };
    for (const [name, value] of Object.entries(planted)) {
      Object.defineProperty(Object.prototype, name, { value, configurable: true, writable: true, enumerable: false });
    }
    try {
      for (const path of [
        '/prop/protected',
        '/prop/scoped',
        '/propopt/scoped',
        '/propopt/roles',
        '/propopt/require-auth',
      ]) {
        const route = path;
        const { res, id } = await request(t, path, []);
        expectCleanRefusal(res, [401], `polluted, ${route}`);
        expect(res.json, route).toEqual({ error: 'unauthorized', error_description: 'Authentication is required' });
        expect(t.handlerRan(id), route).toBe(false);
        checkHygiene(res, [LEAK_MARKER], route);
      }
      // Fastify reads route config.auth: `false` inherited from the prototype must not open the route.
      (Object.prototype as Record<string, unknown>).auth = false;
      const { res, id } = await request(t, '/prop/protected', []);
      expectCleanRefusal(res, [401], 'polluted config.auth');
      expect(t.handlerRan(id)).toBe(false);
    } finally {
      for (const name of Object.keys(planted)) delete (Object.prototype as Record<string, unknown>)[name];
    }
  });

  it('an "aud" on Object.prototype does not stand in for a token\'s missing one', async () => {
    const token = makeKit!({ issuer: t.issuer(), endpoint: t.endpoint('prop') }).sign({ claims: { aud: undefined } });
    Object.defineProperty(Object.prototype, 'aud', {
      value: 'orders',
      configurable: true,
      writable: true,
      enumerable: false,
    });
    try {
      const { res, id } = await request(t, '/prop/protected', [['authorization', `Bearer ${token}`]]);
      expectCleanRefusal(res, [401], 'polluted aud');
      expect(t.handlerRan(id)).toBe(false);
      expect(t.reasons(id)).toEqual(['missing_claim']);
    } finally {
      delete (Object.prototype as Record<string, unknown>).aud;
    }
  });
}

describe.each(targets)('%s refuses at start-up what would reopen an attack', (_target, factory) => {
  const refused: [string, Record<string, unknown>, string][] = [
    [
      'a public key given as `secret`',
      { secret: PUBLIC_PEM },
      'bearer-guard: `secret` is a PEM key or certificate, not a shared secret: use `publicKey` or `jwks` for public keys (HMAC and public keys never mix)',
    ],
    [
      'a realm that is not printable ASCII',
      { secret: 's'.repeat(32), realm: 'api\r\nX-Injected: 1' },
      'bearer-guard: `realm` must be a non-empty string of printable ASCII without quotes or backslashes',
    ],
    [
      'a private key in `jwks`',
      { jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd' }] } },
      'bearer-guard: `jwks.keys[0]` holds private key material ("d"): give the verifier only the public keys',
    ],
  ];
  it.each(refused)('%s', async (_name, options, message) => {
    const start = factory({
      mounts: [{ prefix: 'x', options: { issuer: ISSUER, audience: 'orders', ...options } }],
      hit: () => {},
    });
    await expect(start).rejects.toThrow(new TypeError(message));
  });
});
