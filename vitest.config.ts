import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

/** Tests run against the TypeScript sources; the packaging test exercises the built output. */
export const alias = {
  '@bearer-guard/core': src('core'),
  '@bearer-guard/express': src('express'),
  '@bearer-guard/koa': src('koa'),
  '@bearer-guard/fastify': src('fastify'),
  '@bearer-guard/testing': src('testing'),
  '@bearer-guard/redis': src('redis'),
};

export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'core', include: ['packages/core/test/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'adapters', include: ['packages/{express,koa,fastify}/test/**/*.test.ts', 'conformance/test/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'testing', include: ['packages/testing/test/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'redis', include: ['packages/redis/test/**/*.test.ts'] },
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
