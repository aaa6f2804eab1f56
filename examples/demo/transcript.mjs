/**
 * The demo's transcript: a table per section, one aligned row per checked step (printed when the
 * section ends, so columns fit their content), and the tally that decides the exit code.
 */

const COLUMNS = /** @type {const} */ (['step', 'framework', 'request', 'expected', 'got']);
const MAX_WIDTH = 44;

/** @param {string} text @param {number} width */
const cell = (text, width) => (text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width));

/** @typedef {{ step: string, framework: string, request: string, expected: string, got: string }} Row */

export function createTranscript(write = (/** @type {string} */ line) => console.log(line)) {
  let passed = 0;
  let failed = 0;
  /** @type {(Row & { ok: boolean })[]} */
  let rows = [];

  function flush() {
    if (rows.length === 0) return;
    const widths = COLUMNS.map((name) =>
      Math.min(MAX_WIDTH, Math.max(name.length, ...rows.map((r) => r[name].length))),
    );
    write(`  ${COLUMNS.map((name, i) => cell(name, widths[i])).join('  ')}`.trimEnd());
    for (const row of rows)
      write(`  ${COLUMNS.map((name, i) => cell(row[name], widths[i])).join('  ')}  ${row.ok ? '✓' : '✗'}`);
    rows = [];
  }

  return {
    /** Starts a section (printing the previous one). @param {string} title */
    section(title) {
      flush();
      write('');
      write(title);
    },
    /** Records one step; it passes when `got` is exactly `expected`. @param {Row} row */
    row(row) {
      const ok = row.got === row.expected;
      if (ok) passed++;
      else failed++;
      rows.push({ ...row, ok });
      return ok;
    },
    /** Prints a line (after the rows recorded so far). @param {string} line */
    note(line) {
      flush();
      write(line);
    },
    get passed() {
      return passed;
    },
    get failed() {
      return failed;
    },
  };
}
