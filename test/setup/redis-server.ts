/**
 * The Redis-backed test files need a real `redis-server` on PATH: every test file under
 * packages/redis/test that imports its `helpers/redis-server` starts one. On a machine without
 * one (a fresh clone with only Node and npm), vitest.config.ts leaves exactly those files out
 * of the `redis` project and this global setup prints one line saying so; the Redis-free files
 * still run. In CI (`CI` set, and not `false`/`0`) nothing is left out and a missing
 * `redis-server` fails the run, so CI always runs them. With a `redis-server` on PATH nothing
 * is ever left out: a broken server fails its tests as before.
 */
import { accessSync, constants, readdirSync, readFileSync, statSync } from 'node:fs';
import { delimiter, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const testDir = join(root, 'packages/redis/test');
const INSTALL = 'install redis-server (apt-get install redis-server, brew install redis) to run them';

/** The `redis-server` executable the tests would spawn (the first on PATH), or undefined. */
export function redisServerOnPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const names = process.platform === 'win32' ? ['redis-server.exe', 'redis-server.cmd'] : ['redis-server'];
  for (const dir of (env.PATH ?? env.Path ?? '').split(delimiter)) {
    if (dir === '') continue;
    for (const name of names) {
      const file = join(dir, name);
      try {
        if (!statSync(file).isFile()) continue;
        accessSync(file, constants.X_OK);
        return file;
      } catch {
        // not there, or not executable: keep looking, as the shell would
      }
    }
  }
  return undefined;
}

export function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.CI?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== 'false' && value !== '0';
}

/** Test files (paths relative to the repository root) that start a redis-server through the helper. */
export function redisBackedTestFiles(): string[] {
  return (readdirSync(testDir, { recursive: true }) as string[])
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => join(testDir, file))
    .filter((file) => /from\s+['"][./]+helpers\/redis-server(\.js|\.ts)?['"]/.test(readFileSync(file, 'utf8')))
    .map((file) => relative(root, file).split('\\').join('/'))
    .sort();
}

/**
 * The files vitest.config.ts leaves out of the `redis` project: the Redis-backed ones when there
 * is no `redis-server` on PATH and this is not CI; none otherwise.
 */
export function redisTestsToSkip(env: NodeJS.ProcessEnv = process.env): string[] {
  if (redisServerOnPath(env) !== undefined || isCI(env)) return [];
  return redisBackedTestFiles();
}

/** vitest globalSetup of the `redis` project: runs once, only when that project runs. */
export function setup(): (() => void) | undefined {
  if (redisServerOnPath() !== undefined) return;
  const files = redisBackedTestFiles();
  const names = `${files.length} Redis-backed test file${files.length === 1 ? '' : 's'}`;
  if (isCI()) {
    throw new Error(
      `redis: no redis-server on PATH and CI=${process.env.CI}: the ${names} (${files.map((file) => file.replace(/^.*\//, '')).join(', ')}) must run in CI; ${INSTALL}`,
    );
  }
  // Printed when the run ends, next to the summary, where it is read.
  return () => console.log(`redis: skipped ${names} (no redis-server on PATH); ${INSTALL}`);
}
