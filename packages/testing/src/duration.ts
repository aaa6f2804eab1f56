/**
 * Durations and points in time for token claims: seconds, `'5m'`-style strings, `Date`s.
 * Durations are core's grammar (`parseDuration` of `@bearer-guard/core`), signed and cut to whole
 * seconds, as a JWT's NumericDate claims are.
 */
import type { Duration } from '@bearer-guard/core';
import { optionError, parseDuration } from '@bearer-guard/core/adapter';

/** A duration (core's type): seconds, or a string such as `'500ms'`, `'30s'`, `'5m'`, `'2 days'`; `-` makes it negative. */
export type { Duration };

/** A point in time: NumericDate seconds since the epoch, a `Date`, or a {@link Duration} string relative to now (`'-1h'`, `'+10m'`). */
export type TimeInput = number | string | Date;

/**
 * Parses a duration, signed, into whole seconds (truncated toward zero: `'1500ms'` is 1).
 *
 * @param value - seconds (any finite number) or a string in core's grammar, with an optional sign.
 * @param option - the option's name, for the error message (`'createTestIssuer.expiresIn'`).
 * @throws TypeError ``bearer-guard: `<option>` must be …`` when the value is not a duration.
 * @example wholeSeconds('-5m', 'sign.expiresIn') // -300
 */
export function wholeSeconds(value: unknown, option: string): number {
  return Math.trunc(parseDuration(value, option, { signed: true }));
}

/**
 * Turns a {@link TimeInput} into a NumericDate (whole seconds since the epoch).
 *
 * @param value - absolute seconds, a `Date`, or a duration string relative to `now`.
 * @param now - the current NumericDate.
 * @param option - the option's name, for the error message.
 * @example toNumericDate('-1h', 1_700_003_600, 'sign.issuedAt') // 1_700_000_000
 */
export function toNumericDate(value: TimeInput, now: number, option: string): number {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isFinite(ms)) return Math.floor(ms / 1000);
    throw optionError(option, 'must be a valid Date');
  }
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return Math.floor(value);
    throw optionError(option, `must be a finite NumericDate; got ${value}`);
  }
  return now + wholeSeconds(value, option);
}

/** The current time as a NumericDate. */
export const epochSeconds = (): number => Math.floor(Date.now() / 1000);
