import { defineConfig } from 'tsdown';
import { library } from '../../tsdown.base.ts';

export default defineConfig({
  ...library,
  // A default export (the plugin, Fastify's idiom) next to named ones: CJS gets `exports.default`
  // and `exports.bearerGuard`, on purpose.
  outputOptions: { exports: 'named' },
});
