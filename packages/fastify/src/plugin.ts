/**
 * The Fastify plugin: authenticates routes in a hook, sets `request.auth`, and runs the guard
 * hooks of the routes in its scope.
 */
import type { AuthOptions, Guard, TokenRequest } from '@bearer-guard/core';
import {
  authenticateNow,
  createAdapterBase,
  isGuard,
  mayCarryBodyToken,
  peerCertificateOf,
  responseHeadersOf,
} from '@bearer-guard/core/adapter';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { defer, pendingGuards, takePending } from './pending.js';
import { handleError } from './respond.js';
import { routePlan, type RoutePlan } from './route-config.js';
import type { RouteAuthConfig } from './types.js';

/**
 * Options of the plugin: the core `AuthOptions`, plus `global`.
 * @example
 * ```ts
 * await app.register(bearerGuard, { jwksUri: 'https://auth.example.com/jwks.json', audience: 'orders', global: false });
 * ```
 */
export type BearerGuardOptions = AuthOptions & {
  /**
   * Authenticate every route (default `true`; opt a route out with `config: { auth: false }`).
   * `false`: only routes with `config: { auth: true | { … } }` are authenticated.
   */
  global?: boolean;
};

/** Route hooks in which a guard can answer before the handler runs. */
const GUARD_HOOKS = ['onRequest', 'preValidation', 'preHandler'] as const;
/** Every other route hook: a guard there would run after the handler, or while the reply is sent. */
const LATE_HOOKS = [
  'preParsing',
  'preSerialization',
  'onSend',
  'onResponse',
  'onError',
  'onTimeout',
  'onRequestAbort',
] as const;

function guardHooksIn(route: object, name: string): unknown[] {
  const hooks: unknown[] = ([] as unknown[]).concat((route as Record<string, unknown>)[name] ?? []);
  return hooks.filter(isGuard);
}

/** True when one of the route's hooks is a guard hook of this package (it carries a core guard). */
function hasGuardHook(route: object): boolean {
  return GUARD_HOOKS.some((name) => guardHooksIn(route, name).length > 0);
}

/** Refuses, when the route is added, a guard hook placed where it cannot stop the handler. */
function checkGuardPlacement(route: { method: string | string[]; url: string }): void {
  for (const name of LATE_HOOKS) {
    if (guardHooksIn(route, name).length === 0) continue;
    throw new TypeError(
      `@bearer-guard/fastify: route ${[route.method].flat().join(',')} ${route.url} has a guard in \`${name}\`; ` +
        'guards run in `onRequest`, `preValidation` or `preHandler`, before the handler',
    );
  }
}

/** The route's own `config.auth`, never one inherited from a polluted Object.prototype. */
function routeAuth(config: object | undefined): RouteAuthConfig | undefined {
  return config !== undefined && Object.hasOwn(config, 'auth')
    ? (config as { auth?: RouteAuthConfig }).auth
    : undefined;
}

function misplaced(): TypeError {
  return new TypeError(
    '@bearer-guard/fastify: a guard ran outside `onRequest`, `preValidation` and `preHandler`, after the handler; ' +
      'add guards as route hooks (`{ onRequest: requireScopes(…) }`) or in one of those hooks',
  );
}

function requestParts(request: FastifyRequest, dpop: boolean, mtls: boolean): TokenRequest {
  const parts: TokenRequest = {
    headers: request.headers,
    rawHeaders: request.raw.rawHeaders,
    // As received: before any `rewriteUrl`, which DPoP's htu and the query location must not see.
    url: request.originalUrl ?? request.url,
    body: request.body,
    method: request.method,
  };
  if (dpop) parts.origin = () => originOf(request);
  if (mtls) parts.peerCertificate = peerCertificateOf(request.raw.socket);
  return parts;
}

/**
 * The origin the client used, as Fastify reports it (`trustProxy` decides whether
 * X-Forwarded-Proto and X-Forwarded-Host count): Fastify 5's `request.host` keeps the port, as
 * Fastify 4's `request.hostname` did.
 */
function originOf(request: FastifyRequest): string {
  const { host, hostname } = request as { host?: string; hostname: string };
  return `${request.protocol}://${host ?? hostname}`;
}

