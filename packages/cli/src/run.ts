/**
 * The dispatcher: picks the command, handles help and version, runs it, and turns expected
 * errors into one line on stderr and an exit code (never a stack trace).
 */
import { commandHelp, parseCommandArgs } from './args.js';
import { inspectCommand } from './commands/inspect.js';
import { jwksCommand } from './commands/jwks.js';
import { keygenCommand } from './commands/keygen.js';
import { signCommand } from './commands/sign.js';
import { verifyCommand } from './commands/verify.js';
import type { Command } from './commands/command.js';
import { CliError, EXIT, messageOf, usage } from './errors.js';
import { processIo, type Io } from './io.js';
import { VERSION } from './version.js';

const COMMANDS: Record<string, Command> = {
  keygen: keygenCommand,
  jwks: jwksCommand,
  sign: signCommand,
  inspect: inspectCommand,
  verify: verifyCommand,
};

const HELP_FLAGS = new Set(['--help', '-h']);

/** The program help: commands, exit codes, and the rule about secrets. */
export function programHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    'Usage: bearer-guard <command> [options]',
    '',
    'JWT bearer tokens from the command line, verified exactly as the @bearer-guard middleware does.',
    '',
    'Commands:',
    ...Object.values(COMMANDS).map(({ spec }) => `  ${spec.name.padEnd(width)}  ${spec.summary}`),
    '',
    'Every command takes --json (machine-readable output) and --help.',
    'Run `bearer-guard help <command>` for its options.',
    '',
    'Exit codes: 0 success, 1 failure (invalid token, unreadable file…), 2 usage error.',
    'Secrets are read from --secret-env VAR or --secret-file FILE, never from the command line.',
  ].join('\n');
}

function commandNamed(name: string): Command {
  const command = COMMANDS[name];
  if (!command)
    usage(
      `unknown command ${JSON.stringify(name)} (commands: ${Object.keys(COMMANDS).join(', ')}; see bearer-guard --help)`,
    );
  return command;
}

async function dispatch(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(programHelp());
    return EXIT.usage;
  }
  if (name === 'help' || HELP_FLAGS.has(name)) {
    const topic = rest[0];
    io.out(topic === undefined || HELP_FLAGS.has(topic) ? programHelp() : commandHelp(commandNamed(topic).spec));
    return EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    io.out(VERSION);
    return EXIT.ok;
  }
  const command = commandNamed(name);
  const args = parseCommandArgs(command.spec, [...rest]);
  if (args.values.help === true) {
    io.out(commandHelp(command.spec));
    return EXIT.ok;
  }
  return command.run(args, io);
}

/**
 * Runs the CLI with `argv` (the words after `bearer-guard`) and resolves with the exit code.
 * Expected errors print one line on stderr; nothing is thrown.
 *
 * @example
 * ```ts
 * process.exitCode = await run(['inspect', token]);
 * ```
 */
export async function run(argv: readonly string[], io: Io = processIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (error instanceof CliError) {
      io.err(`bearer-guard: ${messageOf(error)}`);
      return error.exitCode;
    }
    io.err(`bearer-guard: unexpected error: ${messageOf(error)}`);
    if (io.env.BEARER_GUARD_DEBUG) io.err(String((error as Error)?.stack));
    return EXIT.failure;
  }
}
