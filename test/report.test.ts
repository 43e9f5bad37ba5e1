import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cli } from './helpers/cli.js';
import { buildReport, chartJsSource, loadRun, mainTable, writeReport, type Report } from '../src/eval/report.js';
import { binomialTwoSided, mcnemarExact, median, pairedBootstrap, pearson, quantileSorted, signTest } from '../src/eval/stats.js';

const FIX = fileURLToPath(new URL('./fixtures/report', import.meta.url));
const SUDOKU = join(FIX, 'sudoku');
const TEXT = join(FIX, 'text');
const tmp = mkdtempSync(join(tmpdir(), 'infogain-report-'));


afterEach(() => vi.restoreAllMocks());

const sampler = (r: Report, name: string) => r.samplers.find((s) => s.sampler === name)!;
const paired = (r: Report, name: string) => r.paired.find((s) => s.sampler === name)!;

/** Textbook one-pass Pearson formula, independent of stats.ts. */
function pearsonByHand(x: number[], y: number[]): number {
  const n = x.length;
  let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  for (let i = 0; i < n; i++) {
    sx += x[i]; sy += y[i]; sxx += x[i] * x[i]; syy += y[i] * y[i]; sxy += x[i] * y[i];
  }
  return (n * sxy - sx * sy) / Math.sqrt((n * sxx - sx * sx) * (n * syy - sy * sy));
}

describe('stats', () => {
  it('McNemar exact and sign tests are two-sided binomial tests', () => {
    // b = 8, c = 2: 2 · (C(10,0) + C(10,1) + C(10,2)) / 2^10 = 2 · 56 / 1024
    expect(mcnemarExact(8, 2)).toBeCloseTo(0.109375, 14);
    expect(mcnemarExact(2, 8)).toBeCloseTo(0.109375, 14);
    // b = 1, c = 7: 2 · (1 + 8) / 256
    expect(mcnemarExact(1, 7)).toBeCloseTo(0.0703125, 14);
    expect(mcnemarExact(0, 0)).toBe(1);
    expect(mcnemarExact(5, 5)).toBe(1);
    expect(mcnemarExact(0, 6)).toBeCloseTo(2 / 64, 14);
    expect(signTest(5, 3)).toBeCloseTo((2 * 93) / 256, 14);
    // Large n stays finite (log-space sum): P(X ≤ 400) for n = 1000 is about 1.4e-10.
    const p = binomialTwoSided(400, 1000);
    expect(p).toBeGreaterThan(1e-11);
    expect(p).toBeLessThan(1e-9);
    expect(() => binomialTwoSided(3, 2)).toThrow(/0 ≤ k ≤ n/);
  });

  it('Pearson r, quantiles and medians', () => {
    // x̄ = 2.5, ȳ = 0.5: Σdxdy = 2, Σdx² = 5, Σdy² = 1 → r = 2/√5
    expect(pearson([1, 2, 3, 4], [0, 0, 1, 1])).toBeCloseTo(2 / Math.sqrt(5), 14);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 14);
    expect(pearson([1, 2, 3], [1, 1, 1])).toBeNull();
    expect(pearson([1], [1])).toBeNull();
    expect(quantileSorted([1, 2, 3, 4], 0.25)).toBeCloseTo(1.75, 14);
    expect(median([5, 1, 3, 2])).toBe(2.5);
  });

  it('the paired bootstrap is seeded and draws the same examples for every series', () => {
    const a = [1, 0, 1, 1, 0, 1, 1, 0, 1, 1];
    const b = [0, 0, 1, 0, 0, 1, 0, 0, 1, 1];
    const [ia, ib, ic, id] = pairedBootstrap([a, b, a, a.map((x, i) => x - b[i])], { resamples: 500, seed: 3 });
    expect(ic).toEqual(ia); // same draw for every series
    expect(pairedBootstrap([a, b], { resamples: 500, seed: 3 })).toEqual([ia, ib]);
    const x = [0.31, 1.7, 2.25, 0.9, 1.12, 3.4, 0.05, 2.8, 1.9, 0.66];
    expect(pairedBootstrap([x], { resamples: 500, seed: 4 })).not.toEqual(pairedBootstrap([x], { resamples: 500, seed: 3 }));
    expect(ia!.lo).toBeLessThanOrEqual(0.7);
    expect(ia!.hi).toBeGreaterThanOrEqual(0.7);
    expect(id!.lo).toBeGreaterThanOrEqual(0); // a ≥ b on every example
    expect(pairedBootstrap([[null, null]], { resamples: 10, seed: 0 })).toEqual([null]);
    expect(pairedBootstrap([a], { resamples: 0, seed: 0 })).toEqual([null]);
  });
});

