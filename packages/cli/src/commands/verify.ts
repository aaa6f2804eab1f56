/**
 * `verify`: checks a token exactly as the middleware does (`createVerifier(options).verify`),
 * and prints the server-side reason when it fails.
 */
import {
  createVerifier,
  isBearerError,
  requireScopes,
  type AuthOptions,
  type BearerErrorCode,
  type BearerErrorReason,
} from '@bearer-guard/core';
import { booleanFlag, listFlag, stringFlag, type CommandSpec, type ParsedArgs } from '../args.js';
import { messageOf, oneLine, usage, withSource } from '../errors.js';
import { json } from '../format.js';
import { readSecret, readToken } from '../input.js';
import { loadKeyFile } from '../keys/load-keys.js';
import { publicMembers } from '../keys/public-jwk.js';
import type { Command } from './command.js';

/** Options of {@link verify}: one key source (or `issuer` alone, for discovery) and the checks. */
export interface VerifyOptions {
  /** Expected `iss`; alone, also where keys are discovered. */
  issuer?: string[] | undefined;
  jwksUri?: string | undefined;
  /** Key file: any format `jwks` reads; private keys are reduced to their public half. */
  keyFile?: string | undefined;
  /** HMAC secret. */
  secret?: Uint8Array | undefined;
  audience?: string[] | undefined;
  /** Expected header `typ`, e.g. `at+jwt`. */
  tokenType?: string | undefined;
  /** Scopes the token must all grant (checked with `requireScopes`). */
  scopes?: string[] | undefined;
  /** Seconds or a duration such as `'5s'`. */
  clockTolerance?: string | number | undefined;
}

/** The answer of {@link verify}: the verified token, or the reason it was refused. */
export type VerifyOutcome =
  | { valid: true; header: Record<string, unknown>; payload: Record<string, unknown> }
  | { valid: false; status: number; code: BearerErrorCode; reason: BearerErrorReason; message: string };

/**
 * The `publicKey` or `jwks` option for a key file: public halves only, declared `kid`/`alg`
 * kept. Keys that have a `kid` (JWK, JWKS) become a `jwks`, so a token's `kid` must match as it
 * would against a published JWKS; one key without `kid` (PEM, OpenSSH) is the `publicKey`.
 */
async function keyOption(path: string): Promise<Pick<AuthOptions, 'publicKey' | 'jwks'>> {
  const keys = [];
  for (const { key, kid, alg, source } of loadKeyFile(path)) {
    const members = await withSource(source, () => publicMembers(key));
    keys.push({ ...members, ...(kid === undefined ? {} : { kid }), ...(alg === undefined ? {} : { alg }) });
  }
  return keys.length === 1 && keys[0]?.kid === undefined ? { publicKey: keys[0] } : { jwks: { keys } };
}

/** Turns {@link VerifyOptions} into core's {@link AuthOptions}. */
async function authOptions(options: VerifyOptions): Promise<AuthOptions> {
  const sources = [options.jwksUri, options.keyFile, options.secret].filter((s) => s !== undefined);
  if (sources.length > 1) usage('verify: give one key source: --jwks-uri, --key, --secret-env or --secret-file');
  if (sources.length === 0 && (options.issuer ?? []).length === 0) {
    usage(
      'verify: give a key source: --issuer URL (discovery), --jwks-uri URL, --key FILE, --secret-env VAR or --secret-file FILE',
    );
  }
  // A debugging tool: an issuer or audience not given is not checked (`false`), with a warning.
  const issuer = options.issuer !== undefined && options.issuer.length > 0 ? options.issuer : false;
  const audience = options.audience !== undefined && options.audience.length > 0 ? options.audience : false;
  const auth: AuthOptions = { issuer, audience };
  if (options.jwksUri !== undefined) auth.jwksUri = options.jwksUri;
  if (options.keyFile !== undefined) Object.assign(auth, await keyOption(options.keyFile));
  if (options.secret !== undefined) auth.secret = options.secret;
  if (options.tokenType !== undefined) auth.tokenType = options.tokenType;
  if (options.clockTolerance !== undefined) auth.clockTolerance = options.clockTolerance;
  return auth;
}

/**
 * Verifies a token with `@bearer-guard/core`, as `auth(options)` would in an API.
 *
 * @returns `{ valid: true, header, payload }`, or `{ valid: false, status, code, reason, message }`
 *   with the detailed server-side reason (what the middleware reports to its `onRejected` hook).
 * @throws a usage error for a missing or conflicting key source and for option values core
 *   refuses (bad URL, short secret…); a failure for an unreadable key file.
 * @example
 * ```ts
 * const outcome = await verify(token, { issuer: ['https://auth.example.com/'], audience: ['orders'] });
 * if (!outcome.valid) console.error(outcome.reason, outcome.message);
 * ```
 */
