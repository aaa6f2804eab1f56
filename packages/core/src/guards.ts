/**
 * Authorization guards: framework-free values that each adapter turns into its own middleware.
 * A guard sees verified claims only; a failure is always 403 `insufficient_scope`.
 */
import { claimValues, readClaim } from './claim-path.js';
import { InsufficientScopeError } from './errors.js';
import type { JWTPayload } from './jws.js';

/** Where guards find scopes, roles and permissions; set by the verifier's options. */
export interface ClaimLocations {
  /** Claims holding scopes; default `['scope', 'scp']`. */
  scopeClaim: readonly string[];
  /** Claims holding roles; default `['roles']`. */
  rolesClaim: readonly string[];
  /** Claims holding permissions; default `['permissions']`. */
  permissionsClaim: readonly string[];
}

/** The defaults of {@link ClaimLocations}. */
export const DEFAULT_CLAIM_LOCATIONS: ClaimLocations = Object.freeze({
  scopeClaim: Object.freeze(['scope', 'scp']),
  rolesClaim: Object.freeze(['roles']),
  permissionsClaim: Object.freeze(['permissions']),
});

/** Why a guard failed: the reason code, a server-side message, and the scopes the challenge names. */
export interface GuardFailure {
  reason: 'insufficient_scope' | 'insufficient_role' | 'claim_check_failed';
  message: string;
  scopes: readonly string[];
  cause?: unknown;
}

type GuardResult = GuardFailure | undefined;

const GUARD = Symbol.for('bearer-guard.guard');

/**
 * An authorization rule over verified claims. Create one with {@link requireScopes} and its
 * siblings; pass it to an adapter's guard middleware or to `verifier.authorize`.
 */
export interface Guard {
  readonly [GUARD]: true;
  /** Human-readable rule, e.g. `requireScopes(read:orders)`. */
  readonly description: string;
  /** Scopes this rule asks for, named in the 403 challenge. */
  readonly scopes: readonly string[];
  /** @internal Evaluates the rule. */
  readonly evaluate: (payload: JWTPayload, claims: ClaimLocations) => GuardResult | Promise<GuardResult>;
}

/** True for a value made by one of the guard factories (from any loaded copy of core). */
export function isGuard(value: unknown): value is Guard {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[GUARD] === true;
}

function guard(description: string, scopes: readonly string[], evaluate: Guard['evaluate']): Guard {
  return Object.freeze({ [GUARD]: true as const, description, scopes: Object.freeze([...scopes]), evaluate });
}

/** RFC 6749 §3.3 scope-token: visible ASCII but `"` and `\\`; it goes into the 403 challenge. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

function names(kind: string, values: readonly string[], scopes: boolean): readonly string[] {
  const flat = values.flat();
  if (flat.length === 0) throw new TypeError(`${kind}() needs at least one name`);
  for (const v of flat) {
    if (scopes) {
      if (typeof v !== 'string' || !SCOPE_TOKEN.test(v)) {
        throw new TypeError(`${kind}(): ${JSON.stringify(v)} is not a valid scope (RFC 6749 §3.3: visible ASCII, no spaces, quotes or backslashes)`);
      }
    } else if (typeof v !== 'string' || v.length === 0 || CONTROL.test(v)) {
      throw new TypeError(`${kind}(): ${JSON.stringify(v)} is not a valid name (a non-empty string without control characters)`);
    }
  }
  return flat;
}

function granted(payload: JWTPayload, claims: readonly string[], spaceDelimited: boolean): Set<string> {
  const set = new Set<string>();
  for (const claim of claims) for (const v of claimValues(readClaim(payload, claim), spaceDelimited)) set.add(v);
  return set;
}

function membership(
  kind: string,
  reason: GuardFailure['reason'],
  location: keyof ClaimLocations,
  mode: 'all' | 'any',
  required: readonly string[],
): Guard {
  const isScope = location === 'scopeClaim';
  const wanted = names(kind, required, isScope);
  const scopes = isScope ? wanted : [];
  return guard(`${kind}(${wanted.join(', ')})`, scopes, (payload, claims) => {
    // Only scope claims are space-delimited lists: "super admin" is one role, not two.
    const have = granted(payload, claims[location], isScope);
    const ok = mode === 'all' ? wanted.every((v) => have.has(v)) : wanted.some((v) => have.has(v));
    if (ok) return undefined;
    return { reason, message: `${kind}(${wanted.join(', ')}) failed`, scopes };
  });
}

/**
 * Passes for any authenticated request: 401 without a token, whatever `optional` says. With
 * `optional: true` app-wide, it makes single routes mandatory without a second verifier.
 * @example app.get('/me', requireAuth(), handler)
 */