describe('report on a sudoku-like run (3 samplers × 30 examples)', () => {
  const { meta, lines } = loadRun(SUDOKU);
  const report = buildReport(SUDOKU, meta, lines, { seed: 0 });

  it('accuracy, costs and cumulative uncertainty per sampler', () => {
    expect(report.kind).toBe('accuracy');
    expect(report.baseline).toBe('confidence');
    expect(report.samplers.map((s) => s.sampler)).toEqual(['info-gain', 'confidence', 'random']);
    expect(report.examples.length).toBe(30);
    expect(report.samplers.map((s) => [s.n, s.graded, s.correct])).toEqual([[30, 30, 24], [30, 30, 18], [30, 30, 12]]);
    expect(sampler(report, 'info-gain').accuracy).toBeCloseTo(0.8, 14);
    expect(sampler(report, 'confidence').accuracy).toBeCloseTo(0.6, 14);
    expect(sampler(report, 'random').accuracy).toBeCloseTo(0.4, 14);
    const ig = lines.filter((l) => l.sampler === 'info-gain');
    const cu = ig.map((l) => l.cumulativeUncertainty).sort((a, b) => a - b);
    expect(sampler(report, 'info-gain').cuMean).toBeCloseTo(cu.reduce((s, x) => s + x, 0) / 30, 12);
    expect(sampler(report, 'info-gain').cuMedian).toBeCloseTo((cu[14] + cu[15]) / 2, 12);
    expect(sampler(report, 'info-gain').forwardCalls).toBe(46);
    expect(sampler(report, 'confidence').forwardCalls).toBe(45);
    // rowForwards = 200 + e mod 7 for e = 0..29: 30·200 + (4·21 + 0+1) = 6085
    expect(sampler(report, 'info-gain').rowForwards).toBeCloseTo(6085 / 30, 12);
    expect(sampler(report, 'random').rowForwards).toBe(45);
  });

  it('McNemar against the baseline: b, c and the exact p-value', () => {
    const ig = paired(report, 'info-gain');
    expect([ig.pairs, ig.b, ig.c, ig.ties]).toEqual([30, 8, 2, 20]);
    expect(ig.p).toBeCloseTo(0.109375, 14);
    expect(ig.difference).toBeCloseTo(0.2, 14);
    const rnd = paired(report, 'random');
    expect([rnd.b, rnd.c]).toEqual([1, 7]);
    expect(rnd.p).toBeCloseTo(0.0703125, 14);
    expect(rnd.difference).toBeCloseTo(-0.2, 14);
    // Another baseline flips the sides.
    const other = buildReport(SUDOKU, meta, lines, { baseline: 'random', bootstrap: 0 });
    expect([paired(other, 'confidence').b, paired(other, 'confidence').c]).toEqual([7, 1]);
    expect(paired(other, 'info-gain').b + paired(other, 'info-gain').c).toBeGreaterThan(0);
  });

  it('bootstrap intervals are deterministic for a seed and contain the point estimate', () => {
    const again = buildReport(SUDOKU, meta, lines, { seed: 0 });
    expect(again.samplers.map((s) => s.interval)).toEqual(report.samplers.map((s) => s.interval));
    expect(again.paired.map((t) => t.differenceInterval)).toEqual(report.paired.map((t) => t.differenceInterval));
    for (const s of report.samplers) {
      expect(s.interval!.lo).toBeLessThanOrEqual(s.accuracy!);
      expect(s.interval!.hi).toBeGreaterThanOrEqual(s.accuracy!);
      expect(s.interval!.hi - s.interval!.lo).toBeGreaterThan(0.1);
      // Accuracies over 30 examples are multiples of 1/30.
      expect(Math.abs(s.interval!.lo * 30 - Math.round(s.interval!.lo * 30))).toBeLessThan(1e-9);
    }
    for (const t of report.paired) {
      expect(t.differenceInterval!.lo).toBeLessThanOrEqual(t.difference!);
      expect(t.differenceInterval!.hi).toBeGreaterThanOrEqual(t.difference!);
    }
    const seeded = buildReport(SUDOKU, meta, lines, { seed: 9 });
    expect(seeded.samplers.map((s) => s.interval)).not.toEqual(report.samplers.map((s) => s.interval));
    const none = buildReport(SUDOKU, meta, lines, { bootstrap: 0 });
    expect(none.samplers.every((s) => s.interval === null)).toBe(true);
  });

  it('Pearson r between cumulative uncertainty and correctness, overall and per sampler', () => {
    expect(report.correlation.against).toBe('correctness');
    const [all, ...per] = report.correlation.rows;
    expect(all.scope).toBe('all lines');
    expect(all.n).toBe(90);
    expect(all.r!).toBeCloseTo(pearsonByHand(lines.map((l) => l.cumulativeUncertainty), lines.map((l) => (l.correct ? 1 : 0))), 12);
    expect(all.r!).toBeLessThan(0); // the fixture's correct answers have lower uncertainty
    for (const row of per) {
      const own = lines.filter((l) => l.sampler === row.scope);
      expect(row.n).toBe(30);
      expect(row.r!).toBeCloseTo(pearsonByHand(own.map((l) => l.cumulativeUncertainty), own.map((l) => (l.correct ? 1 : 0))), 12);
    }
  });

  it('breaks accuracy down by info fields with few values', () => {
    // blanks has one value and is skipped; difficulty and technique have three.
    expect(report.breakdowns.map((b) => b.field)).toEqual(['difficulty', 'technique']);
    const d = report.breakdowns[0];
    expect(d.values.map((v) => v.value)).toEqual(['easy', 'medium', 'hard']);
    expect(d.values.map((v) => v.examples)).toEqual([10, 10, 10]);
    // easy = examples 0, 3, …, 27: info-gain wrong only on 27; confidence right on 0–15 step 3; random on 9, 12, 15.
    expect(d.values[0].cells.map((c) => [c.sampler, c.correct, c.n])).toEqual([['info-gain', 9, 10], ['confidence', 6, 10], ['random', 3, 10]]);
    expect(d.values[2].cells.map((c) => c.correct)).toEqual([7, 6, 5]);
  });

  it('handles a partial run: pairs only where both samplers have a line', () => {
    const partial = lines.filter((l) => !(l.sampler === 'info-gain' && l.example >= 25));
    const r = buildReport(SUDOKU, meta, partial, { bootstrap: 200 });
    expect(sampler(r, 'info-gain').n).toBe(25);
    // info-gain right on 0–15 and 18–24 of 0–24; b = 18–24, c = 16, 17.
    expect(sampler(r, 'info-gain').accuracy).toBeCloseTo(23 / 25, 14);
    expect([paired(r, 'info-gain').pairs, paired(r, 'info-gain').b, paired(r, 'info-gain').c]).toEqual([25, 7, 2]);
    expect(paired(r, 'info-gain').p).toBeCloseTo((2 * (1 + 9 + 36)) / 512, 14);
    expect(sampler(r, 'confidence').n).toBe(30);
  });

  it('the reading states the best sampler, the test, the CU ratio and the correlation', () => {
    expect(report.reading).toMatch(/^On sudoku \(30 examples, model sudoku\), info-gain has the highest accuracy, 80\.0% \(95% CI [\d.]+–[\d.]+%\)\./);
    expect(report.reading).toContain("Against the baseline confidence (60.0%), info-gain differs by +20.0 percentage points on 30 paired examples (McNemar's exact test: b = 8, c = 2, p = 0.109).");
    const ratio = (sampler(report, 'info-gain').cuMean / sampler(report, 'confidence').cuMean).toFixed(2);
    expect(report.reading).toContain(`${ratio} times that of the best baseline by accuracy, confidence`);
    expect(report.reading).toContain(`Over all 90 lines, Pearson's r between cumulative uncertainty and correctness is ${report.correlation.rows[0].r!.toFixed(3)}.`);
  });
});

