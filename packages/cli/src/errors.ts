/**
 * The two ways a command ends badly, each with its exit code: a usage error (2: the command
 * line is wrong) or a failure (1: the command ran and the answer is no, or an input is bad).
 */

/** Exit codes of every command. */
export const EXIT = {
  /** Success; for `verify`, the token is valid. */
  ok: 0,
  /** The command ran and failed: invalid token, unreadable file, refused overwrite… */
  failure: 1,
  /** The command line is wrong: unknown command or flag, missing value or argument. */
  usage: 2,
} as const;

/** An expected error: printed as one line on stderr (no stack trace), then exit with `exitCode`. */
export class CliError extends Error {
  /** The process exit code: 1 for a failure, 2 for a usage error. */
  readonly exitCode: 1 | 2;

  constructor(message: string, exitCode: 1 | 2 = EXIT.failure, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Throws a usage error (exit 2). */
export function usage(message: string): never {
  throw new CliError(message, EXIT.usage);
}

/** Throws a failure (exit 1), keeping the underlying error as `cause`. */
export function failure(message: string, cause?: unknown): never {
  throw new CliError(message, EXIT.failure, cause === undefined ? undefined : { cause });
}

/** Text on one line: line breaks and the indentation after them become one space. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** The message of any thrown value, on one line, without core's own `bearer-guard: ` prefix (the CLI adds its own). */
export function messageOf(error: unknown): string {
  return oneLine(error instanceof Error ? error.message : String(error)).replace(/^bearer-guard: /, '');
}

/** Runs `task`, naming `source` in the message of the failure it may throw. */
export async function withSource<T>(source: string, task: () => T | Promise<T>): Promise<T> {
  try {
    return await task();
  } catch (error) {
    if (error instanceof CliError) throw new CliError(`${source}: ${error.message}`, error.exitCode, { cause: error });
    throw error;
  }
}