export function requireAuth(): Guard {
  return guard('requireAuth()', [], () => undefined);
}

/**
 * Passes when the token has every one of `scopes` (in `scope`, space-delimited, or `scp`).
 * @example app.get('/orders', requireScopes('read:orders'), handler)
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function requireScopes(...scopes: string[]): Guard {
  return membership('requireScopes', 'insufficient_scope', 'scopeClaim', 'all', scopes);
}

/** Passes when the token has at least one of `scopes`. */
export function requireAnyScope(...scopes: string[]): Guard {
  return membership('requireAnyScope', 'insufficient_scope', 'scopeClaim', 'any', scopes);
}

/** Passes when the token has every one of `roles` (the `rolesClaim` option; default `roles`). */
export function requireRoles(...roles: string[]): Guard {
  return membership('requireRoles', 'insufficient_role', 'rolesClaim', 'all', roles);
}

/** Passes when the token has every one of `permissions` (the `permissionsClaim` option; default `permissions`, as Auth0's RBAC). */
export function requirePermissions(...permissions: string[]): Guard {
  return membership('requirePermissions', 'insufficient_scope', 'permissionsClaim', 'all', permissions);
}

type Primitive = string | number | boolean | null;

/**
 * Passes when claim `name` (a name or dotted path) is strictly equal to `value`.
 * @example claimEquals('tenant', 'acme')
 */
export function claimEquals(name: string, value: Primitive): Guard {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('claimEquals(): name must be a non-empty string');
  const description = `claimEquals(${name}, ${JSON.stringify(value)})`;
  return guard(description, [], (payload) =>
    readClaim(payload, name) === value ? undefined : { reason: 'claim_check_failed', message: `${description} failed`, scopes: [] },
  );
}

/**
 * Passes when claim `name` includes every one of `values`: an array holding them, or a string
 * equal to the one value asked for (a string claim is one value, never split on spaces).
 * @example claimIncludes('groups', 'billing')
 */
export function claimIncludes(name: string, ...values: string[]): Guard {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('claimIncludes(): name must be a non-empty string');
  const wanted = names('claimIncludes', values, false);
  const description = `claimIncludes(${name}, ${wanted.join(', ')})`;
  return guard(description, [], (payload) => {
    const have = new Set(claimValues(readClaim(payload, name), false));
    return wanted.every((v) => have.has(v)) ? undefined : { reason: 'claim_check_failed', message: `${description} failed`, scopes: [] };
  });
}

/**
 * Passes when `predicate(payload)` returns (or resolves to) exactly `true`. A predicate that
 * throws or rejects fails the guard (403); the error is kept as the `cause` for the server.
 * @example claimCheck((p) => p.email_verified === true)
 */
export function claimCheck(predicate: (payload: JWTPayload) => boolean | Promise<boolean>, description = 'claimCheck'): Guard {
  if (typeof predicate !== 'function') throw new TypeError('claimCheck(): predicate must be a function');
  const fail = (cause?: unknown): GuardFailure => ({ reason: 'claim_check_failed', message: `${description} failed`, scopes: [], cause });
  return guard(description, [], (payload) => {
    try {
      const result = predicate(payload);
      if (result instanceof Promise) return result.then((ok) => (ok === true ? undefined : fail()), fail);
      return result === true ? undefined : fail();
    } catch (error) {
      return fail(error);
    }
  });
}

/** A guard, or an adapter's guard middleware that carries its guard as `.guard`. */
export type GuardLike = Guard | { readonly guard: Guard };

/** The guard behind a guard or an adapter's guard middleware; undefined for anything else. */
export function toGuard(value: unknown): Guard | undefined {
  if (isGuard(value)) return value;
  if ((typeof value === 'function' || typeof value === 'object') && value !== null) {
    const inner = (value as { guard?: unknown }).guard;
    if (isGuard(inner)) return inner;
  }
  return undefined;
}

