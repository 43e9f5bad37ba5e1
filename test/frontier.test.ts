import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cli } from './helpers/cli.js';
import type { RunMeta } from '../src/eval/harness.js';
import type { ResultLine } from '../src/eval/results.js';
import { buildFrontier, familyOf, FrontierError } from '../src/eval/frontier.js';
import { decisionOf, decisionTable, renderFrontierHtml } from '../src/eval/frontier-render.js';
import { loadRuns } from '../src/eval/frontier-files.js';
import { mcnemarExact, signTest } from '../src/eval/stats.js';

const tmp = mkdtempSync(join(tmpdir(), 'infogain-frontier-'));
afterEach(() => vi.restoreAllMocks());

const DECODE = { steps: null, block_length: null, schedule: 'dllm', temperature: 0, threshold: null, eos_fill: true, eos_refresh: false, use_cache: 'none', shifted_first: 'overlap' };
type S = RunMeta['samplers'][number];
const s = (name: string, params: Record<string, unknown> = {}, decode: Record<string, unknown> = {}): S => ({ name, params: params as S['params'], decode: { ...DECODE, ...decode } as S['decode'] });

/**
 * A synthetic run on `n` examples: each sampler's correctness on example e is given by `right(e)`
 * and its cost per example by `rf` (wall time 2 ms per row-forward).
 */
function run(n: number, samplers: { spec: S; rf: number; right: (e: number) => boolean }[], seed = 0): { meta: RunMeta; lines: ResultLine[] } {
  const meta: RunMeta = { task: 'sudoku', model: 'sudoku', n, seed, data: null, taskOptions: { blanks: [51, 56] }, samplers: samplers.map((x) => x.spec) };
  const lines: ResultLine[] = [];
  for (let e = 0; e < n; e++)
    for (const x of samplers)
      lines.push({ example: e, sampler: x.spec.name, seed: seed + e, correct: x.right(e), score: null, answer: '', cumulativeUncertainty: 1, forwardCalls: 50, rowForwards: x.rf, wallMs: 2 * x.rf, order: [], info: {} });
  return { meta, lines };
}

// 100 examples. Greedy confidence (50 rf) solves e < 60; best-of-n at N = 2 (100 rf) solves e < 62,
// at N = 8 (400 rf) e < 70; Info-Gain without bypass N = 4 (180 rf) solves e < 80, N = 16 (700 rf, over 8×) e < 90;
// margin (50 rf) e < 55; the beam B = 2 (120 rf, bypass) e < 75 except e = 0.
const GRID = [
  { spec: s('confidence', { alg_temp: 0 }), rf: 50, right: (e: number) => e < 60 },
  { spec: s('margin', { alg_temp: 0 }), rf: 50, right: (e: number) => e < 55 },
  { spec: s('best-of-n:n2', { n: 2, criterion: 'uncertainty' }, { temperature: 0.7 }), rf: 100, right: (e: number) => e < 62 },
  { spec: s('best-of-n:n8', { n: 8, criterion: 'uncertainty' }, { temperature: 0.7 }), rf: 400, right: (e: number) => e < 70 },
  { spec: s('info-gain:n4-nobypass', { candidates: 4, position_temperature: 0.1, variant: 'info_gain' }), rf: 180, right: (e: number) => e < 80 },
  { spec: s('info-gain:n16-nobypass', { candidates: 16, position_temperature: 0.1, variant: 'info_gain' }), rf: 700, right: (e: number) => e < 90 },
  { spec: s('info-gain-beam:b2', { beams: 2, candidates: 8, position_temperature: 0.1 }, { threshold: 0.8 }), rf: 120, right: (e: number) => e > 0 && e < 75 },
];