describe('report on a judge-scored text run', () => {
  const { meta, lines } = loadRun(TEXT);
  const report = buildReport(TEXT, meta, lines, { seed: 1 });

  it('mean scores, win rates with ties and degenerate lines, and the sign test', () => {
    expect(report.kind).toBe('score');
    expect(sampler(report, 'confidence').scored).toBe(9); // one empty (null score) line
    expect(sampler(report, 'confidence').meanScore).toBeCloseTo(-15 / 9, 12);
    expect(sampler(report, 'info-gain').meanScore).toBeCloseTo(-1.69, 12);
    expect(report.samplers.map((s) => s.degenerate)).toEqual([2, 1, 0]);
    expect(sampler(report, 'confidence').winRate).toBeNull();
    // info-gain: wins 0, 3, 4, 7, 8 (confidence empty and degenerate); losses 2, 5 and 9 (its own
    // degenerate lines, despite higher scores on 5); ties 1, 6.
    expect(sampler(report, 'info-gain').winRate).toEqual({ wins: 5, losses: 3, ties: 2, n: 10, winRate: 0.6 });
    expect(sampler(report, 'entropy').winRate).toEqual({ wins: 5, losses: 5, ties: 0, n: 10, winRate: 0.5 });
    const ig = paired(report, 'info-gain');
    expect([ig.test, ig.b, ig.c, ig.ties]).toEqual(['sign', 5, 3, 2]);
    expect(ig.p).toBeCloseTo((2 * (1 + 8 + 28 + 56)) / 256, 14);
    expect(paired(report, 'entropy').p).toBe(1);
    for (const s of report.samplers) {
      expect(s.interval!.lo).toBeLessThanOrEqual(s.meanScore!);
      expect(s.interval!.hi).toBeGreaterThanOrEqual(s.meanScore!);
    }
    expect(report.correlation.against).toBe('score');
    expect(report.correlation.rows[0].n).toBe(29);
    expect(report.correlation.rows.find((r) => r.scope === 'entropy')!.r).toBeNull(); // constant score
    expect(report.breakdowns.map((b) => b.field)).toEqual(['kind']);
  });

  it("compares every sampler with the task's reference lines without ranking them among the samplers", () => {
    // A bigram-like reference scoring −1.65 everywhere, degenerate on example 9.
    const refLines = Array.from({ length: 10 }, (_, e) => ({
      ...lines.find((l) => l.example === e)!,
      sampler: 'bigram',
      score: e === 9 ? -3 : -1.65,
      cumulativeUncertainty: 0,
      forwardCalls: 0,
      rowForwards: 0,
      wallMs: 0,
      order: [],
      reference: true as const,
      ...(e === 9 ? { reason: 'degenerate: "e" repeated more than 8 times' } : { reason: undefined }),
    }));
    const r = buildReport(TEXT, meta, [...lines, ...refLines], { seed: 1 });
    expect(r.samplers.map((s) => s.sampler)).toEqual(report.samplers.map((s) => s.sampler));
    expect(r.lines).toBe(report.lines);
    expect(r.reference).toEqual({ name: 'bigram', n: 10, accuracy: null, meanScore: (9 * -1.65 - 3) / 10, degenerate: 1 });
    // info-gain against it: wins 0, 1, 2, 4, 7; losses 3, 6, 8 and 5 (degenerate); tie 9 (both degenerate).
    expect(sampler(r, 'info-gain').vsReference).toEqual({ wins: 5, losses: 4, ties: 1, n: 10, winRate: 0.55 });
    expect(sampler(report, 'info-gain').vsReference).toBeNull();
    // The statistics against the baseline are unchanged.
    expect(sampler(r, 'info-gain').winRate).toEqual(sampler(report, 'info-gain').winRate);
    const t = mainTable(r);
    expect(t.head).toContain('win rate vs bigram');
    expect(t.rows.at(-1)!.slice(0, 3)).toEqual(['bigram (reference)', '10', '-1.785']);
    expect(t.rows.every((row) => row.length === t.head.length)).toBe(true);
    expect(t.rows.find((row) => row[0] === 'info-gain')![t.head.indexOf('win rate vs bigram')]).toBe('55.0%');
    expect(r.reading).toMatch(/Against the bigram reference's outputs \(mean score -1\.785\), the samplers win [\d.]+–[\d.]+% of pairs, Info-Gain 55\.0% \(5 wins, 4 losses, 1 ties\)/);
  });

  it('the baseline defaults to the first sampler when confidence is absent', () => {
    const noConf = lines.filter((l) => l.sampler !== 'confidence');
    const r = buildReport(TEXT, meta, noConf, { bootstrap: 0 });
    expect(r.baseline).toBe('info-gain');
    expect(r.samplers.map((s) => s.sampler)).toEqual(['info-gain', 'entropy']);
  });
});

describe('infogain report (files and command line)', () => {
  it('writes report.md with the tables and prints the main table', async () => {
    const out = join(tmp, 'sudoku');
    const r = await cli('report', SUDOKU, '--out', out, '--bootstrap', '500', '--seed', '2');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/sampler\s+│\s+n\s+│\s+accuracy % \[95% CI\]/);
    expect(r.stdout).toMatch(/info-gain\s+│\s+30\s+│\s+80\.0% \[/);
    expect(r.stdout).toContain('+20.0 pp (p 0.109)');
    expect(r.stdout).toContain(`wrote ${join(out, 'report.md')} and ${join(out, 'report.html')}`);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain(`Produced by \`infogain report ${SUDOKU} --baseline confidence --bootstrap 500 --seed 2 --out ${out}\``);
    expect(md).toContain('- task: sudoku (blanks=45)');
    expect(md).toContain('  - info-gain: candidates=8, position_temperature=0.1');
    expect(md).toContain('- decode settings (every sampler): steps=45, block_length=81, temperature=0');
    expect(md).toContain('## Reading');
    expect(md).toContain('| sampler | n | accuracy % [95% CI] | Δ vs confidence (McNemar p) | CU mean | CU median | forward calls | row-forwards | ms |');
    expect(md).toMatch(/\| info-gain \| 30 \| 80\.0% \[[\d.]+, [\d.]+\] \| \+20\.0 pp \(p 0\.109\) \| [\d.]+ \| [\d.]+ \| 46\.0 \| 202\.8 \| [\d.]+ \|/);
    expect(md).toMatch(/\| info-gain \| 30 \| 8 \| 2 \| \+20\.0 \[[-+\d.]+, [-+\d.]+\] \| 0\.109 \|/);
    expect(md).toMatch(/\| random \| 30 \| 1 \| 7 \| -20\.0 \[[-+\d.]+, [-+\d.]+\] \| 0\.070 \|/);
    expect(md).toContain('| easy | 10 | 90.0% (9/10) | 60.0% (6/10) | 30.0% (3/10) |');
    expect(md).toMatch(/\| all lines \| 90 \| -0\.\d{3} \|/);
    // The run directory is not written to when --out is elsewhere.
    expect(existsSync(join(SUDOKU, 'report.md'))).toBe(false);
  });

  it('writes a self-contained report.html with Chart.js inlined', () => {
    const out = join(tmp, 'text');
    const { htmlPath, markdownPath } = writeReport(TEXT, { out, bootstrap: 200 });
    const html = readFileSync(htmlPath, 'utf8');
    expect(html).not.toMatch(/src="http|href="http|src='http|href='http/);
    expect(html).not.toMatch(/<script[^>]*\ssrc=|<link[^>]*href=|@import|url\(/);
    expect(html).toContain(chartJsSource().slice(0, 400)); // the library itself, inlined
    expect(html).toContain('<canvas id="chart-cost"');
    expect(html).toContain('<canvas id="heat-2"');
    expect(html).toContain('win rate vs confidence (sign p)');
    const md = readFileSync(markdownPath, 'utf8');
    expect(md).toMatch(/\| info-gain \| 10 \| 5 \| 3 \| 2 \| 60\.0 \| [-+\d.]+ \[[-+\d.]+, [-+\d.]+\] \| 0\.727 \|/);
    expect(md).toContain('| infilling | 5 |');
  });

  it('reports errors in one line with a non-zero exit', async () => {
    const noMeta = join(tmp, 'no-meta');
    mkdirSync(noMeta, { recursive: true });
    const noResults = join(tmp, 'no-results');
    mkdirSync(noResults, { recursive: true });
    copyFileSync(join(SUDOKU, 'meta.json'), join(noResults, 'meta.json'));
    const empty = join(tmp, 'empty');
    mkdirSync(empty, { recursive: true });
    copyFileSync(join(SUDOKU, 'meta.json'), join(empty, 'meta.json'));
    writeFileSync(join(empty, 'results.jsonl'), '');
    const cases: [string[], RegExp][] = [
      [[join(tmp, 'nope')], /^infogain: report: .*nope: no such directory$/],
      [[noMeta], /^infogain: report: .*no-meta: no meta\.json; not an evaluation directory/],
      [[noResults], /^infogain: report: .*no-results: no results\.jsonl; the evaluation has not written any result yet$/],
      [[empty], /^infogain: report: .*empty\/results\.jsonl: no results yet \(0 finished lines\)$/],
      [[SUDOKU, '--baseline', 'greedy', '--out', tmp], /^infogain: report: --baseline "greedy": no such sampler in .*; present: info-gain, confidence, random$/],
      [[SUDOKU, '--bootstrap', 'x'], /--bootstrap must be an integer ≥ 0/],
    ];
    for (const [args, pattern] of cases) {
      const r = await cli('report', ...args);
      expect(r.code).not.toBe(0);
      expect(r.stderr.split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
    }
  });

  it('never modifies the run: a torn last line is ignored, not cut off', () => {
    const dir = join(tmp, 'torn');
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(SUDOKU, 'meta.json'), join(dir, 'meta.json'));
    const text = readFileSync(join(SUDOKU, 'results.jsonl'), 'utf8') + '{"example":30,"sampl';
    writeFileSync(join(dir, 'results.jsonl'), text);
    const { report } = writeReport(dir, { out: join(tmp, 'torn-out'), bootstrap: 0 });
    expect(report.lines).toBe(90);
    expect(readFileSync(join(dir, 'results.jsonl'), 'utf8')).toBe(text);
  });
});

// Needs Debian's chromium (`.ci/run` installs it, so CI always runs this); a fresh machine
// without it still passes `npm test` after `npm ci`, skipping only this browser check.
const HAS_CHROMIUM = existsSync('/usr/bin/chromium');

describe('report.html in headless Chromium', () => {
  it.skipIf(!HAS_CHROMIUM)('renders every chart offline, with no console errors', async () => {
    const sudoku = writeReport(SUDOKU, { out: join(tmp, 'browser-sudoku'), bootstrap: 200 }).htmlPath;
    const text = writeReport(TEXT, { out: join(tmp, 'browser-text'), bootstrap: 200 }).htmlPath;
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      for (const [path, canvases] of [[sudoku, 10], [text, 7]] as const) {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const problems: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
        });
        page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
        page.on('request', (r) => {
          if (!r.url().startsWith('file:')) problems.push(`request: ${r.url()}`);
        });
        await page.goto(pathToFileURL(path).href);
        await page.waitForFunction(() => (window as unknown as { __reportReady?: boolean }).__reportReady === true, null, { timeout: 15_000 });
        const painted = await page.evaluate(() =>
          Array.from(document.querySelectorAll('canvas')).map((c) => {
            const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
            let n = 0;
            for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
            return { id: c.id, kind: c.dataset.chart, width: c.width, painted: n };
          }),
        );
        expect(problems).toEqual([]);
        expect(painted).toHaveLength(canvases);
        for (const c of painted) {
          expect(c.width, c.id).toBeGreaterThan(0);
          expect(c.painted, `${c.id} has no pixels`).toBeGreaterThan(100);
        }
        expect(painted.filter((c) => c.kind === 'chartjs').map((c) => c.id)).toEqual(['chart-cost', 'chart-cu', 'chart-scatter']);
        await page.close();
      }
    } finally {
      await browser.close();
    }
  });
});

