/**
 * Route guards: the core guards as Fastify hooks, with the same names.
 */
import * as core from '@bearer-guard/core';
import { authorize, verifierOf, type Guard } from '@bearer-guard/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { pendingGuards } from './pending.js';
import { handleError } from './respond.js';
import type { AuthPayload } from './types.js';

/**
 * A Fastify hook (`onRequest`, `preValidation` or `preHandler`) that checks one guard; it also
 * carries the guard, so it can be combined.
 * @example
 * ```ts
 * const readOrders: GuardHook = requireScopes('read:orders');
 * app.get('/orders', { onRequest: readOrders }, handler);
 * app.get('/reports', { preHandler: [readOrders, requireRoles('analyst')] }, handler);
 * ```
 */
export interface GuardHook {
  (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>;
  /** The core guard this hook checks. */
  readonly guard: Guard;
}

/**
 * A core guard, or a guard hook of this package: what `guard`, `allOf` and `anyOf` take.
 * @example
 * ```ts
 * import { requireRoles as roles } from '@bearer-guard/core';
 * app.post('/refunds', { onRequest: anyOf(requireScopes('refund'), roles('support')) }, handler);
 * ```
 */
export type GuardLike = Guard | GuardHook;

function toGuard(value: GuardLike): Guard {
  const rule = typeof value === 'function' ? value.guard : value;
  if (!core.isGuard(rule)) throw new TypeError('bearer-guard: expected a guard (requireScopes(...), claimCheck(...), ...)');
  return rule;
}

/**
 * Turns a core guard (or a guard hook) into a Fastify route hook. A request without
 * `request.auth` is answered 401, a failing guard 403 `insufficient_scope`; errors are thrown to
 * Fastify's error handler when the plugin has `forwardErrors: true`. In `onRequest` on a plugin
 * that waits for the body (`tokenLocations` with `'body'`), the check runs right after
 * authentication, in `preValidation`.
 *
 * @param rule - a guard from `@bearer-guard/core`, e.g. from a policy module shared by services.
 * @example
 * ```ts
 * import { requireScopes as scopes } from '@bearer-guard/core';
 * import { guard } from '@bearer-guard/fastify';
 *
 * const policy = { readOrders: scopes('read:orders') };
 * app.get('/orders', { onRequest: guard(policy.readOrders) }, async () => []);
 * ```
 */
export function guard(rule: GuardLike): GuardHook {
  const checked = toGuard(rule);
  const hook = async function bearerGuardGuard(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    // onRequest, preValidation and preHandler call a hook with (request, reply, done). Anywhere
    // else (onSend, preSerialization… added with app.addHook, out of the plugin's sight) the
    // handler has run, and answering from there would re-enter the hook: refuse, never loop.
    // eslint-disable-next-line prefer-rest-params
    if (arguments.length !== 3 || typeof arguments[2] !== 'function' || reply.sent) throw misplaced();
    const pending = pendingGuards(request);
    if (pending) {
      pending.push(checked);
      return undefined;
    }
    try {
      await authorize(request, request.auth ?? undefined, checked, { request });
    } catch (error) {
      return handleError(error, reply, verifierOf(request)?.options.forwardErrors ?? false);
    }
    return undefined;
  };
  return Object.assign(hook, { guard: checked });
}

function misplaced(): TypeError {
  return new TypeError(
    '@bearer-guard/fastify: a guard ran outside `onRequest`, `preValidation` and `preHandler`, after the handler; ' +
      'add guards as route hooks (`{ onRequest: requireScopes(…) }`) or in one of those hooks',
  );
}

const factories = core.guardFactories<GuardHook, AuthPayload>(guard);

/**
 * Requires an authenticated request: 401 without a token, even under `optional: true`.
 * @example app.get('/me', { onRequest: requireAuth() }, handler)
 */
export const requireAuth = factories.requireAuth;

/**
 * Requires every one of `scopes` (from `scope` or `scp`).
 * @example app.get('/orders', { onRequest: requireScopes('read:orders') }, handler)
 */
export const requireScopes = factories.requireScopes;

/**
 * Requires at least one of `scopes`.
 * @example app.get('/orders', { onRequest: requireAnyScope('read:orders', 'admin') }, handler)
 */
export const requireAnyScope = factories.requireAnyScope;

/**
 * Requires every one of `roles` (the `rolesClaim` option; default `roles`).
 * @example app.delete('/orders/:id', { onRequest: requireRoles('admin') }, handler)
 */
export const requireRoles = factories.requireRoles;

/**
 * Requires every one of `permissions` (the `permissionsClaim` option; default `permissions`).
 * @example app.post('/orders', { onRequest: requirePermissions('create:orders') }, handler)
 */
export const requirePermissions = factories.requirePermissions;

/**
 * Requires claim `name` (a name or dotted path) to equal `value`.
 * @example app.get('/acme', { onRequest: claimEquals('tenant', 'acme') }, handler)
 */
export const claimEquals = factories.claimEquals;

/**
 * Requires claim `name` (an array or space-delimited string) to include every one of `values`.
 * @example app.get('/billing', { onRequest: claimIncludes('groups', 'billing') }, handler)
 */
export const claimIncludes = factories.claimIncludes;

/**
 * Requires `predicate(payload)` to return (or resolve to) `true`; the payload is typed with {@link AuthPayload}.
 * @example app.get('/me', { onRequest: claimCheck((p) => p.email_verified === true) }, handler)
 */
export const claimCheck = factories.claimCheck;

/**
 * Requires every guard to pass; accepts core guards and guard middleware alike.
 * @example app.post('/refunds', { onRequest: allOf(requireScopes('write:orders'), requireRoles('support')) }, handler)
 */
export const allOf = factories.allOf;

/**
 * Requires at least one guard to pass; the 403 challenge names the scopes of every alternative.
 * @example app.get('/orders', { onRequest: anyOf(requireScopes('read:orders'), requireRoles('admin')) }, handler)
 */
export const anyOf = factories.anyOf;
