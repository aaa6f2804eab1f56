/**
 * How a framework request finds the adapter that authenticated it, and a guard called as
 * middleware hands itself to that binding: a request carrying a verification result is bound by
 * it (the result's prototype names the adapter whose verifier made it, at no cost per request),
 * and `auth()` binds any other request it sees (one symbol-keyed property, set to an object made
 * once per `auth()`). A guard on a request no adapter saw is a
 * set-up mistake (the route sits before `auth()`, or outside the Fastify plugin's scope): it
 * throws a TypeError that says so, never a silent 401.
 */
import type { Guard } from './guards.js';
import type { Verifier } from './verifier.js';

/** What an adapter's `auth()` binds to every request it sees. */
export interface RequestBinding {
  /** The verifier of that `auth()`. */
  readonly verifier: Verifier;
  /**
   * Runs `guard` as this framework's middleware: `request` is the framework's request object
   * (Express `req`, Koa `ctx`, Fastify `request`), `rest` what the framework passed after it
   * (`res, next`; `next`; `reply, done`). Returns what the framework expects back.
   */
  runGuard(guard: Guard, request: object, rest: unknown[]): unknown;
}

/**
 * Registered symbols: an ESM and a CJS copy of core (and of an adapter) agree on them.
 * `RESULT_BINDING` is a member of a verifier's results' prototype: the adapter that made it.
 */
export const RESULT_BINDING = Symbol.for('bearer-guard.result-binding');
const BINDING = Symbol.for('bearer-guard.binding');

/**
 * Binds `request` to an adapter's `auth()`. A plain symbol-keyed assignment: skipped by
 * `Object.keys`, `for…in` and JSON, and cheaper per request than `defineProperty`.
 */
export function bindRequest(request: object, binding: RequestBinding): void {
  (request as Record<symbol, RequestBinding>)[BINDING] = binding;
}

/**
 * The adapter named by a verification result: its prototype's own registered member, set by
 * the adapter that made the verifier (never a member a plain object or Object.prototype lends).
 */
function resultBinding(auth: unknown): RequestBinding | undefined {
  if (typeof auth !== 'object' || auth === null) return undefined;
  const prototype = Object.getPrototypeOf(auth) as object | null;
  if (prototype === null || prototype === Object.prototype || !Object.hasOwn(prototype, RESULT_BINDING))
    return undefined;
  return (prototype as Record<symbol, RequestBinding | undefined>)[RESULT_BINDING];
}

/**
 * The binding of `request`: the adapter whose verifier made the result it carries (`auth`, as
 * Express and Fastify put it, or `state.auth`, as Koa does), else the last adapter that bound it.
 */
export function bindingOf(request: unknown): RequestBinding | undefined {
  if (typeof request !== 'object' || request === null) return undefined;
  const { auth, state } = request as { auth?: unknown; state?: unknown };
  return (
    resultBinding(auth) ??
    resultBinding(typeof state === 'object' && state !== null ? (state as { auth?: unknown }).auth : undefined) ??
    (request as Record<symbol, RequestBinding | undefined>)[BINDING]
  );
}

/** Runs `guard` called as middleware with `request` and `rest`; see {@link RequestBinding.runGuard}. */
export function runGuard(guard: Guard, request: unknown, rest: unknown[]): unknown {
  const binding = bindingOf(request);
  if (!binding) {
    throw new TypeError(
      `bearer-guard: ${guard.description} ran on a request that no auth() has seen. Install auth(options) before this guard: ` +
        'app.use(auth(options)) ahead of the route (Express, Koa), or register the plugin in the scope of the route (Fastify)',
    );
  }
  return binding.runGuard(guard, request as object, rest);
}
