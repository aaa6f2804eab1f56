/**
 * Type tests (checked by `tsc -p tsconfig.json`; no-ops at run time): `ctx.state.auth` is typed
 * through Koa's `DefaultState`, and `AuthPayload` narrows the payload when an app augments it.
 */
import Koa, { type Middleware } from 'koa';
import { expectTypeOf, it } from 'vitest';
import type { AuthResult } from '@bearer-guard/core';
import { requireScopes as coreScopes } from '@bearer-guard/core';
import { allOf, auth, claimCheck, guard, requireScopes, type AuthPayload, type AuthState } from '../src/index.js';
import { VERIFIER } from '../../../test/helpers/hs256.js';

declare module '../src/index.js' {
  interface AuthPayload {
    tenant: string;
  }
}

it('types ctx.state.auth with the augmented payload', () => {
  const app = new Koa();
  app.use(auth(VERIFIER));
  app.use(requireScopes('read:orders'));
  app.use(guard(coreScopes('read:orders')));
  app.use(allOf(requireScopes('a'), coreScopes('b')));
  app.use((ctx) => {
    expectTypeOf(ctx.state.auth).toEqualTypeOf<AuthResult<AuthPayload> | undefined>();
    expectTypeOf(ctx.state.auth!.payload.tenant).toEqualTypeOf<string>();
    expectTypeOf(ctx.state.auth!.payload.sub).toEqualTypeOf<string | undefined>();
  });

  // An app with its own state type.
  const typed = new Koa<AuthState & { requestId: string }>();
  typed.use(auth(VERIFIER));
  typed.use((ctx) => {
    expectTypeOf(ctx.state.requestId).toEqualTypeOf<string>();
    expectTypeOf(ctx.state.auth).toEqualTypeOf<AuthResult<AuthPayload> | undefined>();
  });
  expectTypeOf(auth(VERIFIER)).toExtend<Middleware<AuthState>>();
  expectTypeOf(requireScopes('a')).toExtend<Middleware<AuthState>>();
  claimCheck((payload) => payload.tenant === 'acme');
  const notCalled = () => {
    // @ts-expect-error a string is not a guard
    allOf('read:orders');
  };
  expectTypeOf(notCalled).toBeFunction();
});
