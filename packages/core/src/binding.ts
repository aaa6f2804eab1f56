/**
 * How a framework request finds the adapter that authenticated it: `auth()` binds each request
 * it sees (one symbol-keyed property, set to an object made once per `auth()`), and a guard
 * called as middleware hands itself to that binding. A guard on a request no adapter saw is a
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

/** A registered symbol: an ESM and a CJS copy of core (and of an adapter) agree on it. */
const BINDING = Symbol.for('bearer-guard.binding');

/**
 * Binds `request` to an adapter's `auth()`. A plain symbol-keyed assignment: skipped by
 * `Object.keys`, `for…in` and JSON, and cheaper per request than `defineProperty`.
 */
export function bindRequest(request: object, binding: RequestBinding): void {
  (request as Record<symbol, RequestBinding>)[BINDING] = binding;
}

/** The binding of `request`, when an adapter's `auth()` saw it. */
export function bindingOf(request: unknown): RequestBinding | undefined {
  return typeof request === 'object' && request !== null
    ? (request as Record<symbol, RequestBinding | undefined>)[BINDING]
    : undefined;
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
