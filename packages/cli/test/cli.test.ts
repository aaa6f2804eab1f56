/**
 * The program as a whole: help, version, usage errors, exit codes, one-line messages.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import { cli, oneLine, tempDir } from './helpers/cli.js';

const tmp = tempDir();
const cwd = tmp.dir;
afterAll(() => tmp.remove());
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

describe.concurrent('help and version', () => {
  test('--help, help and -h print the program help on stdout', async () => {
    for (const args of [['--help'], ['help'], ['-h']]) {
      const result = await cli(args, { cwd });
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(/^Usage: bearer-guard <command> \[options\]/);
      for (const command of ['keygen', 'jwks', 'sign', 'inspect', 'verify'])
        expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
      expect(result.stdout).toContain('Exit codes: 0 success, 1 failure');
      expect(result.stdout).toContain('never from the command line');
    }
  });

  test.each(['keygen', 'jwks', 'sign', 'inspect', 'verify'])('help %s, %s --help', async (command) => {
    const a = await cli(['help', command], { cwd });
    const b = await cli([command, '--help'], { cwd });
    expect(a.code).toBe(0);
    expect(b).toEqual(a);
    expect(a.stdout).toMatch(new RegExp(`^Usage: bearer-guard ${command}`));
    expect(a.stdout).toContain('--json');
  });

  test('verify --help lists every key source', async () => {
    const { stdout } = await cli(['verify', '--help'], { cwd });
    for (const flag of [
      '--issuer URL',
      '--jwks-uri URL',
      '--key FILE',
      '--secret-env VAR',
      '--secret-file FILE',
      '--audience AUD',
      '--type TYP',
      '--scopes A,B',
      '--clock-tolerance DURATION',
    ]) {
      expect(stdout).toContain(flag);
    }
    expect(stdout).not.toMatch(/--secret\s/);
  });

  test('--version', async () => {
    const result = await cli(['--version'], { cwd });
    expect(result).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  test('no command: the help on stderr, exit 2', async () => {
    const result = await cli([], { cwd });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^Usage: bearer-guard/);
  });
});

describe.concurrent('usage errors: exit 2, one line on stderr', () => {
  test.each([
    [
      ['frobnicate'],
      'bearer-guard: unknown command "frobnicate" (commands: keygen, jwks, sign, inspect, verify; see bearer-guard --help)',
    ],
    [
      ['help', 'frobnicate'],
      'bearer-guard: unknown command "frobnicate" (commands: keygen, jwks, sign, inspect, verify; see bearer-guard --help)',
    ],
    [['inspect', 'x', '--nope'], 'bearer-guard: inspect: unknown option --nope (see bearer-guard help inspect)'],
    [['verify', 'x', '--key'], 'bearer-guard: verify: --key needs a value (see bearer-guard help verify)'],
    [['sign', '--key', '--alg', 'RS256'], 'bearer-guard: sign: --key needs a value (see bearer-guard help sign)'],
    [['inspect', '--json=yes', 'x'], 'bearer-guard: inspect: --json takes no value (see bearer-guard help inspect)'],
    [
      ['inspect'],
      'bearer-guard: inspect: missing TOKEN (or - to read it from standard input) (see bearer-guard help inspect)',
    ],
    [['inspect', 'a', 'b'], 'bearer-guard: inspect: unexpected argument "b" (see bearer-guard help inspect)'],
    [['jwks'], 'bearer-guard: jwks: missing FILE (a key file, or - for standard input) (see bearer-guard help jwks)'],
    [
      ['sign'],
      'bearer-guard: sign: give --key FILE, or --secret-env VAR / --secret-file FILE for HMAC (see bearer-guard help sign)',
    ],
    [
      ['sign', '--secret', 'hunter2-hunter2-hunter2-hunter2-hunter2'],
      'bearer-guard: --secret is not accepted: a secret on the command line ends up in shell history and in `ps` output; use --secret-env VAR or --secret-file FILE',
    ],
    [['sign', '--secret-env', 'A', '--secret-file', 'b'], 'bearer-guard: give --secret-env or --secret-file, not both'],
    [
      ['sign', '--secret-env', 'S', '--claim', 'novalue'],
      'bearer-guard: sign: --claim expects name=value, got "novalue"',
    ],
    [
      ['sign', '--secret-env', 'S', '--exp', 'later'],
      "bearer-guard: sign: `--exp` must be seconds (a number ≥ 0) or a duration such as '500ms', '30s', '5m', '2 days'; got \"later\"",
    ],
  ])('%j', async (args, message) => {
    const result = await cli(args, { cwd, env: { S: 'x'.repeat(32) } });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(oneLine(result.stderr)).toBe(message);
  });
});
