/**
 * The types of `request.auth` and of route `config.auth`, declared through declaration merging.
 * The claims are core's `AuthPayload`: augment that interface (from `@bearer-guard/core` or from
 * this package) to type your own claims in `request.auth` and in every guard.
 */
import type { AuthResult, Guard } from '@bearer-guard/core';

/**
 * Per-route authentication, in the route's `config.auth`:
 * - `true`: authenticate this route and require a token, even under a plugin registered with
 *   `optional: true` (what `global: false` needs to protect a route);
 * - `false`: do not authenticate this route even when the plugin is global (e.g. `/health`);
 * - an object: authenticate, then check `scopes` (all), `roles` (all) and `guard`;
 *   `optional: true` lets requests without a token through (`request.auth` stays `null`),
 *   `optional: false` requires a token; without `optional`, the plugin's option decides.
 *
 * @example
 * ```ts
 * app.get('/orders', { config: { auth: { scopes: ['read:orders'] } } }, async () => []);
 * app.get('/health', { config: { auth: false } }, async () => 'ok');
 * ```
 */
export type RouteAuthConfig =
  | boolean
  | {
      /** Scopes the token must all have. */
      scopes?: string[];
      /** Roles the token must all have. */
      roles?: string[];
      /** Any core guard, e.g. from a shared policy module. */
      guard?: Guard;
      /**
       * `true`: a request without a token continues unauthenticated (a bad token is still
       * refused); `false`: a token is required. Default: the plugin's `optional`.
       */
      optional?: boolean;
    };

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The verified token, set by the plugin: `{ payload, header, token }`; `null` when the route
     * is not authenticated or the request carried no token on an optional route; `undefined` on
     * routes outside the plugin's scope (the plugin decorates the instance it is registered on).
     */
    auth?: AuthResult | null;
  }
  interface FastifyContextConfig {
    /** Per-route authentication; see {@link RouteAuthConfig}. */
    auth?: RouteAuthConfig;
  }
}
