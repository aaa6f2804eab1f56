/**
 * The types of `request.auth` and of route `config.auth`, declared through declaration merging.
 */
import type { AuthResult, Guard, JWTPayload } from '@bearer-guard/core';

/**
 * The claims `request.auth.payload` is typed with. Empty on purpose: augment it once in your app
 * to type your own claims everywhere (`request.auth`, `claimCheck`).
 *
 * @example
 * ```ts
 * declare module '@bearer-guard/fastify' {
 *   interface AuthPayload {
 *     tenant: string;
 *   }
 * }
 * app.get('/me', async (request) => ({ tenant: request.auth?.payload.tenant })); // string
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface AuthPayload extends JWTPayload {}

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
     * is not authenticated or the request carried no token on an optional route.
     */
    auth: AuthResult<AuthPayload> | null;
  }
  interface FastifyContextConfig {
    /** Per-route authentication; see {@link RouteAuthConfig}. */
    auth?: RouteAuthConfig;
  }
}
