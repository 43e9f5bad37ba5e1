/**
 * `infogain report`: statistics, tables and charts for one evaluation directory
 * (`meta.json` + `results.jsonl`, see harness.ts and results.ts).
 *
 * What is computed (report kind "accuracy" when any line has `correct` set, else "score", the
 * judge-scored text task):
 *  - per sampler: lines, accuracy (share of `correct === true` among lines with `correct` set) or
 *    mean score (finite scores only), each with a 95% percentile bootstrap interval; mean and
 *    median cumulative uncertainty, mean forward calls, row-forwards and wall time; for scores the
 *    win rate against the baseline (`comparePairs` of the text task: a line whose `reason` starts
 *    with "degenerate" loses to a non-degenerate one, ties count half; a missing score is −∞).
 *  - paired tests against the baseline on the examples both have: McNemar's exact test on the
 *    discordant pairs (b: only the sampler right, c: only the baseline right), or for scores a
 *    sign test on the pairwise outcomes of the win rate (ties dropped); the paired difference with
 *    its bootstrap interval.
 *  - Pearson r between cumulative uncertainty and correctness (0/1) or score, over all lines and
 *    per sampler.
 *  - breakdowns by every `info` field with 2–8 distinct values (at most half the examples).
 *
 * The bootstrap is paired: each replicate draws example indices once (seeded) and every sampler,
 * and every paired difference, is averaged over that same draw.
 *
 * Outputs: `report.md`, a self-contained `report.html` (tables, Chart.js inlined from
 * node_modules, the data as inline JSON, decode-order heatmaps drawn on canvases by a few lines
 * of script) and the main table for the terminal.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Table from 'cli-table3';
import { mix32 } from '../core/rng.js';
import { comparePairs, type PairwiseResult, type TextScore } from '../tasks/text.js';
import { describeSelection, type DataRead } from '../tasks/data.js';
import type { RunMeta } from './harness.js';
import { readResults, type ResultLine } from './results.js';
import { mcnemarExact, mean, median, pairedBootstrap, pearson, signTest, type Interval } from './stats.js';

export class ReportError extends Error {}

export interface ReportOptions {
  /** Sampler the others are tested against (default `confidence` if present, else the first). */
  baseline?: string;
  /** Bootstrap resamples (default 2000; 0: no intervals). */
  bootstrap?: number;
  /** Bootstrap seed (default 0). */
  seed?: number;
}

export type ReportKind = 'accuracy' | 'score';

export interface SamplerSummary {
  sampler: string;
  /** Result lines of this sampler. */
  n: number;
  /** Lines with `correct` set / with `correct === true` (accuracy kind). */
  graded: number;
  correct: number;
  accuracy: number | null;
  /** Lines with a finite score, their mean (score kind). */
  scored: number;
  meanScore: number | null;
  /** 95% bootstrap interval of accuracy or mean score. */
  interval: Interval | null;
  /** Lines whose reason starts with "degenerate". */
  degenerate: number;
  /** Against the baseline (score kind, not for the baseline itself). */
  winRate: PairwiseResult | null;
  /** Against the task's reference outputs (score kind, when the run has reference lines). */
  vsReference: PairwiseResult | null;
  cuMean: number;
  cuMedian: number;
  forwardCalls: number;
  rowForwards: number;
  wallMs: number;
}

/** The task's reference (e.g. the text task's bigram chain), graded like a sampler. */
export interface ReferenceSummary {
  name: string;
  n: number;
  accuracy: number | null;
  meanScore: number | null;
  degenerate: number;
}

export interface PairedTest {
  sampler: string;
  baseline: string;
  test: 'mcnemar' | 'sign';
  /** Examples both have (graded or compared). */
  pairs: number;
  /** McNemar: only the sampler right. Sign test: the sampler wins. */
  b: number;
  /** McNemar: only the baseline right. Sign test: the baseline wins. */
  c: number;
  /** Pairs neither b nor c (concordant pairs, or ties). */
  ties: number;
  p: number;
  /** Sampler minus baseline on the paired examples (accuracy, or mean score over finite pairs). */
  difference: number | null;
  differenceInterval: Interval | null;
}

export interface CorrelationRow {
  scope: string;
  n: number;
  r: number | null;
}

export interface BreakdownCell {
  sampler: string;
  /** Graded (or scored) lines. */
  n: number;
  correct: number;
  /** Accuracy or mean score. */
  value: number | null;
}

export interface Breakdown {
  field: string;
  values: { value: string | number | boolean; examples: number; cells: BreakdownCell[] }[];
}

export interface Report {
  dir: string;
  meta: RunMeta;
  kind: ReportKind;
  baseline: string;
  samplers: SamplerSummary[];
  /** Distinct example indices across all sampler lines. */
  examples: number[];
  /** Sampler lines (reference lines not counted). */
  lines: number;
  reference: ReferenceSummary | null;
  bootstrap: { resamples: number; seed: number; level: number };
  paired: PairedTest[];
  correlation: { against: 'correctness' | 'score'; rows: CorrelationRow[] };
  breakdowns: Breakdown[];
  /** One paragraph of factual sentences. */
  reading: string;
}

// ---------------------------------------------------------------------------------------------
// Loading

