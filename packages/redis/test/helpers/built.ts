/**
 * The child-process tests run the BUILT package (a plain Node process cannot load TypeScript).
 * CI builds before testing; when working locally, a missing or out-of-date build of this
 * package is rebuilt here. Core's build is not ours to make: its absence is reported.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = fileURLToPath(new URL('../..', import.meta.url));

export function ensureBuilt(): void {
  if (!existsSync(join(pkg, '../core/dist/index.mjs'))) {
    throw new Error('@bearer-guard/core is not built: run `pnpm build` (or `npx tsdown` in packages/core) first');
  }
  const src = join(pkg, 'src');
  const newest = Math.max(...readdirSync(src).map((name) => statSync(join(src, name)).mtimeMs));
  const dist = join(pkg, 'dist/index.mjs');
  if (existsSync(dist) && statSync(dist).mtimeMs >= newest) return;
  execFileSync(join(pkg, '../../node_modules/.bin/tsdown'), [], { cwd: pkg, stdio: 'pipe' });
}
