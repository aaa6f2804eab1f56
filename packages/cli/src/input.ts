/**
 * Inputs that are not flags: files, tokens (argument or stdin) and secrets (environment
 * variable or file, never the command line).
 */
import { readFileSync } from 'node:fs';
import { failure, usage } from './errors.js';
import type { Io } from './io.js';

const CODES: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
};

/**
 * Reads a file as bytes.
 * @param what - what the file is, for the message: `key file`, `secret file`.
 * @throws a failure (exit 1) naming the file and the reason, when it cannot be read.
 */
export function readFileBytes(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    return failure(`cannot read ${what} ${JSON.stringify(path)}: ${CODES[code] ?? (code || 'read failed')}`, error);
  }
}

/** Reads a text file; see {@link readFileBytes}. */
export function readTextFile(path: string, what: string): string {
  return readFileBytes(path, what).toString('utf8');
}

/**
 * The token of `inspect` and `verify`: the argument, or standard input for `-`. Surrounding
 * whitespace and a pasted `Bearer ` prefix are removed.
 */
export async function readToken(argument: string, io: Io): Promise<string> {
  const raw = argument === '-' ? await io.readStdin() : argument;
  const token = raw.trim().replace(/^bearer\s+/i, '');
  if (token === '') failure(argument === '-' ? 'no token on standard input' : 'the token is empty');
  if (/\s/.test(token)) failure('the token contains whitespace: give exactly one token');
  return token;
}

/** Where an HMAC secret comes from: the CLI takes secrets only from here, never from argv. */
export interface SecretSource {
  /** Name of an environment variable holding the secret. */
  secretEnv?: string | undefined;
  /** Path of a file holding the secret (one trailing newline is ignored). */
  secretFile?: string | undefined;
}

/**
 * Reads an HMAC secret from an environment variable or a file; `undefined` when neither is given.
 * @throws a usage error when both are given; a failure when the variable is unset or empty or
 *   the file cannot be read.
 */
export function readSecret(source: SecretSource, env: Io['env']): Uint8Array | undefined {
  const { secretEnv, secretFile } = source;
  if (secretEnv !== undefined && secretFile !== undefined) usage('give --secret-env or --secret-file, not both');
  if (secretEnv !== undefined) {
    const value = env[secretEnv];
    if (value === undefined || value === '') failure(`environment variable ${secretEnv} is not set or empty`);
    return Buffer.from(value, 'utf8');
  }
  if (secretFile !== undefined) {
    let bytes = readFileBytes(secretFile, 'secret file');
    // Editors and `echo` add one trailing newline; it is not part of the secret.
    if (bytes.at(-1) === 0x0a) bytes = bytes.subarray(0, bytes.at(-2) === 0x0d ? -2 : -1);
    if (bytes.length === 0) failure(`secret file ${JSON.stringify(secretFile)} is empty`);
    return bytes;
  }
  return undefined;
}
