/**
 * Durations and points in time for token claims: seconds, `'5m'`-style strings, `Date`s.
 */

const UNIT_SECONDS: Record<string, number> = {
  s: 1, sec: 1, secs: 1, second: 1, seconds: 1,
  m: 60, min: 60, mins: 60, minute: 60, minutes: 60,
  h: 3600, hr: 3600, hrs: 3600, hour: 3600, hours: 3600,
  d: 86_400, day: 86_400, days: 86_400,
  w: 604_800, week: 604_800, weeks: 604_800,
};
const PATTERN = /^([+-])?\s*(\d+(?:\.\d+)?)\s*([a-z]+)$/i;

/** A duration: seconds, or a string such as `'30s'`, `'5m'`, `'1h'`, `'2 days'` (a leading `-` makes it negative). */
export type Duration = number | string;

/** A point in time: NumericDate seconds since the epoch, a `Date`, or a {@link Duration} string relative to now (`'-1h'`, `'+10m'`). */
export type TimeInput = number | string | Date;

/**
 * Parses a duration into whole seconds.
 *
 * @param value - seconds (any finite number) or a string with a unit (`s`, `m`, `h`, `d`, `w` and their long forms).
 * @param option - the option's name, for the error message.
 * @throws TypeError naming the option when the value is not a duration.
 * @example parseDuration('5m', 'expiresIn') // 300
 */
export function parseDuration(value: unknown, option: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'string') {
    const match = PATTERN.exec(value.trim());
    const unit = match ? UNIT_SECONDS[(match[3] as string).toLowerCase()] : undefined;
    if (match && unit !== undefined) {
      const seconds = Math.trunc(Number(match[2]) * unit);
      return match[1] === '-' ? -seconds : seconds;
    }
  }
  throw new TypeError(`${option}: expected seconds (a number) or a duration such as '30s', '5m', '1h'; got ${JSON.stringify(value)}`);
}

/**
 * Turns a {@link TimeInput} into a NumericDate (whole seconds since the epoch).
 *
 * @param value - absolute seconds, a `Date`, or a duration string relative to `now`.
 * @param now - the current NumericDate.
 * @param option - the option's name, for the error message.
 * @example toNumericDate('-1h', 1_700_003_600, 'issuedAt') // 1_700_000_000
 */
export function toNumericDate(value: TimeInput, now: number, option: string): number {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isFinite(ms)) return Math.floor(ms / 1000);
    throw new TypeError(`${option}: invalid Date`);
  }
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return Math.floor(value);
    throw new TypeError(`${option}: expected a finite NumericDate; got ${value}`);
  }
  return now + parseDuration(value, option);
}

/** The current time as a NumericDate. */
export const epochSeconds = (): number => Math.floor(Date.now() / 1000);
