/**
 * What the certificate-bound token suite (`mtls.test.ts`, RFC 8705) needs besides its rows: a
 * certificate authority made with the `openssl` CLI, a client that presents a client certificate
 * over real TLS, and the six targets' apps served by `https.createServer` (Fastify: its `https`
 * option) with `requestCert: true`, or by plain HTTP for the proxy-header mounts.
 *
 * Thumbprints are read from `openssl x509 -fingerprint -sha256`, never computed by calling core.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { type Agent, createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuthOptions, AuthResult } from '@bearer-guard/core';
import * as expressAdapter from '@bearer-guard/express';
import * as fastifyAdapter from '@bearer-guard/fastify';
import * as koaAdapter from '@bearer-guard/koa';
import Router from '@koa/router';
import type { Request, RequestHandler } from 'express';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type Koa from 'koa';
import type { Context } from 'koa';
import type { ExpressModule } from '../apps/express.js';
import { readResponse, type RawResponse } from './http.js';

/** A key pair and its certificate, PEM, with the certificate's RFC 8705 thumbprint. */
export interface Credential {
  key: string;
  cert: string;
  /** base64url(SHA-256(DER)): `cnf["x5t#S256"]` (RFC 8705 §3.1), from openssl's fingerprint. */
  thumbprint: string;
  /** The same SHA-256, as openssl prints it without colons (hex): what a token must not carry. */
  hex: string;
}

/** The suite's PKI: a CA, a server certificate for 127.0.0.1, clients A and B (CA-signed) and C (self-signed). */
export interface Certificates {
  ca: string;
  server: Credential;
  a: Credential;
  b: Credential;
  c: Credential;
  /** Removes the temporary directory. */
  remove(): void;
}

