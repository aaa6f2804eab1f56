/**
 * The auth policy of the orders APIs, written once and imported unchanged by the Express, Koa
 * and Fastify services: the same options object and the same guards in every framework.
 */
import { allOf, memoryRevocationStore, requireScopes } from '@bearer-guard/core';
import { redisRevocationStore } from '@bearer-guard/redis';

/** @typedef {import('@bearer-guard/core').RevocationStore} RevocationStore */

/** The `aud` every orders API expects; the auth service puts it in the tokens it issues. */
export const AUDIENCE = 'orders-api';

/**
 * @typedef {object} PolicySettings
 * @property {string} issuer - the auth service's issuer URL (keys, and the introspection
 *   endpoint, come through its discovery document)
 * @property {RevocationStore} [revocation] - the denylist shared with the auth service's `POST /revoke`
 * @property {boolean} [dpop] - also accept DPoP-bound tokens (RFC 9449: `Authorization: DPoP` plus
 *   a proof), and refuse such a token sent without its proof. Bearer tokens keep working. Default off.
 * @property {import('@bearer-guard/core').DecryptionOptions} [decryption] - also accept tokens
 *   encrypted to this API (JWE holding the signed JWT): its private key(s). Default none
 * @property {import('@bearer-guard/core').IntrospectionOptions} [introspection] - also accept
 *   opaque tokens, asking the auth service what they mean (RFC 7662); with `tokens: 'all'`, every
 *   token. Default none
 */

/**
 * Options for every adapter's `auth()` (or the Fastify plugin).
 * @param {PolicySettings} settings
 * @returns {import('@bearer-guard/core').AuthOptions}
 */
export const authOptions = ({ issuer, revocation, dpop = false, decryption, introspection }) => ({
  issuer,
  audience: AUDIENCE,
  tokenType: 'at+jwt', // RFC 9068: an ID token or any other JWT from the same issuer is refused
  requiredClaims: ['exp', 'iat', 'jti', 'sub', 'client_id'], // RFC 9068 §2.2 (`iss`, `aud` are checked above)
  revocation,
  dpop,
  ...(decryption === undefined ? {} : { decryption }),
  ...(introspection === undefined ? {} : { introspection }),
});

/** `GET /orders`, `GET /orders/:id`. */
export const readOrders = requireScopes('orders:read');
/** `POST /orders`. */
export const writeOrders = requireScopes('orders:write');
/** `DELETE /orders/:id`: writers who are also admins. */
export const deleteOrders = allOf(requireScopes('orders:write'), requireScopes('orders:admin'));

/**
 * The revocation store a process should use: Redis when `redisUrl` is given (shared by every
 * instance and by the auth service), else one in this process's memory.
 * @param {{ redisUrl?: string }} [settings]
 * @returns {RevocationStore & { close?: () => Promise<void> }}
 */
export function revocationStore({ redisUrl } = {}) {
  return redisUrl ? redisRevocationStore({ url: redisUrl }) : memoryRevocationStore();
}
