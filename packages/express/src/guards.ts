/**
 * Route guards: the core guards as Express middleware, with the same names.
 */
import * as core from '@bearer-guard/core';
import { authorize, verifierOf, type Guard } from '@bearer-guard/core';
import type { RequestHandler } from 'express';
import { settle } from './respond.js';
import type { AuthPayload } from './types.js';

/**
 * Express middleware that checks one guard; it also carries the guard, so it can be combined.
 * @example
 * ```ts
 * const readOrders: GuardMiddleware = requireScopes('read:orders');
 * app.get('/orders', readOrders, handler);
 * app.get('/reports', allOf(readOrders, requireRoles('analyst')), handler);
 * ```
 */
export interface GuardMiddleware extends RequestHandler {
  /** The core guard this middleware checks. */
  readonly guard: Guard;
}

/**
 * A core guard, or a guard middleware of this package: what `guard`, `allOf` and `anyOf` take.
 * @example
 * ```ts
 * import { requireRoles as roles } from '@bearer-guard/core';
 * app.get('/refunds', anyOf(requireScopes('refund'), roles('support')), handler);
 * ```
 */
export type GuardLike = Guard | GuardMiddleware;

function toGuard(value: GuardLike): Guard {
  const rule = typeof value === 'function' ? value.guard : value;
  if (!core.isGuard(rule)) throw new TypeError('bearer-guard: expected a guard (requireScopes(...), claimCheck(...), ...)');
  return rule;
}

/**
 * Turns a core guard (or a guard middleware) into Express route middleware. A request without
 * `req.auth` is answered 401, a failing guard 403 `insufficient_scope`; errors are forwarded to
 * `next(err)` when `auth()` was created with `forwardErrors: true`.
 *
 * @param rule - a guard from `@bearer-guard/core`, e.g. from a policy module shared by services.
 * @example
 * ```ts
 * import { requireScopes as scopes } from '@bearer-guard/core';
 * import { guard } from '@bearer-guard/express';
 *
 * const policy = { readOrders: scopes('read:orders') };
 * app.get('/orders', guard(policy.readOrders), (req, res) => res.json([]));
 * ```
 */
export function guard(rule: GuardLike): GuardMiddleware {
  const checked = toGuard(rule);
  const middleware: RequestHandler = function bearerGuardGuard(req, res, next) {
    const task = authorize(req, req.auth, checked, { request: req });
    settle(task, res, next, () => verifierOf(req)?.options.forwardErrors ?? false);
  };
  return Object.assign(middleware, { guard: checked });
}

const factories = core.guardFactories<GuardMiddleware, AuthPayload>(guard);

/**
 * Requires an authenticated request: 401 without a token, even under `optional: true`.
 * @example app.get('/me', requireAuth(), handler)
 */
export const requireAuth = factories.requireAuth;

/**
 * Requires every one of `scopes` (from `scope` or `scp`).
 * @example app.get('/orders', requireScopes('read:orders'), handler)
 */
export const requireScopes = factories.requireScopes;

/**
 * Requires at least one of `scopes`.
 * @example app.get('/orders', requireAnyScope('read:orders', 'admin'), handler)
 */
export const requireAnyScope = factories.requireAnyScope;

/**
 * Requires every one of `roles` (the `rolesClaim` option; default `roles`).
 * @example app.delete('/orders/:id', requireRoles('admin'), handler)
 */
export const requireRoles = factories.requireRoles;

/**
 * Requires every one of `permissions` (the `permissionsClaim` option; default `permissions`).
 * @example app.post('/orders', requirePermissions('create:orders'), handler)
 */
export const requirePermissions = factories.requirePermissions;

/**
 * Requires claim `name` (a name or dotted path) to equal `value`.
 * @example app.get('/acme', claimEquals('tenant', 'acme'), handler)
 */
export const claimEquals = factories.claimEquals;

/**
 * Requires claim `name` (an array or space-delimited string) to include every one of `values`.
 * @example app.get('/billing', claimIncludes('groups', 'billing'), handler)
 */
export const claimIncludes = factories.claimIncludes;

/**
 * Requires `predicate(payload)` to return (or resolve to) `true`; the payload is typed with {@link AuthPayload}.
 * @example app.get('/me', claimCheck((p) => p.email_verified === true), handler)
 */
export const claimCheck = factories.claimCheck;

/**
 * Requires every guard to pass; accepts core guards and guard middleware alike.
 * @example app.post('/refunds', allOf(requireScopes('write:orders'), requireRoles('support')), handler)
 */
export const allOf = factories.allOf;

/**
 * Requires at least one guard to pass; the 403 challenge names the scopes of every alternative.
 * @example app.get('/orders', anyOf(requireScopes('read:orders'), requireRoles('admin')), handler)
 */
export const anyOf = factories.anyOf;