describe('families and knobs', () => {
  it('names each sampler family by what its knob buys, the bypass splitting Info-Gain and the beam', () => {
    expect(familyOf(s('confidence'))).toMatchObject({ family: 'greedy rules', knob: 'confidence' });
    expect(familyOf(s('best-of-n:n4', { n: 4 }))).toMatchObject({ family: 'best-of-n', knob: 'N = 4', knobValue: 4 });
    expect(familyOf(s('info-gain:n8', { candidates: 8 }, { threshold: 0.8 }))).toMatchObject({ family: 'info-gain (bypass 0.8)', knob: 'N = 8' });
    expect(familyOf(s('info-gain:n8-nobypass', { candidates: 8 }))).toMatchObject({ family: 'info-gain (no bypass)' });
    // Its own step count (one token a step) is a family of its own, not a point on the schedule's curve.
    expect(familyOf(s('info-gain:n8-k1', { candidates: 8 }, { steps: 128 }))).toMatchObject({ family: 'info-gain (no bypass, 128 steps)', knob: 'N = 8' });
    expect(familyOf(s('confidence:k1', {}, { steps: 128 }))).toMatchObject({ family: 'greedy rules (128 steps)', knob: 'confidence' });
    expect(familyOf(s('best-of-n:n4', { n: 4 }, { steps: null }))).toMatchObject({ family: 'best-of-n' });
    // The run's own pace (the greedy reference's steps) qualifies nothing; the schedule's default in a run with a pace does.
    expect(familyOf(s('best-of-n:n4', { n: 4 }, { steps: 28 }), 28)).toMatchObject({ family: 'best-of-n' });
    expect(familyOf(s('info-gain:n8', { candidates: 8 }, { steps: 28, threshold: 0.8 }), 28)).toMatchObject({ family: 'info-gain (bypass 0.8)' });
    expect(familyOf(s('confidence:k1', {}, { steps: 196 }), 28)).toMatchObject({ family: 'greedy rules (196 steps)' });
    expect(familyOf(s('confidence:auto'), 28)).toMatchObject({ family: "greedy rules (the schedule's steps)" });
    expect(familyOf(s('info-gain-beam:b4', { beams: 4, candidates: 8 }, { threshold: 0.8 }))).toMatchObject({ family: 'info-gain-beam (bypass 0.8)', knob: 'B = 4, N = 8', knobValue: 32 });
    expect(familyOf(s('fast-dllm:f1', { rule: 'factor', factor: 1, threshold: 0.9 }))).toMatchObject({ family: 'fast-dllm', knob: 'factor 1' });
    expect(familyOf(s('fast-dllm', { rule: 'threshold', threshold: 0.9, factor: 1 }))).toMatchObject({ family: 'fast-dllm', knob: 'threshold 0.9' });
    expect(() => familyOf(s('best-of-n:x', { n: 'eight' }))).toThrow(/best-of-n:x: params.n is "eight", expected a number/);
  });
});

