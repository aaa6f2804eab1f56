/**
 * The table runner, shared by every table file (`conformance.test.ts`, `hostile.test.ts`): runs
 * each row against every target (Express 4/5, Koa 2/3, Fastify 4/5), each a real server on
 * 127.0.0.1 verifying real tokens against a real JWKS endpoint, then checks that all six targets
 * gave identical answers.
 *
 * Besides the row's own expectation, every answer is checked for what must hold whatever the
 * row: a `WWW-Authenticate` that is one valid RFC 6750 challenge line, and nothing of the token
 * or of {@link LEAK_MARKER} echoed anywhere in the response (headers or body).
 */
import { Agent } from 'node:http';
import type { AuthOptions } from '@bearer-guard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppFactory, Mount, RunningApp } from '../apps/routes.js';
import {
  ISOLATED_JWKS_URI,
  JWKS_URI,
  PUBLIC_KEY_PEM,
  type Expectation,
  type Prepare,
  type Row,
  type TokenSpec,
} from '../table.js';
import { targets } from '../targets.js';
import { crossTarget } from './alike.js';
import { send, type RawRequest, type RawResponse } from './http.js';
import { startIssuer, type JWKSEndpoint, type TestIssuer, type TestKey } from './issuer.js';
import { mint } from './mint.js';

/** A string hostile rows plant in attacker-controlled places; no response may contain it. */
export const LEAK_MARKER = 'zzLEAKzz';

/**
 * One valid `WWW-Authenticate` line: a `Bearer realm="…"` challenge (RFC 6750) with lower-case
 * quoted attributes, a `DPoP realm="…"` challenge (RFC 9449 §7.1), or both, Bearer first.
 */
export const CHALLENGE =
  /^(?:Bearer realm="[^"]*"(?:, [a-z_]+="[^"\\]*")*(?:, DPoP realm="[^"]*"(?:, [a-z_]+="[^"\\]*")*)?|DPoP realm="[^"]*"(?:, [a-z_]+="[^"\\]*")*)$/;

/** What a row's token builder gets: the issuer, the row's endpoint, and the table's own kit. */
export interface MintContext {
  issuer: TestIssuer;
  endpoint: JWKSEndpoint;
}

/**
 * A row any table can hold: a {@link Row}, whose token may also be built by a function (for
 * tokens a {@link TokenSpec} cannot describe), whose endpoint may publish other keys, and whose
 * request may use any method.
 */
export interface RunnableRow<Kit = unknown> extends Omit<Row, 'token' | 'request' | 'route'> {
  route?: string;
  request?: Omit<NonNullable<Row['request']>, 'method'> & {
    method?: string;
    /** `absolute`: the request target in absolute-form (`GET http://host/path`, RFC 9112 §3.2.2). */
    target?: 'absolute';
  };
  token?: TokenSpec | ((kit: Kit) => string);
  /**
   * The row's DPoP proof, for the request the runner is about to send (its absolute URL and
   * method) and the row's token; `{{proof}}` in a header is replaced by it.
   */
  proof?: (kit: Kit, request: { method: string; url: string; token: string | undefined }) => string | Promise<string>;
  /** The keys the row's own JWKS endpoint publishes instead of `[k1]` (isolated rows only). */
  publish?: (kit: Kit) => TestKey[];
}

/** What the tests a table adds per target (`perTarget`) can use. */
export interface TargetContext {
  target: string;
  /** The running app of this target. */
  app(): RunningApp;
  agent: Agent;
  issuer(): TestIssuer;
  /** True when the handler ran for a request with this `x-row-id`. */
  handlerRan(id: string): boolean;
  /** The reasons the onRejected hook got for this `x-row-id`. */
  reasons(id: string): string[];
  /** The JWKS endpoint of an extra mount, on this target. */
  endpoint(prefix: string): JWKSEndpoint;
}

export interface TableSpec<Kit = unknown> {
  rows: RunnableRow<Kit>[];
  /** Verifier options of every row, under the row's own. */
  defaults: Partial<AuthOptions>;
  /** Fewest rows the table must have. */
  minRows: number;
  /**
   * Every row gets its own mount and its own (cold) JWKS endpoint, so that a JWKS fetch count of
   * 0 proves that the verifier never needed a key. Otherwise only rows with options get a mount
   * of their own, and only rows with `ISOLATED_JWKS_URI` an endpoint of their own.
   */
  isolateEveryRow?: boolean;
  /** Builds the table's kit (extra keys, helper servers), once, before any target starts. */
  setup?: (issuer: TestIssuer) => Promise<(context: MintContext) => Kit>;
  /** Extra mounts served by every target (e.g. for property tests), over `defaults`. */
  mounts?: { prefix: string; options: Partial<AuthOptions>; appErrorHandler?: boolean }[];
  /** Adds tests inside each target's describe block, after the rows. */
  perTarget?: (context: TargetContext) => void;
}

