/**
 * Route `config.auth`, turned once per route into what the plugin does for its requests.
 */
import { allOf, requireRoles, requireScopes, type Guard } from '@bearer-guard/core';
import { isGuard } from '@bearer-guard/core/adapter';
import type { RouteAuthConfig } from './types.js';

/** What the plugin does for a protected route. */
export interface RoutePlan {
  /** The route's guard (scopes, roles and `guard` combined), if any. */
  readonly guard: Guard | undefined;
  /**
   * Whether a request without a token passes on this route: `true` or `false` as the route says,
   * or `undefined` to follow the plugin's `optional` option. An explicit `false` always reaches
   * the verifier, so a route can be mandatory under an optional plugin.
   */
  readonly optional: boolean | undefined;
}

/** `config.auth: true`: this route needs a token, whatever the plugin's `optional`. */
const REQUIRED: RoutePlan = Object.freeze({ guard: undefined, optional: false });
/** No `config.auth` on a global plugin: the plugin's own `optional` decides. */
const INHERITED: RoutePlan = Object.freeze({ guard: undefined, optional: undefined });
const KEYS = new Set(['scopes', 'roles', 'guard', 'optional']);
const plans = new WeakMap<object, RoutePlan>();

function invalid(message: string): never {
  throw new TypeError(`@bearer-guard/fastify: route config.auth ${message}`);
}

function compile(value: Exclude<RouteAuthConfig, boolean>): RoutePlan {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    invalid('must be a boolean or { scopes, roles, guard, optional }');
  for (const key of Object.keys(value)) if (!KEYS.has(key)) invalid(`has an unknown key ${JSON.stringify(key)}`);
  // Own members only, as everywhere options are read.
  value = Object.assign(Object.create(null) as object, value) as typeof value;
  const guards: Guard[] = [];
  if (value.scopes !== undefined) guards.push(requireScopes(...value.scopes));
  if (value.roles !== undefined) guards.push(requireRoles(...value.roles));
  if (value.guard !== undefined) {
    if (!isGuard(value.guard)) invalid('.guard must be a guard from @bearer-guard/core');
    guards.push(value.guard);
  }
  if (value.optional !== undefined && typeof value.optional !== 'boolean') invalid('.optional must be a boolean');
  return Object.freeze({ guard: guards.length > 1 ? allOf(...guards) : guards[0], optional: value.optional });
}

/**
 * The plan for a route's `config.auth`, or undefined when the route is not authenticated.
 * Throws a `TypeError` for a malformed value (the plugin checks every route as it is added).
 */
export function routePlan(value: RouteAuthConfig | undefined | null, global: boolean): RoutePlan | undefined {
  if (value === false) return undefined;
  if (value === undefined || value === null) return global ? INHERITED : undefined;
  if (value === true) return REQUIRED;
  let plan = plans.get(value);
  if (!plan) {
    plan = compile(value);
    plans.set(value, plan);
  }
  return plan;
}
