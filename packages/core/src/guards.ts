/**
 * Authorization guards: framework-free values that are also every adapter's route middleware.
 * A guard sees verified claims only; a failure is always 403 `insufficient_scope`.
 *
 * A guard is a function: called by a framework as middleware, it hands itself to the adapter
 * whose `auth()` saw the request (see `binding.ts`), so one `requireScopes('read')` works as
 * Express, Koa and Fastify middleware alike, and the adapters need no guard code of their own.
 */
import { runGuard } from './binding.js';
import { claimValues, readClaim } from './claim-path.js';
import { InsufficientScopeError } from './errors.js';
import type { AuthPayload, JWTPayload } from './jws.js';

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
 * An authorization rule over verified claims, and the route middleware that checks it. Create one
 * with {@link requireScopes} and its siblings; put it on a route of any adapter (Express and Koa
 * middleware, a Fastify `onRequest`/`preValidation`/`preHandler` hook), in Fastify's
 * `config.auth.guard`, or pass it to `verifier.authorize`. No `auth` on the request → 401; the
 * rule fails → 403 `insufficient_scope`.
 */
export interface Guard {
  /**
   * Runs as the middleware of the framework that calls it (`(req, res, next)`, `(ctx, next)`,
   * `(request, reply, done)`), through the adapter whose `auth()` saw the request. Throws a
   * TypeError naming the fix when no adapter saw it (a set-up mistake, not a 401).
   */
  // biome-ignore lint/suspicious/noExplicitAny: the signature of every framework's middleware at once
  (request: any, ...rest: any[]): any;
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
  return typeof value === 'function' && (value as unknown as Record<symbol, unknown>)[GUARD] === true;
}

function makeGuard(description: string, scopes: readonly string[], evaluate: Guard['evaluate']): Guard {
  // Declared with one parameter: Express takes a four-parameter function for an error handler.
  const middleware = function bearerGuard(request: unknown, ...rest: unknown[]): unknown {
    return runGuard(self, request, rest);
  };
  const self = Object.assign(middleware, {
    [GUARD]: true as const,
    description,
    scopes: Object.freeze([...scopes]),
    evaluate,
  });
  return Object.freeze(self) as Guard;
}

