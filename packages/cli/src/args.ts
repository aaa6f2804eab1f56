/**
 * Command-line parsing on `node:util` parseArgs, with one-line messages for every mistake,
 * and the help text of each command, generated from the same description.
 */
import { parseArgs } from 'node:util';
import { usage } from './errors.js';

/** One flag of a command. */
export interface FlagSpec {
  type: 'string' | 'boolean';
  /** May be given several times (`--aud a --aud b`). */
  multiple?: boolean;
  /** One-letter alias. */
  short?: string;
  /** Placeholder shown in help, e.g. `FILE`. */
  value?: string;
  /** One line for the help. */
  description: string;
}

/** What a command looks like on the command line; help is generated from it. */
export interface CommandSpec {
  name: string;
  /** One line for the program help. */
  summary: string;
  /** The synopsis after `bearer-guard`, e.g. `verify TOKEN|- [options]`. */
  synopsis: string;
  flags: Record<string, FlagSpec>;
  /** Number of positional arguments accepted. */
  positionals: { min: number; max: number; name: string };
  /** Paragraphs after the flag list: notes, examples. */
  notes?: string[];
}

/** Parsed flags and positionals. */
export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** Flags every command has. */
export const COMMON_FLAGS: Record<string, FlagSpec> = {
  json: { type: 'boolean', description: 'machine-readable JSON output on stdout' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

const SECRET_IN_ARGV =
  '--secret is not accepted: a secret on the command line ends up in shell history and in `ps` output; use --secret-env VAR or --secret-file FILE';

/** Rewrites parseArgs' messages (long, with advice about `--`) into one short line. */
function rewrite(error: Error & { code?: string }, spec: CommandSpec): string {
  const option = /'(-[^' ]+)/.exec(error.message)?.[1];
  const see = `(see bearer-guard help ${spec.name})`;
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `${spec.name}: unknown option ${option ?? ''} ${see}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const names = /'(?:-\w, )?(--[\w-]+)/.exec(error.message)?.[1] ?? option ?? 'option';
      if (/argument missing|ambiguous/.test(error.message)) return `${spec.name}: ${names} needs a value ${see}`;
      return `${spec.name}: ${names} takes no value ${see}`;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `${spec.name}: unexpected argument ${see}`;
    default:
      return `${spec.name}: ${error.message.split('\n')[0]}`;
  }
}

/**
 * Parses `argv` (the words after the command name) against a command's flags.
 * @throws a usage error (exit 2) for unknown flags, missing values, a wrong number of
 *   arguments, and for `--secret`, which is refused on purpose.
 */
export function parseCommandArgs(spec: CommandSpec, argv: string[]): ParsedArgs {
  if (argv.some((arg) => arg === '--secret' || arg.startsWith('--secret='))) usage(SECRET_IN_ARGV);
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const [name, flag] of Object.entries({ ...spec.flags, ...COMMON_FLAGS })) {
    options[name] = {
      type: flag.type,
      ...(flag.multiple ? { multiple: true } : {}),
      ...(flag.short ? { short: flag.short } : {}),
    };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    usage(rewrite(error as Error, spec));
  }
  const { positionals } = parsed;
  const { min, max, name } = spec.positionals;
  if (!parsed.values.help) {
    if (positionals.length < min) usage(`${spec.name}: missing ${name} (see bearer-guard help ${spec.name})`);
    if (positionals.length > max) {
      usage(
        `${spec.name}: unexpected argument ${JSON.stringify(positionals[max])} (see bearer-guard help ${spec.name})`,
      );
    }
  }
  return { values: parsed.values as ParsedArgs['values'], positionals };
}

/** A string flag's value, or `undefined`. */
export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A repeatable flag's values (possibly empty). */
export function listFlag(args: ParsedArgs, name: string): string[] {
  const value = args.values[name];
  if (Array.isArray(value)) return value;
  return typeof value === 'string' ? [value] : [];
}

/** A boolean flag. */
export function booleanFlag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

/** The help text of one command. */
export function commandHelp(spec: CommandSpec): string {
  const rows = Object.entries({ ...spec.flags, ...COMMON_FLAGS }).map(([name, flag]) => {
    const short = flag.short ? `-${flag.short}, ` : '';
    const value = flag.type === 'string' ? ` ${flag.value ?? 'VALUE'}` : '';
    const repeat = flag.multiple ? ' (repeatable)' : '';
    return [`${short}--${name}${value}`, `${flag.description}${repeat}`] as const;
  });
  const width = Math.max(...rows.map(([left]) => left.length));
  const lines = [
    `Usage: bearer-guard ${spec.synopsis}`,
    '',
    spec.summary,
    '',
    'Options:',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`),
  ];
  for (const note of spec.notes ?? []) lines.push('', note);
  return lines.join('\n');
}
