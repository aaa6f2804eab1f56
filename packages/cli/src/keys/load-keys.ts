/**
 * Reads keys in every format a tutorial or an identity provider hands out: PEM (SPKI, PKCS#1,
 * PKCS#8, SEC1, X.509 certificates), OpenSSH public lines and private keys, JWK and JWKS.
 */
import { createPrivateKey, createPublicKey, X509Certificate, type JsonWebKey, type KeyObject } from 'node:crypto';
import { isOpenSshPublicKey, parseOpenSshPublicKey } from '@bearer-guard/core/keys';
import { failure, messageOf } from '../errors.js';
import { readTextFile } from '../input.js';
import { parseOpenSshPrivateKey } from './openssh-private.js';

/** A key read from a file, with the `kid` and `alg` a JWK declared, if any. */
export interface LoadedKey {
  /** A public or private key (never a secret). */
  key: KeyObject;
  /** Where it was read from (a file name), for messages. */
  source: string;
  kid?: string;
  alg?: string;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** Readers of the PEM types node:crypto understands, by label. */
const PEM_READERS: Record<string, (pem: string) => KeyObject> = {
  CERTIFICATE: (pem) => new X509Certificate(pem).publicKey,
  'PUBLIC KEY': (pem) => createPublicKey({ key: pem, format: 'pem', type: 'spki' }),
  'RSA PUBLIC KEY': (pem) => createPublicKey({ key: pem, format: 'pem', type: 'pkcs1' }),
  'PRIVATE KEY': (pem) => createPrivateKey({ key: pem, format: 'pem' }),
  'RSA PRIVATE KEY': (pem) => createPrivateKey({ key: pem, format: 'pem' }),
  'EC PRIVATE KEY': (pem) => createPrivateKey({ key: pem, format: 'pem' }),
};

function fromPem(label: string, block: string): KeyObject | undefined {
  if (/^Proc-Type:\s*4,ENCRYPTED/m.test(block) || label === 'ENCRYPTED PRIVATE KEY') {
    throw new TypeError('encrypted private keys are not supported: decrypt first (openssl pkey, or ssh-keygen -p)');
  }
  if (label === 'EC PARAMETERS') return undefined; // written by `openssl ecparam -genkey` before the key
  if (label === 'OPENSSH PRIVATE KEY') {
    const keys = parseOpenSshPrivateKey(block);
    if (keys.length !== 1) throw new TypeError(`holds ${keys.length} keys; split them into one file each`);
    return keys[0];
  }
  const read = PEM_READERS[label];
  if (read === undefined) throw new TypeError(`unsupported PEM type "${label}"`);
  try {
    return read(block);
  } catch (error) {
    throw new TypeError(`invalid ${label} PEM (${messageOf(error)})`, { cause: error });
  }
}

function fromJWK(value: unknown): Omit<LoadedKey, 'source'> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError('a JWK must be a JSON object');
  const jwk = value as JsonWebKey & { kid?: unknown; alg?: unknown };
  if (jwk.kty === 'oct') throw new TypeError('a symmetric ("oct") JWK is an HMAC secret: pass it with --secret-file');
  const key =
    jwk.d === undefined ? createPublicKey({ key: jwk, format: 'jwk' }) : createPrivateKey({ key: jwk, format: 'jwk' });
  return {
    key,
    ...(typeof jwk.kid === 'string' ? { kid: jwk.kid } : {}),
    ...(typeof jwk.alg === 'string' ? { alg: jwk.alg } : {}),
  };
}

function fromJson(text: string): Omit<LoadedKey, 'source'>[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TypeError('looks like JSON but does not parse');
  }
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (Array.isArray(keys)) return keys.map(fromJWK);
  return [fromJWK(value)];
}

/**
 * Parses the text of a key file into its keys.
 *
 * @param text - PEM (one or more blocks), OpenSSH public key lines, an OpenSSH private key,
 *   a JWK or a JWKS.
 * @param source - the file name, for messages.
 * @returns at least one key.
 * @throws a failure (exit 1) naming the file and what is wrong with it.
 * @example
 * ```ts
 * const [{ key }] = parseKeys(readFileSync('id_ed25519', 'utf8'), 'id_ed25519');
 * ```
 */
export function parseKeys(text: string, source: string): LoadedKey[] {
  let keys: Omit<LoadedKey, 'source'>[] | undefined;
  try {
    keys = parse(text.trim());
  } catch (error) {
    return failure(`${source}: ${messageOf(error)}`, error);
  }
  if (keys === undefined) failure(`${source}: not a key (expected PEM, an OpenSSH key, a JWK or a JWKS)`);
  if (keys.length === 0) failure(`${source}: holds no key`);
  return keys.map((key) => ({ ...key, source }));
}

function parse(text: string): Omit<LoadedKey, 'source'>[] | undefined {
  if (text.startsWith('{')) return fromJson(text);
  const blocks = [...text.matchAll(PEM_BLOCK)];
  if (blocks.length > 0) {
    return blocks.flatMap(([block, label]) => {
      const key = fromPem(label as string, block);
      return key ? [{ key }] : [];
    });
  }
  if (text.includes('-----BEGIN')) throw new TypeError('truncated PEM (no matching END line)');
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (lines.length > 0 && lines.every(isOpenSshPublicKey))
    return lines.map((line) => ({ key: parseOpenSshPublicKey(line) }));
  return undefined;
}

/** Reads and parses a key file; see {@link parseKeys}. */
export function loadKeyFile(path: string): LoadedKey[] {
  return parseKeys(readTextFile(path, 'key file'), path);
}

/**
 * Reads a file that must hold exactly one private key (for `sign`).
 * @throws a failure for public keys, several keys, or an unreadable file.
 */
export function loadPrivateKey(path: string): LoadedKey {
  const keys = loadKeyFile(path);
  if (keys.length !== 1) failure(`${path}: holds ${keys.length} keys; give a file with one private key`);
  const loaded = keys[0] as LoadedKey;
  if (loaded.key.type !== 'private') failure(`${path}: this is a public key; signing needs the private key`);
  return loaded;
}