export async function verify(token: string, options: VerifyOptions): Promise<VerifyOutcome> {
  const auth = await authOptions(options);
  let guard: ReturnType<typeof requireScopes> | undefined;
  let verifier: ReturnType<typeof createVerifier>;
  try {
    if (options.scopes !== undefined && options.scopes.length > 0) guard = requireScopes(...options.scopes);
    verifier = createVerifier(auth);
  } catch (error) {
    return usage(`verify: ${messageOf(error).replace(/^bearer-guard: /, '')}`);
  }
  try {
    const result = await verifier.verify(token);
    if (guard) await verifier.authorize(result, guard);
    return { valid: true, header: { ...result.header }, payload: { ...result.payload } };
  } catch (error) {
    if (!isBearerError(error)) throw error;
    return {
      valid: false,
      status: error.status,
      code: error.code,
      reason: error.reason,
      message: oneLine(error.message),
    };
  } finally {
    verifier.close();
  }
}

const spec: CommandSpec = {
  name: 'verify',
  summary: 'Verify a token exactly as the middleware does; exit 0 and print the payload, or exit 1 with the reason.',
  synopsis:
    'verify TOKEN|- (--issuer URL | --jwks-uri URL | --key FILE | --secret-env VAR | --secret-file FILE) [options]',
  positionals: { min: 1, max: 1, name: 'TOKEN (or - to read it from standard input)' },
  flags: {
    issuer: {
      type: 'string',
      multiple: true,
      value: 'URL',
      description: 'expected iss; alone, keys come from its discovery document',
    },
    iss: { type: 'string', multiple: true, value: 'URL', description: 'same as --issuer' },
    'jwks-uri': { type: 'string', value: 'URL', description: 'remote JWKS' },
    key: {
      type: 'string',
      value: 'FILE',
      description: 'key file: PEM, certificate, OpenSSH, JWK or JWKS (private keys: their public half)',
    },
    'secret-env': { type: 'string', value: 'VAR', description: 'HMAC secret from this environment variable' },
    'secret-file': {
      type: 'string',
      value: 'FILE',
      description: 'HMAC secret from this file (one trailing newline ignored)',
    },
    audience: { type: 'string', multiple: true, value: 'AUD', description: 'expected aud (any one matches)' },
    type: { type: 'string', value: 'TYP', description: 'expected header typ, e.g. at+jwt' },
    scopes: {
      type: 'string',
      value: 'A,B',
      description: 'scopes the token must all grant (403 insufficient_scope otherwise)',
    },
    'clock-tolerance': {
      type: 'string',
      value: 'DURATION',
      description: 'leeway for exp/nbf/iat, e.g. 30s (default 5s)',
    },
  },
  notes: [
    'On failure the reason is the one the server logs, e.g.: reason: token_expired — "exp" claim timestamp check failed',
    'Example: bearer-guard verify "$TOKEN" --issuer https://auth.example.com/ --audience orders --scopes read:orders',
  ],
};

function verifyOptions(args: ParsedArgs, env: Record<string, string | undefined>): VerifyOptions {
  const tolerance = stringFlag(args, 'clock-tolerance');
  const scopes = stringFlag(args, 'scopes');
  return {
    issuer: [...listFlag(args, 'issuer'), ...listFlag(args, 'iss')],
    jwksUri: stringFlag(args, 'jwks-uri'),
    keyFile: stringFlag(args, 'key'),
    secret: readSecret({ secretEnv: stringFlag(args, 'secret-env'), secretFile: stringFlag(args, 'secret-file') }, env),
    audience: listFlag(args, 'audience'),
    tokenType: stringFlag(args, 'type'),
    scopes: scopes?.split(/[\s,]+/).filter((s) => s !== ''),
    clockTolerance: tolerance !== undefined && /^\d+(\.\d+)?$/.test(tolerance) ? Number(tolerance) : tolerance,
  };
}

/** What `verify` says it does not check, when `--issuer` or `--audience` is missing (an API must check both). */
export function uncheckedWarning(noIss: boolean, noAud: boolean): string {
  if (noIss && noAud)
    return 'the token\'s "iss" and "aud" are not checked: give --issuer and --audience, as an API must';
  return noIss
    ? 'the token\'s "iss" is not checked: give --issuer, as an API must'
    : 'the token\'s "aud" is not checked: give --audience, as an API must';
}

/** The `verify` command. */
export const verifyCommand: Command = {
  spec,
  async run(args, io) {
    const options = verifyOptions(args, io.env);
    const outcome = await verify(await readToken(args.positionals[0] as string, io), options);
    const noIss = options.issuer === undefined || options.issuer.length === 0;
    const noAud = options.audience === undefined || options.audience.length === 0;
    if (noIss || noAud) io.err(`bearer-guard: warning: ${uncheckedWarning(noIss, noAud)}`);
    if (booleanFlag(args, 'json')) io.out(json(outcome));
    if (!outcome.valid) {
      io.err(`bearer-guard: ${outcome.code} (${outcome.status}) reason: ${outcome.reason} — ${outcome.message}`);
      return 1;
    }
    if (!booleanFlag(args, 'json')) {
      const { alg, kid } = outcome.header;
      io.out(`valid token: signature verified (${String(alg)}${kid === undefined ? '' : `, kid ${String(kid)}`})`);
      io.out(json(outcome.payload));
    }
    return 0;
  },
};
