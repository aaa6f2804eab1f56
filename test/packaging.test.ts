/**
 * The built packages load both ways on this Node: `require` (CJS, which in turn requires the
 * ESM-only jose through require(esm)) and `import` (ESM), with the same named exports, for every
 * entry of every exports map (core's subpaths `guards`, `adapter` and `keys` included).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Each package's built entries: `index` for its root, one per subpath export. */
const entries: [pkg: string, entry: string][] = [
  ['core', 'index'],
  ['core', 'guards'],
  ['core', 'adapter'],
  ['core', 'keys'],
  ...['express', 'koa', 'fastify', 'testing', 'redis', 'mcp', 'cli'].map((pkg): [string, string] => [pkg, 'index']),
];

function exportsOf(kind: 'require' | 'import', pkg: string, entry: string): string[] {
  const file = `${root}packages/${pkg}/dist/${entry}.${kind === 'require' ? 'cjs' : 'mjs'}`;
  const script =
    kind === 'require'
      ? `console.log(JSON.stringify(Object.keys(require(${JSON.stringify(file)})).sort()))`
      : `import(${JSON.stringify(file)}).then((m) => console.log(JSON.stringify(Object.keys(m).sort())))`;
  const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out) as string[];
}

describe.each(entries)('@bearer-guard/%s build, entry %s', (pkg, entry) => {
  it('has ESM, CJS and both kinds of type declarations', () => {
    for (const file of [`${entry}.mjs`, `${entry}.cjs`, `${entry}.d.mts`, `${entry}.d.cts`]) {
      expect(existsSync(`${root}packages/${pkg}/dist/${file}`), file).toBe(true);
    }
  });

  it('exports the same names through require and import', () => {
    const esm = exportsOf('import', pkg, entry).filter((name) => name !== 'module.exports');
    const cjs = exportsOf('require', pkg, entry).filter((name) => name !== '__esModule');
    expect(cjs).toEqual(esm);
    expect(esm.length).toBeGreaterThan(0);
  });
});

it('every adapter exports every guard of core (and isBearerError), under the same names', () => {
  const guards = exportsOf('import', 'core', 'guards').filter((name) => name !== 'module.exports');
  expect(guards).toEqual([
    'allOf',
    'anyOf',
    'claimCheck',
    'claimEquals',
    'claimIncludes',
    'guard',
    'isBearerError',
    'requireAnyScope',
    'requireAuth',
    'requirePermissions',
    'requireRoles',
    'requireScopes',
  ]);
  for (const pkg of ['express', 'koa', 'fastify'])
    expect(exportsOf('import', pkg, 'index')).toEqual(expect.arrayContaining(guards));
});
