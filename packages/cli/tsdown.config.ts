import { defineConfig } from 'tsdown';
import { library } from '../../tsdown.base.ts';

export default defineConfig([
  library,
  {
    ...library,
    entry: { cli: 'src/cli.ts' },
    format: ['esm'],
    dts: false,
    clean: false,
    banner: { js: '#!/usr/bin/env node' },
  },
]);
