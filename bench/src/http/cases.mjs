/**
 * The HTTP cases. Each framework group has its bare server as the baseline; the cases of a group
 * are loaded in turn, repetition after repetition (see index.mjs). Token streams:
 * - `repeated`: one token on every request (a client reusing its access token);
 * - `unique`: round-robin over a set larger than the verified-token cache, so nothing hits it.
 * Peers have no verified-token cache, so they get the unique stream too: no candidate is helped
 * by a cache unless the case says so.
 */

const bearerGuardCases = (framework) => [
  {
    id: `${framework}/bg-hit`,
    variant: 'bearer-guard',
    label: 'bearer-guard, publicKey, cache on, repeated token (hit)',
    stream: 'repeated',
  },
  {
    id: `${framework}/bg-nocache`,
    variant: 'bearer-guard',
    label: 'bearer-guard, publicKey, `cache: false`, repeated token',
    stream: 'repeated',
    cache: false,
  },
  {
    id: `${framework}/bg-miss`,
    variant: 'bearer-guard',
    label: 'bearer-guard, publicKey, cache on, unique tokens (miss)',
    stream: 'unique',
  },
  {
    id: `${framework}/bg-jwks`,
    variant: 'bearer-guard',
    label: 'bearer-guard, remote JWKS (`jwksUri`), cache on, unique tokens',
    stream: 'unique',
    jwks: true,
  },
];

const bare = (framework) => ({
  id: `${framework}/bare`,
  variant: 'bare',
  label: `bare ${framework}`,
  stream: 'repeated',
  bare: true,
});

export const httpGroups = [
  {
    framework: 'express',
    title: 'Express 5',
    cases: [
      bare('express'),
      ...bearerGuardCases('express'),
      {
        id: 'express/oauth2-jwt-bearer',
        variant: 'express-oauth2-jwt-bearer',
        label: 'express-oauth2-jwt-bearer, remote JWKS, unique tokens',
        stream: 'unique',
        jwks: true,
      },
      {
        id: 'express/express-jwt',
        variant: 'express-jwt',
        label: 'express-jwt + jwks-rsa (`expressJwtSecret`), remote JWKS, unique tokens',
        stream: 'unique',
        jwks: true,
      },
    ],
  },
  {
    framework: 'koa',
    title: 'Koa 3 + @koa/router',
    cases: [
      bare('koa'),
      ...bearerGuardCases('koa'),
      {
        id: 'koa/koa-jwt',
        variant: 'koa-jwt',
        label: 'koa-jwt + jwks-rsa (`koaJwtSecret`), remote JWKS, unique tokens',
        stream: 'unique',
        jwks: true,
      },
    ],
  },
  {
    framework: 'fastify',
    title: 'Fastify 5',
    cases: [
      bare('fastify'),
      ...bearerGuardCases('fastify'),
      {
        id: 'fastify/fastify-jwt',
        variant: '@fastify/jwt',
        label: '@fastify/jwt, public key, unique tokens',
        stream: 'unique',
      },
      {
        id: 'fastify/fastify-jwt-jwks',
        variant: 'fastify-jwt-jwks',
        label: 'fastify-jwt-jwks, remote JWKS, unique tokens',
        stream: 'unique',
        jwks: true,
      },
    ],
  },
];

/** Issue 5's question: what a revocation store costs per request (Express, repeated token). */
export function revocationGroup(redisUrl) {
  const base = { variant: 'bearer-guard', stream: 'repeated' };
  const cases = [
    { ...base, id: 'revocation/none', label: 'no revocation store', bare: true },
    { ...base, id: 'revocation/memory', label: '`memoryRevocationStore()`', revocation: { kind: 'memory' } },
  ];
  if (redisUrl)
    cases.push({
      ...base,
      id: 'revocation/redis',
      label: '`redisRevocationStore({ url })`, local redis-server',
      revocation: { kind: 'redis', url: redisUrl },
    });
  return {
    framework: 'express',
    title: 'Express 5 + bearer-guard (publicKey, cache on, repeated token) with a revocation store',
    baselineLabel: 'no store',
    cases,
  };
}
