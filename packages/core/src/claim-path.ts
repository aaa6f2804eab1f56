/**
 * Reading claims by name or dotted path (`realm_access.roles`), through own properties only:
 * a `__proto__` or `constructor` member of a hostile payload never reaches a guard, and neither
 * does a member that some other code added to `Object.prototype`.
 */

/**
 * `JSON.parse` with every object made without a prototype: a member a fetched document (JWKS,
 * discovery metadata, a pub/sub message) lacks reads as undefined, whatever other code added to
 * `Object.prototype`.
 */
export function parseJsonWithoutPrototypes(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? Object.assign(Object.create(null) as object, value)
      : value,
  );
}

/** `object[name]` when it is an own property of `object`; `undefined` otherwise (never inherited). */
export function own(object: object, name: string): unknown {
  return Object.hasOwn(object, name) ? (object as Record<string, unknown>)[name] : undefined;
}

/** Reads `path` from `payload`; a name that exists as a whole (`cognito:groups`, `https://x/roles`) wins over a path. */
export function readClaim(payload: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(payload, path)) return payload[path];
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, part))
      return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * The string values of a claim: an array of strings, or one string. Only OAuth scope claims
 * are space-delimited lists (RFC 8693 §4.2 `scope`, Entra ID's `scp` string), so a string is
 * split on spaces only when `spaceDelimited`; any other string (a role, a group such as
 * `"Domain Users"`) is one value. Anything else, and non-string members, count for nothing.
 */
export function claimValues(value: unknown, spaceDelimited: boolean): string[] {
  if (typeof value === 'string') return spaceDelimited ? value.split(' ').filter((v) => v.length > 0) : [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}