describe('buildFrontier', () => {
  const { meta, lines } = run(100, GRID);
  const f = buildFrontier(meta, lines, { bootstrap: 500, seed: 3 });
  const cell = (k: number) => f.budgets.find((c) => c.k === k)!;

  it('measures every point on the same examples, with its cost and a 95% interval around its accuracy', () => {
    expect(f.examples).toHaveLength(100);
    expect(f.greedy).toMatchObject({ sampler: 'confidence', rowForwards: 50, wallMs: 100 });
    const ig = f.points.find((p) => p.sampler === 'info-gain:n4-nobypass')!;
    expect(ig).toMatchObject({ family: 'info-gain (no bypass)', value: 0.8, rowForwards: 180, wallMs: 360 });
    expect(ig.interval!.lo).toBeLessThan(0.8);
    expect(ig.interval!.hi).toBeGreaterThan(0.8);
    // A family's curve runs along its cost.
    expect(f.families.find((x) => x.family === 'best-of-n')!.points.map((p) => p.sampler)).toEqual(['best-of-n:n2', 'best-of-n:n8']);
  });

  it("takes each family's best point with row-forwards ≤ k × greedy's + 2%", () => {
    // 1×: 50 rf: only the greedy rules; confidence (60%) over margin (55%).
    expect(cell(1).best.map((p) => p.sampler)).toEqual(['confidence']);
    // 2× = 100 rf: best-of-n N = 2 is exactly at the budget and counts; the beam (120) does not.
    expect(cell(2).best.map((p) => p.sampler)).toEqual(['best-of-n:n2', 'confidence']);
    // 4× = 200: Info-Gain N = 4 (180) leads, the beam (120) next; best-of-n still N = 2.
    expect(cell(4).best.map((p) => p.sampler)).toEqual(['info-gain:n4-nobypass', 'info-gain-beam:b2', 'best-of-n:n2', 'confidence']);
    // 8× = 400: best-of-n N = 8 enters; Info-Gain N = 16 (700) is still out.
    expect(cell(8).best.find((p) => p.family === 'best-of-n')!.sampler).toBe('best-of-n:n8');
    expect(cell(8).leader!.sampler).toBe('info-gain:n4-nobypass');
    // The slack: 2% over 2× (102 rf) is within; at tolerance 0 it is not; 3% over is never.
    const costing = (rf: number, tolerance?: number) => {
      const g = run(20, [GRID[0], { ...GRID[2], rf }]);
      return buildFrontier(g.meta, g.lines, { bootstrap: 0, tolerance }).budgets.find((c) => c.k === 2)!.best.map((p) => p.sampler);
    };
    expect(costing(102)).toContain('best-of-n:n2');
    expect(costing(102, 0)).not.toContain('best-of-n:n2');
    expect(costing(103)).not.toContain('best-of-n:n2');
    expect(() => costing(100, 1)).toThrow(/tolerance 1: expected a fraction in \[0, 1\)/);
  });

  it('tests each family against the leader and against best-of-n with McNemar on the discordant examples', () => {
    // Info-Gain N = 4 (e < 80) against best-of-n N = 8 (e < 70): 10 discordant examples, all Info-Gain's.
    const t = cell(8).vsBestOfN.find((x) => x.sampler === 'info-gain:n4-nobypass')!;
    expect(t).toMatchObject({ against: 'best-of-n:n8', test: 'mcnemar', pairs: 100, b: 10, c: 0 });
    expect(t.p).toBeCloseTo(mcnemarExact(10, 0), 12);
    expect(t.difference).toBeCloseTo(0.1, 12);
    expect(t.differenceInterval!.lo).toBeGreaterThan(0);
    // The beam (1 ≤ e < 75) against the leader (e < 80): b = 0 (none only the beam solves), c = 6 (e = 0 and 75–79).
    const beam = cell(4).vsLeader.find((x) => x.sampler === 'info-gain-beam:b2')!;
    expect(beam).toMatchObject({ against: 'info-gain:n4-nobypass', b: 0, c: 6 });
    expect(beam.p).toBeCloseTo(mcnemarExact(0, 6), 12);
  });

  it('a run whose every sampler sets the same steps (the digits grid: steps 28) keeps the plain families, best-of-n the baseline', () => {
    const paced = run(100, GRID.map((x) => ({ ...x, spec: { ...x.spec, decode: { ...x.spec.decode, steps: 28 } } })));
    const g = buildFrontier(paced.meta, paced.lines, { bootstrap: 0 });
    expect([...new Set(g.points.map((p) => p.family))].sort()).toEqual(['best-of-n', 'greedy rules', 'info-gain (no bypass)', 'info-gain-beam (bypass 0.8)']);
    const t = g.budgets.find((c) => c.k === 8)!.vsBestOfN.find((x) => x.sampler === 'info-gain:n4-nobypass')!;
    expect(t).toMatchObject({ against: 'best-of-n:n8', b: 10, c: 0 });
  });

  it('decides per budget: the leader, what it does not separate from, Info-Gain against best-of-n', () => {
    const d4 = decisionOf(f, cell(4));
    expect(d4.pick).toBe('info-gain:n4-nobypass (N = 4): 80.0% at 3.60×');
    // The beam is 6 examples behind (p = 0.031): separated; best-of-n N = 2 is 18 behind.
    expect(d4.tied).toEqual([]);
    expect(d4.igVsBon).toMatch(/^info-gain:n4-nobypass \(N = 4\) \+18\.0 pp vs best-of-n:n2 \(N = 2\) \(p /);
    // 2×: best-of-n N = 2 leads confidence by 2 examples: not separable.
    expect(decisionOf(f, cell(2)).tied).toEqual(['confidence']);
    expect(decisionOf(f, cell(1)).igVsBon).toBe('no Info-Gain point within budget');
    expect(decisionTable(f).rows.map((r) => r[0])).toEqual(['≤ 1× (50)', '≤ 2× (100)', '≤ 4× (200)', '≤ 8× (400)']);
  });

  it('uses only the examples every sampler has, and says how many the run holds', () => {
    // The last 10 examples of best-of-n N = 8 are not done yet (a running evaluation).
    const partial = lines.filter((l) => !(l.sampler === 'best-of-n:n8' && l.example >= 90));
    const g = buildFrontier(meta, partial, { bootstrap: 0 });
    expect(g.examples).toHaveLength(90);
    expect(g.examplesInRun).toBe(100);
    expect(g.points.find((p) => p.sampler === 'confidence')!.value).toBeCloseTo(60 / 90, 12);
    expect(g.points.every((p) => p.interval === null)).toBe(true);
    // A sampler with no line yet is left out and named.
    const none = buildFrontier(meta, lines.filter((l) => l.sampler !== 'margin'), { bootstrap: 0 });
    expect(none.ungraded).toEqual(['margin']);
    expect(none.points.some((p) => p.sampler === 'margin')).toBe(false);
  });

  it('tests scores with a sign test on the per-example differences', () => {
    const { meta: m, lines: ls } = run(40, [GRID[0], GRID[2]]);
    // Scores instead of correctness: best-of-n higher on 30 examples, lower on 6, equal on 4.
    const scored = ls.map((l) => ({ ...l, correct: null, score: l.sampler === 'confidence' ? 0 : l.example < 30 ? 1 : l.example < 36 ? -1 : 0 }));
    const g = buildFrontier(m, scored, { bootstrap: 0 });
    expect(g.kind).toBe('score');
    const t = g.budgets.find((c) => c.k === 2)!.vsLeader[0];
    expect(t).toMatchObject({ sampler: 'confidence', against: 'best-of-n:n2', test: 'sign', b: 6, c: 30 });
    expect(t.p).toBeCloseTo(signTest(6, 30), 12);
    expect(t.difference).toBeCloseTo(-24 / 40, 12);
  });

  it('refuses what it cannot read, naming the problem', () => {
    expect(() => buildFrontier(meta, [], {})).toThrow(FrontierError);
    expect(() => buildFrontier(meta, lines, { greedy: 'entropy' })).toThrow(/greedy reference "entropy" has no results; present: confidence, margin/);
    expect(() => buildFrontier(meta, lines, { budgets: [0] })).toThrow(/budget 0/);
    expect(() => buildFrontier({ ...meta, samplers: meta.samplers.slice(1) }, lines, {})).toThrow(/samplers meta.json does not describe: confidence/);
  });
});

function writeRun(dir: string, r: { meta: RunMeta; lines: ResultLine[] }): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(r.meta));
  writeFileSync(join(dir, 'results.jsonl'), r.lines.map((l) => JSON.stringify(l) + '\n').join(''));
  return dir;
}