/** What a target answered for a row: everything the table asserts. */
interface Observed {
  status: number;
  wwwAuthenticate: string | null;
  cacheControl: string | null;
  json: boolean;
  body: unknown;
  handlerRan: boolean;
  reasons: string[];
  jwksFetches?: number;
}

/** Everything a response shows a client, as one string: status line, headers, body. */
export function responseText(res: RawResponse): string {
  return `${res.status}\n${JSON.stringify(res.headers)}\n${res.text}`;
}

/** Asserts the properties every answer has, whatever the row. */
export function checkHygiene(res: RawResponse, secrets: string[], label: string): void {
  const challenge = res.headers['www-authenticate'];
  if (challenge !== undefined) {
    expect(typeof challenge, `${label}: one WWW-Authenticate header`).toBe('string');
    expect(challenge, `${label}: WWW-Authenticate is one valid challenge`).toMatch(CHALLENGE);
  }
  const text = responseText(res);
  for (const secret of secrets)
    expect(text.includes(secret), `${label}: the response echoes ${JSON.stringify(secret.slice(0, 40))}`).toBe(false);
}

/** Registers the tests of one table: every row on every target, then the cross-target pass. */
export function runTable<Kit>(spec: TableSpec<Kit>): void {
  const { rows, defaults } = spec;
  const indexed = rows.map((row, index) => ({ ...row, index }));
  type Indexed = (typeof indexed)[number];
  const answers = crossTarget<Observed>(targets.map(([name]) => name));
  let issuer: TestIssuer;
  let makeKit: ((context: MintContext) => Kit) | undefined;

  const hasOwnMount = (row: Indexed) => spec.isolateEveryRow === true || row.options !== undefined;
  const prefixOf = (row: Indexed) => (hasOwnMount(row) ? `r${row.index}` : 'default');
  const jwksUriOf = (row: Indexed) => ('jwksUri' in (row.options ?? {}) ? row.options?.jwksUri : defaults.jwksUri);
  const isIsolated = (row: Indexed) => spec.isolateEveryRow === true || jwksUriOf(row) === ISOLATED_JWKS_URI;

  beforeAll(async () => {
    issuer = await startIssuer();
    makeKit = await spec.setup?.(issuer);
  });
  afterAll(async () => {
    await issuer?.close();
  });

  it(`the table has at least ${spec.minRows} rows with unique names`, () => {
    expect(rows.length).toBeGreaterThanOrEqual(spec.minRows);
    expect(new Set(rows.map((r) => r.name)).size).toBe(rows.length);
  });

  describe.each(targets)('%s', (target, factory: AppFactory) => {
    let app: RunningApp;
    const agent = new Agent({ keepAlive: true });
    const hits = new Set<string>();
    const rejections = new Map<string, string[]>();

    function endpointOf(row: Indexed) {
      return issuer.endpoint(isIsolated(row) ? `r${row.index}-${target}` : 'default');
    }

    function resolveOptions(options: Partial<AuthOptions> | undefined, endpoint: () => JWKSEndpoint): AuthOptions {
      const merged: Record<string, unknown> = { ...defaults, ...options };
      for (const [key, value] of Object.entries(merged)) {
        if (value === undefined) delete merged[key];
        else if (value === JWKS_URI) merged[key] = issuer.endpoint('default').uri;
        else if (value === ISOLATED_JWKS_URI) merged[key] = endpoint().uri;
        else if (value === PUBLIC_KEY_PEM) merged[key] = issuer.primary.spki;
      }
      merged.onRejected = (error: { reason: string }, context: { request?: unknown }) => {
        const headers = (context.request as { headers?: Record<string, string> } | undefined)?.headers;
        const id = headers?.['x-row-id'] ?? 'no request in the rejection context';
        rejections.set(id, [...(rejections.get(id) ?? []), error.reason]);
      };
      return merged as unknown as AuthOptions;
    }

    beforeAll(async () => {
      const mounts: Mount[] = [
        { prefix: 'default', options: resolveOptions(undefined, () => issuer.endpoint('default')) },
      ];
      for (const row of indexed) {
        if (!hasOwnMount(row)) continue;
        const endpoint = endpointOf(row);
        if (row.publish) {
          if (!isIsolated(row) || !makeKit)
            throw new Error(`row "${row.name}": publish needs an isolated row and a kit`);
          endpoint.keys.splice(0, endpoint.keys.length, ...row.publish(makeKit({ issuer, endpoint })));
        }
        mounts.push({ prefix: prefixOf(row), options: resolveOptions(row.options, () => endpoint) });
      }
      for (const extra of spec.mounts ?? []) {
        mounts.push({
          prefix: extra.prefix,
          options: resolveOptions(extra.options, () => issuer.endpoint(`${extra.prefix}-${target}`)),
          ...(extra.appErrorHandler === undefined ? {} : { appErrorHandler: extra.appErrorHandler }),
        });
      }
      app = await factory({ mounts, hit: (id) => hits.add(id) });
    });
    afterAll(async () => {
      agent.destroy();
      await app?.close();
    });

    it.each(indexed)('$name', async (row) => {
      const endpoint = endpointOf(row);
      const prefix = prefixOf(row);
      const id = `${target}:${row.index}`;
      for (const step of (row.prepare ?? []) as Prepare[]) {
        if (step === 'rotate') endpoint.rotate(issuer.next);
        if (step === 'down') endpoint.down = true;
        if (step === 'prime') {
          const token = mint({}, issuer, endpoint, { prime: true });
          const primed = await send(
            app.base,
            {
              method: 'GET',
              path: `/${prefix}/protected`,
              headers: [
                ['authorization', `Bearer ${token}`],
                ['x-row-id', `${id}:prime`],
              ],
            },
            agent,
          );
          expect(primed.status, 'priming request').toBe(200);
        }
      }

      const token =
        row.token === undefined
          ? undefined
          : typeof row.token === 'function'
            ? row.token(makeKit!({ issuer, endpoint }))
            : mint(row.token, issuer, endpoint);
      const r = row.request ?? {};
      const path = `/${prefix}/${row.route ?? 'protected'}`;
      const proof = row.proof
        ? await row.proof(makeKit!({ issuer, endpoint }), { method: r.method ?? 'GET', url: app.base + path, token })
        : undefined;
      const fill = (text: string) => {
        const withToken = token === undefined ? text : text.replaceAll('{{token}}', token);
        const withHost = withToken.replaceAll('{{host}}', new URL(app.base).host);
        return proof === undefined ? withHost : withHost.replaceAll('{{proof}}', proof);
      };
      const headers: [string, string][] = (r.headers ?? (token ? [['authorization', 'Bearer {{token}}']] : [])).map(
        ([n, v]) => [n, fill(v)],
      );
      if (r.contentType) headers.push(['content-type', r.contentType]);
      headers.push(['x-row-id', id]);
      const request: RawRequest = {
        method: r.method ?? 'GET',
        path: `${r.target === 'absolute' ? app.base : ''}${path}${fill(r.query ?? '')}`,
        headers,
        ...(r.body === undefined ? {} : { body: fill(r.body) }),
      };
      if (row.prepare?.includes('send-first')) {
        const first = await send(
          app.base,
          { ...request, headers: [...headers.slice(0, -1), ['x-row-id', `${id}:first`]] },
          agent,
        );
        expect(first.status, 'the first sending of the request').toBe(200);
      }

      const fetchesBefore = endpoint.fetches;
      const res = await send(app.base, request, agent);
      const got: Observed = {
        status: res.status,
        wwwAuthenticate: (res.headers['www-authenticate'] as string | undefined) ?? null,
        cacheControl: (res.headers['cache-control'] as string | undefined) ?? null,
        json: /^application\/json\b/.test(String(res.headers['content-type'])),
        body: res.json ?? res.text,
        handlerRan: hits.has(id),
        reasons: rejections.get(id) ?? [],
        ...(row.expect.jwksFetches === undefined ? {} : { jwksFetches: endpoint.fetches - fetchesBefore }),
      };
      answers.record(row.name, target, got);

      const { reason, jwksFetches, ...expected } = row.expect as Expectation;
      expect(got).toEqual({
        ...expected,
        json: true,
        reasons: reason === undefined ? [] : [reason],
        ...(jwksFetches === undefined ? {} : { jwksFetches }),
      });
      // Tokens are secrets and attacker-controlled: never echoed (short header values such as
      // "Bearer x" are not tokens of ours and may coincide with response text).
      checkHygiene(res, [LEAK_MARKER, ...(token !== undefined && token.length >= 20 ? [token] : [])], row.name);
    });

    spec.perTarget?.({
      target,
      app: () => app,
      agent,
      issuer: () => issuer,
      handlerRan: (id) => hits.has(id),
      reasons: (id) => rejections.get(id) ?? [],
      endpoint: (prefix) => issuer.endpoint(`${prefix}-${target}`),
    });
  });

  describe('every target answers every row alike', () => {
    it.each(indexed)('$name', (row) => {
      answers.expectAlike(row.name);
    });
  });
}
