/**
 * The built packages load both ways on this Node: `require` (CJS, which in turn requires the
 * ESM-only jose through require(esm)) and `import` (ESM), with the same named exports.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const packages = ['core', 'express', 'koa', 'fastify', 'testing', 'redis', 'cli'];

function exportsOf(kind: 'require' | 'import', pkg: string): string[] {
  const file = `${root}packages/${pkg}/dist/index.${kind === 'require' ? 'cjs' : 'mjs'}`;
  const script =
    kind === 'require'
      ? `console.log(JSON.stringify(Object.keys(require(${JSON.stringify(file)})).sort()))`
      : `import(${JSON.stringify(file)}).then((m) => console.log(JSON.stringify(Object.keys(m).sort())))`;
  const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out) as string[];
}

describe.each(packages)('@bearer-guard/%s build', (pkg) => {
  it('has ESM, CJS and both kinds of type declarations', () => {
    for (const file of ['index.mjs', 'index.cjs', 'index.d.mts', 'index.d.cts']) {
      expect(existsSync(`${root}packages/${pkg}/dist/${file}`), file).toBe(true);
    }
  });

  it('exports the same names through require and import', () => {
    const esm = exportsOf('import', pkg).filter((name) => name !== 'module.exports');
    const cjs = exportsOf('require', pkg).filter((name) => name !== '__esModule');
    expect(cjs).toEqual(esm);
    expect(esm.length).toBeGreaterThan(0);
  });
});
