/**
 * The report model: what the numbers of an evaluation report are, computed from a run's
 * `meta.json` and result lines (see ../report.ts for the full description of each statistic).
 * No rendering and no file access here.
 */
import type { RunMeta } from '../harness.js';
import type { ResultLine } from '../results.js';
import { comparePairs, mcnemarExact, mean, median, pairedBootstrap, pearson, signTest, type PairScore, type PairwiseResult } from '../stats.js';
import { readingOf } from './reading.js';
import { ReportError, type Breakdown, type PairedTest, type ReferenceSummary, type Report, type ReportKind, type ReportOptions, type SamplerSummary } from './types.js';

export { ReportError };
export type { Breakdown, BreakdownCell, CorrelationRow, PairedTest, ReferenceSummary, Report, ReportKind, ReportOptions, SamplerSummary } from './types.js';

const isDegenerateLine = (l: ResultLine) => typeof l.reason === 'string' && l.reason.startsWith('degenerate');
const finiteScore = (l: ResultLine): number | null => (typeof l.score === 'number' && Number.isFinite(l.score) ? l.score : null);
const textScore = (l: ResultLine): PairScore => ({ meanLogProb: typeof l.score === 'number' && !Number.isNaN(l.score) ? l.score : -Infinity, degenerate: isDegenerateLine(l) });

/** The graded value of a line: 0/1 (accuracy kind) or the finite score; null when it has none. */
export function lineValue(kind: ReportKind, l: ResultLine | undefined): number | null {
  if (!l) return null;
  if (kind === 'accuracy') return l.correct === null || l.correct === undefined ? null : l.correct ? 1 : 0;
  return finiteScore(l);
}

const KNOWN_ORDER = ['easy', 'medium', 'hard', 'expert', 'naked-single', 'hidden-single', 'pairs', 'advanced', 'guess'];

function compareValues(a: string | number | boolean, b: string | number | boolean): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const ia = KNOWN_ORDER.indexOf(String(a));
  const ib = KNOWN_ORDER.indexOf(String(b));
  if (ia >= 0 && ib >= 0) return ia - ib;
  if (ia >= 0 || ib >= 0) return ia >= 0 ? -1 : 1;
  return String(a).localeCompare(String(b));
}

/** Pairwise win rate of `a` over `b` on the examples both have (null when none). */
function winRateOf(a: Map<number, ResultLine>, b: Map<number, ResultLine>): PairwiseResult | null {
  const common = [...a.keys()].filter((e) => b.has(e)).sort((x, y) => x - y);
  if (common.length === 0) return null;
  return comparePairs(common.map((e) => textScore(a.get(e)!)), common.map((e) => textScore(b.get(e)!)));
}

/** The samplers of the run in meta order, then any others found in the lines. */
function samplerOrder(meta: RunMeta, lines: readonly ResultLine[]): string[] {
  const present = new Set(lines.map((l) => l.sampler));
  const order = meta.samplers.map((s) => s.name).filter((n) => present.has(n));
  for (const l of lines) if (!order.includes(l.sampler)) order.push(l.sampler);
  return order;
}

