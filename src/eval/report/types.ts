/**
 * The report's data types: what buildReport (model.ts) computes and the renderers (tables.ts,
 * reading.ts, markdown.ts, html.ts) read. Kept apart from model.ts so that the renderers depend
 * on the shapes, not on the code that computes them (no import circle model → reading → tables → model).
 */
import type { RunMeta } from '../harness.js';
import type { Interval, PairwiseResult } from '../stats.js';

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
