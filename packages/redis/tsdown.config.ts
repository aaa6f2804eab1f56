import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  platform: 'node',
  tsconfig: './tsconfig.build.json',
  target: 'node20',
  clean: true,
  sourcemap: false,
});
