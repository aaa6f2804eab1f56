import { defineConfig } from 'tsdown';
import { library } from '../../tsdown.base.ts';

export default defineConfig({
  ...library,
  entry: {
    index: 'src/index.ts',
    guards: 'src/exports/guards.ts',
    adapter: 'src/exports/adapter.ts',
    keys: 'src/exports/keys.ts',
  },
});
