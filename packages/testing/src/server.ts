/**
 * The HTTP side of the test issuer: serves discovery and JWKS on 127.0.0.1, and the token
 * introspection endpoint (POST); counts requests, and injects faults (unavailable, slow,
 * overridden bodies) for tests of a verifier's JWKS and introspection handling.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IntrospectionResponse } from './introspection.js';
import { routes, type Resource } from './metadata.js';

/** Answers an introspection request from its `Authorization` and `Content-Type` headers and its body. */
export type IntrospectionHandler = (
  authorization: string | undefined,
  contentType: string | undefined,
  body: string,
) => Promise<IntrospectionResponse>;

/** Largest introspection request body read; past it, 413. */
const MAX_BODY_BYTES = 64 * 1024;

/** How many requests the server has answered, by kind, since start or the last reset. */
export interface RequestCounts {
  /** Requests for the JWKS (`jwks_uri`). */
  jwks: number;
  /** Requests for either discovery document. */
  discovery: number;
  /** Any other path (answered 404) or method (405). */
  other: number;
}

/** A running metadata server. */
export interface MetadataServer {
  /** The port bound on 127.0.0.1. */
  readonly port: number;
  /** A snapshot of the request counters. */
  readonly requests: RequestCounts;
  /** Requests to the introspection endpoint (any method), since start or the last reset. */
  readonly introspectionRequests: number;
  /** Sets every counter back to 0. */
  resetCounters(): void;
  /** `false`: discovery, JWKS and introspection answer 503 until set back to `true`. */
  setAvailable(available: boolean): void;
  /** Every response waits this many milliseconds first (0 = none). */
  setDelay(ms: number): void;
  /** Serves `body` for `'discovery'` or `'jwks'` instead of the real document (a string verbatim, anything else as JSON); `null` restores it. */
  setOverride(resource: Exclude<Resource, 'introspection'>, body: unknown): void;
  /** Extra headers on successful discovery and JWKS responses (e.g. `cache-control`); `null` removes them. */
  setResponseHeaders(headers: Record<string, string> | null): void;
  /** Stops listening and destroys every open connection; idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the server on 127.0.0.1 (never another interface). The listening socket is `unref()`ed:
 * it does not keep the process alive by itself.
 *
 * @param port - the port, 0 for any free one.
 * @param issuerPath - the issuer's path, which prefixes the well-known paths.
 * @param render - returns the current JSON document for discovery or the JWKS.
 * @param introspect - answers `POST <issuer>/introspect`.
 * @example const server = await startMetadataServer(0, '', (r) => (r === 'jwks' ? { keys: [] } : {}), answer);
 */
export async function startMetadataServer(
  port: number,
  issuerPath: string,
  render: (resource: Exclude<Resource, 'introspection'>) => unknown,
  introspect: IntrospectionHandler,
): Promise<MetadataServer> {
  const table = routes(issuerPath);
  const counts: RequestCounts = { jwks: 0, discovery: 0, other: 0 };
  let introspections = 0;
  const overrides = new Map<Resource, unknown>();
  const timers = new Set<NodeJS.Timeout>();
  let available = true;
  let delay = 0;
  let extraHeaders: Record<string, string> = {};
  let closing: Promise<void> | undefined;

  function respond(req: IncomingMessage, res: ServerResponse, resource: Resource | undefined): void {
    if (res.destroyed || res.writableEnded) return;
    if (resource === 'introspection') {
      if (req.method !== 'POST') send(req, res, 405, { error: 'method_not_allowed' }, { allow: 'POST' });
      else if (!available) send(req, res, 503, { error: 'temporarily_unavailable' });
      else answerIntrospection(req, res);
    } else if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(req, res, 405, { error: 'method_not_allowed' }, { allow: 'GET, HEAD' });
    } else if (resource === undefined) {
      send(req, res, 404, { error: 'not_found' });
    } else if (!available) {
      send(req, res, 503, { error: 'temporarily_unavailable' });
    } else {
      const override = overrides.get(resource);
      send(req, res, 200, override !== undefined ? override : render(resource), extraHeaders);
    }
  }

  function answerIntrospection(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) return send(req, res, 413, { error: 'invalid_request' });
      const { authorization, 'content-type': contentType } = req.headers;
      // The client may be gone, or the server closed, by the time the answer is ready.
      const reply = (status: number, body: unknown, headers?: Record<string, string>) => {
        if (!res.destroyed && !res.writableEnded) send(req, res, status, body, headers);
      };
      introspect(authorization, contentType, Buffer.concat(chunks).toString('utf8')).then(
        ({ status, body, headers }) => reply(status, body, headers),
        () => reply(500, { error: 'server_error' }),
      );
    });
  }

  const server = createServer((req, res) => {
    const resource = table.get(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    if (resource === 'introspection') introspections += 1;
    else counts[resource ?? 'other'] += 1;
    if (delay <= 0) return respond(req, res, resource);
    const timer = setTimeout(() => {
      timers.delete(timer);
      respond(req, res, resource);
    }, delay);
    timer.unref();
    timers.add(timer);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // A forgotten close() must not keep a test runner alive; open connections still do while in use.
  server.unref();

  return {
    port: (server.address() as AddressInfo).port,
    get requests() {
      return { ...counts };
    },
    get introspectionRequests() {
      return introspections;
    },
    resetCounters() {
      counts.jwks = counts.discovery = counts.other = introspections = 0;
    },
    setAvailable(value) {
      available = value !== false;
    },
    setDelay(ms) {
      if (!Number.isFinite(ms) || ms < 0)
        throw new TypeError(`setDelay: expected milliseconds ≥ 0; got ${JSON.stringify(ms)}`);
      delay = ms;
    },
    setOverride(resource, body) {
      if (body === null || body === undefined) overrides.delete(resource);
      else overrides.set(resource, body);
    },
    setResponseHeaders(headers) {
      extraHeaders = headers === null ? {} : { ...headers };
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(req.method === 'HEAD' ? undefined : text);
}
