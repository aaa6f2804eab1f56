/**
 * Reading claims by name or dotted path (`realm_access.roles`), through own properties only:
 * a `__proto__` or `constructor` member of a hostile payload never reaches a guard.
 */

/** Reads `path` from `payload`; a name that exists as a whole (`cognito:groups`, `https://x/roles`) wins over a path. */
export function readClaim(payload: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(payload, path)) return payload[path];
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * The string values of a claim: a space-delimited string (RFC 8693 §4.2 `scope`) or an array
 * of strings (`scp`, `roles`); anything else, and non-string members, count for nothing.
 */
export function claimValues(value: unknown): string[] {
  if (typeof value === 'string') return value.split(' ').filter((v) => v.length > 0);
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}
