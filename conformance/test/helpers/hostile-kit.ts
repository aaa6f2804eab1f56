/**
 * What the hostile table's token builders need: more keys than the main table (EC, RSA-1024, an
 * off-curve JWK, three keys sharing one kid…), a raw signer for every algorithm that takes any
 * header and payload — as objects or as hand-written JSON text (duplicate members, `1e400`,
 * `__proto__`) — and a trap server that a `jku`/`x5u` header points at and that must never be
 * asked for anything.
 *
 * Keys are made with WebCrypto (jose's `generateKeyPair`, or `crypto.subtle` for the RSA-1024
 * key jose refuses to make), never `generateKeyPairSync`.
 */
import { constants, createHmac, KeyObject, sign as cryptoSign, webcrypto } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, type JWK } from 'jose';
import { AUDIENCE, ISSUER, type JWKSEndpoint, type TestIssuer, type TestKey } from './issuer.js';
import type { MintContext } from './run-table.js';

/** A key of the bank: a {@link TestKey} that knows its algorithm. */
export interface BankKey extends TestKey {
  alg: string;
}

/** The order of P-256 (FIPS 186-4 D.1.2.3): r = s = n is out of range. */
export const P256_N = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');

export const b64 = (value: unknown): string =>
  (Buffer.isBuffer(value) ? value : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value))).toString(
    'base64url',
  );

async function bankKey(kid: string, alg: 'ES256' | 'RS256', declare = true): Promise<BankKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, use: 'sig', ...(declare ? { alg } : {}) };
  return { kid, alg, privateKey: KeyObject.from(privateKey), jwk, spki: await exportSPKI(publicKey) };
}

