/**
 * The run's side-by-side as SVG bar charts, written to bench/charts/ beside RESULTS.md. Hand-built
 * strings, no dependency: every text is escaped, every coordinate rounded to 0.1 px, nothing
 * depends on the clock or the machine, so the same results always give the same bytes.
 *
 * Each chart is a white card (readable on GitHub's light and dark themes) with a `<title>` and a
 * `<desc>` that lists every value, for screen readers and for whoever cannot see the colours.
 * The figures are the tables' own: `median()` of the same arrays renderVerify and renderGroup use.
 */
import { median, ratio, signedMicros } from './stats.mjs';

const WIDTH = 800;
const PAD = 16;
/** Average advance of a 12 px sans-serif character: used to wrap text and space the legend. */
const CHAR = 6.6;
const LINE = 15;
const BAR = 12;
const ROW_GAP = 10;
/** Room right of the longest bar for its value text. */
const VALUE_SPACE = 190;

export const COLORS = {
  background: '#ffffff',
  border: '#d0d7de',
  text: '#1f2328',
  muted: '#59636e',
  axis: '#8c959f',
  bearerGuard: '#0969da',
  peer: '#6e7781',
  raw: '#9a6700',
};

const FONT = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Helvetica, Arial, sans-serif";

/** Text safe inside an element or a double- or single-quoted attribute. */
export function escapeXml(text) {
  return String(text)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** Markdown labels (`code` spans) read as plain text on a chart. */
const plain = (label) => String(label).replaceAll('`', '');

/** A coordinate with one decimal, never "-0". */
const px = (n) => String(Math.round(n * 10) / 10 || 0);

/** Greedy word wrap at `max` characters; a single longer word keeps its own line. */
function wrap(text, max) {
  const lines = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > max) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.length ? lines : [''];
}

/** A white halo under every text, so a reference line passing behind it never crosses the letters. */
const HALO = `stroke="${COLORS.background}" stroke-width="3" stroke-linejoin="round" paint-order="stroke"`;

function text(x, y, content, attrs = '') {
  return `<text x="${px(x)}" y="${px(y)}"${attrs ? ` ${attrs}` : ''} ${HALO}>${escapeXml(content)}</text>`;
}

/**
 * A horizontal bar chart in panels. Each row is `{ label, value, text, color, strong }`: `value`
 * null draws no bar (a failed or skipped case) and shows `text` alone. Bars start at 0 and are
 * proportional to their value; a panel's `reference` (`{ value, label }`) is a dashed vertical
 * line. `scale: 'shared'` gives every panel the same axis (same unit, comparable across panels),
 * `'panel'` one per panel (for panels whose magnitudes differ, such as cache hits).
 */
