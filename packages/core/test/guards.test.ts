import { describe, expect, it } from 'vitest';
import {
  allOf,
  anyOf,
  claimCheck,
  claimEquals,
  claimIncludes,
  isBearerError,
  requireAnyScope,
  requirePermissions,
  requireRoles,
  requireScopes,
  type Guard,
  type JWTPayload,
} from '@bearer-guard/core';
import { checkGuard, type ClaimLocations } from '../src/guards.js';

async function run(guard: Guard, payload: JWTPayload, claims?: ClaimLocations): Promise<string> {
  try {
    await checkGuard(guard, payload, claims);
    return 'pass';
  } catch (error) {
    if (!isBearerError(error)) throw error;
    return `${error.status} ${error.reason} ${error.headers['www-authenticate']}`;
  }
}

const challenge = (scope?: string) =>
  `Bearer realm="api", error="insufficient_scope", error_description="The access token does not grant the required permissions"${scope ? `, scope="${scope}"` : ''}`;

describe('guards', () => {
  it.each<[string, Guard, JWTPayload, string]>([
    [
      'scope string has all',
      requireScopes('read:orders', 'write:orders'),
      { scope: 'write:orders read:orders' },
      'pass',
    ],
    [
      'scope string misses one',
      requireScopes('read:orders', 'write:orders'),
      { scope: 'read:orders' },
      `403 insufficient_scope ${challenge('read:orders write:orders')}`,
    ],
    ['scp array', requireScopes('read:orders'), { scp: ['read:orders'] }, 'pass'],
    ['scp string', requireScopes('read:orders'), { scp: 'read:orders' }, 'pass'],
    [
      'substring is not a scope',
      requireScopes('admin'),
      { scope: 'superadmin' },
      `403 insufficient_scope ${challenge('admin')}`,
    ],
    [
      'comma is not a separator',
      requireScopes('read'),
      { scope: 'read,write' },
      `403 insufficient_scope ${challenge('read')}`,
    ],
    [
      'wrong type grants nothing',
      requireScopes('read'),
      { scope: { read: true } } as unknown as JWTPayload,
      `403 insufficient_scope ${challenge('read')}`,
    ],
    ['array members must be strings', requireScopes('1'), { scp: [1] }, `403 insufficient_scope ${challenge('1')}`],
    ['any scope', requireAnyScope('a', 'b'), { scope: 'b' }, 'pass'],
    ['any scope, none', requireAnyScope('a', 'b'), { scope: 'c' }, `403 insufficient_scope ${challenge('a b')}`],
    ['roles', requireRoles('admin'), { roles: ['admin', 'user'] }, 'pass'],
    ['roles missing', requireRoles('admin'), { roles: ['user'] }, `403 insufficient_role ${challenge()}`],
    [
      'a roles string is one role',
      requireRoles('admin'),
      { roles: 'super admin' },
      `403 insufficient_role ${challenge()}`,
    ],
    ['a role name may hold a space', requireRoles('super admin'), { roles: 'super admin' }, 'pass'],
    [
      'a permissions string is one permission',
      requirePermissions('read'),
      { permissions: 'read write' },
      `403 insufficient_scope ${challenge()}`,
    ],
    [
      'a groups string is one group',
      claimIncludes('groups', 'Users'),
      { groups: 'Domain Users' },
      `403 claim_check_failed ${challenge()}`,
    ],
    ['a groups string equal to the value', claimIncludes('groups', 'Domain Users'), { groups: 'Domain Users' }, 'pass'],
    ['a custom scope claim is space-delimited', requireScopes('b'), { scope: 'a b' }, 'pass'],
    ['permissions', requirePermissions('delete:orders'), { permissions: ['delete:orders'] }, 'pass'],
    ['claimEquals', claimEquals('tenant', 'acme'), { tenant: 'acme' }, 'pass'],
    ['claimEquals strict', claimEquals('level', 1), { level: '1' }, `403 claim_check_failed ${challenge()}`],
    ['claimEquals dotted', claimEquals('org.id', 'o1'), { org: { id: 'o1' } }, 'pass'],
    ['claimIncludes', claimIncludes('groups', 'billing'), { groups: ['billing', 'ops'] }, 'pass'],
    [
      'claimIncludes missing',
      claimIncludes('groups', 'billing'),
      { groups: 'ops' },
      `403 claim_check_failed ${challenge()}`,
    ],
    ['claimCheck', claimCheck((p) => p.email_verified === true), { email_verified: true }, 'pass'],
    [
      'claimCheck truthy is not true',
      claimCheck((p) => p.email_verified as boolean),
      { email_verified: 'yes' },
      `403 claim_check_failed ${challenge()}`,
    ],
    ['claimCheck async', claimCheck(async (p) => p.sub === 'u'), { sub: 'u' }, 'pass'],
    [
      'claimCheck throws',
      claimCheck(() => {
        throw new Error('boom');
      }),
      {},
      `403 claim_check_failed ${challenge()}`,
    ],
    ['allOf', allOf(requireScopes('a'), requireRoles('r')), { scope: 'a', roles: ['r'] }, 'pass'],
    [
      'allOf fails on first',
      allOf(requireScopes('a'), requireRoles('r')),
      { scope: 'a' },
      `403 insufficient_role ${challenge()}`,
    ],
    ['anyOf', anyOf(requireScopes('a'), requireRoles('r')), { roles: ['r'] }, 'pass'],
    ['anyOf none', anyOf(requireScopes('a'), requireScopes('b')), {}, `403 insufficient_scope ${challenge('a b')}`],
  ])('%s', async (_name, guard, payload, expected) => {
    expect(await run(guard, payload)).toBe(expected);
  });

  it('never grants through an inherited or __proto__ member', async () => {
    const hostile = JSON.parse(
      '{"__proto__":{"scope":"admin","roles":["admin"]},"constructor":{"prototype":{"scope":"admin"}}}',
    ) as JWTPayload;
    expect(await run(requireScopes('admin'), hostile)).toBe(`403 insufficient_scope ${challenge('admin')}`);
    expect(await run(requireRoles('admin'), hostile)).toBe(`403 insufficient_role ${challenge()}`);
    expect(await run(claimEquals('constructor.prototype.scope', 'admin'), hostile)).toBe('pass');
    expect(await run(claimEquals('toString', 'x'), {})).toBe(`403 claim_check_failed ${challenge()}`);
  });

  it('reads roles from configured dotted paths and names with colons', async () => {
    const claims: ClaimLocations = {
      scopeClaim: ['scope'],
      rolesClaim: ['realm_access.roles', 'cognito:groups'],
      permissionsClaim: ['permissions'],
    };
    expect(await run(requireRoles('admin'), { realm_access: { roles: ['admin'] } }, claims)).toBe('pass');
    expect(await run(requireRoles('ops'), { 'cognito:groups': ['ops'] }, claims)).toBe('pass');
    expect(await run(requireScopes('a'), { scp: ['a'] }, claims)).toBe(`403 insufficient_scope ${challenge('a')}`);
  });

  it('rejects bad guard definitions at construction', () => {
    expect(() => requireScopes()).toThrow(TypeError);
    expect(() => requireScopes('a b')).toThrow(/not a valid scope/);
    expect(() => requireScopes('a"b')).toThrow(/not a valid scope/);
    expect(() => requireScopes('lecture:écrite')).toThrow(/not a valid scope/);
    expect(() => requireRoles('a\nb')).toThrow(/not a valid name/);
    expect(() => allOf()).toThrow(TypeError);
    expect(() => anyOf({} as Guard)).toThrow(/must be a guard/);
  });
});
