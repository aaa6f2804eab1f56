/**
 * What each target answered for each row, and the check every table ends with: every target
 * answered every row, and all alike.
 */
import { expect } from 'vitest';

/** Records answers by row and target; see {@link CrossTarget.expectAlike}. */
export interface CrossTarget<T> {
  /** Keeps what `target` answered for the row `row`. */
  record(row: string, target: string, answer: T): void;
  /** Asserts that every target answered the row `row`, in order, and that all answers are equal. */
  expectAlike(row: string): void;
}

/** A recorder for the targets named `targets`, in the order their tests run. */
export function crossTarget<T>(targets: readonly string[]): CrossTarget<T> {
  const observed = new Map<string, Map<string, T>>();
  return {
    record(row, target, answer) {
      const byTarget = observed.get(row) ?? new Map<string, T>();
      observed.set(row, byTarget);
      byTarget.set(target, answer);
    },
    expectAlike(row) {
      const byTarget = observed.get(row);
      expect([...(byTarget?.keys() ?? [])]).toEqual([...targets]);
      const [first, ...others] = [...(byTarget?.values() ?? [])];
      for (const other of others) expect(other).toEqual(first);
    },
  };
}