export function barChart({ title, summary, notes = [], legend = [], panels, scale = 'shared' }) {
  const maxChars = Math.floor((WIDTH - 2 * PAD) / CHAR);
  const barWidth = WIDTH - 2 * PAD - VALUE_SPACE;
  /** The axis of some panels: from min(0, values) to max(0, values), references included. */
  const domain = (list) => {
    const values = list.flatMap((p) => [...p.rows.map((r) => r.value), p.reference?.value]).filter(Number.isFinite);
    const lo = Math.min(0, ...values);
    const hi = Math.max(0, ...values);
    return { lo, hi: hi > lo ? hi : lo + 1 };
  };
  const shared = domain(panels);

  const body = [];
  let y = PAD + 16;
  body.push(text(PAD, y, title, `font-size="16" font-weight="600" fill="${COLORS.text}"`));
  for (const line of [summary, ...notes].flatMap((l) => wrap(l, maxChars))) {
    y += LINE + 1;
    body.push(text(PAD, y, line, `fill="${COLORS.muted}"`));
  }
  if (legend.length) {
    y += 22;
    let x = PAD;
    for (const item of legend) {
      body.push(
        `<rect class="swatch" x="${px(x)}" y="${px(y - 10)}" width="12" height="12" rx="2" fill="${item.color}"/>`,
      );
      body.push(text(x + 17, y, item.label, `fill="${COLORS.text}"`));
      x += 17 + item.label.length * CHAR + 18;
    }
  }

  for (const panel of panels) {
    const { lo, hi } = scale === 'panel' ? domain([panel]) : shared;
    const x = (v) => PAD + ((v - lo) / (hi - lo)) * barWidth;
    y += 30;
    body.push(text(PAD, y, panel.heading, `font-size="13" font-weight="600" fill="${COLORS.text}"`));
    const rows = [];
    if (panel.reference) {
      y += LINE + 2;
      const rx = x(panel.reference.value);
      const anchor = rx > PAD + barWidth / 2 ? 'end' : 'start';
      body.push(
        text(
          rx + (anchor === 'end' ? -4 : 4),
          y,
          panel.reference.label,
          `text-anchor="${anchor}" fill="${COLORS.muted}"`,
        ),
      );
    }
    const top = y + 6;
    for (const row of panel.rows) {
      const weight = row.strong ? ' font-weight="600"' : '';
      for (const line of wrap(plain(row.label), maxChars)) {
        y += LINE;
        rows.push(text(PAD, y, line, `fill="${COLORS.text}"${weight}`));
      }
      const barTop = y + 5;
      if (Number.isFinite(row.value)) {
        const start = Math.min(x(0), x(row.value));
        const end = Math.max(x(0), x(row.value));
        rows.push(
          `<rect class="bar" x="${px(start)}" y="${px(barTop)}" width="${px(end - start)}" height="${BAR}" fill="${row.color}"/>`,
        );
        rows.push(text(end + 6, barTop + BAR - 2, row.text, `fill="${COLORS.text}"${weight}`));
      } else {
        rows.push(text(x(0) + 6, barTop + BAR - 2, row.text, `fill="${COLORS.muted}" font-style="italic"`));
      }
      y = barTop + BAR + ROW_GAP - 4;
    }
    const bottom = y;
    body.push(
      `<line x1="${px(x(0))}" y1="${px(top)}" x2="${px(x(0))}" y2="${px(bottom)}" stroke="${COLORS.axis}" stroke-width="1"/>`,
    );
    if (panel.reference) {
      const rx = px(x(panel.reference.value));
      body.push(
        `<line x1="${rx}" y1="${px(top - 14)}" x2="${rx}" y2="${px(bottom)}" stroke="${COLORS.raw}" stroke-width="1.5" stroke-dasharray="4 3"/>`,
      );
    }
    body.push(...rows);
  }

  const height = Math.ceil(y + PAD);
  const desc = [
    summary,
    ...notes,
    ...panels.map(
      (p) =>
        `${p.heading}: ${p.rows.map((r) => `${plain(r.label)}: ${r.text}`).join('; ')}${p.reference ? ` (reference: ${p.reference.label})` : ''}.`,
    ),
  ].join(' ');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="chart-title chart-desc" font-family="${FONT}" font-size="12">`,
    `<title id="chart-title">${escapeXml(title)}</title>`,
    `<desc id="chart-desc">${escapeXml(desc)}</desc>`,
    `<rect x="0.5" y="0.5" width="${WIDTH - 1}" height="${height - 1}" rx="6" fill="${COLORS.background}" stroke="${COLORS.border}"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

const QUICK_NOTE = 'Quick smoke run (BENCH_QUICK=1): tiny time slices, indicative only — do not quote these figures.';

/** Cache-hit rows (`bg-hit`, `fast-jwt-hit`, `bg-jwe-hit`…) get their own panel and axis: 10–80× would flatten the rest. */
const isCacheHit = (id) => id.endsWith('-hit');

function verifyRow(row) {
  const reference = row.id === 'raw' || row.id === 'floor-jwt';
  const color = reference ? COLORS.raw : row.id.startsWith('bg-') ? COLORS.bearerGuard : COLORS.peer;
  const strong = row.id.startsWith('bg-');
  if (row.failed) return { label: row.label, value: null, text: `failed: ${row.failed}`, color, strong };
  // The same figure as renderVerify's "vs raw crypto.verify" column.
  const value = row.id === 'raw' ? 1 : median(row.ratios);
  return { label: row.label, value, text: row.id === 'raw' ? '1.00× (floor)' : ratio(value), color, strong };
}

const verifyLegend = [
  { label: 'bearer-guard', color: COLORS.bearerGuard },
  { label: 'peer libraries', color: COLORS.peer },
  { label: 'raw crypto.verify (the floor)', color: COLORS.raw },
];

/**
 * Section 1 as one chart per algorithm (`verify-rs256.svg`…): each candidate's median ratio to
 * raw `crypto.verify` in the same repetition, with 1.0 as a reference line. Full verifications and
 * cache hits are separate panels with their own axis; the concurrency notes are left out.
 *
 * @param {{ results: object[], cfg: { reps: number } }} verify what runVerifyBench resolves with
 * @param {{ quick?: boolean }} [options]
 * @returns {{ file: string, title: string, svg: string }[]}
 */
export function verifyCharts({ results, cfg }, { quick = false } = {}) {
  return results.map((r) => {
    const measured = r.rows.filter((row) => !row.note);
    const skipped = r.skipped.map((s) => ({
      label: s.label,
      value: null,
      text: s.reason.startsWith('failed') ? s.reason : `skipped: ${s.reason}`,
      color: COLORS.peer,
      id: s.id,
    }));
    const rowsOf = (hit) => [
      ...measured.filter((row) => isCacheHit(row.id) === hit).map(verifyRow),
      ...skipped.filter((s) => isCacheHit(s.id) === hit && !s.label.includes('in flight')),
    ];
    const reference = { value: 1, label: 'raw crypto.verify = 1.00×' };
    const panels = [
      { heading: 'Every token new: the full verification', rows: rowsOf(false), reference },
      { heading: 'Cache hits: the same token verified again', rows: rowsOf(true), reference },
    ].filter((p) => p.rows.length);
    const title = `${r.alg}: verifications per second relative to raw crypto.verify`;
    const svg = barChart({
      title,
      summary:
        `Higher is faster. Median over ${cfg.reps} repetitions of (candidate ops/s ÷ raw crypto.verify ops/s in the same ` +
        `repetition); every candidate checks signature, alg, iss, aud and exp, the raw floor only the signature.`,
      notes: [
        `Token of ${r.tokenBytes} bytes. Cache hits have their own axis. The rows with many verifications in flight are left out: not comparable.`,
        ...(quick ? [QUICK_NOTE] : []),
      ],
      legend: verifyLegend,
      panels,
      scale: 'panel',
    });
    return { file: `verify-${r.alg.toLowerCase()}.svg`, title, svg };
  });
}

const httpLegend = [
  { label: 'bearer-guard', color: COLORS.bearerGuard },
  { label: 'peer libraries', color: COLORS.peer },
];

/**
 * Section 2 as two charts, one panel per framework, bearer-guard's cases beside each peer's:
 * `http-cpu.svg`, the server CPU a case adds per request over the bare framework (renderGroup's
 * "CPU added vs bare", the median of the per-repetition differences, with its "CPU vs bare"), and
 * `http-rps.svg`, renderGroup's "req/s vs bare" ratio.
 *
 * @param {{ title: string, baselineLabel?: string, results: object[] }[]} groups what runGroup resolves with
 * @param {{ quick?: boolean }} [options]
 * @returns {{ file: string, title: string, svg: string }[]}
 */
export function httpCharts(groups, { quick = false } = {}) {
  const color = (r) => (r.variant === 'bearer-guard' ? COLORS.bearerGuard : COLORS.peer);
  const failed = (r) => ({ label: r.label, value: null, text: `failed: ${r.error}`, color: color(r) });
  const cpuPanels = [];
  const rpsPanels = [];
  for (const group of groups) {
    const label = group.baselineLabel ?? 'bare';
    const base = group.results.find((r) => r.bare && !r.error);
    const baseCpu = base ? median(base.cpuPerRequest) : Number.NaN;
    const cases = group.results.filter((r) => !r.bare);
    cpuPanels.push({
      heading: base
        ? `${group.title} — ${base.label}: ${baseCpu.toFixed(0)} µs of server CPU per request`
        : `${group.title} — baseline unavailable`,
      rows: cases.map((r) => {
        if (r.error) return failed(r);
        if (!base) return { label: r.label, value: null, text: 'no baseline', color: color(r) };
        // The paired per-repetition difference when the run has it (steadier), else of the medians.
        const added = r.cpuAdded?.length ? median(r.cpuAdded) : median(r.cpuPerRequest) - baseCpu;
        return {
          label: r.label,
          value: added,
          text: `${signedMicros(added)} (CPU ${ratio(median(r.cpuRatios))} ${label})`,
          color: color(r),
          strong: r.variant === 'bearer-guard',
        };
      }),
    });
    rpsPanels.push({
      heading: group.title,
      reference: { value: 1, label: `${label} = 1.00×` },
      rows: cases.map((r) => {
        if (r.error) return failed(r);
        const value = base ? median(r.ratios) : Number.NaN;
        return {
          label: r.label,
          value: Number.isFinite(value) ? value : null,
          text: Number.isFinite(value) ? ratio(value) : 'no baseline',
          color: color(r),
          strong: r.variant === 'bearer-guard',
        };
      }),
    });
  }
  const quickNotes = quick ? [QUICK_NOTE] : [];
  const cpuTitle = 'HTTP: server CPU added per request over the bare framework (RS256)';
  const rpsTitle = 'HTTP: requests per second relative to the bare framework (RS256)';
  return [
    {
      file: 'http-cpu.svg',
      title: cpuTitle,
      svg: barChart({
        title: cpuTitle,
        summary:
          'Lower is better. Median server CPU time per request (user + system, process.cpuUsage()) minus the bare ' +
          "framework's, over the repetitions; in brackets the median of (case ÷ bare) per repetition.",
        notes: [
          'Repeated token = one token on every request (cache hit); unique tokens = a new token on every request (peers have no cache).',
          ...quickNotes,
        ],
        legend: httpLegend,
        panels: cpuPanels,
      }),
    },
    {
      file: 'http-rps.svg',
      title: rpsTitle,
      svg: barChart({
        title: rpsTitle,
        summary:
          'Higher is better. Median over the repetitions of (case req/s ÷ bare framework req/s in the same repetition).',
        notes: [
          'req/s also depends on how the cores are shared with the load generator: the CPU chart is the steadier figure.',
          ...quickNotes,
        ],
        legend: httpLegend,
        panels: rpsPanels,
      }),
    },
  ];
}
