/**
 * Durations in options: a number of seconds, or a string such as `'30s'`, `'10m'`, `'1.5h'`, `'250ms'`.
 */

const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400 };
const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/**
 * Parses a duration option into seconds.
 *
 * @param value - seconds (finite, not negative) or a string with a unit (`ms`, `s`, `m`, `h`, `d`).
 * @param option - the option's name, for the error message.
 * @throws TypeError naming the option when the value is not a duration.
 * @example parseDuration('5m', 'maxTokenAge') // 300
 */
export function parseDuration(value: unknown, option: string): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value;
  } else if (typeof value === 'string') {
    const match = PATTERN.exec(value.trim());
    if (match) return Number(match[1]) * (UNITS[match[2] as string] as number);
  }
  throw new TypeError(`${option}: expected seconds (a number ≥ 0) or a duration such as '30s', '5m', '1h'; got ${JSON.stringify(value)}`);
}