export function buildReport(dir: string, meta: RunMeta, allLines: readonly ResultLine[], options: ReportOptions = {}): Report {
  // The task's reference lines (e.g. the bigram chain) are compared with, not ranked among, the samplers.
  const referenceLines = allLines.filter((l) => l.reference === true);
  const lines = allLines.filter((l) => l.reference !== true);
  if (lines.length === 0) throw new ReportError(`report: ${dir}: no results yet`);
  const names = samplerOrder(meta, lines);
  const baseline = options.baseline ?? (names.includes('confidence') ? 'confidence' : names[0]);
  if (!names.includes(baseline))
    throw new ReportError(`report: --baseline ${JSON.stringify(baseline)}: no such sampler in ${dir}; present: ${names.join(', ')}`);
  const resamples = options.bootstrap ?? 2000;
  if (!Number.isInteger(resamples) || resamples < 0) throw new ReportError(`report: --bootstrap must be an integer ≥ 0, got ${resamples}`);
  const seed = options.seed ?? 0;
  const kind: ReportKind = lines.some((l) => l.correct !== null && l.correct !== undefined) ? 'accuracy' : 'score';

  // One line per (sampler, example); a duplicate (possible only in hand-joined files) is ignored.
  const bySampler = new Map<string, Map<number, ResultLine>>(names.map((n) => [n, new Map()]));
  for (const l of lines) if (!bySampler.get(l.sampler)!.has(l.example)) bySampler.get(l.sampler)!.set(l.example, l);
  const examples = [...new Set(lines.map((l) => l.example))].sort((a, b) => a - b);
  const base = bySampler.get(baseline)!;

  // Bootstrap series: every sampler's value, then every (sampler − baseline) paired difference.
  const others = names.filter((n) => n !== baseline);
  const valueSeries = names.map((n) => examples.map((e) => lineValue(kind, bySampler.get(n)!.get(e))));
  const diffSeries = others.map((n) =>
    examples.map((e) => {
      const a = lineValue(kind, bySampler.get(n)!.get(e));
      const b = lineValue(kind, base.get(e));
      return a === null || b === null ? null : a - b;
    }),
  );
  const intervals = pairedBootstrap([...valueSeries, ...diffSeries], { resamples, seed, level: 0.95 });

  let reference: (ReferenceSummary & { byExample: Map<number, ResultLine> }) | null = null;
  if (referenceLines.length > 0) {
    const byExample = new Map<number, ResultLine>();
    for (const l of referenceLines) if (!byExample.has(l.example)) byExample.set(l.example, l);
    const own = [...byExample.values()];
    const graded = own.filter((l) => l.correct !== null && l.correct !== undefined);
    reference = {
      name: referenceLines[0].sampler,
      n: own.length,
      accuracy: graded.length ? graded.filter((l) => l.correct === true).length / graded.length : null,
      meanScore: mean(own.map(finiteScore).filter((x): x is number => x !== null)),
      degenerate: own.filter(isDegenerateLine).length,
      byExample,
    };
  }

  const samplers: SamplerSummary[] = names.map((name, i) => {
    const own = [...bySampler.get(name)!.values()];
    const graded = own.filter((l) => l.correct !== null && l.correct !== undefined);
    const scores = own.map(finiteScore).filter((s): s is number => s !== null);
    const cu = own.map((l) => l.cumulativeUncertainty);
    const winRate = kind === 'score' && name !== baseline ? winRateOf(bySampler.get(name)!, base) : null;
    return {
      sampler: name,
      n: own.length,
      graded: graded.length,
      correct: graded.filter((l) => l.correct === true).length,
      accuracy: graded.length ? graded.filter((l) => l.correct === true).length / graded.length : null,
      scored: scores.length,
      meanScore: mean(scores),
      interval: intervals[i],
      degenerate: own.filter(isDegenerateLine).length,
      winRate,
      vsReference: kind === 'score' && reference ? winRateOf(bySampler.get(name)!, reference.byExample) : null,
      cuMean: mean(cu)!,
      cuMedian: median(cu)!,
      forwardCalls: mean(own.map((l) => l.forwardCalls))!,
      rowForwards: mean(own.map((l) => l.rowForwards))!,
      wallMs: mean(own.map((l) => l.wallMs))!,
    };
  });

  const paired: PairedTest[] = others.map((name, k) => {
    const mine = bySampler.get(name)!;
    const diffs = diffSeries[k].filter((d): d is number => d !== null);
    const difference = mean(diffs);
    const differenceInterval = intervals[names.length + k];
    if (kind === 'accuracy') {
      let b = 0;
      let c = 0;
      let pairs = 0;
      for (const e of examples) {
        const x = lineValue(kind, mine.get(e));
        const y = lineValue(kind, base.get(e));
        if (x === null || y === null) continue;
        pairs++;
        if (x === 1 && y === 0) b++;
        if (x === 0 && y === 1) c++;
      }
      return { sampler: name, baseline, test: 'mcnemar', pairs, b, c, ties: pairs - b - c, p: mcnemarExact(b, c), difference, differenceInterval };
    }
    const w = samplers.find((s) => s.sampler === name)!.winRate;
    const wins = w?.wins ?? 0;
    const losses = w?.losses ?? 0;
    return { sampler: name, baseline, test: 'sign', pairs: w?.n ?? 0, b: wins, c: losses, ties: w?.ties ?? 0, p: signTest(wins, losses), difference, differenceInterval };
  });

  // Pearson r: cumulative uncertainty against correctness (0/1) or score.
  const corrOf = (ls: readonly ResultLine[]) => {
    const xs: number[] = [];
    const ys: number[] = [];
    for (const l of ls) {
      const v = lineValue(kind, l);
      if (v === null || !Number.isFinite(l.cumulativeUncertainty)) continue;
      xs.push(l.cumulativeUncertainty);
      ys.push(v);
    }
    return { n: xs.length, r: pearson(xs, ys) };
  };
  const used = names.flatMap((n) => [...bySampler.get(n)!.values()]);
  const correlation = {
    against: kind === 'accuracy' ? ('correctness' as const) : ('score' as const),
    rows: [{ scope: 'all lines', ...corrOf(used) }, ...names.map((n) => ({ scope: n, ...corrOf([...bySampler.get(n)!.values()]) }))],
  };

  // Breakdowns by info fields with few distinct values.
  const infoOf = new Map<number, Record<string, string | number | boolean>>();
  for (const l of lines) if (!infoOf.has(l.example) && l.info && typeof l.info === 'object') infoOf.set(l.example, l.info);
  const fields = [...new Set([...infoOf.values()].flatMap((i) => Object.keys(i)))];
  const breakdowns: Breakdown[] = [];
  for (const field of fields) {
    const groups = new Map<string, { value: string | number | boolean; examples: number[] }>();
    for (const e of examples) {
      const v = infoOf.get(e)?.[field];
      if (v === undefined || v === null || typeof v === 'object') continue;
      const k = JSON.stringify(v);
      if (!groups.has(k)) groups.set(k, { value: v, examples: [] });
      groups.get(k)!.examples.push(e);
    }
    if (groups.size < 2 || groups.size > 8 || groups.size > examples.length / 2) continue;
    const values = [...groups.values()].sort((a, b) => compareValues(a.value, b.value));
    breakdowns.push({
      field,
      values: values.map((g) => ({
        value: g.value,
        examples: g.examples.length,
        cells: names.map((n) => {
          const vs = g.examples.map((e) => lineValue(kind, bySampler.get(n)!.get(e))).filter((v): v is number => v !== null);
          return { sampler: n, n: vs.length, correct: kind === 'accuracy' ? vs.filter((v) => v === 1).length : 0, value: mean(vs) };
        }),
      })),
    });
  }

  const report: Report = {
    dir, meta, kind, baseline, samplers, examples, lines: lines.length,
    reference: reference && { name: reference.name, n: reference.n, accuracy: reference.accuracy, meanScore: reference.meanScore, degenerate: reference.degenerate },
    bootstrap: { resamples, seed, level: 0.95 },
    paired, correlation, breakdowns, reading: '',
  };
  report.reading = readingOf(report);
  return report;
}
