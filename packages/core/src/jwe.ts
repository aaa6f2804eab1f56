/**
 * Encrypted access tokens: a compact JWE (RFC 7516) whose plaintext is a signed JWT (a nested
 * JWT, RFC 7519 §11.2). Decryption is `jose`'s; it is loaded only by a verifier with `decryption`,
 * so the plain path never pays for it. The inner JWT is then verified like any other token.
 */
import type { KeyObject } from 'node:crypto';
import { own, parseJsonWithoutPrototypes } from './claim-path.js';
import { InvalidTokenError } from './errors.js';
import type { JWK } from './keys/jwk.js';
import { importPrivateKey } from './keys/private-key.js';
import { checkKnownKeys, fail, isRecord } from './option-checks.js';

/** The `decryption` option: keys and allow-lists for encrypted (JWE) access tokens. */
export interface DecryptionOptions {
  /**
   * Private keys (or secrets, for `dir`/`A*KW`) tokens are encrypted to: PEM (PKCS#8, PKCS#1, SEC1),
   * JWK or KeyObject. A key with a `kid` (JWK) is picked by the token's `kid`; keys without one are
   * tried by type.
   */
  keys: (string | KeyObject | JWK)[];
  /** Key management algorithms; default `RSA-OAEP-256`, `ECDH-ES`, `ECDH-ES+A128KW`, `ECDH-ES+A256KW`. PBES2 is never accepted. */
  algorithms?: string[] | undefined;
  /** Content encryption algorithms; default `A128GCM`, `A256GCM`. */
  encryptions?: string[] | undefined;
}

/** The `decryption` option, validated. */
export interface ResolvedDecryption {
  keys: { kid: string | undefined; key: KeyObject; type: string }[];
  algorithms: ReadonlySet<string>;
  encryptions: ReadonlySet<string>;
}

const DEFAULT_ALGORITHMS = ['RSA-OAEP-256', 'ECDH-ES', 'ECDH-ES+A128KW', 'ECDH-ES+A256KW'];
const DEFAULT_ENCRYPTIONS = ['A128GCM', 'A256GCM'];
const KNOWN_ALGORITHMS = new Set([
  'RSA-OAEP',
  'RSA-OAEP-256',
  'RSA-OAEP-384',
  'RSA-OAEP-512',
  'ECDH-ES',
  'ECDH-ES+A128KW',
  'ECDH-ES+A192KW',
  'ECDH-ES+A256KW',
  'A128KW',
  'A192KW',
  'A256KW',
  'A128GCMKW',
  'A192GCMKW',
  'A256GCMKW',
  'dir',
]);
const KNOWN_ENCRYPTIONS = new Set(['A128GCM', 'A192GCM', 'A256GCM', 'A128CBC-HS256', 'A192CBC-HS384', 'A256CBC-HS512']);
const DECRYPTION_KEYS = new Set(['keys', 'algorithms', 'encryptions']);

function allowList(value: unknown, option: string, fallback: string[], known: ReadonlySet<string>): Set<string> {
  if (value === undefined) return new Set(fallback);
  if (!Array.isArray(value) || value.length === 0) fail(option, 'must be a non-empty array');
  for (const alg of value) {
    if (typeof alg === 'string' && alg.startsWith('PBES2')) {
      fail(option, `contains ${alg}: password-based encryption (PBES2) is never accepted`);
    }
    if (typeof alg !== 'string' || !known.has(alg)) fail(option, `contains unsupported ${JSON.stringify(alg)}`);
  }
  return new Set(value as string[]);
}

