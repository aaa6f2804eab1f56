import type { UserConfig } from 'tsdown';

/**
 * What every @bearer-guard package builds: ESM + CJS + .d.ts for Node 20, from `src/index.ts`,
 * against `tsconfig.build.json` (no `paths`, so workspace packages stay external imports).
 */
export const library = {
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  platform: 'node',
  tsconfig: './tsconfig.build.json',
  target: 'node20',
  clean: true,
  sourcemap: false,
} satisfies UserConfig;