describe('the report modules', () => {
  // model → reading → tables → model was an import circle; the shapes now live in types.ts and the
  // number formats in format.ts. A circle (type-only imports included) would come back unnoticed
  // by tsc, so this walks the relative imports of src/eval/report/*.ts.
  it('import each other without a circle', () => {
    const dir = fileURLToPath(new URL('../src/eval/report/', import.meta.url));
    const files = ['digits', 'files', 'format', 'html', 'markdown', 'model', 'reading', 'tables', 'terminal', 'types'];
    const edges = new Map(
      files.map((f) => {
        const text = readFileSync(join(dir, `${f}.ts`), 'utf8');
        const deps = [...text.matchAll(/^(?:import|export)[^;]*?from '\.\/([a-z-]+)\.js'/gms)].map((m) => m[1]);
        return [f, deps] as const;
      }),
    );
    expect(edges.get('model')).toContain('reading');
    const circle = (start: string): string[] | null => {
      const walk = (at: string, path: string[]): string[] | null => {
        for (const next of edges.get(at) ?? []) {
          if (next === start) return [...path, next];
          if (!path.includes(next)) {
            const found = walk(next, [...path, next]);
            if (found) return found;
          }
        }
        return null;
      };
      return walk(start, [start]);
    };
    for (const f of files) expect(circle(f), `${f}: ${circle(f)?.join(' → ')}`).toBeNull();
  });
});
