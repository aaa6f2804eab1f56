/**
 * `inspect`: decode a token without verifying it — header, payload, times in plain words, and
 * warnings about risky choices. Never prints the signature.
 */
import { booleanFlag, type CommandSpec } from '../args.js';
import { failure } from '../errors.js';
import { isoTime, json, relativeTime } from '../format.js';
import { readToken } from '../input.js';
import type { Command } from './command.js';

/** A time claim in readable forms. */
export interface TimeClaim {
  claim: 'exp' | 'nbf' | 'iat' | 'auth_time';
  value: number;
  iso: string | undefined;
  /** E.g. `expires in 4m 10s`, `expired 2h ago`, `issued 3m ago`. */
  relative: string;
}

/** A risky property of a token. */
export interface InspectWarning {
  code: 'alg_none' | 'hmac' | 'no_exp' | 'long_lifetime' | 'expired' | 'not_yet_valid' | 'no_kid' | 'no_jti' | 'no_aud';
  message: string;
}

/** What {@link inspect} finds in a token. The signature is not checked. */
export interface InspectReport {
  verified: false;
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  times: TimeClaim[];
  warnings: InspectWarning[];
}

const TIME_CLAIMS = ['exp', 'nbf', 'iat', 'auth_time'] as const;
const DAY = 86_400;

function decodePart(part: string, name: string): Record<string, unknown> {
  if (!/^[A-Za-z0-9_-]+$/.test(part)) failure(`malformed token: the ${name} is not base64url`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    failure(`malformed token: the ${name} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    failure(`malformed token: the ${name} is not a JSON object`);
  return value as Record<string, unknown>;
}

function warningsFor(header: Record<string, unknown>, payload: Record<string, unknown>, now: number): InspectWarning[] {
  const warnings: InspectWarning[] = [];
  const warn = (code: InspectWarning['code'], message: string) => warnings.push({ code, message });
  const alg = header.alg;
  if (typeof alg !== 'string' || alg.toLowerCase() === 'none')
    warn('alg_none', 'alg is "none": the token is unsigned and must never be accepted');
  else if (/^HS/i.test(alg))
    warn('hmac', `${alg} is a shared-secret algorithm: every verifier holds the key that can mint tokens`);
  const { exp, nbf, iat } = payload;
  if (typeof exp !== 'number') warn('no_exp', 'no "exp" claim: the token never expires');
  else {
    const start = typeof iat === 'number' ? iat : typeof nbf === 'number' ? nbf : now;
    if (exp - start > DAY)
      warn(
        'long_lifetime',
        `lifetime over a day (${Math.round((exp - start) / 3600)}h): access tokens should be short-lived`,
      );
    if (exp <= now) warn('expired', 'the token has expired');
  }
  if (typeof nbf === 'number' && nbf > now)
    warn('not_yet_valid', 'the token is not valid yet ("nbf" is in the future)');
  if (header.kid === undefined)
    warn('no_kid', 'no "kid" in the header: verifiers cannot pick the key, and key rotation is harder');
  if (payload.jti === undefined) warn('no_jti', 'no "jti" claim: the token cannot be revoked individually');
  if (payload.aud === undefined) warn('no_aud', 'no "aud" claim: any API that trusts the issuer accepts it');
  return warnings;
}

/**
 * Decodes a compact JWS without checking its signature.
 *
 * @param token - a JWT.
 * @param now - seconds since the epoch; default: now.
 * @throws a failure for anything that is not a JWS with a JSON header and JSON payload.
 * @example
 * ```ts
 * const { payload, warnings } = inspect(token);
 * ```
 */
export function inspect(token: string, now = Math.floor(Date.now() / 1000)): InspectReport {
  const parts = token.split('.');
  if (parts.length === 5)
    failure('this is an encrypted token (JWE): it cannot be inspected without the decryption key');
  if (parts.length !== 3) failure(`malformed token: expected 3 dot-separated parts, got ${parts.length}`);
  const header = decodePart(parts[0] as string, 'header');
  const payload = decodePart(parts[1] as string, 'payload');
  const times: TimeClaim[] = [];
  for (const claim of TIME_CLAIMS) {
    const value = payload[claim];
    if (typeof value === 'number' && Number.isFinite(value)) {
      times.push({ claim, value, iso: isoTime(value), relative: relativeTime(claim, value, now) });
    }
  }
  return { verified: false, header, payload, times, warnings: warningsFor(header, payload, now) };
}

function render(report: InspectReport): string {
  const lines = [
    'signature NOT verified: decoded only (use `bearer-guard verify` to check it)',
    '',
    'header:',
    json(report.header),
    '',
    'payload:',
    json(report.payload),
  ];
  if (report.times.length > 0) {
    lines.push('', 'times:');
    for (const t of report.times) lines.push(`  ${t.claim.padEnd(9)} ${t.iso ?? '(out of range)'}  ${t.relative}`);
  }
  if (report.warnings.length > 0) {
    lines.push('', 'warnings:');
    for (const w of report.warnings) lines.push(`  ! ${w.message}`);
  }
  return lines.join('\n');
}

const spec: CommandSpec = {
  name: 'inspect',
  summary: 'Decode a token WITHOUT verifying it: header, payload, times, warnings.',
  synopsis: 'inspect TOKEN|-',
  positionals: { min: 1, max: 1, name: 'TOKEN (or - to read it from standard input)' },
  flags: {},
  notes: [
    'Warnings: alg "none", HS* algorithms, no exp, lifetime over a day, expired, not yet valid, no kid, no jti, no aud.',
    'The signature is never printed. Example: pbpaste | bearer-guard inspect -',
  ],
};

/** The `inspect` command. */
export const inspectCommand: Command = {
  spec,
  async run(args, io) {
    const report = inspect(await readToken(args.positionals[0] as string, io));
    io.out(booleanFlag(args, 'json') ? json(report) : render(report));
    return 0;
  },
};
