/**
 * `keygen`: a new signing key pair, written as NAME (PKCS#8, mode 0600), NAME.pub (SPKI) and
 * NAME.jwks.json (the public JWKS to publish).
 */
import { KeyObject } from 'node:crypto';
import { chmodSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { booleanFlag, stringFlag, type CommandSpec } from '../args.js';
import { failure, messageOf, usage } from '../errors.js';
import { json } from '../format.js';
import { publicMembers, thumbprint, type PublicJWK } from '../keys/public-jwk.js';
import type { Command } from './command.js';

/** Algorithms `keygen` makes keys for. */
export const KEYGEN_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
const RSA_BITS = [2048, 3072, 4096];

/** Options of {@link keygen}. */
export interface KeygenOptions {
  /** One of {@link KEYGEN_ALGORITHMS}. */
  alg: string;
  /** RSA modulus length: 2048 (default), 3072 or 4096. */
  bits?: number | undefined;
  /** Base name: writes `out`, `out.pub` and `out.jwks.json`. */
  out: string;
  /** Overwrite existing files. */
  force?: boolean | undefined;
}

/** What {@link keygen} wrote. */
export interface KeygenResult {
  alg: string;
  kid: string;
  files: { privateKey: string; publicKey: string; jwks: string };
  jwks: { keys: PublicJWK[] };
}

/**
 * Generates a key pair with WebCrypto (jose) and writes the three files.
 *
 * @throws a failure when a file exists and `force` is not set (nothing is written then), or
 *   a usage error for an unknown algorithm or RSA size.
 * @example
 * ```ts
 * const { kid } = await keygen({ alg: 'ES256', out: 'jwt-key' });
 * ```
 */
export async function keygen(options: KeygenOptions): Promise<KeygenResult> {
  const { alg, out } = options;
  if (!(KEYGEN_ALGORITHMS as readonly string[]).includes(alg))
    usage(`keygen: --alg must be one of ${KEYGEN_ALGORITHMS.join(', ')}`);
  const rsa = alg.startsWith('RS') || alg.startsWith('PS');
  if (options.bits !== undefined && (!rsa || !RSA_BITS.includes(options.bits))) {
    usage(
      rsa ? `keygen: --bits must be ${RSA_BITS.join(', ')}` : `keygen: --bits applies to RSA keys only, not ${alg}`,
    );
  }
  const files = { privateKey: out, publicKey: `${out}.pub`, jwks: `${out}.jwks.json` };
  if (!options.force) {
    const existing = Object.values(files).filter((file) => existsSync(file));
    if (existing.length > 0)
      failure(
        `keygen: ${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}; use --force to overwrite`,
      );
  }
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(rsa ? { modulusLength: options.bits ?? 2048 } : {}),
  });
  const members = publicMembers(KeyObject.from(publicKey));
  const kid = await thumbprint(members);
  const jwks = { keys: [{ ...members, kid, alg, use: 'sig' as const }] };
  try {
    // Old files are removed, not overwritten: the new private key is never, even briefly, in a
    // file with looser permissions. `wx` also refuses a file created since the check above.
    if (options.force) for (const file of Object.values(files)) rmSync(file, { force: true });
    writeFileSync(files.privateKey, await exportPKCS8(privateKey), { mode: 0o600, flag: 'wx' });
    chmodSync(files.privateKey, 0o600); // whatever the umask
    writeFileSync(files.publicKey, await exportSPKI(publicKey), { flag: 'wx' });
    writeFileSync(files.jwks, `${json(jwks)}\n`, { flag: 'wx' });
  } catch (error) {
    failure(`keygen: cannot write ${out}: ${messageOf(error)}`, error);
  }
  return { alg, kid, files, jwks };
}

const spec: CommandSpec = {
  name: 'keygen',
  summary:
    'Generate a signing key pair: NAME (private, PKCS#8 PEM, mode 0600), NAME.pub (SPKI PEM), NAME.jwks.json (public JWKS).',
  synopsis: 'keygen --alg ALG --out NAME [--bits N] [--force]',
  positionals: { min: 0, max: 0, name: 'arguments' },
  flags: {
    alg: { type: 'string', value: 'ALG', description: `algorithm: ${KEYGEN_ALGORITHMS.join(', ')}` },
    bits: { type: 'string', value: 'N', description: 'RSA modulus length: 2048 (default), 3072, 4096' },
    out: { type: 'string', value: 'NAME', description: 'base file name' },
    force: { type: 'boolean', description: 'overwrite existing files' },
  },
  notes: [
    'The kid is the RFC 7638 thumbprint of the public key; `sign --key NAME` uses the same kid.',
    'Example: bearer-guard keygen --alg ES256 --out jwt-key',
  ],
};

/** The `keygen` command. */
export const keygenCommand: Command = {
  spec,
  async run(args, io) {
    const alg = stringFlag(args, 'alg');
    const out = stringFlag(args, 'out');
    if (alg === undefined) usage('keygen: --alg is required (see bearer-guard help keygen)');
    if (out === undefined || out === '') usage('keygen: --out is required (see bearer-guard help keygen)');
    const bits = stringFlag(args, 'bits');
    if (bits !== undefined && !/^\d+$/.test(bits)) usage(`keygen: --bits must be ${RSA_BITS.join(', ')}`);
    const result = await keygen({
      alg,
      out,
      bits: bits === undefined ? undefined : Number(bits),
      force: booleanFlag(args, 'force'),
    });
    if (booleanFlag(args, 'json')) {
      io.out(json({ alg: result.alg, kid: result.kid, files: result.files, jwks: result.jwks }));
    } else {
      const { files } = result;
      io.out(`${result.alg} key pair, kid ${result.kid}`);
      io.out(`  ${files.privateKey}  private key (PKCS#8, mode 0600): keep it secret`);
      io.out(`  ${files.publicKey}  public key (SPKI PEM)`);
      io.out(`  ${files.jwks}  public JWKS to publish`);
    }
    return 0;
  },
};
