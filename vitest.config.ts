import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';
import { redisTestsToSkip } from './test/setup/redis-server.ts';

const src = (file: string) => fileURLToPath(new URL(`./packages/${file}`, import.meta.url));

/** Tests run against the TypeScript sources; the packaging test exercises the built output. */
export const alias = [
  ['core', 'core/src/index.ts'],
  ['core/guards', 'core/src/exports/guards.ts'],
  ['core/adapter', 'core/src/exports/adapter.ts'],
  ['core/keys', 'core/src/exports/keys.ts'],
  ['express', 'express/src/index.ts'],
  ['koa', 'koa/src/index.ts'],
  ['fastify', 'fastify/src/index.ts'],
  ['testing', 'testing/src/index.ts'],
  ['redis', 'redis/src/index.ts'],
  ['mcp', 'mcp/src/index.ts'],
].map(([name, file]) => ({ find: new RegExp(`^@bearer-guard/${name}$`), replacement: src(file as string) }));

/** Without a redis-server on PATH (and outside CI) the Redis-backed files are left out: test/setup/redis-server.ts. */
const redisSkipped = redisTestsToSkip();

export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'core', include: ['packages/core/test/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'adapters',
          include: ['packages/{express,koa,fastify}/test/**/*.test.ts', 'conformance/test/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: { name: 'testing', include: ['packages/testing/test/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'redis',
          include: ['packages/redis/test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...redisSkipped],
          globalSetup: ['./test/setup/redis-server.ts'],
        },
      },
      {
        extends: true,
        test: { name: 'mcp', include: ['packages/mcp/test/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'cli', include: ['packages/cli/test/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'examples', include: ['examples/**/test/**/*.test.ts', 'test/**/*.test.ts'] },
      },
    ],
    resolve: { alias },
    testTimeout: 20_000,
    hookTimeout: 30_000,
    typecheck: { enabled: false },
  },
  resolve: { alias },
});
