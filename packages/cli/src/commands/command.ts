import type { CommandSpec, ParsedArgs } from '../args.js';
import type { Io } from '../io.js';

/** A CLI command: its description (flags, help) and what it does with parsed arguments. */
export interface Command {
  readonly spec: CommandSpec;
  /** Runs the command; resolves with the exit code. Expected errors are thrown as `CliError`. */
  run(args: ParsedArgs, io: Io): Promise<number>;
}
