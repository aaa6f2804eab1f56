/**
 * The bench's SVG charts (bench/src/lib/charts.mjs) from small fixed results shaped like the run's:
 * well-formed XML, one bar per measured candidate, widths proportional to the values the tables
 * print, escaped labels, a title and a description, and the same bytes for the same input.
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs module of the bench, without type declarations.
import { barChart, httpCharts, verifyCharts } from '../bench/src/lib/charts.mjs';

type Chart = { file: string; title: string; svg: string };

/** Throws unless `xml` is one well-formed element: tags nest and close, attributes are quoted, text has no raw `<` or `&`. */
function assertWellFormed(xml: string): void {
  const stack: string[] = [];
  let roots = 0;
  const token = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let match: RegExpExecArray | null;
  let end = 0;
  while (end < xml.length) {
    token.lastIndex = end;
    match = token.exec(xml);
    if (!match) throw new Error(`not well-formed at ${end}: ${xml.slice(end, end + 60)}`);
    end = token.lastIndex;
    const [, closing, name, , selfClosing, text] = match;
    if (text !== undefined) {
      if (/&(?!(amp|lt|gt|quot|#\d+);)/.test(text)) throw new Error(`raw & in text: ${text}`);
      if (!stack.length && text.trim()) throw new Error(`text outside the root: ${text}`);
      continue;
    }
    if (closing) {
      if (stack.pop() !== name) throw new Error(`</${name}> closes nothing open`);
    } else {
      if (!stack.length) roots++;
      if (!selfClosing) stack.push(name as string);
    }
  }
  if (stack.length) throw new Error(`unclosed: ${stack.join(', ')}`);
  if (roots !== 1) throw new Error(`${roots} root elements`);
}

/** Each bar's width, in document order. */
const barWidths = (svg: string) =>
  [...svg.matchAll(/<rect class="bar"[^>]* width="([\d.]+)"/g)].map((m) => Number(m[1]));
const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);

const row = (id: string, label: string, ratios: number[], extra = {}) => ({
  id,
  label,
  note: false,
  async: true,
  ops: ratios.map((r) => r * 10_000),
  ratios,
  failed: undefined,
  ...extra,
});

const verify = {
  gcExposed: true,
  cfg: { reps: 3, sliceMs: 300, warmupMs: 200, uniqueTokens: 2000 },
  results: [
    {
      alg: 'RS256',
      tokenBytes: 662,
      rows: [
        row('raw', 'node:crypto `crypto.verify` (signature only — the floor)', [1, 1, 1]),
        row('bg-miss', 'bearer-guard core `verify()`, unique tokens', [0.5, 0.4, 0.6]),
        row('jose', 'peer <b> & "co"', [0.25, 0.2, 0.3]),
        row('bg-hit', 'bearer-guard core `verify()`, repeated token (cache hit)', [20, 19, 21]),
        row('fast-jwt-hit', 'fast-jwt, repeated token (cache hit)', [5, 5, 5]),
        row('jose-inflight', 'jose `jwtVerify`, 32 in flight (note)', [0.5, 0.5, 0.5], { note: true }),
        row('jsonwebtoken-pem', 'jsonwebtoken with a PEM string', [], { failed: 'threw: boom' }),
      ],
      skipped: [{ id: 'aws-jwt-verify', label: 'aws-jwt-verify', reason: 'no PS* here' }],
    },
  ],
};

const httpCase = (
  id: string,
  label: string,
  variant: string,
  cpu: number[],
  cpuRatios: number[],
  ratios: number[],
) => ({
  id,
  label,
  variant,
  stream: 'unique',
  rps: cpu.map((c) => 1e6 / c),
  ratios,
  cpuPerRequest: cpu,
  cpuRatios,
  p50: 5,
  p99: 10,
  non2xx: 0,
  errors: 0,
  timeouts: 0,
  statusCodes: { 200: 1000 },
  jwksFetches: undefined,
});

const groups = [
  {
    framework: 'express',
    title: 'Express 5',
    results: [
      { ...httpCase('express/bare', 'bare express', 'bare', [200, 190, 210], [], []), bare: true },
      httpCase(
        'express/bg-hit',
        'bearer-guard, repeated token (hit)',
        'bearer-guard',
        [220, 210, 230],
        [1.1, 1.1, 1.1],
        [0.9, 0.9, 0.9],
      ),
      httpCase(
        'express/bg-miss',
        'bearer-guard, unique tokens (miss)',
        'bearer-guard',
        [240, 230, 250],
        [1.2, 1.2, 1.2],
        [0.8, 0.8, 0.8],
      ),
      httpCase('express/peer', 'peer & <friends>', 'express-jwt', [280, 270, 290], [1.4, 1.4, 1.4], [0.5, 0.5, 0.5]),
      {
        ...httpCase('express/broken', 'broken peer', 'koa-jwt', [], [], []),
        error: 'check "valid token": expected 200',
      },
    ],
  },
];

describe('bench charts: verification', () => {
  const charts: Chart[] = verifyCharts(verify);
  const [chart] = charts;
  const svg = chart!.svg;

  it('writes one well-formed SVG per algorithm, named after it', () => {
    expect(charts.map((c) => c.file)).toEqual(['verify-rs256.svg']);
    assertWellFormed(svg);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  });

  it('has a title and a description that carries every value, referenced by aria-labelledby', () => {
    expect(svg).toContain(
      '<title id="chart-title">RS256: verifications per second relative to raw crypto.verify</title>',
    );
    expect(svg).toContain('aria-labelledby="chart-title chart-desc"');
    const desc = /<desc id="chart-desc">([^<]*)<\/desc>/.exec(svg)?.[1];
    expect(desc).toContain('bearer-guard core verify(), unique tokens: 0.50×');
    expect(desc).toContain('bearer-guard core verify(), repeated token (cache hit): 20.00×');
    expect(desc).toContain('jsonwebtoken with a PEM string: failed: threw: boom');
  });

  it('draws a bar per measured candidate, none for the concurrency note or a failed one', () => {
    // raw, bg-miss, jose in the first panel; bg-hit, fast-jwt-hit in the cache-hit panel.
    expect(barWidths(svg)).toHaveLength(5);
    expect(texts(svg)).not.toContain('jose jwtVerify, 32 in flight (note)');
    expect(texts(svg)).toContain('skipped: no PS* here');
  });

  it('makes bar widths proportional to the median ratios, each panel on its own axis', () => {
    const [raw, miss, jose, hit, fastHit] = barWidths(svg) as [number, number, number, number, number];
    expect(miss / raw).toBeCloseTo(0.5, 3);
    expect(jose / raw).toBeCloseTo(0.25, 3);
    expect(fastHit / hit).toBeCloseTo(5 / 20, 3);
    // Both panels span the same width for their largest value.
    expect(hit).toBe(raw);
  });

  it('escapes labels and strips Markdown backticks', () => {
    expect(svg).toContain('peer &lt;b&gt; &amp; &quot;co&quot;');
    expect(svg).not.toContain('<b>');
    expect(svg).not.toContain('`');
  });

  it('gives the same bytes for the same results, and says so when the run was a quick one', () => {
    expect(verifyCharts(structuredClone(verify))[0].svg).toBe(svg);
    expect(svg).not.toContain('Quick smoke run');
    expect(verifyCharts(verify, { quick: true })[0].svg).toContain('Quick smoke run');
  });
});

describe('bench charts: HTTP', () => {
  const charts: Chart[] = httpCharts(groups);
  const cpu = charts.find((c) => c.file === 'http-cpu.svg')!.svg;
  const rps = charts.find((c) => c.file === 'http-rps.svg')!.svg;

  it('writes a CPU chart and a req/s chart, both well-formed', () => {
    expect(charts.map((c) => c.file)).toEqual(['http-cpu.svg', 'http-rps.svg']);
    assertWellFormed(cpu);
    assertWellFormed(rps);
  });

  it('charts the CPU added over bare per request, lower is better, with the tables’ ratio', () => {
    expect(cpu).toContain('Lower is better.');
    expect(texts(cpu)).toContain('Express 5 — bare express: 200 µs of server CPU per request');
    expect(texts(cpu)).toEqual(
      expect.arrayContaining(['+20.0 µs (CPU 1.10× bare)', '+40.0 µs (CPU 1.20× bare)', '+80.0 µs (CPU 1.40× bare)']),
    );
    const [hit, miss, peer] = barWidths(cpu) as [number, number, number];
    expect(barWidths(cpu)).toHaveLength(3);
    expect(miss / hit).toBeCloseTo(2, 3);
    expect(peer / hit).toBeCloseTo(4, 3);
    expect(texts(cpu)).toContain('failed: check &quot;valid token&quot;: expected 200');
  });

  it('charts the paired per-repetition difference when the run has one', () => {
    const paired = groups.map((g) => ({
      ...g,
      results: g.results.map((r) => (r.id === 'express/bg-hit' ? { ...r, cpuAdded: [2.5, 3.5, 3.1] } : r)),
    }));
    const [pairedCpu] = httpCharts(paired) as Chart[];
    expect(texts(pairedCpu!.svg)).toEqual(
      expect.arrayContaining(['+3.1 µs (CPU 1.10× bare)', '+40.0 µs (CPU 1.20× bare)']),
    );
  });

  it('charts req/s relative to bare, higher is better, with bare as the 1.00× reference', () => {
    expect(rps).toContain('Higher is better.');
    expect(texts(rps)).toContain('bare = 1.00×');
    const [hit, miss, peer] = barWidths(rps) as [number, number, number];
    // The axis runs to the 1.00× reference, the largest value here.
    expect(peer / hit).toBeCloseTo(0.5 / 0.9, 3);
    expect(miss / hit).toBeCloseTo(0.8 / 0.9, 3);
  });

  it('highlights bearer-guard rows and escapes the peers’ labels', () => {
    expect(cpu).toMatch(/font-weight="600"[^>]*>bearer-guard, repeated token \(hit\)</);
    expect(cpu).toContain('peer &amp; &lt;friends&gt;');
    expect(httpCharts(structuredClone(groups))[0].svg).toBe(cpu);
  });
});

describe('bench charts: barChart', () => {
  it('draws negative values left of zero, proportional to their size', () => {
    const svg: string = barChart({
      title: 'signs',
      summary: 'a',
      panels: [
        {
          heading: 'h',
          rows: [
            { label: 'minus', value: -1, text: '-1', color: '#000' },
            { label: 'plus', value: 3, text: '3', color: '#000' },
          ],
        },
      ],
    });
    assertWellFormed(svg);
    const xs = [...svg.matchAll(/<rect class="bar" x="([\d.]+)"[^>]* width="([\d.]+)"/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ]) as [number, number][];
    const [[minusX, minusW], [plusX, plusW]] = xs as [[number, number], [number, number]];
    expect(plusW / minusW).toBeCloseTo(3, 3);
    expect(minusX + minusW).toBeCloseTo(plusX, 1);
  });
});
