/**
 * What every app serves, whatever the framework: the same routes with the same guards, built
 * from each adapter's guard factories (which have the same names everywhere).
 */
import * as core from '@bearer-guard/core';
import type * as guards from '@bearer-guard/core/guards';
import type { AuthOptions, Guard } from '@bearer-guard/core';
import type { RouteName } from '../table.js';

/** The guards every adapter exports (the same functions everywhere, re-exported from core). */
export type GuardFactories = typeof guards;

/** A core policy, used through `guard()`. */
const corePolicy = core.allOf(core.requireScopes('read:orders'), core.claimEquals('tenant', 'acme'));

/** The guard of each route (`protected` has none), as middleware of one adapter. */
export function routeGuards(a: GuardFactories): [RouteName, Guard | undefined][] {
  return [
    ['protected', undefined],
    ['scoped', a.requireScopes('read:orders')],
    ['any-scope', a.requireAnyScope('read:orders', 'admin')],
    ['roles', a.requireRoles('admin')],
    ['permissions', a.requirePermissions('create:orders')],
    ['claim-equals', a.claimEquals('tenant', 'acme')],
    ['claim-includes', a.claimIncludes('groups', 'billing')],
    ['claim-check', a.claimCheck((p) => p.email_verified === true, 'email verified')],
    ['all-of', a.allOf(a.requireScopes('read:orders'), a.requireRoles('admin'))],
    ['any-of', a.anyOf(a.requireScopes('write:orders'), a.requireRoles('admin'))],
    ['core-guard', a.guard(corePolicy)],
    ['admin', a.requireScopes('admin')],
    ['read-write', a.requireScopes('read', 'write')],
    [
      'throwing-check',
      a.claimCheck(() => {
        throw new TypeError('predicate exploded');
      }, 'throws'),
    ],
    ['rejecting-check', a.claimCheck(() => Promise.reject(new TypeError('predicate rejected')), 'rejects')],
    ['payload-shape', undefined],
    ['header-shape', undefined],
    ['require-auth', a.requireAuth()],
    // Declared mandatory through the framework's own route options where it has them (Fastify's
    // `config.auth`, see FASTIFY_ROUTE_CONFIG); elsewhere with requireAuth().
    ['required', a.requireAuth()],
    ['required-config', a.requireAuth()],
  ];
}

/** Routes that Fastify declares through `config.auth` instead of a guard hook. */
export const FASTIFY_ROUTE_CONFIG: Partial<Record<RouteName, unknown>> = {
  required: true,
  'required-config': { optional: false },
};

/** One verifier configuration, served under `/<prefix>/<route>`. */
export interface Mount {
  prefix: string;
  options: AuthOptions;
  /** False: the mount has no error handler of the app's own, forwarded errors reach the framework's default. */
  appErrorHandler?: boolean;
}

/** What an app factory gets. */
export interface AppSpec {
  mounts: Mount[];
  /** The handler calls this with the request's `x-row-id`. */
  hit(id: string): void;
}

/** A listening app. */
export interface RunningApp {
  /** `http://127.0.0.1:<port>` */
  base: string;
  close(): Promise<void>;
}

/** Builds and starts one app on 127.0.0.1:0. */
export type AppFactory = (spec: AppSpec) => Promise<RunningApp>;

/** The methods every route answers: OPTIONS too, so that a CORS preflight reaches `auth()` in every framework. */
export const METHODS = ['GET', 'POST', 'OPTIONS'] as const;

/**
 * The handler's answer: which route ran and who called it. `payload-shape` also tells how the
 * payload object looks from the handler: a `"__proto__"` member of a hostile payload must stay an
 * own property, never become the prototype (and never lend it a `scope`).
 */
export function handlerBody(
  route: string,
  auth: { payload: { sub?: string }; header: object; confirmation?: object | undefined } | null | undefined,
  request?: object,
) {
  // The sender constraint checked for the request (DPoP key or client certificate), when there is one.
  const body = {
    route,
    sub: auth?.payload.sub ?? null,
    authenticated: auth != null,
    ...(auth?.confirmation === undefined ? {} : { confirmation: auth.confirmation }),
  };
  if (route === 'header-shape' && auth) {
    // What a request's code could change for the next request with the same header or token, or
    // for every request of the verifier: every write must fail (the objects are shared, so frozen).
    const ext = (auth.header as { ext?: object }).ext ?? {};
    const proto = Object.getPrototypeOf(auth) as Record<symbol, unknown>;
    const locations = [proto[Symbol.for('bearer-guard.claim-locations')] as { rolesClaim: string[] }];
    // The adapter a guard runs through: the one the result's prototype names, else the request's own.
    const binding = (proto[Symbol.for('bearer-guard.result-binding')] ??
      (request && (request as Record<symbol, unknown>)[Symbol.for('bearer-guard.binding')])) as
      | { verifier: object }
      | undefined;
    return {
      ...body,
      headerWritable: Reflect.set(ext, 'tenant', 'evil'),
      tenant: (ext as { tenant?: unknown }).tenant ?? null,
      payloadWritable: Reflect.set(auth.payload, 'sub', 'evil'),
      sharedPrototypeWritable: Reflect.set(proto, 'injected', true),
      claimLocationsWritable: locations.some(
        (l) => Reflect.set(l.rolesClaim, 0, 'groups') || Reflect.set(l, 'rolesClaim', ['groups']),
      ),
      bindingWritable:
        binding === undefined ||
        Reflect.set(proto, Symbol.for('bearer-guard.result-binding'), {}) ||
        Reflect.set(binding, 'runGuard', () => undefined) ||
        Reflect.set(binding.verifier, 'authorize', async () => undefined),
    };
  }
  if (route !== 'payload-shape' || !auth) return body;
  const payload = auth.payload as Record<string, unknown>;
  return {
    ...body,
    prototypeIsObjectPrototype: Object.getPrototypeOf(payload) === Object.prototype,
    scopeInPayload: 'scope' in payload,
    ownProtoMember: Object.hasOwn(payload, '__proto__'),
  };
}

/** A route no `auth()` covers (outside every mount), guarded by `requireAuth()`: a set-up mistake. */
export const OUTSIDE_PATH = '/outside/require-auth';

/**
 * How every app renders a set-up error (a TypeError of bearer-guard's, not a BearerError), so that
 * the targets answer alike: 500 `{ setupError: message }`; `undefined` for any other error.
 */
export function setupErrorBody(error: unknown): { setupError: string } | undefined {
  if (!(error instanceof TypeError) || !error.message.startsWith('bearer-guard: ')) return undefined;
  return { setupError: error.message };
}

/** The id the runner puts on each request. */
export function rowId(headers: Record<string, string | string[] | undefined>): string {
  return String(headers['x-row-id'] ?? '');
}
