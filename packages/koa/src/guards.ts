/**
 * Route guards: the core guards as Koa middleware, with the same names.
 */
import * as core from '@bearer-guard/core';
import { authorize, verifierOf, type Guard } from '@bearer-guard/core';
import type { Middleware } from 'koa';
import { handleError } from './respond.js';
import type { AuthPayload, AuthState } from './types.js';

/**
 * Koa middleware that checks one guard; it also carries the guard, so it can be combined.
 * @example
 * ```ts
 * const readOrders: GuardMiddleware = requireScopes('read:orders');
 * router.get('/orders', readOrders, handler);
 * router.get('/reports', allOf(readOrders, requireRoles('analyst')), handler);
 * ```
 */
export type GuardMiddleware = Middleware<AuthState> & {
  /** The core guard this middleware checks. */
  readonly guard: Guard;
};

/**
 * A core guard, or a guard middleware of this package: what `guard`, `allOf` and `anyOf` take.
 * @example
 * ```ts
 * import { requireRoles as roles } from '@bearer-guard/core';
 * router.get('/refunds', anyOf(requireScopes('refund'), roles('support')), handler);
 * ```
 */
export type GuardLike = Guard | GuardMiddleware;

function toGuard(value: GuardLike): Guard {
  const rule = typeof value === 'function' ? value.guard : value;
  if (!core.isGuard(rule)) throw new TypeError('bearer-guard: expected a guard (requireScopes(...), claimCheck(...), ...)');
  return rule;
}

/**
 * Turns a core guard (or a guard middleware) into Koa middleware. A request without
 * `ctx.state.auth` is answered 401, a failing guard 403 `insufficient_scope`; errors are thrown
 * when `auth()` was created with `forwardErrors: true`.
 *
 * @param rule - a guard from `@bearer-guard/core`, e.g. from a policy module shared by services.
 * @example
 * ```ts
 * import { requireScopes as scopes } from '@bearer-guard/core';
 * import { guard } from '@bearer-guard/koa';
 *
 * const policy = { readOrders: scopes('read:orders') };
 * router.get('/orders', guard(policy.readOrders), (ctx) => { ctx.body = []; });
 * ```
 */
export function guard(rule: GuardLike): GuardMiddleware {
  const checked = toGuard(rule);
  const middleware: Middleware<AuthState> = async function bearerGuardGuard(ctx, next) {
    try {
      await authorize(ctx, ctx.state.auth, checked, { request: ctx });
    } catch (error) {
      handleError(error, ctx, verifierOf(ctx)?.options.forwardErrors ?? false);
      return;
    }
    await next();
  };
  return Object.assign(middleware, { guard: checked });
}

const factories = core.guardFactories<GuardMiddleware, AuthPayload>(guard);

/**
 * Requires an authenticated request: 401 without a token, even under `optional: true`.
 * @example router.get('/me', requireAuth(), handler)
 */
export const requireAuth = factories.requireAuth;

/**
 * Requires every one of `scopes` (from `scope` or `scp`).
 * @example router.get('/orders', requireScopes('read:orders'), handler)
 */
export const requireScopes = factories.requireScopes;

/**
 * Requires at least one of `scopes`.
 * @example router.get('/orders', requireAnyScope('read:orders', 'admin'), handler)
 */
export const requireAnyScope = factories.requireAnyScope;

/**
 * Requires every one of `roles` (the `rolesClaim` option; default `roles`).
 * @example router.delete('/orders/:id', requireRoles('admin'), handler)
 */
export const requireRoles = factories.requireRoles;

/**
 * Requires every one of `permissions` (the `permissionsClaim` option; default `permissions`).
 * @example router.post('/orders', requirePermissions('create:orders'), handler)
 */
export const requirePermissions = factories.requirePermissions;

/**
 * Requires claim `name` (a name or dotted path) to equal `value`.
 * @example router.get('/acme', claimEquals('tenant', 'acme'), handler)
 */
export const claimEquals = factories.claimEquals;

/**
 * Requires claim `name` (an array or space-delimited string) to include every one of `values`.
 * @example router.get('/billing', claimIncludes('groups', 'billing'), handler)
 */
export const claimIncludes = factories.claimIncludes;

/**
 * Requires `predicate(payload)` to return (or resolve to) `true`; the payload is typed with {@link AuthPayload}.
 * @example router.get('/me', claimCheck((p) => p.email_verified === true), handler)
 */
export const claimCheck = factories.claimCheck;

/**
 * Requires every guard to pass; accepts core guards and guard middleware alike.
 * @example router.post('/refunds', allOf(requireScopes('write:orders'), requireRoles('support')), handler)
 */
export const allOf = factories.allOf;

/**
 * Requires at least one guard to pass; the 403 challenge names the scopes of every alternative.
 * @example router.get('/orders', anyOf(requireScopes('read:orders'), requireRoles('admin')), handler)
 */
export const anyOf = factories.anyOf;
