#!/usr/bin/env node
// Runs the pnpm version pinned in package.json#packageManager, with only Node and npm on PATH:
// a matching global pnpm is used as is; otherwise npm fetches the pinned version from the registry.
//
// pnpm 12 re-resolves its own pin against the registry when it starts; where the registry lacks
// some @pnpm/exe platform builds this occasionally fails at start-up with ERR_PNPM_BAD_CONFIG_DEP
// before any work is done. Such a start is retried; any other failure is final.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const { packageManager } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
const version = packageManager.replace(/^pnpm@/, '').split('+')[0];
const args = process.argv.slice(2);
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };
const shell = process.platform === 'win32';

const probe = spawnSync('pnpm', ['--version'], { encoding: 'utf8', shell });
const [command, commandArgs] =
  probe.status === 0 && probe.stdout.trim() === version
    ? ['pnpm', args]
    : ['npm', ['exec', '--yes', `--package=pnpm@${version}`, '--', 'pnpm', ...args]];

function run() {
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { cwd: root, env, shell, stdio: ['inherit', 'pipe', 'pipe'] });
    let tail = '';
    const forward = (stream) => (chunk) => {
      stream.write(chunk);
      tail = (tail + chunk.toString()).slice(-8192);
    };
    child.stdout.on('data', forward(process.stdout));
    child.stderr.on('data', forward(process.stderr));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), tail }));
  });
}

let result = await run();
for (let attempt = 1; attempt <= 3 && result.code !== 0 && result.tail.includes('ERR_PNPM_BAD_CONFIG_DEP'); attempt++) {
  process.stderr.write(`pnpm could not resolve its own pin at start-up; retrying (${attempt}/3)\n`);
  result = await run();
}
process.exit(result.code);
