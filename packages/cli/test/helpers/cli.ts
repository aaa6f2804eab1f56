/**
 * Runs the BUILT executable (`dist/cli.mjs`) as a child process, the way users run it.
 * Build first: `cd packages/core && npx tsdown && cd ../cli && npx tsdown`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/cli.mjs', import.meta.url));

if (!existsSync(CLI)) {
  throw new Error(`${CLI} is missing: build first (cd packages/core && npx tsdown && cd ../cli && npx tsdown)`);
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd: string;
  input?: string;
  env?: Record<string, string>;
}

/** Runs `bearer-guard ...args` with a clean environment (HOME = cwd) and resolves when it exits. */
export function cli(args: string[], options: CliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '', HOME: options.cwd, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** A fresh temporary directory, and a function that removes it. */
export function tempDir(prefix = 'bearer-guard-cli-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** True when `ssh-keygen` can run here. */
export const hasSshKeygen = spawnSync('ssh-keygen', ['-?'], { stdio: 'ignore' }).error === undefined;

/** Runs ssh-keygen in `cwd`; throws with its stderr on failure. */
export function sshKeygen(args: string[], cwd: string): string {
  const result = spawnSync('ssh-keygen', args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`ssh-keygen ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/** Asserts the usual shape of an expected error: one line on stderr, nothing else. */
export function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  if (lines.length !== 1) throw new Error(`expected one line on stderr, got ${lines.length}:\n${stderr}`);
  if (/\n\s+at /.test(stderr)) throw new Error(`stack trace on stderr:\n${stderr}`);
  return lines[0] as string;
}

/** The warnings `verify` prints first when it checks no `iss` or no `aud`. */
export const UNCHECKED = {
  both: 'bearer-guard: warning: the token\'s "iss" and "aud" are not checked: give --issuer and --audience, as an API must',
  iss: 'bearer-guard: warning: the token\'s "iss" is not checked: give --issuer, as an API must',
  aud: 'bearer-guard: warning: the token\'s "aud" is not checked: give --audience, as an API must',
} as const;

/** Asserts that stderr is `warning` and then one error line; returns that line. */
export function lineAfter(warning: string, stderr: string): string {
  const [first, ...rest] = stderr.trimEnd().split('\n');
  if (first !== warning) throw new Error(`expected ${JSON.stringify(warning)} first on stderr, got:\n${stderr}`);
  return oneLine(rest.join('\n'));
}
