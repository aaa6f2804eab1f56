/**
 * `sign`: a token for local testing (curl, Postman), signed with a key file or an HMAC secret
 * from the environment or a file.
 */
import { createSecretKey, randomUUID, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseDuration } from '@bearer-guard/core';
import { SignJWT, type JWTPayload } from 'jose';
import { booleanFlag, listFlag, stringFlag, type CommandSpec, type ParsedArgs } from '../args.js';
import { failure, messageOf, usage } from '../errors.js';
import { json } from '../format.js';
import { readSecret } from '../input.js';
import { loadPrivateKey } from '../keys/load-keys.js';
import { algorithmFor, publicMembers, thumbprint } from '../keys/public-jwk.js';
import type { Command } from './command.js';

/** Options of {@link sign}. Exactly one of `keyFile` and `secret`. */
export interface SignOptions {
  /** Private key file: PEM (PKCS#8, PKCS#1, SEC1), OpenSSH private key, JWK with `d`. */
  keyFile?: string | undefined;
  /** HMAC secret (HS256/384/512), at least as long as the hash. */
  secret?: Uint8Array | undefined;
  /**
   * Default: a JWK's `alg`, else the `alg` keygen published in `KEY.jwks.json` next to the key,
   * else from the key type (RS256, ES256/384/512, EdDSA); HS256 for a secret.
   */
  alg?: string | undefined;
  /** Default: the key's RFC 7638 thumbprint (as `jwks` and `keygen` publish); none for a secret. */
  kid?: string | undefined;
  iss?: string | undefined;
  /** One audience → a string `aud`; several → an array. */
  aud?: string[] | undefined;
  sub?: string | undefined;
  /** Space-delimited scopes. */
  scope?: string | undefined;
  /** Lifetime: seconds or a duration (`'5m'`); default 5 minutes. */
  exp?: string | number | undefined;
  /** Header `typ`, e.g. `at+jwt` (RFC 9068). */
  typ?: string | undefined;
  /** More claims; they override the ones above (`exp`, `iat` and `jti` too). */
  claims?: Record<string, unknown> | undefined;
}

const HMAC_BYTES: Record<string, number> = { HS256: 32, HS384: 48, HS512: 64 };

async function signingKey(
  options: SignOptions,
): Promise<{ key: KeyObject | Uint8Array; alg: string; kid: string | undefined }> {
  if ((options.keyFile === undefined) === (options.secret === undefined)) {
    usage('sign: give --key FILE, or --secret-env VAR / --secret-file FILE for HMAC (see bearer-guard help sign)');
  }
  if (options.secret !== undefined) {
    const alg = options.alg ?? 'HS256';
    const needed = HMAC_BYTES[alg];
    if (needed === undefined) failure(`--alg ${alg} does not fit an HMAC secret (use HS256, HS384 or HS512)`);
    if (options.secret.length < needed)
      failure(`the secret is ${options.secret.length} bytes; ${alg} needs at least ${needed} (RFC 7518 §3.2)`);
    return { key: createSecretKey(options.secret), alg, kid: options.kid };
  }
  const keyFile = options.keyFile as string;
  const loaded = loadPrivateKey(keyFile);
  const members = publicMembers(loaded.key);
  const keyId = await thumbprint(members);
  const alg = algorithmFor(members, options.alg ?? loaded.alg ?? publishedAlgorithm(keyFile, keyId));
  return { key: loaded.key, alg, kid: options.kid ?? loaded.kid ?? keyId };
}

/**
 * The `alg` that `keygen` published for this key in `KEY.jwks.json`, when that file sits next
 * to the key: a PEM does not say whether an RSA key is meant for RS256 or PS256.
 */
