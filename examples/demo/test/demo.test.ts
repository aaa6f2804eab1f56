/**
 * The demo as a user runs it: `node examples/demo/index.mjs` in a child process, against the
 * built packages. It must exit 0 with every step marked ✓ (the DPoP, introspection and JWE
 * steps included), quickly, and print no secret.
 * With `redis-server` on the PATH it also runs against a private Redis (REDIS_URL).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const demo = fileURLToPath(new URL('../index.mjs', import.meta.url));

function runDemo(
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, [demo], {
    env: { ...process.env, ...env, REDIS_URL: env.REDIS_URL ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const killer = setTimeout(() => child.kill('SIGKILL'), 55_000);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

function expectCleanTranscript({ code, stdout, stderr, ms }: Awaited<ReturnType<typeof runDemo>>) {
  expect(stderr).toBe('');
  expect(code).toBe(0);
  expect(ms).toBeLessThan(30_000);
  const rows = stdout.split('\n').filter((line) => /^ {2}.*\s[✓✗]$/.test(line));
  expect(rows.length).toBeGreaterThanOrEqual(60);
  expect(rows.filter((line) => line.endsWith('✗'))).toEqual([]);
  expect(stdout).toContain(`All ${rows.length} steps answered as expected ✓`);
  for (const step of [
    'no token',
    'reader lists orders',
    'reader may not create',
    'writer creates an order',
    'reader forges orders:write',
    'token expired',
    'rotate the signing key',
    'old token',
    'new token',
    'writer revokes its own token',
    'revoked token',
    'reader sends a DPoP proof',
    'the token names the key',
  ]) {
    expect(stdout, step).toContain(step);
  }
  // DPoP (RFC 9449), on the Express API with dpop: true: every outcome, once, as expected (✓).
  for (const [step, outcome] of [
    ['bound token + its proof', '200'],
    ['bound token without proof', '401 invalid_token'],
    ['the same proof again', '401 invalid_dpop_proof'],
    ['a proof by another key', '401 invalid_token'],
    ['a proof for another URL', '401 invalid_dpop_proof'],
  ]) {
    expect(
      rows.filter((line) => line.includes(step) && line.includes('express+DPoP') && line.includes(` ${outcome} `)),
      step,
    ).toHaveLength(1);
  }
  // Opaque and encrypted tokens (RFC 7662 introspection, JWE), and an API that introspects every token.
  for (const [step, framework, outcome] of [
    ['mobile gets an opaque token', 'auth', '200 opaque, 43 characters'],
    ['partner gets an encrypted token', 'auth', '200 JWE RSA-OAEP-256 A256GCM'],
    ['signed JWT (verified locally)', 'express+JWE+opaque', '200'],
    ['opaque token (introspected)', 'express+JWE+opaque', '200'],
    ['encrypted token (decrypted)', 'express+JWE+opaque', '200'],
    ['revoked opaque token', 'express+JWE+opaque', '401 invalid_token'],
    ['signed JWT, introspected too', 'express+phantom', '200'],
    ['revoked JWT: refused at once', 'express+phantom', '401 invalid_token'],
  ]) {
    expect(
      rows.filter((line) => line.includes(step) && line.includes(` ${framework} `) && line.includes(` ${outcome} `)),
      step,
    ).toHaveLength(1);
  }
  for (const framework of ['express', 'koa', 'fastify']) {
    expect(
      rows.filter(
        (line) => line.includes('revoked token') && line.includes(framework) && line.includes('401 invalid_token'),
      ),
    ).toHaveLength(1);
  }
  // Nothing secret: no JWT (they all start with a base64url '{"'), no Basic credentials.
  expect(stdout).not.toMatch(/eyJ[\w-]{10,}/);
  expect(stdout).not.toMatch(/Basic [A-Za-z0-9+/=]{8,}/);
}

describe('node examples/demo/index.mjs', () => {
  it('exits 0 with every step checked ✓', async () => {
    expectCleanTranscript(await runDemo());
  }, 60_000);

  describe('with REDIS_URL', () => {
    const hasRedis = (() => {
      try {
        execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    })();
    let redis: ChildProcess | undefined;
    afterAll(async () => {
      if (redis && redis.exitCode === null) {
        redis.kill('SIGKILL');
        await once(redis, 'exit');
      }
    });

    it.skipIf(!hasRedis)(
      'shows revocation across instances through Redis',
      async () => {
        const port = await new Promise<number>((resolve) => {
          const probe = createServer().listen(0, '127.0.0.1', () => {
            const { port } = probe.address() as { port: number };
            probe.close(() => resolve(port));
          });
        });
        redis = spawn(
          'redis-server',
          ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmpdir()],
          { stdio: ['ignore', 'pipe', 'ignore'] },
        );
        await new Promise<void>((resolve, reject) => {
          let output = '';
          redis!.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
          redis!.stdout!.on('data', (chunk) => {
            output += chunk;
            if (output.includes('Ready to accept connections')) resolve();
          });
        });
        const result = await runDemo({ REDIS_URL: `redis://127.0.0.1:${port}` });
        expect(result.stdout).toContain(`Redis at 127.0.0.1:${port}, one store per API`);
        expectCleanTranscript(result);
      },
      60_000,
    );
  });
});