const bearerGuardPlugin: FastifyPluginAsync<BearerGuardOptions> = async (app, pluginOptions) => {
  const { global: globalOption, ...rest } = pluginOptions;
  const options = rest as AuthOptions;
  // Own members only: a `global` or `auth` that other code put on Object.prototype changes nothing.
  const global = Object.hasOwn(pluginOptions, 'global') ? globalOption : true;
  if (typeof global !== 'boolean') throw new TypeError('@bearer-guard/fastify: `global` must be a boolean');
  // Fastify calls the plugin with its own arguments: the options alone are checked.
  const base = createAdapterBase(options, [options], (guard, request, rest) => {
    const reply = rest[0] as FastifyReply;
    // Anywhere but onRequest, preValidation and preHandler (onSend, preSerialization… added
    // with app.addHook, out of the plugin's sight) the handler has run, and answering from
    // there would re-enter the hook: refuse, never loop.
    if (rest.length !== 2 || typeof rest[1] !== 'function' || reply.sent) throw misplaced();
    return guardHook(guard, request as FastifyRequest, reply);
  });
  const { verifier, forwardErrors } = base;
  const { tokenLocations, dpop, mtls } = verifier.config;
  // A form-body token exists only once the body is parsed: authenticate in preValidation then,
  // but only for requests whose body could hold one (anything else is answered before the body is read).
  const waitForBody = tokenLocations.includes('body');

  async function authenticate(request: FastifyRequest, reply: FastifyReply, plan: RoutePlan, queued: readonly Guard[]) {
    try {
      const parts = requestParts(request, dpop, mtls);
      // The route's own `optional` (true or false) wins over the plugin's; undefined inherits it.
      const context = plan.optional === undefined ? { request } : { request, optional: plan.optional };
      const now = authenticateNow(verifier, parts, context);
      const result = now instanceof Promise ? await now : now;
      request.auth = result ?? null;
      const headers = responseHeadersOf(result);
      if (headers) reply.headers(headers);
      for (const guard of plan.guard ? [plan.guard, ...queued] : queued) {
        await verifier.authorize(result, guard, { request });
      }
    } catch (error) {
      return handleError(error, reply, forwardErrors);
    }
    return undefined;
  }

  /** A guard hook of a route in this scope: `onRequest`, `preValidation` and `preHandler` call it with (request, reply, done). */
  async function guardHook(
    guard: Guard,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply | undefined> {
    const pending = pendingGuards(request);
    if (pending) {
      pending.push(guard); // authentication waits for the body: the guard runs right after it
      return undefined;
    }
    try {
      await verifier.authorize(request.auth ?? undefined, guard, { request });
    } catch (error) {
      return handleError(error, reply, forwardErrors);
    }
    return undefined;
  }

  if (!app.hasRequestDecorator('auth')) app.decorateRequest('auth', null);
  const endpoint = verifier.config.resourceMetadata;
  // The document lives at the origin's root, where every challenge points.
  if (endpoint && app.prefix !== '') {
    throw new TypeError(
      `@bearer-guard/fastify: with \`resource\`, register the plugin outside any prefix (here ${JSON.stringify(app.prefix)}): ` +
        `the metadata document must be served at ${endpoint.path}, where the challenges point; or set resourceMetadata: false`,
    );
  }
  // RFC 9728 §3: served without a token, whatever `global` says, and answered in onRequest, before
  // Fastify would parse (and refuse) the body of a POST. Served once, whichever registration of
  // the plugin for this resource comes first., whichever registration of the plugin for this resource comes first.
  if (endpoint && !app.hasRoute({ method: 'GET', url: endpoint.path })) {
    const serve = async (request: FastifyRequest, reply: FastifyReply) => {
      const answer = endpoint.answer(request.method);
      // A Buffer is sent as is: a string would get a charset appended to its media type.
      return reply
        .code(answer.status)
        .headers(answer.headers)
        .send(answer.body === '' ? undefined : Buffer.from(answer.body));
    };
    app.route({
      method: ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE'],
      url: endpoint.path,
      exposeHeadRoute: false,
      config: { auth: false },
      onRequest: serve,
      handler: serve,
    });
  }
  app.addHook('onRoute', (route) => {
    const value = routeAuth(route.config);
    routePlan(value, global); // a malformed config.auth fails at start-up
    checkGuardPlacement(route);
    // A route that carries one of our guard hooks needs authentication, even with global: false.
    if (value === undefined && !global && hasGuardHook(route)) route.config = { ...route.config, auth: true };
  });
  app.addHook('onRequest', async (request, reply) => {
    base.bind(request);
    const plan = routePlan(routeAuth(request.routeOptions.config), global);
    if (!plan) return undefined;
    if (waitForBody && mayCarryBodyToken(request)) {
      defer(request);
      return undefined;
    }
    return authenticate(request, reply, plan, []);
  });
  if (waitForBody) {
    app.addHook('preValidation', async (request, reply) => {
      const queued = takePending(request);
      if (!queued) return undefined;
      const plan = routePlan(routeAuth(request.routeOptions.config), global) as RoutePlan;
      return authenticate(request, reply, plan, queued);
    });
  }
  app.addHook('onClose', async () => verifier.close());
};

/**
 * The bearer-guard Fastify plugin (wrapped with `fastify-plugin`, so it applies to the instance
 * it is registered on and its children). It sets `request.auth = { payload, header, token }`.
 *
 * Every route is authenticated in an `onRequest` hook, or in `preValidation` when `'body'` is one
 * of the `tokenLocations` and the request is a form post (Fastify parses the body after
 * `onRequest`; any other request is answered before its body is read). Guard hooks belong in
 * `onRequest`, `preValidation` or `preHandler`: one in a later hook is refused when the route is
 * added. Opt a route out with
 * `config: { auth: false }`; with `global: false` only routes with `config: { auth: true }` (or
 * `{ scopes, roles, guard, optional }`), or with a guard hook, are authenticated. Failures are answered with the status,
 * `WWW-Authenticate` header and JSON body of the error; with `forwardErrors: true` they are thrown
 * to Fastify's error handler (`setErrorHandler`), carrying `statusCode`, `headers` and `body`.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import bearerGuard, { requireScopes } from '@bearer-guard/fastify';
 *
 * const app = Fastify();
 * await app.register(bearerGuard, { issuer: 'https://auth.example.com/', audience: 'orders' });
 * app.get('/orders', { onRequest: requireScopes('read:orders') }, async (request) => ({ user: request.auth?.payload.sub }));
 * app.get('/health', { config: { auth: false } }, async () => 'ok');
 * await app.listen({ port: 3000 });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750
 */
export const bearerGuard = fp(bearerGuardPlugin, { fastify: '4.x || 5.x', name: '@bearer-guard/fastify' });
