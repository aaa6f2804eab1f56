/**
 * A loopback JWKS server with named, independent endpoints, and a token minter that can make
 * every broken token the table needs (jose would refuse some: `alg: none`, odd headers).
 *
 * Keys are made with jose's `generateKeyPair` (WebCrypto), never `generateKeyPairSync`.
 */
import { createHmac, KeyObject, sign as cryptoSign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, type JWK } from 'jose';

/** The `iss` of every token the table mints. */
export const ISSUER = 'https://issuer.conformance.test/';
/** The `aud` the table's verifiers expect. */
export const AUDIENCE = 'orders';

/** One RSA key pair with a kid. */
export interface TestKey {
  kid: string;
  privateKey: KeyObject;
  jwk: JWK;
  spki: string;
}

/** One JWKS endpoint: its keys, whether it is down, and how many requests it got. */
export interface JWKSEndpoint {
  readonly uri: string;
  readonly keys: TestKey[];
  /** The key new tokens are signed with (the last one added). */
  readonly current: TestKey;
  /** Requests received, answered or not. */
  fetches: number;
  /** When true, the endpoint answers 503. */
  down: boolean;
  /** Publishes `key` (kept with the old ones) and makes it current. */
  rotate(key: TestKey): void;
}

async function makeKey(kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return {
    kid,
    privateKey: KeyObject.from(privateKey),
    jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' },
    spki: await exportSPKI(publicKey),
  };
}

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** How a token is signed. */
export type Signer = { kind: 'rsa'; key: TestKey } | { kind: 'hmac'; secret: string | Buffer } | { kind: 'none' };

/** Signs any header and payload as a compact JWS (`none`: empty signature). */
export function signToken(header: Record<string, unknown>, payload: Record<string, unknown>, signer: Signer): string {
  const input = `${b64(header)}.${b64(payload)}`;
  switch (signer.kind) {
    case 'rsa':
      return `${input}.${cryptoSign('sha256', Buffer.from(input), signer.key.privateKey).toString('base64url')}`;
    case 'hmac':
      return `${input}.${createHmac('sha256', signer.secret).update(input).digest('base64url')}`;
    case 'none':
      return `${input}.`;
  }
}

/** The loopback issuer: three keys and any number of JWKS endpoints. */
export interface TestIssuer {
  /** `k1`, the key of every endpoint at first. */
  readonly primary: TestKey;
  /** `k2`, published by a rotation. */
  readonly next: TestKey;
  /** Another key that also calls itself `k1`: its signatures must fail. */
  readonly impostor: TestKey;
  /** The endpoint named `name`, created on first use with `[primary]`. */
  endpoint(name: string): JWKSEndpoint;
  close(): Promise<void>;
}

/** Starts the JWKS server on 127.0.0.1 with a random port. */
export async function startIssuer(): Promise<TestIssuer> {
  const [primary, next, impostor] = await Promise.all([makeKey('k1'), makeKey('k2'), makeKey('k1')]);
  const endpoints = new Map<string, JWKSEndpoint>();
  const server: Server = createServer((req, res) => {
    const name = /^\/jwks\/([\w-]+)\.json$/.exec(req.url ?? '')?.[1];
    const endpoint = name === undefined ? undefined : endpoints.get(name);
    if (!endpoint) {
      res.writeHead(404).end();
      return;
    }
    endpoint.fetches++;
    if (endpoint.down) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('down');
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ keys: endpoint.keys.map((k) => k.jwk) }));
  });
  server.keepAliveTimeout = 500;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    primary,
    next,
    impostor,
    endpoint(name) {
      let endpoint = endpoints.get(name);
      if (!endpoint) {
        const keys = [primary];
        endpoint = {
          uri: `http://127.0.0.1:${port}/jwks/${name}.json`,
          keys,
          get current() {
            return keys[keys.length - 1] as TestKey;
          },
          fetches: 0,
          down: false,
          rotate(key) {
            keys.push(key);
          },
        };
        endpoints.set(name, endpoint);
      }
      return endpoint;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