/** Validates the `decryption` option; `undefined` when it is absent. */
export function resolveDecryption(value: unknown): ResolvedDecryption | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) fail('decryption', 'must be { keys, algorithms?, encryptions? }');
  const o = Object.assign(Object.create(null) as object, value) as unknown as DecryptionOptions;
  checkKnownKeys(o as unknown as Record<string, unknown>, DECRYPTION_KEYS, 'decryption');
  if (!Array.isArray(o.keys) || o.keys.length === 0)
    fail('decryption.keys', 'must be a non-empty array of private keys');
  const keys = o.keys.map((k, i) => {
    const imported = importPrivateKey(k, `decryption.keys[${i}]`, true);
    return { ...imported, type: imported.key.type === 'secret' ? 'oct' : String(imported.key.asymmetricKeyType) };
  });
  return {
    keys,
    algorithms: allowList(o.algorithms, 'decryption.algorithms', DEFAULT_ALGORITHMS, KNOWN_ALGORITHMS),
    encryptions: allowList(o.encryptions, 'decryption.encryptions', DEFAULT_ENCRYPTIONS, KNOWN_ENCRYPTIONS),
  };
}

/** Key types that can unwrap each family of key management algorithms. */
function fits(type: string, alg: string): boolean {
  if (alg.startsWith('RSA-OAEP')) return type === 'rsa';
  if (alg.startsWith('ECDH-ES')) return type === 'ec' || type === 'x25519' || type === 'x448';
  return type === 'oct';
}

function refuse(message: string, cause?: unknown): never {
  throw new InvalidTokenError('decryption_failed', message, cause === undefined ? {} : { cause });
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

type Jose = typeof import('jose');
let jose: Promise<Jose> | undefined;

/**
 * Decrypts a compact JWE to its plaintext, a compact JWS still to be verified. Every failure is
 * `invalid_token` (`decryption_failed`); its reason stays server-side.
 */
export async function decryptToken(token: string, config: ResolvedDecryption): Promise<string> {
  const segment = token.slice(0, token.indexOf('.'));
  let header: Record<string, unknown>;
  try {
    const parsed = parseJsonWithoutPrototypes(Buffer.from(segment, 'base64url').toString('utf8'));
    if (!isRecord(parsed)) throw new TypeError('not an object');
    header = parsed;
  } catch (error) {
    refuse('JWE header is not a JSON object', error);
  }
  const alg = own(header, 'alg');
  const enc = own(header, 'enc');
  if (typeof alg !== 'string' || !config.algorithms.has(alg)) refuse(`JWE "alg" ${JSON.stringify(alg)} is not allowed`);
  if (typeof enc !== 'string' || !config.encryptions.has(enc))
    refuse(`JWE "enc" ${JSON.stringify(enc)} is not allowed`);
  if (own(header, 'zip') !== undefined) refuse('compressed JWE ("zip") is not accepted');
  const cty = own(header, 'cty');
  if (typeof cty !== 'string' || !/^(?:application\/)?(?:jwt|[a-z0-9.+-]*\+jwt)$/i.test(cty)) {
    refuse(`JWE "cty" ${JSON.stringify(cty)} does not announce a nested JWT`);
  }
  const kid = own(header, 'kid');
  const candidates = config.keys.filter(
    (k) => fits(k.type, alg) && (kid === undefined || k.kid === undefined || k.kid === kid),
  );
  if (candidates.length === 0)
    refuse(`no decryption key for ${alg}${kid === undefined ? '' : ` with kid ${JSON.stringify(kid)}`}`);
  jose ??= import('jose');
  const { compactDecrypt } = await jose;
  const options = {
    keyManagementAlgorithms: [...config.algorithms],
    contentEncryptionAlgorithms: [...config.encryptions],
  };
  let last: unknown;
  for (const candidate of candidates) {
    try {
      const { plaintext } = await compactDecrypt(token, candidate.key, options);
      const inner = Buffer.from(plaintext).toString('utf8');
      // The plaintext must be a signed JWT: not a JWE again, not JSON claims without a signature.
      if (!COMPACT_JWS.test(inner)) refuse('the JWE does not hold a signed JWT');
      return inner;
    } catch (error) {
      if (error instanceof InvalidTokenError) throw error;
      last = error;
    }
  }
  refuse(`JWE decryption failed: ${(last as Error)?.message ?? 'no key fits'}`, last);
}
