/**
 * DPoP (RFC 9449) on every target: the rows of `dpop-table.ts` through the table runner, then what
 * a row cannot say: server nonces (RFC 9449 §8), whose value the server picks.
 */
import { generateProof } from 'dpop';
import { expect, it } from 'vitest';
import { ALGS, clientKeys, DPOP_OPTIONS, dpopKit, dpopRows } from './dpop-table.js';
import { send } from './helpers/http.js';
import { mint } from './helpers/mint.js';
import { checkHygiene, runTable } from './helpers/run-table.js';
import { DEFAULT_OPTIONS } from './table.js';

const keys = await clientKeys();
const NONCE = /^[0-9a-z]+\.[A-Za-z0-9_-]{24}$/;

runTable({
  rows: dpopRows(keys),
  defaults: { ...DEFAULT_OPTIONS, ...DPOP_OPTIONS },
  minRows: 45,
  setup: async () => dpopKit(keys),
  mounts: [{ prefix: 'nonce', options: { dpop: { nonce: true } } }],
  perTarget: ({ app, agent, issuer, target }) => {
    it.each(['/default/admin/../protected', '/default/admin/%2e%2e/protected', '/default/admin/%2E./protected'])(
      'a proof for /default/protected never opens %s (the framework may not route it: 404; if it does: invalid_dpop_proof)',
      async (path) => {
        const token = mint({ claims: { cnf: { jkt: keys.a.jkt } } }, issuer(), issuer().endpoint('default'));
        const proof = await generateProof(keys.a.pair, `${app().base}/default/protected`, 'GET', undefined, token);
        const res = await send(
          app().base,
          {
            method: 'GET',
            path,
            headers: [
              ['authorization', `DPoP ${token}`],
              ['dpop', proof],
              ['x-row-id', `${target}:dots`],
            ],
          },
          agent,
        );
        if (res.status === 404) return;
        expect(res.status).toBe(401);
        expect(res.json).toEqual({ error: 'invalid_dpop_proof', error_description: 'The DPoP proof is invalid' });
      },
    );

    it('nonces: a proof without the server nonce → 401 use_dpop_nonce with a DPoP-Nonce; the retry with it passes and gets a nonce', async () => {
      const token = mint({ claims: { cnf: { jkt: keys.a.jkt } } }, issuer(), issuer().endpoint('default'));
      const url = `${app().base}/nonce/protected`;
      const request = async (nonce?: string) => {
        const proof = await generateProof(keys.a.pair, url, 'GET', nonce, token);
        return send(
          app().base,
          {
            method: 'GET',
            path: '/nonce/protected',
            headers: [
              ['authorization', `DPoP ${token}`],
              ['dpop', proof],
              ['x-row-id', `${target}:nonce`],
            ],
          },
          agent,
        );
      };
      const first = await request();
      expect(first.status).toBe(401);
      expect(first.headers['www-authenticate']).toBe(
        `Bearer realm="api", DPoP realm="api", error="use_dpop_nonce", error_description="The DPoP proof must carry the server nonce", algs="${ALGS}"`,
      );
      expect(first.headers['cache-control']).toBe('no-store');
      expect(first.json).toEqual({
        error: 'use_dpop_nonce',
        error_description: 'The DPoP proof must carry the server nonce',
      });
      const nonce = first.headers['dpop-nonce'] as string;
      expect(nonce).toMatch(NONCE);
      checkHygiene(first, [token], 'use_dpop_nonce');

      const forged = await request(`${nonce.slice(0, -2)}AA`);
      expect(forged.status).toBe(401);
      expect(forged.json).toEqual({
        error: 'use_dpop_nonce',
        error_description: 'The DPoP proof must carry the server nonce',
      });
      expect(forged.headers['dpop-nonce']).toMatch(NONCE);

      const retry = await request(nonce);
      expect(retry.status).toBe(200);
      expect(retry.json).toEqual({
        route: 'protected',
        sub: 'user-1',
        authenticated: true,
        confirmation: { jkt: keys.a.jkt },
      });
      expect(retry.headers['dpop-nonce']).toMatch(NONCE);
    });
  },
});
