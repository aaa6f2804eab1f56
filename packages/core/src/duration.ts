/**
 * The one duration grammar of every bearer-guard package: a number of seconds, or a number with a
 * unit — `'250ms'`, `'30s'`, `'5m'`, `'1.5h'`, `'2 days'`, `'1w'` — with long forms (`sec`,
 * `seconds`, `min`, `minutes`, `hr`, `hours`, `day`, `days`, `week`, `weeks`) as jose's `'2 hours'`.
 */
import { optionError } from './option-checks.js';

/** A duration: seconds, or a string with a unit such as `'500ms'`, `'30s'`, `'5m'`, `'2 days'`. */
export type Duration = number | string;

const UNIT_SECONDS: Record<string, number> = {
  ms: 0.001,
  msec: 0.001,
  msecs: 0.001,
  millisecond: 0.001,
  milliseconds: 0.001,
  s: 1,
  sec: 1,
  secs: 1,
  second: 1,
  seconds: 1,
  m: 60,
  min: 60,
  mins: 60,
  minute: 60,
  minutes: 60,
  h: 3600,
  hr: 3600,
  hrs: 3600,
  hour: 3600,
  hours: 3600,
  d: 86_400,
  day: 86_400,
  days: 86_400,
  w: 604_800,
  week: 604_800,
  weeks: 604_800,
};
const PATTERN = /^([+-])?\s*(\d+(?:\.\d+)?)\s*([a-z]+)$/i;

/** Options of {@link parseDuration}. */
export interface ParseDurationOptions {
  /** Accept a leading `-` (and negative numbers): a time relative to now, as in `'-1h'`. Default false. */
  signed?: boolean;
}

/**
 * Parses a duration into seconds (fractions kept: `'250ms'` is `0.25`).
 *
 * @param value - seconds (a finite number, not negative unless `signed`) or a string with a unit.
 * @param option - the option's name, for the error message (`'clockTolerance'`, `'jwksCache.maxAge'`).
 * @throws TypeError `bearer-guard: \`<option>\` must be …` when the value is not a duration.
 * @example parseDuration('5m', 'maxTokenAge') // 300
 */
export function parseDuration(value: unknown, option: string, options: ParseDurationOptions = {}): number {
  const signed = options.signed === true;
  if (typeof value === 'number') {
    if (Number.isFinite(value) && (signed || value >= 0)) return value;
  } else if (typeof value === 'string') {
    const match = PATTERN.exec(value.trim());
    const unit = match ? UNIT_SECONDS[(match[3] as string).toLowerCase()] : undefined;
    if (match && unit !== undefined && (signed || match[1] !== '-')) {
      const seconds = Number(match[2]) * unit;
      return match[1] === '-' ? -seconds : seconds;
    }
  }
  const kind = signed ? 'seconds (a number)' : 'seconds (a number ≥ 0)';
  throw optionError(
    option,
    `must be ${kind} or a duration such as '500ms', '30s', '5m', '2 days'; got ${JSON.stringify(value)}`,
  );
}
