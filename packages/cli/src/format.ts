/**
 * Output formatting: JSON, timestamps in ISO and relative form ("expires in 4m 10s").
 */

/** Pretty JSON with two-space indentation. */
export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

const UNITS: [string, number][] = [
  ['d', 86_400],
  ['h', 3_600],
  ['m', 60],
  ['s', 1],
];

/**
 * A duration in its two largest units, zeros dropped: `4m 10s`, `2h`, `1d 3h`, `0s`.
 * @param seconds - a duration; the sign is ignored and fractions are truncated.
 */
export function formatDuration(seconds: number): string {
  const total = Math.floor(Math.abs(seconds));
  const first = UNITS.findIndex(([, size]) => total >= size);
  if (first === -1) return '0s';
  const [unit, size] = UNITS[first] as [string, number];
  const parts = [`${Math.floor(total / size)}${unit}`];
  const next = UNITS[first + 1];
  if (next) {
    const count = Math.floor((total % size) / next[1]);
    if (count > 0) parts.push(`${count}${next[0]}`);
  }
  return parts.join(' ');
}

/** The time claims `inspect` describes, with the verbs used for the past and the future. */
const PHRASES: Record<string, { past: string; future: string }> = {
  exp: { past: 'expired', future: 'expires' },
  nbf: { past: 'valid since', future: 'valid' },
  iat: { past: 'issued', future: 'issued' },
  auth_time: { past: 'authenticated', future: 'authenticated' },
};

/**
 * A NumericDate relative to now: `expires in 4m 10s`, `expired 2h ago`, `issued 3m ago`.
 * @param claim - `exp`, `nbf`, `iat` or `auth_time`.
 * @param value - seconds since the epoch.
 * @param now - seconds since the epoch.
 */
export function relativeTime(claim: string, value: number, now: number): string {
  const phrase = PHRASES[claim] ?? { past: claim, future: claim };
  const delta = value - now;
  if (delta > 0) return `${phrase.future} in ${formatDuration(delta)}`;
  return `${phrase.past} ${formatDuration(delta)} ago`;
}

/** A NumericDate as an ISO 8601 string, or `undefined` when it cannot be one. */
export function isoTime(value: number): string | undefined {
  const date = new Date(value * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
