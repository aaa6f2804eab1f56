/**
 * Option checking shared by every bearer-guard package: one message shape for every option error,
 * `bearer-guard: \`<option>\` <what is wrong>`, thrown as a TypeError at construction, never at
 * the first request. Options of a component are named with its name: `jwksCache.maxAge`,
 * `redisRevocationStore.keyPrefix`, `createTestIssuer.alg`.
 */

/** The TypeError for a wrong option: `bearer-guard: \`<option>\` <message>`. */
export function optionError(option: string, message: string, cause?: unknown): TypeError {
  return new TypeError(`bearer-guard: \`${option}\` ${message}`, cause === undefined ? undefined : { cause });
}

/** Throws {@link optionError}. */
export function fail(option: string, message: string, cause?: unknown): never {
  throw optionError(option, message, cause);
}

/** True for a plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A feature option given as `true`, `false` or an object of settings (`dpop`, `mtls`…):
 * `undefined` when it is off, else its settings as an object without a prototype (own members
 * only), `{}` for `true`, every key checked against `known`.
 *
 * @param shape - what the message says the option must be, after "must be true, false or".
 */
export function featureOption(
  value: unknown,
  option: string,
  known: ReadonlySet<string>,
  shape = 'an object',
): Record<string, unknown> | undefined {
  if (value === undefined || value === false) return undefined;
  if (value !== true && !isRecord(value)) fail(option, `must be true, false or ${shape}`);
  const settings = Object.assign(Object.create(null) as object, value === true ? {} : value) as Record<string, unknown>;
  checkKnownKeys(settings, known, option);
  return settings;
}

/** Refuses any key of `object` that is not in `known`; `scope` names the object (`jwksCache`, or `''` at top level). */
export function checkKnownKeys(object: Record<string, unknown>, known: ReadonlySet<string>, scope: string): void {
  for (const key of Object.keys(object)) {
    if (!known.has(key))
      fail(
        scope ? `${scope}.${key}` : key,
        `is not an option${scope ? ` of \`${scope}\`` : ''} (known: ${[...known].join(', ')})`,
      );
  }
}

/**
 * Refuses an adapter's `auth` installed without being called (`app.use(auth)`): the framework
 * then calls it with its request objects, which are no options.
 */
export function checkAuthCall(args: ArrayLike<unknown>): void {
  const first = args[0];
  if (args.length > 1 || (typeof first === 'object' && first !== null && ('socket' in first || 'req' in first))) {
    throw new TypeError(
      'bearer-guard: auth was installed without being called: write app.use(auth(options)), not app.use(auth)',
    );
  }
}

/** A positive safe integer, or `fallback` when undefined. */
export function positiveInteger(value: unknown, option: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)
    fail(option, `must be a positive integer; got ${JSON.stringify(value)}`);
  return value;
}

/** A boolean, or `fallback` when undefined. */
export function flag(value: unknown, option: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') fail(option, 'must be a boolean');
  return value;
}

/** A function, or undefined. */
export function callback<T>(value: unknown, option: string): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') fail(option, 'must be a function');
  return value as T;
}

/** A non-empty string, or `fallback` when undefined. */
export function nonEmptyString(value: unknown, option: string, fallback?: string): string {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || value.length === 0) fail(option, 'must be a non-empty string');
  return value;
}

/** One string or an array of strings, every one non-empty; a copy. `undefined` stays undefined. */
export function stringList(value: unknown, option: string, allowEmpty = false): string[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.some((v) => typeof v !== 'string' || v.length === 0)) {
    fail(option, 'must be a non-empty string or an array of non-empty strings');
  }
  if (!allowEmpty && list.length === 0) fail(option, 'must not be empty');
  return [...(list as string[])];
}

/** An absolute URL with one of `protocols` (default http and https). */
export function urlOption(value: unknown, option: string, protocols: readonly string[] = ['https:', 'http:']): URL {
  if (typeof value !== 'string' && !(value instanceof URL)) fail(option, 'must be a URL string');
  const url = URL.canParse(String(value)) ? new URL(String(value)) : undefined;
  if (!url) fail(option, `is not a valid URL: ${JSON.stringify(String(value))}`);
  if (!protocols.includes(url.protocol))
    fail(
      option,
      `must be a ${protocols.map((p) => p.slice(0, -1)).join(' or ')} URL; got ${JSON.stringify(String(value))}`,
    );
  return url;
}
