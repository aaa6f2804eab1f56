/**
 * A real JWKS (and discovery) endpoint on 127.0.0.1 for tests: counted, slowed, broken,
 * switched and closed on demand. Keys are made with jose (WebCrypto), never with node's
 * generateKeyPairSync + export('jwk').
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { webcrypto } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';

/** How the JWKS path misbehaves; `undefined` serves the keys. */
export type JWKSFailure =
  | 'status500'
  | 'status404'
  | 'invalid-json'
  | 'no-keys'
  | 'not-object'
  | 'huge'
  | 'huge-declared'
  | 'hang'
  | 'redirect';

/** A static document served at some path (discovery metadata, usually). */
export interface ServedDocument {
  status?: number;
  /** Serialised as JSON. */
  body?: unknown;
  /** Sent as is instead of `body`. */
  raw?: string;
  headers?: Record<string, string>;
  /** Never answer (until the server closes). */
  hang?: boolean;
}

/** A running test server; every field can be changed between requests. */
export interface JWKSServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Full URL of the JWKS. */
  readonly jwksUri: string;
  /** Path of the JWKS. */
  readonly jwksPath: string;
  /** Keys served at the JWKS path. */
  keys: unknown[];
  /** `Cache-Control` of the JWKS response, if any. */
  cacheControl: string | undefined;
  /** More headers on the JWKS response. */
  extraHeaders: Record<string, string>;
  /** Delay before answering any request, in ms. */
  delayMs: number;
  /** Make the JWKS path fail. */
  failure: JWKSFailure | undefined;
  /** Request headers of the last JWKS request. */
  lastHeaders: IncomingHttpHeaders | undefined;
  /** Serves (or, with `undefined`, stops serving) a document at `path`. */
  route(path: string, document: ServedDocument | undefined): void;
  /** Requests received for `path` (default: the JWKS path). */
  count(path?: string): number;
  /** Requests received in all. */
  total(): number;
  /** Closes the server and every connection, hanging ones included. */
  close(): Promise<void>;
}

/** Starts a JWKS server on 127.0.0.1 with an ephemeral port. */
export async function startJWKSServer(options: { keys?: unknown[]; jwksPath?: string } = {}): Promise<JWKSServer> {
  const jwksPath = options.jwksPath ?? '/.well-known/jwks.json';
  const hits = new Map<string, number>();
  const routes = new Map<string, ServedDocument>();
  const pending = new Set<NodeJS.Timeout>();
  const hanging = new Set<ServerResponse>();

  const send = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void => {
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body);
  };

  const answerJWKS = (res: ServerResponse): undefined => {
    const headers: Record<string, string> = { ...state.extraHeaders };
    if (state.cacheControl !== undefined) headers['cache-control'] = state.cacheControl;
    switch (state.failure) {
      case 'status500':
        return void send(res, 500, '{"error":"boom"}');
      case 'status404':
        return void send(res, 404, '{"error":"not found"}');
      case 'invalid-json':
        return void send(res, 200, '<html>not json</html>', { 'content-type': 'text/html' });
      case 'no-keys':
        return void send(res, 200, JSON.stringify({ data: state.keys }));
      case 'not-object':
        return void send(res, 200, JSON.stringify(state.keys));
      case 'redirect':
        return void send(res, 302, '', { location: `${state.origin}/elsewhere.json` });
      case 'huge': {
        // Chunked, no Content-Length: only a byte counter can stop it.
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = 'x'.repeat(64 * 1024);
        res.write('{"keys":[],"padding":"');
        for (let i = 0; i < 10; i++) res.write(chunk);
        res.end('"}');
        return;
      }
      case 'huge-declared': {
        const body = JSON.stringify({ keys: state.keys, padding: 'x'.repeat(600 * 1024) });
        return void send(res, 200, body, { 'content-length': String(Buffer.byteLength(body)) });
      }
      case 'hang':
        hanging.add(res);
        return;
      default:
        return void send(res, 200, JSON.stringify({ keys: state.keys }), headers);
    }
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const answer = (): undefined => {
      if (path === jwksPath) {
        state.lastHeaders = req.headers;
        return answerJWKS(res);
      }
      const doc = routes.get(path);
      if (!doc) return void send(res, 404, '{"error":"not found"}');
      if (doc.hang) {
        hanging.add(res);
        return;
      }
      send(res, doc.status ?? 200, doc.raw ?? JSON.stringify(doc.body), doc.headers);
    };
    if (state.delayMs <= 0) return answer();
    const timer = setTimeout(() => {
      pending.delete(timer);
      answer();
    }, state.delayMs);
    pending.add(timer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const state: JWKSServer = {
    origin,
    jwksPath,
    jwksUri: `${origin}${jwksPath}`,
    keys: options.keys ?? [],
    cacheControl: undefined,
    extraHeaders: {},
    delayMs: 0,
    failure: undefined,
    lastHeaders: undefined,
    route(path, document) {
      if (document) routes.set(path, document);
      else routes.delete(path);
    },
    count: (path = jwksPath) => hits.get(path) ?? 0,
    total: () => [...hits.values()].reduce((a, b) => a + b, 0),
    close() {
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
      for (const res of hanging) res.destroy();
      hanging.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return state;
}

/** A public JWK with `kid`, `alg` and `use: 'sig'`. */
export type TestJWK = JWK & { kid: string };

let counter = 0;

/** A fresh public JWK made through jose (WebCrypto). */
export async function makeJWK(
  alg: 'RS256' | 'ES256' | 'EdDSA' = 'ES256',
  kid = `kid-${alg}-${++counter}`,
): Promise<TestJWK> {
  const { publicKey } = await generateKeyPair(alg, { extractable: true });
  return { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
}

/** A 1024-bit RSA public JWK (too small to accept): jose refuses to generate one, WebCrypto does not. */
export async function makeWeakRsaJWK(kid = `weak-${++counter}`): Promise<TestJWK> {
  const pair = await webcrypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  );
  const { n, e } = await webcrypto.subtle.exportKey('jwk', pair.publicKey);
  return { kty: 'RSA', n, e, kid, use: 'sig' };
}

/** Waits real time. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
