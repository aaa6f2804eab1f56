import { defineConfig } from 'tsdown';

export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    platform: 'node',
  tsconfig: './tsconfig.build.json',
    target: 'node20',
    clean: true,
  },
  {
    entry: { cli: 'src/cli.ts' },
    format: ['esm'],
    dts: false,
    platform: 'node',
  tsconfig: './tsconfig.build.json',
    target: 'node20',
    clean: false,
    banner: { js: '#!/usr/bin/env node' },
  },
]);
