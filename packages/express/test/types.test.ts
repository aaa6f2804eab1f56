/**
 * Type tests (checked by `tsc -p tsconfig.json`; no-ops at run time): `req.auth` is typed by
 * declaration merging, and `AuthPayload` narrows the payload when an app augments it.
 */
import express, { type RequestHandler } from 'express';
import { expectTypeOf, it } from 'vitest';
import type { AuthResult } from '@bearer-guard/core';
import { claimCheck as coreClaimCheck, requireScopes as coreScopes } from '@bearer-guard/core';
import { allOf, auth, claimCheck, guard, requireScopes, type AuthPayload } from '../src/index.js';
import { VERIFIER } from '../../../test/helpers/hs256.js';

declare module '../src/index.js' {
  interface AuthPayload {
    tenant: string;
  }
}

it('types req.auth with the augmented payload', () => {
  const app = express();
  app.use(auth(VERIFIER));
  app.get('/orders', requireScopes('read:orders'), (req, res) => {
    expectTypeOf(req.auth).toEqualTypeOf<AuthResult<AuthPayload> | undefined>();
    expectTypeOf(req.auth!.payload.tenant).toEqualTypeOf<string>();
    expectTypeOf(req.auth!.payload.sub).toEqualTypeOf<string | undefined>();
    expectTypeOf(req.auth!.token).toEqualTypeOf<string>();
    res.json({ tenant: req.auth?.payload.tenant });
  });
  app.get('/policy', guard(coreScopes('read:orders')), allOf(requireScopes('a'), coreScopes('b')), (_req, res) =>
    res.end(),
  );
  expectTypeOf(requireScopes('a')).toExtend<RequestHandler>();
  // The augmentation reaches core's guards too: a shared policy module sees the same claims.
  coreClaimCheck((payload) => payload.tenant === 'acme');
  claimCheck((payload) => {
    expectTypeOf(payload.tenant).toEqualTypeOf<string>();
    return payload.tenant === 'acme';
  });
  const notCalled = () => {
    // @ts-expect-error a string is not a guard
    allOf('read:orders');
    // @ts-expect-error options are checked
    auth({ ...VERIFIER, audiense: 'orders' });
    // @ts-expect-error issuer and audience are required
    auth({ secret: 's'.repeat(32) });
    // @ts-expect-error audience is required without resource
    auth({ issuer: 'https://issuer.test/', secret: 's'.repeat(32) });
    // With `resource`, audience defaults to it.
    auth({ issuer: 'https://issuer.test/', resource: 'https://api.example.com/mcp', secret: 's'.repeat(32) });
  };
  expectTypeOf(notCalled).toBeFunction();
});