function publishedAlgorithm(keyFile: string, kid: string): string | undefined {
  try {
    const jwks = JSON.parse(readFileSync(`${keyFile}.jwks.json`, 'utf8')) as {
      keys?: { kid?: unknown; alg?: unknown }[];
    };
    const alg = jwks.keys?.find((jwk) => jwk.kid === kid)?.alg;
    return typeof alg === 'string' ? alg : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Signs a JWT with default claims `iat` (now), `exp` (+5 minutes) and a random `jti`.
 *
 * @returns the compact JWS.
 * @throws a failure for unreadable or public keys, an algorithm that does not fit the key, or a
 *   short secret.
 * @example
 * ```ts
 * const token = await sign({ keyFile: 'jwt-key', iss: 'https://auth.local/', aud: ['orders'], scope: 'read:orders' });
 * ```
 */
export async function sign(options: SignOptions): Promise<string> {
  const { key, alg, kid } = await signingKey(options);
  let lifetime: number;
  try {
    lifetime = parseDuration(options.exp ?? '5m', '--exp');
  } catch (error) {
    return usage(`sign: ${messageOf(error)}`);
  }
  const iat = Math.floor(Date.now() / 1000);
  const payload: JWTPayload = { iat, exp: iat + Math.round(lifetime), jti: randomUUID() };
  if (options.iss !== undefined) payload.iss = options.iss;
  if (options.sub !== undefined) payload.sub = options.sub;
  if (options.aud !== undefined && options.aud.length > 0)
    payload.aud = options.aud.length === 1 ? options.aud[0] : options.aud;
  if (options.scope !== undefined) payload.scope = options.scope;
  Object.assign(payload, options.claims);
  const header = {
    alg,
    ...(kid === undefined ? {} : { kid }),
    ...(options.typ === undefined ? {} : { typ: options.typ }),
  };
  try {
    return await new SignJWT(payload).setProtectedHeader(header).sign(key);
  } catch (error) {
    return failure(`sign: ${messageOf(error)}`, error);
  }
}

/**
 * Parses `--claim name=value`: the value as JSON when it parses (numbers, booleans, arrays,
 * objects, null), else as a string.
 */
export function parseClaim(text: string): [string, unknown] {
  const at = text.indexOf('=');
  if (at <= 0) usage(`sign: --claim expects name=value, got ${JSON.stringify(text)}`);
  const raw = text.slice(at + 1);
  try {
    return [text.slice(0, at), JSON.parse(raw)];
  } catch {
    return [text.slice(0, at), raw];
  }
}

const spec: CommandSpec = {
  name: 'sign',
  summary: 'Sign a token for local testing; prints it on stdout.',
  synopsis:
    'sign (--key FILE | --secret-env VAR | --secret-file FILE) [--iss URL] [--aud A]... [--sub S] [--scope "a b"] [--exp 5m] [options]',
  positionals: { min: 0, max: 0, name: 'arguments' },
  flags: {
    key: {
      type: 'string',
      value: 'FILE',
      description: 'private key: PEM (PKCS#8, PKCS#1, SEC1), OpenSSH private key, or JWK with "d"',
    },
    'secret-env': {
      type: 'string',
      value: 'VAR',
      description: 'HMAC secret from this environment variable (HS256/384/512)',
    },
    'secret-file': {
      type: 'string',
      value: 'FILE',
      description: 'HMAC secret from this file (one trailing newline ignored)',
    },
    alg: {
      type: 'string',
      value: 'ALG',
      description: 'algorithm (default: RS256, ES256/384/512 or EdDSA by key type; HS256 for a secret)',
    },
    kid: {
      type: 'string',
      value: 'KID',
      description: 'header kid (default: the key thumbprint, as `jwks` publishes it)',
    },
    iss: { type: 'string', value: 'URL', description: 'issuer claim' },
    aud: { type: 'string', multiple: true, value: 'AUD', description: 'audience claim' },
    sub: { type: 'string', value: 'SUB', description: 'subject claim' },
    scope: { type: 'string', value: 'SCOPES', description: 'space-delimited scope claim' },
    exp: { type: 'string', value: 'DURATION', description: 'lifetime, e.g. 30s, 5m (default), 1h' },
    typ: { type: 'string', value: 'TYP', description: 'header typ, e.g. at+jwt (RFC 9068)' },
    claim: {
      type: 'string',
      multiple: true,
      value: 'NAME=VALUE',
      description: 'extra claim; VALUE is parsed as JSON when it can be',
    },
  },
  notes: [
    'Defaults: iat = now, exp = now + 5m, jti = random UUID. --claim overrides any of them.',
    'alg: --alg, else the alg published for this key in KEY.jwks.json next to it (as keygen writes it), else from the key type.',
    'Secrets are read from an environment variable or a file only, never from the command line.',
    'Example: bearer-guard sign --key jwt-key --iss https://auth.local/ --aud orders --scope "read:orders"',
  ],
};

/** The CLI flags of `sign` as {@link SignOptions}. */
function signOptions(args: ParsedArgs, env: Record<string, string | undefined>): SignOptions {
  const secret = readSecret(
    { secretEnv: stringFlag(args, 'secret-env'), secretFile: stringFlag(args, 'secret-file') },
    env,
  );
  return {
    keyFile: stringFlag(args, 'key'),
    secret,
    alg: stringFlag(args, 'alg'),
    kid: stringFlag(args, 'kid'),
    iss: stringFlag(args, 'iss'),
    aud: listFlag(args, 'aud'),
    sub: stringFlag(args, 'sub'),
    scope: stringFlag(args, 'scope'),
    exp: stringFlag(args, 'exp'),
    typ: stringFlag(args, 'typ'),
    claims: Object.fromEntries(listFlag(args, 'claim').map(parseClaim)),
  };
}

/** The `sign` command. */
export const signCommand: Command = {
  spec,
  async run(args, io) {
    if (
      stringFlag(args, 'key') !== undefined &&
      (stringFlag(args, 'secret-env') ?? stringFlag(args, 'secret-file')) !== undefined
    ) {
      usage('sign: give --key or a secret, not both');
    }
    const token = await sign(signOptions(args, io.env));
    io.out(booleanFlag(args, 'json') ? json({ token }) : token);
    return 0;
  },
};
