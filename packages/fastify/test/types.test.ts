/**
 * Type tests (checked by `tsc -p tsconfig.json`; no-ops at run time): `request.auth` and route
 * `config.auth` are typed by declaration merging; `AuthPayload` narrows the payload.
 */
import Fastify, { type FastifyContextConfig, type onRequestHookHandler } from 'fastify';
import { expectTypeOf, it } from 'vitest';
import type { AuthResult } from '@bearer-guard/core';
import { requireScopes as coreScopes } from '@bearer-guard/core';
import bearerGuard, {
  allOf,
  claimCheck,
  guard,
  requireRoles,
  requireScopes,
  type AuthPayload,
  type RouteAuthConfig,
} from '../src/index.js';
import { VERIFIER } from '../../../test/helpers/hs256.js';

declare module '../src/index.js' {
  interface AuthPayload {
    tenant: string;
  }
}

it('types request.auth and config.auth', async () => {
  const app = Fastify();
  await app.register(bearerGuard, { ...VERIFIER, global: false });
  app.get(
    '/orders',
    { onRequest: requireScopes('read:orders'), config: { auth: { scopes: ['read:orders'], guard: coreScopes('x') } } },
    async (request) => {
      expectTypeOf(request.auth).toEqualTypeOf<AuthResult<AuthPayload> | null | undefined>();
      expectTypeOf(request.auth!.payload.tenant).toEqualTypeOf<string>();
      return { tenant: request.auth?.payload.tenant };
    },
  );
  app.get(
    '/admin',
    { preHandler: [requireRoles('admin'), guard(coreScopes('a')), allOf(requireScopes('a'), coreScopes('b'))] },
    async () => 'ok',
  );
  app.post<{ Body: { n: number } }>(
    '/typed',
    { preValidation: requireScopes('write') },
    async (request) => request.body.n,
  );
  expectTypeOf(requireScopes('a')).toExtend<onRequestHookHandler>();
  // Route shorthands infer their config type, so a wrong config.auth is caught at start-up instead.
  expectTypeOf<FastifyContextConfig['auth']>().toEqualTypeOf<RouteAuthConfig | undefined>();
  claimCheck((payload) => payload.tenant === 'acme');
  const notCalled = () => {
    // @ts-expect-error plugin options are checked
    void app.register(bearerGuard, { ...VERIFIER, global: 'yes' });
  };
  expectTypeOf(notCalled).toBeFunction();
});
