/**
 * Requests whose authentication waits for the body (plugin in `preValidation`), with the guards
 * that `onRequest` route hooks asked for in the meantime.
 */
import type { Guard } from '@bearer-guard/core';

/** Kept on the request under a registered symbol: an ESM and a CJS copy of this package agree. */
const PENDING = Symbol.for('bearer-guard.fastify.pending');

/** Marks `request` as waiting for authentication. */
export function defer(request: object): void {
  Object.defineProperty(request, PENDING, { value: [] as Guard[], configurable: true, writable: true });
}

/** The guards queued while `request` waits for authentication, or undefined when it does not wait. */
export function pendingGuards(request: object): Guard[] | undefined {
  return (request as Record<symbol, Guard[] | undefined>)[PENDING];
}

/** Ends the wait and returns the queued guards. */
export function takePending(request: object): Guard[] | undefined {
  const guards = pendingGuards(request);
  if (guards) (request as Record<symbol, Guard[] | undefined>)[PENDING] = undefined;
  return guards;
}
