/** The machine and the exact versions measured, for RESULTS.md. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';

const benchRoot = new URL('../../', import.meta.url);

/** Version from the package's own package.json, read through bench/node_modules (workspace links included). */
export function packageVersion(name, from = benchRoot) {
  try {
    return JSON.parse(readFileSync(new URL(`node_modules/${name}/package.json`, from), 'utf8')).version;
  } catch {
    return 'not installed';
  }
}

export const CANDIDATE_PACKAGES = [
  '@bearer-guard/core',
  '@bearer-guard/express',
  '@bearer-guard/koa',
  '@bearer-guard/fastify',
  '@bearer-guard/redis',
  'jose',
  'fast-jwt',
  'jsonwebtoken',
  'aws-jwt-verify',
  'express',
  'express-oauth2-jwt-bearer',
  'express-jwt',
  'jwks-rsa',
  'koa',
  '@koa/router',
  'koa-jwt',
  'fastify',
  '@fastify/jwt',
  'fastify-jwt-jwks',
  'autocannon',
];

function git(args) {
  const r = spawnSync('git', args, { cwd: new URL('..', benchRoot), encoding: 'utf8', timeout: 5000 });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export function machine() {
  const cpus = os.cpus();
  const commit = git(['rev-parse', '--short', 'HEAD']);
  const dirty = git(['status', '--porcelain']);
  return {
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cores: os.availableParallelism?.() ?? cpus.length,
    node: process.version,
    v8: process.versions.v8,
    openssl: process.versions.openssl,
    os: `${os.type()} ${os.release()} (${os.platform()}/${os.arch()})`,
    memory: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    loadavg: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' / '),
    commit: commit ? `${commit}${dirty ? ' (uncommitted changes)' : ''}` : 'unknown',
  };
}

export function versions() {
  const list = CANDIDATE_PACKAGES.map((name) => [name, packageVersion(name)]);
  list.push([
    'redis (node client, via @bearer-guard/redis)',
    packageVersion('redis', new URL('../packages/redis/', benchRoot)),
  ]);
  return list;
}
