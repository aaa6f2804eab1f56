/**
 * A throwaway redis-server on a free 127.0.0.1 port, no persistence; stopped after its cases
 * (and killed with every other child if the run dies).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { track } from './child.mjs';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function ping(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/** Resolves `{ url, version, stop }`, or `{ skipped: reason }` when redis-server cannot run. */
export async function startRedis({ timeoutMs = 10_000 } = {}) {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8', timeout: 5000 });
  if (probe.error || probe.status !== 0)
    return { skipped: `redis-server not available (${probe.error?.code ?? probe.status})` };
  const version = /v=(\S+)/.exec(probe.stdout)?.[1] ?? probe.stdout.trim();
  const port = await freePort();
  const proc = track(
    spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
        '--loglevel',
        'warning',
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    ),
  );
  let stderr = '';
  proc.stderr.on('data', (chunk) => (stderr += chunk));
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) return { skipped: `redis-server exited: ${stderr.trim().slice(0, 200)}` };
    if (await ping(port)) return { url: `redis://127.0.0.1:${port}`, version, stop };
    await sleep(100);
  }
  await stop();
  return { skipped: `redis-server did not answer PING within ${timeoutMs} ms` };
}