describe('several runs of the same examples', () => {
  it('joins runs by sampler and refuses runs of other examples or clashing settings', () => {
    const a = writeRun(join(tmp, 'a'), run(20, GRID.slice(0, 3)));
    const b = writeRun(join(tmp, 'b'), run(20, GRID.slice(2)));
    const { meta, lines } = loadRuns([a, b]);
    expect(meta.samplers.map((x) => x.name)).toEqual(GRID.map((x) => x.spec.name));
    // best-of-n:n2 is in both: its lines come from the first run only.
    expect(lines.filter((l) => l.sampler === 'best-of-n:n2')).toHaveLength(20);
    const other = writeRun(join(tmp, 'seed1'), run(20, GRID.slice(0, 1), 1));
    expect(() => loadRuns([a, other])).toThrow(/seed1 has seed 1 but .*a has 0; a frontier compares samplers on the same examples/);
    const clash = writeRun(join(tmp, 'clash'), run(20, [{ ...GRID[2], spec: s('best-of-n:n2', { n: 3, criterion: 'uncertainty' }) }]));
    expect(() => loadRuns([a, clash])).toThrow(/sampler best-of-n:n2 has different settings/);
  });
});

const HAS_CHROMIUM = existsSync('/usr/bin/chromium');

describe('infogain frontier', () => {
  it('writes frontier.md and frontier.html with the decision table, and refuses a bad --budgets', async () => {
    const dir = writeRun(join(tmp, 'cli'), run(30, GRID));
    const r = await cli('frontier', dir, '--out', join(tmp, 'cli-out'), '--bootstrap', '200');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/≤ 4× \(200\)/);
    const md = readFileSync(join(tmp, 'cli-out', 'frontier.md'), 'utf8');
    expect(md).toContain('## Which sampler at which compute: sudoku (blanks=[51,56]), model sudoku');
    expect(md).toContain('n = 30 examples (seed 0), the same for every point');
    expect(md).toContain('a point is within k× when it costs ≤ k× greedy + 2%');
    expect(md).not.toContain('.png');
    const bad = await cli('frontier', dir, '--budgets', '1,x');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--budgets "1,x": expected positive multiples/);
  });

  it.skipIf(!HAS_CHROMIUM)('draws both charts in Chromium without errors and writes them as PNGs', async () => {
    const dir = writeRun(join(tmp, 'png'), run(30, GRID));
    const r = await cli('frontier', dir, '--out', join(tmp, 'png-out'), '--bootstrap', '100', '--png', '--png-prefix', 'cell');
    expect(r.code, r.stderr).toBe(0);
    for (const name of ['cell-row-forwards.png', 'cell-wall.png']) {
      const png = readFileSync(join(tmp, 'png-out', name));
      expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      // IHDR: the 900 × 560 figure at device scale 2.
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1800, 1120]);
    }
    expect(readFileSync(join(tmp, 'png-out', 'frontier.md'), 'utf8')).toContain('![accuracy against mean row-forwards](cell-row-forwards.png)');
    // The page itself: both canvases painted, nothing logged.
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (m) => void (m.type() === 'error' || m.type() === 'warning' ? problems.push(m.text()) : 0));
      page.on('pageerror', (e) => problems.push(e.message));
      await page.goto(pathToFileURL(join(tmp, 'png-out', 'frontier.html')).href);
      await page.waitForFunction(() => (window as unknown as { __frontierReady?: boolean }).__frontierReady === true);
      const painted = await page.evaluate(() =>
        Array.from(document.querySelectorAll('canvas')).map((c) => {
          const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
          let n = 0;
          for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
          return n;
        }),
      );
      expect(problems).toEqual([]);
      expect(painted).toHaveLength(2);
      for (const n of painted) expect(n).toBeGreaterThan(1000);
    } finally {
      await browser.close();
    }
  });

  it('--png names a missing Chromium', async () => {
    const dir = writeRun(join(tmp, 'nochrome'), run(10, GRID.slice(0, 2)));
    const r = await cli('frontier', dir, '--png', '--chromium', join(tmp, 'no-such-chromium'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/no Chromium at .*no-such-chromium/);
  });

  it('embeds its data safely in the page', () => {
    const { meta, lines } = run(10, GRID.slice(0, 2));
    const html = renderFrontierHtml(buildFrontier({ ...meta, model: '</script><b>' }, lines, { bootstrap: 0 }), 'cmd');
    expect(html).not.toContain('</script><b>');
    expect(html).toContain('&lt;/script&gt;&lt;b&gt;');
  });
});
