import { constants, KeyObject, sign } from 'node:crypto';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type JWK, type JWTPayload } from 'jose';

export type TestAlg = 'RS256' | 'PS256' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA' | 'RS384' | 'RS512' | 'PS384' | 'PS512';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

export interface TestKey {
  alg: TestAlg;
  kid: string;
  privateKey: PrivateKey;
  publicKey: KeyObject;
  jwk: JWK;
  spki: string;
  sign(payload: JWTPayload, header?: Record<string, unknown>): Promise<string>;
}

let counter = 0;

/** A fresh key pair made through WebCrypto (jose), exported as JWK and SPKI. */
export async function makeKey(alg: TestAlg, options: { modulusLength?: number; kid?: string } = {}): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(options.modulusLength ? { modulusLength: options.modulusLength } : {}),
  });
  const kid = options.kid ?? `key-${alg}-${++counter}`;
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return {
    alg,
    kid,
    privateKey,
    publicKey: KeyObject.from(publicKey),
    jwk,
    spki: await exportSPKI(publicKey),
    sign: (payload, header = {}) =>
      new SignJWT(payload).setProtectedHeader({ alg, kid, ...header } as { alg: string }).sign(privateKey),
  };
}

export const now = (): number => Math.floor(Date.now() / 1000);

/** Standard claims for the tests' default verifier. */
export function claims(extra: JWTPayload = {}): JWTPayload {
  const t = now();
  return {
    iss: 'https://issuer.test/',
    aud: 'orders',
    sub: 'user-1',
    iat: t,
    exp: t + 300,
    jti: `jti-${++counter}`,
    ...extra,
  };
}

/** Signs an arbitrary header and payload (bypassing jose's checks) with an HMAC secret or nothing. */
export function rawToken(header: unknown, payload: unknown, signature = 'c2ln'): string {
  const enc = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
  return `${enc(header)}.${enc(payload)}.${signature}`;
}

/** Signs any header and payload with node:crypto, for tokens jose refuses to make (unknown `crit`…). */
export function signRaw(key: TestKey, header: Record<string, unknown>, payload: unknown): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${enc({ alg: key.alg, kid: key.kid, ...header })}.${enc(payload)}`;
  const privateKey = KeyObject.from(key.privateKey);
  const hash = key.alg === 'EdDSA' ? null : `sha${key.alg.slice(2)}`;
  const options = key.alg.startsWith('PS')
    ? { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
    : key.alg.startsWith('ES')
      ? { key: privateKey, dsaEncoding: 'ieee-p1363' as const }
      : privateKey;
  return `${input}.${sign(hash, Buffer.from(input), options).toString('base64url')}`;
}
