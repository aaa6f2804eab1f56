/**
 * Another API instance in a child process (`fork` of a fixture under test/fixtures), driven over
 * IPC: every wait is bounded, and `close()` always ends the process (SIGKILL after 3 s).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export type Message = { type: string; [key: string]: unknown };

export class ChildInstance {
  readonly #child: ChildProcess;
  readonly #listeners = new Set<(message: Message, at: number) => void>();
  /** Every message received so far, in order. */
  readonly messages: Message[] = [];

  /** Forks `fixture` (an absolute path) with `config` as JSON in `argv[2]`. */
  constructor(fixture: string, config: Record<string, unknown>) {
    this.#child = fork(fixture, [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#child.on('message', (message) => {
      const at = performance.now();
      this.messages.push(message as Message);
      for (const listener of this.#listeners) listener(message as Message, at);
    });
  }

  /**
   * Resolves with the first message from now on matching `predicate`, and when it arrived
   * (performance.now()); rejects on an `error` message, on exit, or after `timeoutMs`.
   */
  next(predicate: (message: Message) => boolean, timeoutMs = 10_000): Promise<{ message: Message; at: number }> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => done(new Error(`instance exited (${code})`));
      const timer = setTimeout(
        () => done(new Error(`no matching message from the instance within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const listener = (message: Message, at: number) => {
        if (message.type === 'error') done(new Error(String(message.message)));
        else if (predicate(message)) done(undefined, { message, at });
      };
      const done = (error?: Error, value?: { message: Message; at: number }) => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
        this.#child.off('exit', onExit);
        if (error) reject(error);
        else resolve(value as { message: Message; at: number });
      };
      this.#listeners.add(listener);
      this.#child.once('exit', onExit);
    });
  }

  send(message: Message): void {
    this.#child.send(message);
  }

  /** Asks the instance to close (`{ type: 'close' }`), and kills it if it has not exited within 3 s. */
  async close(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    if (this.#child.connected) this.send({ type: 'close' });
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
}