/** RFC 6749 §3.3 scope-token: visible ASCII but `"` and `\\`; it goes into the 403 challenge. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const CONTROL = /[\u0000-\u001f\u007f]/;

function names(kind: string, values: readonly string[], scopes: boolean): readonly string[] {
  const flat = values.flat();
  if (flat.length === 0) throw new TypeError(`${kind}() needs at least one name`);
  for (const v of flat) {
    if (scopes) {
      if (typeof v !== 'string' || !SCOPE_TOKEN.test(v)) {
        throw new TypeError(
          `${kind}(): ${JSON.stringify(v)} is not a valid scope (RFC 6749 §3.3: visible ASCII, no spaces, quotes or backslashes)`,
        );
      }
    } else if (typeof v !== 'string' || v.length === 0 || CONTROL.test(v)) {
      throw new TypeError(
        `${kind}(): ${JSON.stringify(v)} is not a valid name (a non-empty string without control characters)`,
      );
    }
  }
  return flat;
}

/** The values `claims` (names or dotted paths) hold in `payload`, as the guards read them. */
export function granted(payload: JWTPayload, claims: readonly string[], spaceDelimited: boolean): Set<string> {
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
  return makeGuard(`${kind}(${wanted.join(', ')})`, scopes, (payload, claims) => {
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
  return makeGuard('requireAuth()', [], () => undefined);
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
  if (typeof name !== 'string' || name.length === 0)
    throw new TypeError('claimEquals(): name must be a non-empty string');
  const description = `claimEquals(${name}, ${JSON.stringify(value)})`;
  return makeGuard(description, [], (payload) =>
    readClaim(payload, name) === value
      ? undefined
      : { reason: 'claim_check_failed', message: `${description} failed`, scopes: [] },
  );
}

/**
 * Passes when claim `name` includes every one of `values`: an array holding them, or a string
 * equal to the one value asked for (a string claim is one value, never split on spaces).
 * @example claimIncludes('groups', 'billing')
 */
export function claimIncludes(name: string, ...values: string[]): Guard {
  if (typeof name !== 'string' || name.length === 0)
    throw new TypeError('claimIncludes(): name must be a non-empty string');
  const wanted = names('claimIncludes', values, false);
  const description = `claimIncludes(${name}, ${wanted.join(', ')})`;
  return makeGuard(description, [], (payload) => {
    const have = new Set(claimValues(readClaim(payload, name), false));
    return wanted.every((v) => have.has(v))
      ? undefined
      : { reason: 'claim_check_failed', message: `${description} failed`, scopes: [] };
  });
}

/**
 * Passes when `predicate(payload)` returns (or resolves to) exactly `true`. A predicate that
 * throws or rejects fails the guard (403); the error is kept as the `cause` for the server.
 * @example claimCheck((p) => p.email_verified === true)
 */
export function claimCheck(
  predicate: (payload: Readonly<AuthPayload>) => boolean | Promise<boolean>,
  description = 'claimCheck',
): Guard {
  if (typeof predicate !== 'function') throw new TypeError('claimCheck(): predicate must be a function');
  const fail = (cause?: unknown): GuardFailure => ({
    reason: 'claim_check_failed',
    message: `${description} failed`,
    scopes: [],
    cause,
  });
  return makeGuard(description, [], (payload) => {
    try {
      const result = predicate(payload as AuthPayload);
      if (result instanceof Promise) return result.then((ok) => (ok === true ? undefined : fail()), fail);
      return result === true ? undefined : fail();
    } catch (error) {
      return fail(error);
    }
  });
}

function children(kind: string, guards: Guard[]): Guard[] {
  if (guards.length === 0) throw new TypeError(`${kind}() needs at least one guard`);
  for (const g of guards) if (!isGuard(g)) throw new TypeError(`${kind}(): every argument must be a guard`);
  return guards;
}

/** Passes when every guard passes; the first failure decides the answer. */
export function allOf(...guards: Guard[]): Guard {
  const list = children('allOf', guards);
  const scopes = [...new Set(list.flatMap((g) => g.scopes))];
  return makeGuard(`allOf(${list.map((g) => g.description).join(', ')})`, scopes, async (payload, claims) => {
    for (const g of list) {
      const failure = await g.evaluate(payload, claims);
      // The challenge names every scope the route needs, not only the first one missing (RFC 6750 §3.1).
      if (failure) return failure.scopes.length > 0 ? { ...failure, scopes } : failure;
    }
    return undefined;
  });
}

/** Passes when at least one guard passes; the challenge names the scopes of every alternative. */
export function anyOf(...guards: Guard[]): Guard {
  const list = children('anyOf', guards);
  const scopes = [...new Set(list.flatMap((g) => g.scopes))];
  const description = `anyOf(${list.map((g) => g.description).join(', ')})`;
  return makeGuard(description, scopes, async (payload, claims) => {
    for (const g of list) {
      if ((await g.evaluate(payload, claims)) === undefined) return undefined;
    }
    return {
      reason: scopes.length > 0 ? 'insufficient_scope' : 'claim_check_failed',
      message: `${description} failed`,
      scopes,
    };
  });
}

/**
 * Evaluates `guard` against verified claims; throws `InsufficientScopeError` (403) on failure.
 * @param claims - where scopes, roles and permissions live (the verifier's options).
 */
export async function checkGuard(
  guard: Guard,
  payload: JWTPayload,
  claims: ClaimLocations = DEFAULT_CLAIM_LOCATIONS,
): Promise<void> {
  const failure = await guard.evaluate(payload, claims);
  if (failure) {
    throw new InsufficientScopeError(failure.reason, failure.message, { scopes: failure.scopes, cause: failure.cause });
  }
}

/**
 * Checks that `rule` is a guard and returns it: for a guard that comes from elsewhere (a shared
 * policy module), so a mistake shows at start-up rather than on the first request.
 * @example app.get('/orders', guard(policy.readOrders), handler)
 */
export function guard(rule: Guard): Guard {
  if (!isGuard(rule)) throw new TypeError('bearer-guard: expected a guard (requireScopes(...), claimCheck(...), ...)');
  return rule;
}