function children(kind: string, guards: GuardLike[]): Guard[] {
  if (guards.length === 0) throw new TypeError(`${kind}() needs at least one guard`);
  return guards.map((g) => {
    const guard = toGuard(g);
    if (!guard) throw new TypeError(`${kind}(): every argument must be a guard`);
    return guard;
  });
}

/** Passes when every guard passes; the first failure decides the answer. */
export function allOf(...guards: GuardLike[]): Guard {
  const list = children('allOf', guards);
  const scopes = [...new Set(list.flatMap((g) => g.scopes))];
  return guard(`allOf(${list.map((g) => g.description).join(', ')})`, scopes, async (payload, claims) => {
    for (const g of list) {
      const failure = await g.evaluate(payload, claims);
      // The challenge names every scope the route needs, not only the first one missing (RFC 6750 §3.1).
      if (failure) return failure.scopes.length > 0 ? { ...failure, scopes } : failure;
    }
    return undefined;
  });
}

/** Passes when at least one guard passes; the challenge names the scopes of every alternative. */
export function anyOf(...guards: GuardLike[]): Guard {
  const list = children('anyOf', guards);
  const scopes = [...new Set(list.flatMap((g) => g.scopes))];
  const description = `anyOf(${list.map((g) => g.description).join(', ')})`;
  return guard(description, scopes, async (payload, claims) => {
    for (const g of list) {
      if ((await g.evaluate(payload, claims)) === undefined) return undefined;
    }
    return { reason: scopes.length > 0 ? 'insufficient_scope' : 'claim_check_failed', message: `${description} failed`, scopes };
  });
}

/**
 * Evaluates `guard` against verified claims; throws `InsufficientScopeError` (403) on failure.
 * @param claims - where scopes, roles and permissions live (the verifier's options).
 */
export async function checkGuard(guard: Guard, payload: JWTPayload, claims: ClaimLocations = DEFAULT_CLAIM_LOCATIONS): Promise<void> {
  const failure = await guard.evaluate(payload, claims);
  if (failure) {
    throw new InsufficientScopeError(failure.reason, failure.message, { scopes: failure.scopes, cause: failure.cause });
  }
}

/**
 * Every guard factory of this module, each returning `wrap(guard)`: how an adapter offers the
 * same names as its own middleware without restating them. `P` types `claimCheck`'s payload.
 */
export interface GuardFactories<M, P extends JWTPayload = JWTPayload> {
  requireAuth(): M;
  requireScopes(...scopes: string[]): M;
  requireAnyScope(...scopes: string[]): M;
  requireRoles(...roles: string[]): M;
  requirePermissions(...permissions: string[]): M;
  claimEquals(name: string, value: Primitive): M;
  claimIncludes(name: string, ...values: string[]): M;
  claimCheck(predicate: (payload: Readonly<P>) => boolean | Promise<boolean>, description?: string): M;
  allOf(...guards: GuardLike[]): M;
  anyOf(...guards: GuardLike[]): M;
}

/**
 * Builds {@link GuardFactories} around an adapter's `wrap`.
 * @example
 * ```ts
 * const factories = guardFactories((guard) => toExpressMiddleware(guard));
 * export const requireScopes = factories.requireScopes;
 * ```
 */
export function guardFactories<M, P extends JWTPayload = JWTPayload>(wrap: (guard: Guard) => M): GuardFactories<M, P> {
  return {
    requireAuth: () => wrap(requireAuth()),
    requireScopes: (...scopes) => wrap(requireScopes(...scopes)),
    requireAnyScope: (...scopes) => wrap(requireAnyScope(...scopes)),
    requireRoles: (...roles) => wrap(requireRoles(...roles)),
    requirePermissions: (...permissions) => wrap(requirePermissions(...permissions)),
    claimEquals: (name, value) => wrap(claimEquals(name, value)),
    claimIncludes: (name, ...values) => wrap(claimIncludes(name, ...values)),
    claimCheck: (predicate, description) => wrap(claimCheck(predicate as (payload: JWTPayload) => boolean | Promise<boolean>, description)),
    allOf: (...guards) => wrap(allOf(...guards)),
    anyOf: (...guards) => wrap(anyOf(...guards)),
  };
}