const P256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Generates the suite's certificates with the `openssl` CLI, in a temporary directory. */
export function makeCertificates(): Certificates {
  const dir = mkdtempSync(join(tmpdir(), 'bearer-guard-mtls-'));
  const path = (name: string) => join(dir, name);
  const openssl = (...args: string[]) =>
    execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
  let serial = 0x1000;
  try {
    openssl(
      'req',
      '-x509',
      ...P256,
      '-keyout',
      path('ca.key'),
      '-out',
      path('ca.pem'),
      '-days',
      '2',
      '-subj',
      '/CN=bearer-guard conformance CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
    const credential = (name: string, subject: string, extensions: string, signer: 'ca' | 'self'): Credential => {
      writeFileSync(path(`${name}.ext`), extensions);
      if (signer === 'self') {
        openssl(
          'req',
          '-x509',
          ...P256,
          '-keyout',
          path(`${name}.key`),
          '-out',
          path(`${name}.pem`),
          '-days',
          '2',
          '-subj',
          subject,
          '-addext',
          extensions.trim().split('\n').join(','),
        );
      } else {
        openssl('req', '-new', ...P256, '-keyout', path(`${name}.key`), '-out', path(`${name}.csr`), '-subj', subject);
        openssl(
          'x509',
          '-req',
          '-in',
          path(`${name}.csr`),
          '-CA',
          path('ca.pem'),
          '-CAkey',
          path('ca.key'),
          '-set_serial',
          String(serial++),
          '-days',
          '2',
          '-sha256',
          '-extfile',
          path(`${name}.ext`),
          '-out',
          path(`${name}.pem`),
        );
      }
      // "sha256 Fingerprint=AB:CD:…" (the label's case varies across OpenSSL versions).
      const printed = openssl('x509', '-in', path(`${name}.pem`), '-noout', '-fingerprint', '-sha256');
      const hex = /=([0-9A-F:]+)\s*$/i.exec(printed)?.[1]?.replaceAll(':', '').toLowerCase();
      if (hex?.length !== 64) throw new Error(`openssl printed no SHA-256 fingerprint: ${printed}`);
      return {
        key: readFileSync(path(`${name}.key`), 'utf8'),
        cert: readFileSync(path(`${name}.pem`), 'utf8'),
        thumbprint: Buffer.from(hex, 'hex').toString('base64url'),
        hex,
      };
    };
    const client = 'extendedKeyUsage=clientAuth\n';
    return {
      ca: readFileSync(path('ca.pem'), 'utf8'),
      server: credential('server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n', 'ca'),
      a: credential('client-a', '/CN=client A', client, 'ca'),
      b: credential('client-b', '/CN=client B', client, 'ca'),
      c: credential('client-c', '/CN=client C (self-signed)', client, 'self'),
      remove: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** What came back. */
export interface Answer extends RawResponse {
  /** Over TLS: whether the handshake resumed an earlier session. */
  resumed?: boolean;
}

/** How a request goes out: the CA the client trusts, and the client certificate it presents (if any). */
export interface Transport {
  ca: string;
  client?: { key: string; cert: string } | undefined;
  /** An agent that keeps TLS sessions (to resume them); default none: a fresh connection and handshake. */
  agent?: Agent | undefined;
}

/**
 * GETs `url` (`https:` over TLS, verifying the server against `ca` and presenting `client`; or
 * `http:`) on a fresh connection (`agent: false` unless `transport.agent`: no TLS session or socket reused); rejects
 * when no complete answer came within `timeoutMs`.
 */
export function get(
  url: string,
  headers: Record<string, string>,
  transport: Transport,
  timeoutMs = 10_000,
): Promise<Answer> {
  const target = new URL(url);
  const tls = target.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const options = {
      host: target.hostname,
      port: target.port,
      path: target.pathname,
      method: 'GET',
      headers,
      agent: transport.agent ?? false,
      ...(tls ? { ca: transport.ca, ...(transport.client ?? {}) } : {}),
    };
    const r = (tls ? httpsRequest : httpRequest)(options, (res) => {
      const resumed = tls ? { resumed: (res.socket as TLSSocket).isSessionReused() } : {};
      readResponse(res).then((answer) => resolve({ ...answer, ...resumed }), reject);
    });
    r.on('error', reject);
    r.setTimeout(timeoutMs, () => r.destroy(new Error(`no answer within ${timeoutMs} ms: GET ${url}`)));
    r.end();
  });
}

/** The server side of TLS: the server's certificate, and client certificates requested but not required. */
export interface ServerTLS {
  key: string;
  cert: string;
  ca: string;
  requestCert: true;
  rejectUnauthorized: false;
}

/** One verifier configuration of an app, served at `/<prefix>/protected`. */
export interface MTLSMount {
  prefix: string;
  options: AuthOptions;
}

/** What the handler saw: called with the request's `x-row-id` and the verified token. */
export type Hit = (id: string, auth: AuthResult | null | undefined) => void;

/** A listening app: `https://127.0.0.1:<port>` or `http://127.0.0.1:<port>`. */
export interface Served {
  base: string;
  close(): Promise<void>;
}

/** One target: builds and serves its app, and reads the proxy's certificate header the framework's way. */
export interface MTLSTarget {
  /** Serves `mounts` over TLS when `tls` is given, else over plain HTTP, on 127.0.0.1:0. */
  serve(mounts: MTLSMount[], hit: Hit, tls?: ServerTLS): Promise<Served>;
  /** `mtls.certificate`: the trusted proxy's `X-Client-Cert` header, from the framework's own request object. */
  proxyCertificate(request: unknown): string | undefined;
}

/** The handler's answer: who called, and the sender constraint checked for the request. */
export function handlerBody(auth: AuthResult | null | undefined) {
  return { sub: auth?.payload.sub ?? null, confirmation: auth?.confirmation ?? null };
}

const rowId = (headers: Record<string, string | string[] | undefined>) => String(headers['x-row-id'] ?? '');

async function listen(server: Server, scheme: 'http' | 'https'): Promise<Served> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A Node request listener on `https.createServer` (with `tls`) or `http.createServer`. */
function serveListener(listener: Parameters<typeof createHttpServer>[1], tls?: ServerTLS): Promise<Served> {
  return tls ? listen(createHttpsServer(tls, listener), 'https') : listen(createHttpServer(listener), 'http');
}

/** Express 4 or 5: one Router per mount. */
export function expressTarget(express: ExpressModule): MTLSTarget {
  return {
    serve(mounts, hit, tls) {
      const app = express();
      for (const { prefix, options } of mounts) {
        const router = express.Router();
        router.use(expressAdapter.auth(options));
        router.get('/protected', ((req, res) => {
          hit(rowId(req.headers), req.auth);
          res.json(handlerBody(req.auth));
        }) as RequestHandler);
        app.use(`/${prefix}`, router);
      }
      return serveListener(app, tls);
    },
    proxyCertificate: (req) => (req as Request).get('x-client-cert'),
  };
}

/** Koa 2 or 3: one @koa/router per mount. */
export function koaTarget(KoaClass: new () => Koa): MTLSTarget {
  return {
    serve(mounts, hit, tls) {
      const app = new KoaClass();
      app.silent = true;
      for (const { prefix, options } of mounts) {
        const router = new Router({ prefix: `/${prefix}` });
        router.use(koaAdapter.auth(options));
        router.get('/protected', (ctx) => {
          hit(rowId(ctx.headers), ctx.state.auth as AuthResult | undefined);
          ctx.body = handlerBody(ctx.state.auth as AuthResult | undefined);
        });
        app.use(router.routes());
      }
      return serveListener(app.callback(), tls);
    },
    // Koa's ctx.get answers '' for a missing header: passed on as it is.
    proxyCertificate: (ctx) => (ctx as Context).get('x-client-cert'),
  };
}

/** The parts of a Fastify factory used here (4 and 5 alike). */
export type FastifyFactory = (options: { logger: boolean; https?: ServerTLS }) => FastifyInstance;

/** Fastify 4 or 5: one encapsulated child per mount; TLS through Fastify's own `https` option. */
export function fastifyTarget(fastify: FastifyFactory): MTLSTarget {
  return {
    async serve(mounts, hit, tls) {
      const app = fastify(tls ? { logger: false, https: tls } : { logger: false });
      for (const { prefix, options } of mounts) {
        await app.register(
          // biome-ignore lint/nursery/noMisusedPromises: Fastify takes async plugins (FastifyPluginAsync)
          async (child) => {
            await child.register(fastifyAdapter.default, options);
            child.get('/protected', async (request) => {
              hit(rowId(request.headers), request.auth);
              return handlerBody(request.auth);
            });
          },
          { prefix: `/${prefix}` },
        );
      }
      await app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = app.server.address() as AddressInfo;
      return { base: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`, close: () => app.close() };
    },
    proxyCertificate: (request) => {
      const value = (request as FastifyRequest).headers['x-client-cert'];
      return Array.isArray(value) ? value[0] : value;
    },
  };
}
