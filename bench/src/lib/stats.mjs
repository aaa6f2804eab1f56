/** Small statistics helpers; every figure in RESULTS.md goes through these. */

export function median(values) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export const min = (values) => Math.min(...values);
export const max = (values) => Math.max(...values);

/** 12345.6 → "12 346"; keeps tables readable without locale surprises. */
export function int(n) {
  if (!Number.isFinite(n)) return '–';
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

/** A CPU time difference as "+3.2 µs" / "−0.4 µs" (one decimal: the cached-request targets are a few µs). */
export function signedMicros(n) {
  if (!Number.isFinite(n)) return '–';
  return `${n < 0 ? '−' : '+'}${Math.abs(n).toFixed(1)} µs`;
}

/** Ratio as "0.87×". */
export function ratio(r) {
  return Number.isFinite(r) ? `${r.toFixed(2)}×` : '–';
}

export function ms(n, digits = 2) {
  return Number.isFinite(n) ? `${n.toFixed(digits)} ms` : '–';
}

export function bytes(n) {
  if (!Number.isFinite(n)) return '–';
  if (Math.abs(n) >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(2)} MiB`;
  if (Math.abs(n) >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${Math.round(n)} B`;
}
