/**
 * A policy module as a platform team would share it: one options object and named core guards,
 * imported unchanged by services written in Express, Koa and Fastify (see policy.test.ts).
 */
import { allOf, anyOf, claimEquals, requireRoles, requireScopes, type AuthOptions } from '@bearer-guard/core';

/** The verifier options of every service. */
export const options: AuthOptions = {
  issuer: process.env.POLICY_ISSUER ?? 'https://auth.example.com/', // keys through OIDC discovery
  audience: 'orders',
  tokenType: 'at+jwt',
  realm: 'orders',
};

/** The named rules of every service. */
export const policy = {
  readOrders: requireScopes('read:orders'),
  refund: allOf(requireScopes('write:orders'), requireRoles('support')),
  tenantAdmin: anyOf(requireRoles('admin'), claimEquals('tenant', 'acme')),
};
