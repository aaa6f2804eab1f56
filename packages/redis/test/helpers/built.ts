/**
 * The child-process tests run the BUILT package (a plain Node process cannot load TypeScript).
 * CI builds before testing; when working locally, a missing or out-of-date build of this
 * package is rebuilt here. The builds of the other packages a child loads (core, express) are
 * not ours to make: their absence is reported.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = fileURLToPath(new URL('../..', import.meta.url));

/** Builds this package when needed; `packages` names the other workspace packages a child loads. */
export function ensureBuilt(packages: readonly string[] = ['core']): void {
  for (const name of packages) {
    if (!existsSync(join(pkg, `../${name}/dist/index.mjs`))) {
      throw new Error(
        `@bearer-guard/${name} is not built: run \`pnpm build\` (or \`npx tsdown\` in packages/${name}) first`,
      );
    }
  }
  if (upToDate()) return;
  // Test files run in parallel and more than one forks children: one build at a time, so that
  // no file forks while another rewrites dist/ (a file that waited finds the build done).
  withLock(() => {
    if (!upToDate()) execFileSync(join(pkg, '../../node_modules/.bin/tsdown'), [], { cwd: pkg, stdio: 'pipe' });
  });
}

function upToDate(): boolean {
  const src = join(pkg, 'src');
  const newest = Math.max(...readdirSync(src).map((name) => statSync(join(src, name)).mtimeMs));
  const dist = join(pkg, 'dist/index.mjs');
  return existsSync(dist) && statSync(dist).mtimeMs >= newest;
}

/** Runs `fn` holding a lock directory (mkdir is atomic); a lock older than a minute is a crashed holder's. */
function withLock(fn: () => void): void {
  const lock = join(pkg, 'node_modules/.build-lock');
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const heldFor = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (heldFor > 60_000) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`${lock} is held for too long: remove it if no build is running`);
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
  }
  try {
    fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