async function rsa1024(kid: string): Promise<BankKey> {
  const pair = (await webcrypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  )) as webcrypto.CryptoKeyPair;
  const publicKey = KeyObject.from(pair.publicKey);
  return {
    kid,
    alg: 'RS256',
    privateKey: KeyObject.from(pair.privateKey),
    jwk: { ...(publicKey.export({ format: 'jwk' }) as JWK), kid, alg: 'RS256', use: 'sig' },
    spki: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

/** The same private key, published with its `y` coordinate changed: a point not on P-256. */
function offCurve(source: BankKey, kid: string): BankKey {
  const y = Buffer.from(source.jwk.y as string, 'base64url');
  y[y.length - 1] = (y[y.length - 1] as number) ^ 0x01;
  return { ...source, kid, jwk: { ...source.jwk, kid, y: y.toString('base64url') } };
}

/** A loopback server that counts every request it gets: `jku`/`x5u` point here. */
export interface Trap {
  readonly url: string;
  readonly requests: number;
  close(): Promise<void>;
}

export async function startTrap(): Promise<Trap> {
  let requests = 0;
  const server: Server = createServer((_req, res) => {
    requests++;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** How a token is signed. */
export type Signing =
  | BankKey
  | TestKey
  | { hmac: string | Buffer; alg: 'HS256' | 'HS384' | 'HS512' }
  | { der: BankKey }
  | 'none'
  | { signature: string };

export interface SignSpec {
  /** Merged over `{ alg: <key's alg>, kid: <key's kid> }`; `undefined` removes a member. */
  header?: Record<string, unknown>;
  /** Merged over the default claims; `undefined` removes a claim. */
  claims?: Record<string, unknown>;
  /** Hand-written header JSON, used as is (instead of `header`). */
  headerJson?: string;
  /** Hand-written payload JSON, used as is (instead of `claims`); `{{now}}` and `{{exp}}` (now + 300) are filled in. */
  payloadJson?: string;
  /** Default: k1, the key every endpoint publishes at first. */
  key?: Signing;
}

/** What a hostile row's token builder gets. */
export interface Kit {
  /** Seconds since the epoch, at mint time. */
  now: number;
  issuer: TestIssuer;
  endpoint: JWKSEndpoint;
  bank: Bank;
  trap: string;
  /** The default claims (`iss`, `aud`, `sub`, `iat`, `exp`, `scope`) at `now`, with `over` merged. */
  claims(over?: Record<string, unknown>): Record<string, unknown>;
  /** Signs anything with anything. */
  sign(spec?: SignSpec): string;
  /** A token signed by k1 with exactly `length` characters (padded with a `pad` claim). */
  sized(length: number): string;
}

export interface Bank {
  /** P-256, kid `e1`, declares ES256. */
  ec: BankKey;
  /** RSA-1024, kid `small`: below the 2048-bit minimum. */
  small: BankKey;
  /** `ec`'s private key published with a point off the curve, kid `bad-ec`. */
  offCurve: BankKey;
  /** A P-256 key published with `use: "enc"`, kid `enc`. */
  enc: BankKey;
  /** Three P-256 keys that all call themselves `dup`; the JWKS publishes the first two. */
  dupA: BankKey;
  dupB: BankKey;
  dupC: BankKey;
  /** k1 as a JWK without `alg` (an RSA key that may then do RS* and PS*). */
  k1NoAlg: BankKey;
  /** A P-256 key published with its private `d`, kid `leaked`. */
  ecPrivate: BankKey;
}

function merge(base: Record<string, unknown>, over: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base, ...over };
  for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k];
  return out;
}

function hashOf(alg: string): string {
  return `sha${/\d+$/.exec(alg)?.[0] ?? '256'}`;
}

function signature(input: string, key: Signing, alg: string): string {
  if (key === 'none') return '';
  if ('signature' in key) return key.signature;
  if ('hmac' in key) return createHmac(hashOf(key.alg), key.hmac).update(input).digest('base64url');
  if ('der' in key)
    return cryptoSign(hashOf(alg), Buffer.from(input), { key: key.der.privateKey, dsaEncoding: 'der' }).toString(
      'base64url',
    );
  const data = Buffer.from(input);
  const signAlg = (key as BankKey).alg ?? 'RS256';
  if (signAlg.startsWith('ES'))
    return cryptoSign(hashOf(signAlg), data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  if (alg.startsWith('PS')) {
    return cryptoSign(hashOf(alg), data, {
      key: key.privateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    }).toString('base64url');
  }
  return cryptoSign(hashOf(alg.startsWith('RS') ? alg : 'RS256'), data, key.privateKey).toString('base64url');
}

/** Makes the bank and the trap; returns the kit factory the runner calls per token. */
export async function createKit(issuer: TestIssuer, trap: Trap): Promise<(context: MintContext) => Kit> {
  const [ec, small, encSource, dupA, dupB, dupC, leaked] = await Promise.all([
    bankKey('e1', 'ES256'),
    rsa1024('small'),
    bankKey('enc', 'ES256'),
    bankKey('dup', 'ES256'),
    bankKey('dup', 'ES256'),
    bankKey('dup', 'ES256'),
    bankKey('leaked', 'ES256'),
  ]);
  const { alg: _alg, ...k1NoAlgJWK } = issuer.primary.jwk;
  const bank: Bank = {
    ec,
    small,
    offCurve: offCurve(ec, 'bad-ec'),
    enc: { ...encSource, jwk: { ...encSource.jwk, use: 'enc' } },
    dupA,
    dupB,
    dupC,
    k1NoAlg: { ...issuer.primary, alg: 'RS256', jwk: k1NoAlgJWK },
    ecPrivate: { ...leaked, jwk: { ...leaked.jwk, d: (leaked.privateKey.export({ format: 'jwk' }) as JWK).d } },
  };

  return ({ endpoint }) => {
    const now = Math.floor(Date.now() / 1000);
    const claims = (over: Record<string, unknown> = {}) =>
      merge({ iss: ISSUER, aud: AUDIENCE, sub: 'user-1', iat: now, exp: now + 300, scope: 'read:orders' }, over);
    const sign = (spec: SignSpec = {}): string => {
      const key = spec.key ?? issuer.primary;
      const keyed: TestKey | undefined =
        typeof key !== 'object' ? undefined : 'privateKey' in key ? key : 'der' in key ? key.der : undefined;
      const baseHeader: Record<string, unknown> = {
        alg: key === 'none' ? 'none' : 'hmac' in key ? key.alg : ((keyed as BankKey | undefined)?.alg ?? 'RS256'),
        ...(keyed ? { kid: keyed.kid } : {}),
      };
      const header = spec.headerJson ?? JSON.stringify(merge(baseHeader, spec.header));
      const payload =
        spec.payloadJson?.replaceAll('{{now}}', String(now)).replaceAll('{{exp}}', String(now + 300)) ??
        JSON.stringify(claims(spec.claims));
      const alg = String((JSON.parse(header) as { alg?: unknown }).alg ?? '');
      const input = `${b64(header)}.${b64(payload)}`;
      return `${input}.${signature(input, key, alg)}`;
    };
    const sized = (length: number): string => {
      // base64url lengths skip values ≡ 1 (mod 4): a filler header member shifts the total.
      for (let filler = 0; filler < 4; filler++) {
        const header = filler === 0 ? {} : { x: 'y'.repeat(filler) };
        const bare = sign({ header, claims: { pad: '' } }).length;
        for (
          let pad = Math.max(0, Math.floor(((length - bare) * 3) / 4) - 4);
          pad < Math.floor(((length - bare) * 3) / 4) + 4;
          pad++
        ) {
          const token = sign({ header, claims: { pad: 'x'.repeat(pad) } });
          if (token.length === length) return token;
        }
      }
      throw new Error(`no token of exactly ${length} characters`);
    };
    return { now, issuer, endpoint, bank, trap: trap.url, claims, sign, sized };
  };
}
