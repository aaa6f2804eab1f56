/**
 * Where commands read and write: the process by default, anything in tests or when embedded.
 */

/** The streams and environment a command uses. */
export interface Io {
  /** Writes to standard output (a newline is added). */
  out(text: string): void;
  /** Writes to standard error (a newline is added). */
  err(text: string): void;
  /** Reads all of standard input. */
  readStdin(): Promise<string>;
  /** Environment variables, for `--secret-env`. */
  env: Record<string, string | undefined>;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** The real process: stdout, stderr, stdin and `process.env`. */
export const processIo: Io = {
  out: (text) => void process.stdout.write(`${text}\n`),
  err: (text) => void process.stderr.write(`${text}\n`),
  readStdin: () => readAll(process.stdin),
  env: process.env,
};
