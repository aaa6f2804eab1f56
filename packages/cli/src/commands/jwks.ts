/**
 * `jwks`: the public JWKS of one or more key files, whatever their format. Private parts are
 * never emitted: every key is reduced to its public half first.
 */
import { stringFlag, type CommandSpec } from '../args.js';
import { failure, withSource } from '../errors.js';
import { json } from '../format.js';
import type { Io } from '../io.js';
import { loadKeyFile, parseKeys, type LoadedKey } from '../keys/load-keys.js';
import { toPublicJWK, type PublicJWK } from '../keys/public-jwk.js';
import type { Command } from './command.js';

/** Options of {@link jwks}. */
export interface JWKSOptions {
  /** Algorithm for every key (e.g. `PS256` for RSA keys); default: from each key's type. */
  alg?: string | undefined;
}

/**
 * The public JWKS of keys already loaded. A JWK's own `kid` and `alg` are kept (tokens already
 * name that `kid`); otherwise `kid` is the RFC 7638 thumbprint and `alg` follows the key type.
 * A key given twice (a private key and its public key) appears once.
 */
export async function toJWKS(keys: readonly LoadedKey[], options: JWKSOptions = {}): Promise<{ keys: PublicJWK[] }> {
  const byKid = new Map<string, PublicJWK>();
  for (const { key, kid, alg, source } of keys) {
    const jwk = await withSource(source, () => toPublicJWK(key, { kid, alg: options.alg ?? alg }));
    const seen = byKid.get(jwk.kid);
    // The same key given twice (private key and its .pub) is published once.
    if (seen !== undefined && JSON.stringify(seen) !== JSON.stringify(jwk)) {
      failure(`two different keys share the kid ${JSON.stringify(jwk.kid)}`);
    }
    byKid.set(jwk.kid, jwk);
  }
  return { keys: [...byKid.values()] };
}

/**
 * Builds a public JWKS from key files: PEM (SPKI, PKCS#1, PKCS#8, SEC1, X.509), OpenSSH public
 * and private keys, JWK, JWKS.
 *
 * @param files - paths of key files.
 * @throws a failure naming the file that cannot be read or parsed.
 * @example
 * ```ts
 * const { keys } = await jwks(['jwt-key.pub', 'old-key.pem']);
 * ```
 */
export async function jwks(files: readonly string[], options: JWKSOptions = {}): Promise<{ keys: PublicJWK[] }> {
  return toJWKS(files.flatMap(loadKeyFile), options);
}

const spec: CommandSpec = {
  name: 'jwks',
  summary:
    'Print the public JWKS (JSON) of key files: public or private, PEM, OpenSSH, JWK or JWKS. Private parts are never printed.',
  synopsis: 'jwks FILE... [--alg ALG]',
  positionals: { min: 1, max: Infinity, name: 'FILE (a key file, or - for standard input)' },
  flags: {
    alg: {
      type: 'string',
      value: 'ALG',
      description: 'algorithm to publish, e.g. PS256 for RSA keys (default: RS256, ES256/384/512, EdDSA by key type)',
    },
  },
  notes: [
    'Formats: PEM "PUBLIC KEY", "RSA PUBLIC KEY", "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "CERTIFICATE"; OpenSSH ssh-rsa, ecdsa-sha2-nistp256/384/521, ssh-ed25519 public lines and unencrypted private keys; JWK and JWKS JSON.',
    'kid: kept from a JWK, else the RFC 7638 thumbprint (the kid `sign` and `keygen` use).',
    'Example: bearer-guard jwks ~/.ssh/jwt-key.pub > public/.well-known/jwks.json',
  ],
};

async function readKeys(file: string, io: Io): Promise<LoadedKey[]> {
  return file === '-' ? parseKeys(await io.readStdin(), 'standard input') : loadKeyFile(file);
}

/** The `jwks` command. Its output is JSON with or without `--json`. */
export const jwksCommand: Command = {
  spec,
  async run(args, io) {
    const keys: LoadedKey[] = [];
    for (const file of args.positionals) keys.push(...(await readKeys(file, io)));
    io.out(json(await toJWKS(keys, { alg: stringFlag(args, 'alg') })));
    return 0;
  },
};