/** Read `<dir>/meta.json` and `<dir>/results.jsonl` without modifying the run directory. */
export function loadRun(dir: string): { meta: RunMeta; lines: ResultLine[] } {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ReportError(`report: ${dir}: no such directory`);
  const metaPath = join(dir, 'meta.json');
  if (!existsSync(metaPath)) throw new ReportError(`report: ${dir}: no meta.json; not an evaluation directory (make one with \`infogain eval --out ${dir}\`)`);
  let meta: RunMeta;
  try {
    meta = JSON.parse(readFileSync(metaPath, 'utf8')) as RunMeta;
  } catch (e) {
    throw new ReportError(`report: ${metaPath}: not valid JSON (${(e as Error).message})`);
  }
  if (!meta || typeof meta !== 'object' || typeof meta.task !== 'string' || !Array.isArray(meta.samplers))
    throw new ReportError(`report: ${metaPath}: not an evaluation meta.json (needs task and samplers)`);
  const resultsPath = join(dir, 'results.jsonl');
  if (!existsSync(resultsPath)) throw new ReportError(`report: ${dir}: no results.jsonl; the evaluation has not written any result yet`);
  // readResults cuts a torn last line off the file it reads; read a copy so that a report on a
  // running evaluation never touches the run.
  const tmp = mkdtempSync(join(tmpdir(), 'infogain-report-'));
  let lines: ResultLine[];
  try {
    copyFileSync(resultsPath, join(tmp, 'results.jsonl'));
    lines = readResults(join(tmp, 'results.jsonl'));
  } catch (e) {
    throw new ReportError(`report: ${(e as Error).message.replace(join(tmp, 'results.jsonl'), resultsPath)}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (lines.length === 0) throw new ReportError(`report: ${resultsPath}: no results yet (0 finished lines)`);
  return { meta, lines };
}

// ---------------------------------------------------------------------------------------------
// Statistics

const isDegenerateLine = (l: ResultLine) => typeof l.reason === 'string' && l.reason.startsWith('degenerate');
const finiteScore = (l: ResultLine): number | null => (typeof l.score === 'number' && Number.isFinite(l.score) ? l.score : null);
const textScore = (l: ResultLine): TextScore => ({ meanLogProb: typeof l.score === 'number' && !Number.isNaN(l.score) ? l.score : -Infinity, degenerate: isDegenerateLine(l) });

/** The graded value of a line: 0/1 (accuracy kind) or the finite score; null when it has none. */
function lineValue(kind: ReportKind, l: ResultLine | undefined): number | null {
  if (!l) return null;
  if (kind === 'accuracy') return l.correct === null || l.correct === undefined ? null : l.correct ? 1 : 0;
  return finiteScore(l);
}

const KNOWN_ORDER = ['easy', 'medium', 'hard', 'expert', 'naked-single', 'hidden-single', 'pairs', 'guess'];

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

// ---------------------------------------------------------------------------------------------
// Formatting

export const fmtPct = (x: number | null | undefined, digits = 1) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : (100 * x).toFixed(digits));
export const fmtNum = (x: number | null | undefined, digits = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits));
export const fmtP = (p: number) => (p >= 0.001 ? p.toFixed(3) : p.toExponential(1));
const signed = (x: string) => (x.startsWith('-') || x === '–' ? x : `+${x}`);

function valueText(report: Report, s: SamplerSummary): string {
  if (report.kind === 'accuracy') {
    const ci = s.interval ? ` [${fmtPct(s.interval.lo)}, ${fmtPct(s.interval.hi)}]` : '';
    return `${fmtPct(s.accuracy)}%${ci}`;
  }
  const ci = s.interval ? ` [${fmtNum(s.interval.lo, 3)}, ${fmtNum(s.interval.hi, 3)}]` : '';
  return `${fmtNum(s.meanScore, 3)}${ci}`;
}

function differenceText(report: Report, t: PairedTest): string {
  const pct = report.kind === 'accuracy';
  const f = (x: number | null) => (pct ? fmtPct(x) : fmtNum(x, 3));
  const ci = t.differenceInterval ? ` [${signed(f(t.differenceInterval.lo))}, ${signed(f(t.differenceInterval.hi))}]` : '';
  return `${signed(f(t.difference))}${ci}`;
}

/** A table in a form every renderer (Markdown, HTML, terminal) takes. */
export interface TableModel {
  title: string;
  head: string[];
  align: ('left' | 'right')[];
  rows: string[][];
  note?: string;
}

export function mainTable(report: Report): TableModel {
  const acc = report.kind === 'accuracy';
  const ref = report.reference;
  const pairedOf = new Map(report.paired.map((t) => [t.sampler, t]));
  const head = acc
    ? ['sampler', 'n', 'accuracy % [95% CI]', `Δ vs ${report.baseline} (McNemar p)`, 'CU mean', 'CU median', 'forward calls', 'row-forwards', 'ms']
    : ['sampler', 'n', 'mean score [95% CI]', `win rate vs ${report.baseline} (sign p)`, ...(ref ? [`win rate vs ${ref.name}`] : []), 'degenerate', 'CU mean', 'CU median', 'forward calls', 'row-forwards', 'ms'];
  const rows = report.samplers.map((s) => {
    const t = pairedOf.get(s.sampler);
    const vs = !t ? 'baseline' : acc ? `${signed(fmtPct(t.difference))} pp (p ${fmtP(t.p)})` : `${fmtPct(s.winRate?.winRate ?? null)}% (p ${fmtP(t.p)})`;
    const cells = [s.sampler, String(s.n), valueText(report, s), vs];
    if (!acc && ref) cells.push(`${fmtPct(s.vsReference?.winRate ?? null)}%`);
    if (!acc) cells.push(String(s.degenerate));
    cells.push(fmtNum(s.cuMean), fmtNum(s.cuMedian), fmtNum(s.forwardCalls, 1), fmtNum(s.rowForwards, 1), fmtNum(s.wallMs, 1));
    return cells;
  });
  if (ref) {
    // The reference row: its quality, no decoding cost.
    const value = acc ? `${fmtPct(ref.accuracy)}%` : fmtNum(ref.meanScore, 3);
    rows.push([`${ref.name} (reference)`, String(ref.n), value, '–', ...(acc ? [] : ['–', String(ref.degenerate)]), '–', '–', '–', '–', '–']);
  }
  const b = report.bootstrap;
  return {
    title: acc ? 'Accuracy and cost per sampler' : 'Judge score and cost per sampler',
    head,
    align: head.map((_, i) => (i === 0 ? 'left' : 'right')),
    rows,
    note:
      `${report.examples.length} examples, ${report.lines} lines. CU: cumulative uncertainty (nats). ` +
      (b.resamples > 0 ? `Intervals: 95% paired percentile bootstrap, ${b.resamples} resamples, seed ${b.seed}.` : 'No bootstrap intervals (--bootstrap 0).') +
      (acc ? '' : ' Win rate: higher judge score wins, a degenerate output loses to a non-degenerate one, ties count half.') +
      (ref ? ` ${ref.name} (reference): the task's model-independent baseline on the same examples, not a sampler.` : ''),
  };
}

export function pairedTable(report: Report): TableModel {
  const acc = report.kind === 'accuracy';
  const head = acc
    ? ['sampler', 'pairs', `b (only sampler right)`, `c (only ${report.baseline} right)`, 'Δ accuracy pp [95% CI]', 'McNemar exact p']
    : ['sampler', 'pairs', 'wins', 'losses', 'ties', 'win rate %', 'Δ mean score [95% CI]', 'sign test p'];
  const rows = report.paired.map((t) => {
    if (acc) return [t.sampler, String(t.pairs), String(t.b), String(t.c), differenceText(report, t), fmtP(t.p)];
    const w = report.samplers.find((s) => s.sampler === t.sampler)!.winRate;
    return [t.sampler, String(t.pairs), String(t.b), String(t.c), String(t.ties), fmtPct(w?.winRate ?? null), differenceText(report, t), fmtP(t.p)];
  });
  return {
    title: `Paired comparison with the baseline (${report.baseline})`,
    head,
    align: head.map((_, i) => (i === 0 ? 'left' : 'right')),
    rows,
    note: acc
      ? "McNemar's exact test: two-sided binomial test of b against b + c discordant pairs."
      : 'Sign test: two-sided binomial test of wins against wins + losses (ties dropped); wins as in the win rate. Δ mean score: over the pairs where both have a finite score.',
  };
}

export function correlationTable(report: Report): TableModel {
  return {
    title: `Pearson r between cumulative uncertainty and ${report.correlation.against}`,
    head: ['lines', 'n', 'Pearson r'],
    align: ['left', 'right', 'right'],
    rows: report.correlation.rows.map((r) => [r.scope, String(r.n), fmtNum(r.r, 3)]),
    note: report.correlation.against === 'correctness' ? 'Correctness is 1 for a correct answer and 0 otherwise; the paper reports r = −0.70.' : undefined,
  };
}

export function breakdownTables(report: Report): TableModel[] {
  const acc = report.kind === 'accuracy';
  return report.breakdowns.map((b) => ({
    title: `${acc ? 'Accuracy' : 'Mean score'} by ${b.field}`,
    head: [b.field, 'examples', ...report.samplers.map((s) => s.sampler)],
    align: ['left', 'right', ...report.samplers.map(() => 'right' as const)],
    rows: b.values.map((v) => [
      String(v.value),
      String(v.examples),
      ...v.cells.map((c) => (c.n === 0 ? '–' : acc ? `${fmtPct(c.value)}% (${c.correct}/${c.n})` : fmtNum(c.value, 3))),
    ]),
  }));
}

export function reportTables(report: Report): TableModel[] {
  return [mainTable(report), ...(report.paired.length ? [pairedTable(report)] : []), correlationTable(report), ...breakdownTables(report)];
}

/** The proposed method and its lookahead sibling; `info-gain:nobypass` and other variants belong with them. */
const INFO_GAIN_FAMILY = ['info-gain', 'lookum'];
/** Whether a sampler (or a variant `name:label`) is a baseline rather than the proposed method. */
export const isBaseline = (sampler: string): boolean => !INFO_GAIN_FAMILY.includes(sampler.split(':')[0]);

function readingOf(report: Report): string {
  const acc = report.kind === 'accuracy';
  const S = report.samplers;
  const val = (s: SamplerSummary) => (acc ? s.accuracy : s.meanScore);
  const show = (s: SamplerSummary) => (acc ? `${fmtPct(s.accuracy)}%` : fmtNum(s.meanScore, 3));
  const ranked = S.filter((s) => val(s) !== null).sort((a, b) => val(b)! - val(a)!);
  const out: string[] = [];
  const what = `${report.meta.task} (${report.examples.length} examples${report.meta.data ? ` from ${report.meta.data}` : ''}, model ${report.meta.model})`;
  if (ranked.length === 0) return `On ${what} no line is graded.`;
  const top = ranked.filter((s) => val(s) === val(ranked[0]));
  const ci = (s: SamplerSummary) =>
    s.interval ? ` (95% CI ${acc ? `${fmtPct(s.interval.lo)}–${fmtPct(s.interval.hi)}%` : `${fmtNum(s.interval.lo, 3)} to ${fmtNum(s.interval.hi, 3)}`})` : '';
  out.push(
    top.length === 1
      ? `On ${what}, ${top[0].sampler} has the highest ${acc ? 'accuracy' : 'mean judge score'}, ${show(top[0])}${ci(top[0])}.`
      : `On ${what}, ${top.map((s) => s.sampler).join(' and ')} share the highest ${acc ? 'accuracy' : 'mean judge score'}, ${show(top[0])}.`,
  );
  const baseS = S.find((s) => s.sampler === report.baseline)!;
  const testLine = (t: PairedTest) =>
    acc
      ? `McNemar's exact test: b = ${t.b}, c = ${t.c}, p = ${fmtP(t.p)}`
      : `win rate ${fmtPct(S.find((s) => s.sampler === t.sampler)!.winRate?.winRate ?? null)}%, sign test: ${t.b} wins, ${t.c} losses, ${t.ties} ties, p = ${fmtP(t.p)}`;
  const diffLine = (t: PairedTest) => (acc ? `${signed(fmtPct(t.difference))} percentage points` : `${signed(fmtNum(t.difference, 3))} in mean score`);
  const best = top[0];
  if (best.sampler !== report.baseline) {
    const t = report.paired.find((p) => p.sampler === best.sampler)!;
    out.push(`Against the baseline ${report.baseline} (${show(baseS)}), ${best.sampler} differs by ${diffLine(t)} on ${t.pairs} paired examples (${testLine(t)}).`);
  } else if (ranked.length > 1) {
    const next = ranked.find((s) => s.sampler !== report.baseline)!;
    const t = report.paired.find((p) => p.sampler === next.sampler)!;
    out.push(`The baseline ${report.baseline} is among the best; the next sampler, ${next.sampler} (${show(next)}), differs from it by ${diffLine(t)} (${testLine(t)}).`);
  }
  const ig = S.find((s) => s.sampler === 'info-gain');
  const baselines = ranked.filter((s) => isBaseline(s.sampler));
  if (ig && baselines.length > 0) {
    const bb = baselines[0];
    out.push(
      `Info-Gain's mean cumulative uncertainty is ${fmtNum(ig.cuMean)} nats, ${fmtNum(ig.cuMean / bb.cuMean)} times that of the best baseline by ${acc ? 'accuracy' : 'mean score'}, ${bb.sampler} (${fmtNum(bb.cuMean)} nats).`,
    );
  }
  const withRef = S.filter((s) => s.vsReference);
  if (report.reference && withRef.length > 0) {
    const rates = withRef.map((s) => s.vsReference!.winRate);
    const igRef = ig?.vsReference;
    out.push(
      `Against the ${report.reference.name} reference's outputs (mean score ${fmtNum(report.reference.meanScore, 3)}), the samplers win ${fmtPct(Math.min(...rates))}–${fmtPct(Math.max(...rates))}% of pairs` +
        (igRef ? `, Info-Gain ${fmtPct(igRef.winRate)}% (${igRef.wins} wins, ${igRef.losses} losses, ${igRef.ties} ties).` : '.'),
    );
  }
  const all = report.correlation.rows[0];
  if (all.r !== null) out.push(`Over all ${all.n} lines, Pearson's r between cumulative uncertainty and ${report.correlation.against} is ${fmtNum(all.r, 3)}.`);
  return out.join(' ');
}

// ---------------------------------------------------------------------------------------------
// Markdown

const mdCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function markdownTable(t: TableModel): string {
  const lines = [
    `| ${t.head.map(mdCell).join(' | ')} |`,
    `|${t.align.map((a) => (a === 'right' ? '---:' : '---')).join('|')}|`,
    ...t.rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`),
  ];
  return lines.join('\n');
}

const paramText = (p: Record<string, unknown>) => {
  const entries = Object.entries(p ?? {});
  return entries.length ? entries.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ') : '(defaults)';
};

/**
 * The run's task, model and examples. A generator run shows the generator's options; a data run
 * shows the file and what was read from it, never generator options (older meta.json files of
 * data runs recorded them although they did not apply).
 */
function sourceLines(report: Report): string[] {
  const m: RunMeta & { dataRead?: DataRead } = report.meta;
  const counts = `${m.n} planned, ${report.examples.length} with results`;
  if (!m.data)
    return [
      `- task: ${m.task}${Object.keys(m.taskOptions ?? {}).length ? ` (${paramText(m.taskOptions)})` : ''}`,
      `- model: ${m.model}`,
      `- examples: ${counts}; seed ${m.seed}; data: generated`,
    ];
  const r = m.dataRead;
  const sel = describeSelection(r);
  return [
    `- task: ${m.task}`,
    `- model: ${m.model}`,
    `- examples: ${counts}; seed ${m.seed} (decoding only)`,
    `- data: ${m.data}${sel.length ? ` (${sel.join('; ')})` : ''}`,
    ...(r ? [`  - read: ${r.summary}${r.available > m.n ? `; the first ${m.n} of ${r.available} examples evaluated` : ''}`] : []),
  ];
}

function metaLines(report: Report): string[] {
  const m = report.meta;
  const decodes = m.samplers.map((s) => paramText(s.decode));
  const sameDecode = decodes.every((d) => d === decodes[0]);
  const lines = sourceLines(report);
  if (sameDecode && decodes.length) lines.push(`- decode settings (every sampler): ${decodes[0]}`);
  lines.push('- samplers:');
  for (const s of m.samplers) lines.push(`  - ${s.name}: ${paramText(s.params)}${sameDecode ? '' : `; decode: ${paramText(s.decode)}`}`);
  return lines;
}

export function renderMarkdown(report: Report, command: string): string {
  const parts = [
    `# Evaluation report: ${report.meta.task}`,
    '',
    `Produced by \`${command}\` from \`${report.dir}\`.`,
    '',
    '## Run',
    '',
    ...metaLines(report),
    '',
    '## Reading',
    '',
    report.reading,
    '',
  ];
  for (const t of reportTables(report)) {
    parts.push(`## ${t.title}`, '', markdownTable(t), '');
    if (t.note) parts.push(t.note, '');
  }
  parts.push('Charts (accuracy against cost, cumulative-uncertainty distributions, decode-order heatmaps) are in `report.html`.', '');
  return parts.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Terminal

export function renderTerminalTable(t: TableModel): string {
  const table = new Table({ head: t.head, colAligns: t.align, style: { head: [], border: [] } });
  for (const r of t.rows) table.push(r);
  return table.toString();
}

// ---------------------------------------------------------------------------------------------
// HTML

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function htmlTable(t: TableModel): string {
  const th = t.head.map((h, i) => `<th class="${t.align[i]}">${esc(h)}</th>`).join('');
  const rows = t.rows.map((r) => `<tr>${r.map((c, i) => `<td class="${t.align[i]}">${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<h2>${esc(t.title)}</h2>\n<table><thead><tr>${th}</tr></thead><tbody>\n${rows}\n</tbody></table>${t.note ? `\n<p class="note">${esc(t.note)}</p>` : ''}`;
}

/** The Chart.js UMD bundle from node_modules, read at report time. */
export function chartJsSource(): string {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve('chart.js');
  } catch {
    throw new ReportError('report: the chart.js package is not installed (npm ci)');
  }
  const path = join(dirname(entry), 'chart.umd.min.js');
  if (!existsSync(path)) throw new ReportError(`report: ${path} is missing; reinstall chart.js`);
  return readFileSync(path, 'utf8');
}

/** Heatmap rows embedded per sampler (the mean strip uses every example). */
export const HEATMAP_MAX_ROWS = 100;

/** The data the page's charts draw, as embedded in report.html. */
export function chartData(report: Report, lines: readonly ResultLine[]) {
  const acc = report.kind === 'accuracy';
  const names = report.samplers.map((s) => s.sampler);
  const own = new Map<string, ResultLine[]>(names.map((n) => [n, []]));
  const seen = new Set<string>();
  for (const l of lines) {
    const k = `${l.sampler}\u0000${l.example}`;
    if (seen.has(k) || !own.has(l.sampler)) continue;
    seen.add(k);
    own.get(l.sampler)!.push(l);
  }
  for (const ls of own.values()) ls.sort((a, b) => a.example - b.example);
  const q = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    const h = (s.length - 1) * p;
    const lo = Math.floor(h);
    return s[lo] + (h - lo) * (s[Math.min(s.length - 1, lo + 1)] - s[lo]);
  };
  return {
    kind: report.kind,
    baseline: report.baseline,
    samplers: report.samplers.map((s, i) => {
      const ls = own.get(s.sampler)!;
      const cu = ls.map((l) => l.cumulativeUncertainty).filter(Number.isFinite);
      const width = Math.max(0, ...ls.map((l) => (Array.isArray(l.order) ? l.order.length : 0)));
      // Mean commit step per position, each example's steps scaled to [0, 1] (first to last).
      const sum = new Array<number>(width).fill(0);
      const cnt = new Array<number>(width).fill(0);
      for (const l of ls) {
        const o = Array.isArray(l.order) ? l.order : [];
        const mx = Math.max(0, ...o);
        o.forEach((v, p) => {
          if (v > 0) {
            sum[p] += mx > 1 ? (v - 1) / (mx - 1) : 0;
            cnt[p]++;
          }
        });
      }
      return {
        name: s.sampler,
        value: acc ? (s.accuracy === null ? null : 100 * s.accuracy) : s.meanScore,
        lo: s.interval ? (acc ? 100 * s.interval.lo : s.interval.lo) : null,
        hi: s.interval ? (acc ? 100 * s.interval.hi : s.interval.hi) : null,
        rowForwards: s.rowForwards,
        cu: cu.length
          ? { min: Math.min(...cu), q1: q(cu, 0.25), median: q(cu, 0.5), q3: q(cu, 0.75), max: Math.max(...cu), mean: s.cuMean }
          : null,
        points: ls
          .map((l) => {
            const v = lineValue(report.kind, l);
            if (v === null || !Number.isFinite(l.cumulativeUncertainty)) return null;
            // Deterministic jitter so 0/1 points do not hide each other.
            const jitter = acc ? ((mix32((l.example * 0x9e3779b1 + i * 0x85ebca6b) >>> 0) / 4294967296) - 0.5) * 0.3 : 0;
            return [Number(l.cumulativeUncertainty.toFixed(4)), Number((v + jitter).toFixed(4))];
          })
          .filter((p) => p !== null),
        heat: {
          examples: ls.length,
          rows: ls.slice(0, HEATMAP_MAX_ROWS).map((l) => (Array.isArray(l.order) ? l.order : [])),
          mean: sum.map((x, p) => (cnt[p] ? Number((x / cnt[p]).toFixed(4)) : null)),
          // Sudoku canvases are boards: the mean is also drawn as a side × side grid.
          side: report.meta.task === 'sudoku' && width > 1 && Number.isInteger(Math.sqrt(width)) ? Math.sqrt(width) : null,
        },
      };
    }),
  };
}

const CLIENT_SCRIPT = String.raw`
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('report-data').textContent);
  var PAL = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
  function col(i, a) {
    var h = PAL[i % PAL.length];
    var r = parseInt(h.slice(1, 3), 16), g = parseInt(h.slice(3, 5), 16), b = parseInt(h.slice(5, 7), 16);
    return 'rgba(' + r + ',' + g + ',' + b + ',' + (a === undefined ? 1 : a) + ')';
  }
  var acc = D.kind === 'accuracy';
  Chart.defaults.animation = false;
  Chart.defaults.font.family = 'system-ui, sans-serif';
  Chart.defaults.maintainAspectRatio = false;

  // (a) accuracy or mean score against mean row-forwards: labelled points with interval whiskers.
  var labels = {
    id: 'pointLabels',
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx, y = chart.scales.y;
      chart.data.datasets.forEach(function (ds, i) {
        var meta = chart.getDatasetMeta(i);
        if (meta.hidden) return;
        meta.data.forEach(function (pt, j) {
          var d = ds.data[j];
          ctx.save();
          ctx.strokeStyle = ds.borderColor;
          ctx.lineWidth = 1.5;
          if (d.lo !== null && d.hi !== null) {
            var top = y.getPixelForValue(d.hi), bot = y.getPixelForValue(d.lo);
            ctx.beginPath();
            ctx.moveTo(pt.x, top); ctx.lineTo(pt.x, bot);
            ctx.moveTo(pt.x - 4, top); ctx.lineTo(pt.x + 4, top);
            ctx.moveTo(pt.x - 4, bot); ctx.lineTo(pt.x + 4, bot);
            ctx.stroke();
          }
          ctx.fillStyle = '#222';
          ctx.font = '12px system-ui, sans-serif';
          ctx.fillText(ds.label, pt.x + 8, pt.y - 6);
          ctx.restore();
        });
      });
    }
  };
  var withValue = D.samplers.filter(function (s) { return s.value !== null; });
  new Chart(document.getElementById('chart-cost'), {
    type: 'scatter',
    data: { datasets: withValue.map(function (s) {
      var i = D.samplers.indexOf(s);
      return { label: s.name, data: [{ x: s.rowForwards, y: s.value, lo: s.lo, hi: s.hi }], backgroundColor: col(i), borderColor: col(i), pointRadius: 6 };
    }) },
    options: {
      layout: { padding: { right: 70 } },
      plugins: { legend: { position: 'bottom' } },
      scales: {
        x: { title: { display: true, text: 'mean row-forwards per example' }, grace: '10%' },
        y: { title: { display: true, text: acc ? 'accuracy (%)' : 'mean judge score' }, grace: '10%',
             suggestedMin: Math.min.apply(null, withValue.map(function (s) { return s.lo === null ? s.value : s.lo; })),
             suggestedMax: Math.max.apply(null, withValue.map(function (s) { return s.hi === null ? s.value : s.hi; })) }
      }
    },
    plugins: [labels]
  });

  // (b) cumulative-uncertainty distribution: min-max bar, quartile box, median and mean marks.
  var withCu = D.samplers.filter(function (s) { return s.cu !== null; });
  new Chart(document.getElementById('chart-cu'), {
    type: 'bar',
    data: {
      labels: withCu.map(function (s) { return s.name; }),
      datasets: [
        { type: 'line', label: 'median', data: withCu.map(function (s) { return s.cu.median; }), showLine: false, pointStyle: 'line', pointRadius: 16, borderWidth: 3, borderColor: '#111', backgroundColor: '#111', order: 0 },
        { type: 'line', label: 'mean', data: withCu.map(function (s) { return s.cu.mean; }), showLine: false, pointStyle: 'crossRot', pointRadius: 6, borderWidth: 2, borderColor: '#c0392b', backgroundColor: '#c0392b', order: 0 },
        { label: '25–75%', data: withCu.map(function (s) { return [s.cu.q1, s.cu.q3]; }), backgroundColor: withCu.map(function (s) { return col(D.samplers.indexOf(s), 0.7); }), barPercentage: 0.5, grouped: false, order: 1 },
        { label: 'min–max', data: withCu.map(function (s) { return [s.cu.min, s.cu.max]; }), backgroundColor: 'rgba(90,90,90,0.35)', barPercentage: 0.06, grouped: false, order: 2 }
      ]
    },
    options: { plugins: { legend: { position: 'bottom' } }, scales: { y: { title: { display: true, text: 'cumulative uncertainty (nats)' } } } }
  });

  // (c) cumulative uncertainty against correctness (jittered) or score, one point per line.
  new Chart(document.getElementById('chart-scatter'), {
    type: 'scatter',
    data: { datasets: D.samplers.map(function (s, i) {
      return { label: s.name, data: s.points.map(function (p) { return { x: p[0], y: p[1] }; }), backgroundColor: col(i, 0.55), borderColor: col(i, 0.9), pointRadius: 3 };
    }) },
    options: {
      plugins: { legend: { position: 'bottom' } },
      scales: {
        x: { title: { display: true, text: 'cumulative uncertainty (nats)' } },
        y: acc
          ? { min: -0.5, max: 1.5, title: { display: true, text: 'answer (jittered)' }, ticks: { stepSize: 0.5, callback: function (v) { return v === 0 ? 'wrong' : v === 1 ? 'correct' : ''; } } }
          : { title: { display: true, text: 'judge score (nats / char)' } }
      }
    }
  });

  // (d) decode-order heatmaps: x = canvas position, y = example, colour = commit step scaled to
  // [first, last] within the example; givens (step 0) stay blank. The top strip is the mean.
  var STOPS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  function viridis(t) {
    t = Math.max(0, Math.min(1, t)) * (STOPS.length - 1);
    var k = Math.min(STOPS.length - 2, Math.floor(t)), f = t - k, a = STOPS[k], b = STOPS[k + 1];
    return 'rgb(' + Math.round(a[0] + f * (b[0] - a[0])) + ',' + Math.round(a[1] + f * (b[1] - a[1])) + ',' + Math.round(a[2] + f * (b[2] - a[2])) + ')';
  }
  D.samplers.forEach(function (s, i) {
    var canvas = document.getElementById('heat-' + i);
    if (!canvas) return;
    var width = s.heat.mean.length, rows = s.heat.rows;
    var cw = Math.max(2, Math.min(12, Math.floor(720 / Math.max(1, width))));
    var ch = rows.length > 50 ? 3 : 6, strip = 14, gap = 6;
    canvas.width = Math.max(1, cw * width);
    canvas.height = strip + gap + ch * rows.length;
    var ctx = canvas.getContext('2d');
    s.heat.mean.forEach(function (v, p) {
      if (v === null) return;
      ctx.fillStyle = viridis(v);
      ctx.fillRect(p * cw, 0, cw, strip);
    });
    rows.forEach(function (row, r) {
      var mx = Math.max.apply(null, row.concat([0]));
      row.forEach(function (v, p) {
        if (!(v > 0)) return;
        ctx.fillStyle = viridis(mx > 1 ? (v - 1) / (mx - 1) : 0);
        ctx.fillRect(p * cw, strip + gap + r * ch, cw, ch);
      });
    });
  });
  // Sudoku: the mean commit step as a board, box borders every √side cells.
  D.samplers.forEach(function (s, i) {
    var canvas = document.getElementById('board-' + i), n = s.heat.side;
    if (!canvas || !n) return;
    var cell = 16, box = Math.round(Math.sqrt(n));
    canvas.width = canvas.height = n * cell + 1;
    var ctx = canvas.getContext('2d');
    s.heat.mean.forEach(function (v, p) {
      if (v === null) return;
      ctx.fillStyle = viridis(v);
      ctx.fillRect((p % n) * cell, Math.floor(p / n) * cell, cell, cell);
    });
    ctx.strokeStyle = '#999';
    for (var k = 0; k <= n; k++) {
      ctx.lineWidth = box * box === n && k % box === 0 ? 1.5 : 0.5;
      ctx.beginPath(); ctx.moveTo(k * cell + 0.5, 0); ctx.lineTo(k * cell + 0.5, n * cell); ctx.stroke();
      ctx.beginPath(); ctx.moveTo(0, k * cell + 0.5); ctx.lineTo(n * cell, k * cell + 0.5); ctx.stroke();
    }
  });
  var legend = document.getElementById('heat-legend');
  if (legend) {
    var lc = legend.getContext('2d');
    for (var x = 0; x < legend.width; x++) { lc.fillStyle = viridis(x / (legend.width - 1)); lc.fillRect(x, 0, 1, legend.height); }
  }
  window.__reportReady = true;
  document.body.setAttribute('data-ready', '1');
})();
`;

const CSS = `
body { font-family: system-ui, sans-serif; margin: 24px auto; max-width: 1180px; color: #222; padding: 0 16px; }
h1 { font-size: 1.5em; margin-bottom: 4px; } h2 { font-size: 1.12em; margin-top: 28px; }
code { background: #f3f3f3; padding: 1px 4px; border-radius: 3px; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 10px; } th { background: #f6f6f6; }
td.right, th.right { text-align: right; font-variant-numeric: tabular-nums; } td.left, th.left { text-align: left; }
.note { font-size: 12px; color: #666; margin: 2px 0 0; }
.reading { background: #f7f9fc; border-left: 3px solid #4e79a7; padding: 8px 12px; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 18px; }
.chart { height: 340px; position: relative; } .chart h3, .heat h3 { font-size: 14px; margin: 0 0 4px; }
.chart canvas { max-height: 310px; }
.heats { display: flex; flex-wrap: wrap; gap: 18px; } .pair { display: flex; gap: 12px; align-items: flex-start; } .heat canvas { border: 1px solid #ddd; image-rendering: pixelated; }
.legend { display: flex; align-items: center; gap: 6px; font-size: 12px; color: #555; }
ul.meta { font-size: 14px; }
`;

export function renderHtml(report: Report, lines: readonly ResultLine[], command: string): string {
  const data = chartData(report, lines);
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const lib = chartJsSource().replace(/<\/script/gi, '<\\/script');
  const acc = report.kind === 'accuracy';
  const ml = metaLines(report);
  const meta = ml.map((l, i) => {
    if (l.startsWith('  - ')) return `<li>${esc(l.slice(4))}</li>${ml[i + 1]?.startsWith('  - ') ? '' : '</ul></li>'}`;
    return ml[i + 1]?.startsWith('  - ') ? `<li>${esc(l.slice(2))}<ul>` : `<li>${esc(l.slice(2))}</li>`;
  });
  const heats = data.samplers
    .map((s, i) => {
      const shown = s.heat.rows.length < s.heat.examples ? ` (first ${s.heat.rows.length} of ${s.heat.examples} examples)` : ` (${s.heat.examples} examples)`;
      const board = s.heat.side ? `<canvas id="board-${i}" data-chart="board" title="mean commit step per cell"></canvas>` : '';
      return `<div class="heat"><h3>${esc(s.name)}${esc(shown)}</h3><div class="pair"><canvas id="heat-${i}" data-chart="heatmap"></canvas>${board}</div></div>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>infogain report: ${esc(report.meta.task)} (${esc(report.meta.model)})</title>
<style>${CSS}</style>
</head>
<body>
<h1>Evaluation report: ${esc(report.meta.task)}</h1>
<p>Produced by <code>${esc(command)}</code> from <code>${esc(report.dir)}</code>.</p>
<ul class="meta">${meta.join('')}</ul>
<h2>Reading</h2>
<p class="reading">${esc(report.reading)}</p>
${reportTables(report).map(htmlTable).join('\n')}
<h2>Charts</h2>
<div class="charts">
<div class="chart"><h3>(a) ${acc ? 'Accuracy (95% CI)' : 'Mean judge score (95% CI)'} against cost</h3><canvas id="chart-cost" data-chart="chartjs"></canvas></div>
<div class="chart"><h3>(b) Cumulative uncertainty per example</h3><canvas id="chart-cu" data-chart="chartjs"></canvas></div>
<div class="chart"><h3>(c) Cumulative uncertainty against ${acc ? 'correctness' : 'judge score'}</h3><canvas id="chart-scatter" data-chart="chartjs"></canvas></div>
</div>
<h2>(d) Decode order</h2>
<p class="note">x: canvas position; rows: examples (top strip: mean over all examples); colour: the step at which the position was committed, scaled from the example's first to its last step; blank: given.${data.samplers.some((s) => s.heat.side) ? ' Beside each: the mean as a board.' : ''}</p>
<div class="legend">first step <canvas id="heat-legend" width="160" height="10" data-chart="legend"></canvas> last step</div>
<div class="heats">
${heats}
</div>
<script id="report-data" type="application/json">${json}</script>
<script>/* Chart.js v4 (MIT), inlined from node_modules/chart.js/dist/chart.umd.min.js */
${lib}
</script>
<script>${CLIENT_SCRIPT}</script>
</body>
</html>
`;
}

// ---------------------------------------------------------------------------------------------
// Everything together

export interface WriteReportOptions extends ReportOptions {
  /** Output directory (default: the run directory). */
  out?: string;
  /** The command line recorded in the report. */
  command?: string;
}

export function writeReport(dir: string, options: WriteReportOptions = {}): { report: Report; markdownPath: string; htmlPath: string; table: string } {
  const { meta, lines } = loadRun(dir);
  const report = buildReport(dir, meta, lines, options);
  const command =
    options.command ??
    [`infogain report ${dir}`, `--baseline ${report.baseline}`, `--bootstrap ${report.bootstrap.resamples}`, `--seed ${report.bootstrap.seed}`, ...(options.out ? [`--out ${options.out}`] : [])].join(' ');
  const out = options.out ?? dir;
  mkdirSync(out, { recursive: true });
  const markdownPath = join(out, 'report.md');
  const htmlPath = join(out, 'report.html');
  writeFileSync(markdownPath, renderMarkdown(report, command));
  writeFileSync(htmlPath, renderHtml(report, lines, command));
  return { report, markdownPath, htmlPath, table: renderTerminalTable(mainTable(report)) };
}
