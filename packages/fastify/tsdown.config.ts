import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  platform: 'node',
  target: 'node20',
  clean: true,
  sourcemap: false,
  // A default export (the plugin, Fastify's idiom) next to named ones: CJS gets `exports.default`
  // and `exports.bearerGuard`, on purpose.
  outputOptions: { exports: 'named' },
});
