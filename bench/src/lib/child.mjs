/**
 * Child processes with a leash: every child is tracked and killed when the run ends (normally,
 * on a signal or on a crash), and every wait on a child has a timeout, so the run cannot hang.
 */
import { execFileSync, fork } from 'node:child_process';
import os from 'node:os';

const live = new Set();

function killAll() {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

/** Registers any child process (e.g. redis-server) to be killed when the run ends. */
export function track(child) {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Starts `file` as a Node child with an IPC channel; its stdout/stderr go to ours, prefixed. */
export function startChild(file, { execArgv = [], label = file } = {}) {
  const child = fork(file, [], { execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced' });
  track(child);
  const forward = (stream, out) =>
    stream.on('data', (chunk) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) out.write(`  [${label}] ${line}\n`);
    });
  forward(child.stdout, process.stdout);
  forward(child.stderr, process.stderr);
  return child;
}

/**
 * Resolves with the child's next message of `type` (`{ type: 'error' }` rejects), or rejects after
 * `timeoutMs` or when the child exits first.
 */
export function nextMessage(child, type, timeoutMs) {
  return new Promise((resolve, reject) => {
    const done = (fn, value) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      fn(value);
    };
    const onMessage = (message) => {
      if (message?.type === type) done(resolve, message);
      else if (message?.type === 'error') done(reject, new Error(`child: ${message.message}`));
    };
    const onExit = (code, signal) =>
      done(reject, new Error(`child exited (${signal ?? code}) before sending "${type}"`));
    const timer = setTimeout(
      () => done(reject, new Error(`timed out after ${timeoutMs} ms waiting for "${type}"`)),
      timeoutMs,
    );
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Sends a request and waits for its answer. */
export function ask(child, message, replyType, timeoutMs) {
  const reply = nextMessage(child, replyType, timeoutMs);
  child.send(message);
  return reply;
}

/** Asks the child to close, then kills it if it has not exited within `graceMs`. */
export async function stopChild(child, graceMs = 3000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    if (child.connected) child.send({ type: 'close' });
  } catch {
    // channel already closed
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Rejects after `ms` unless `promise` settles first. */
export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Pins every thread of process `pid` to CPU `cpu` with util-linux's `taskset`, where the machine
 * has at least two CPUs and `taskset` runs. The HTTP section pins the load generator (this
 * process) and the server under load to different CPUs, so that neither waits for the other's
 * time slice and a server's CPU per request does not depend on where the scheduler put it.
 * Threads started later inherit it. Returns whether it pinned.
 */
export function pin(pid, cpu) {
  if ((os.availableParallelism?.() ?? os.cpus().length) < 2) return false;
  try {
    execFileSync('taskset', ['-a', '-cp', String(cpu), String(pid)], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/** For children: exit when the parent goes away, so nothing outlives the run. */
export function exitWithParent() {
  process.on('disconnect', () => process.exit(0));
}
