/**
 * The compute-matched frontier (issue 21 §2; docs/decisions.md D14): an evaluation whose samplers
 * are variants of a few sampler families, each swept over its compute knob (best-of-N's N,
 * Info-Gain's N with and without the bypass, the beam's B, Fast-dLLM's rule, the greedy rules),
 * read as score against mean row-forwards and wall time.
 *
 * Definitions:
 *  - every statistic is over the examples that EVERY point has (the frontier's n), so points and
 *    their paired differences are on the same examples;
 *  - a point's value: accuracy (share correct) or mean finite score, with a 95% paired percentile
 *    bootstrap interval (one draw of examples per replicate, shared by every series);
 *  - greedy's compute: the mean row-forwards of the greedy reference sampler (default
 *    `confidence`); budget k× = k × that; a point is within budget when its mean row-forwards are
 *    ≤ the budget × (1 + tolerance), tolerance 2% by default: decode lengths vary with the sampled
 *    tokens, so best-of-N at N = 2 can cost 2.0002× greedy, and a strict ≤ would drop it from 2×;
 *  - a family's best point at a budget: the highest value among its points within budget (ties: the
 *    cheaper point);
 *  - the budget's leader: the best of the families' best points; every other family's best is
 *    tested against the leader and against best-of-N's best: McNemar's exact test on the discordant
 *    pairs (accuracy) or a sign test on the per-example score differences (scores), with the
 *    bootstrap interval of the paired mean difference.
 *
 * Pure: no file access (frontier-files.ts reads the runs and writes the page).
 */
import type { RunMeta } from './harness.js';
import type { ResultLine } from './results.js';
import { mcnemarExact, mean, pairedBootstrap, signTest, type Interval } from './stats.js';
import { lineValue } from './report/model.js';
import type { ReportKind } from './report/types.js';

export class FrontierError extends Error {}

/** One sampler of the run as meta.json records it. */
type MetaSampler = RunMeta['samplers'][number];

export interface FrontierPoint {
  sampler: string;
  family: string;
  /** The knob's value in words, e.g. "N = 4", "B = 2, N = 8", "factor 1". */
  knob: string;
  /** The knob as a number, for ordering points along a family's curve (cost orders them too). */
  knobValue: number;
  value: number;
  interval: Interval | null;
  rowForwards: number;
  wallMs: number;
  cuMean: number;
}

export interface FamilyTest {
  family: string;
  sampler: string;
  against: string;
  test: 'mcnemar' | 'sign';
  pairs: number;
  /** McNemar: only this point right; sign test: this point's score higher. */
  b: number;
  /** McNemar: only the other right; sign test: the other's score higher. */
  c: number;
  p: number;
  difference: number;
  differenceInterval: Interval | null;
}

export interface BudgetCell {
  /** Multiple of greedy's mean row-forwards. */
  k: number;
  /** k × greedy's mean row-forwards; points up to budget × (1 + tolerance) are within it. */
  budget: number;
  /** Each family's best point within the budget (families with none left out), best first. */
  best: FrontierPoint[];
  leader: FrontierPoint | null;
  /** Every other family's best against the leader. */
  vsLeader: FamilyTest[];
  /** Every other family's best against best-of-N's best (when best-of-N has a point within budget). */
  vsBestOfN: FamilyTest[];
}

export interface Frontier {
  task: string;
  model: string;
  taskOptions: Record<string, unknown>;
  seed: number;
  kind: ReportKind;
  /** Examples every point has; all statistics are over these. */
  examples: number[];
  greedy: { sampler: string; rowForwards: number; wallMs: number };
  points: FrontierPoint[];
  families: { family: string; points: FrontierPoint[] }[];
  budgets: BudgetCell[];
  bootstrap: { resamples: number; seed: number; level: number };
  /** Relative slack of every budget (0.02: a point may cost 2% more than k× greedy). */
  tolerance: number;
  /** Distinct examples with any line: more than `examples` while a run is under way. */
  examplesInRun: number;
  /** Samplers of meta.json without a graded line yet (left out of the frontier). */
  ungraded: string[];
}

export interface FrontierOptions {
  /** The sampler whose mean row-forwards define 1× (default confidence). */
  greedy?: string;
  /** Multiples of greedy's compute (default 1, 2, 4, 8). */
  budgets?: number[];
  /** Relative slack of the budgets (default 0.02). */
  tolerance?: number;
  bootstrap?: number;
  seed?: number;
}

/** The greedy position rules: one forward per step, no knob. */
const GREEDY_RULES = new Set(['confidence', 'margin', 'entropy', 'left-to-right', 'eb', 'pc']);
/** The Info-Gain family (the proposed method, its LookUM objective and its beam). */
export const INFO_GAIN_FAMILIES = new Set(['info-gain', 'lookum', 'info-gain-beam']);

const num = (v: unknown, what: string, sampler: string): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new FrontierError(`frontier: ${sampler}: ${what} is ${JSON.stringify(v)}, expected a number`);
  return v;
};

/** A sampler's decode step count (null: the schedule's own). */
const stepsOf = (s: MetaSampler): number | null => (typeof s.decode?.steps === 'number' ? s.decode.steps : null);

/**
 * A sampler's family and knob. The family splits where a setting changes what the knob buys:
 * Info-Gain and its beam with the decode bypass on are separate families from the same samplers
 * without it (the bypass skips the lookahead on confident steps, so the same N costs far less),
 * and a sampler with a step count other than the run's pace (`runSteps`, the greedy reference's:
 * e.g. one token a step) is a family of its own, so its points are not drawn on the curve of the
 * run's pace. Samplers at the run's pace keep the family's plain name (best-of-N's is the baseline).
 */
export function familyOf(s: MetaSampler, runSteps: number | null = null): { family: string; base: string; knob: string; knobValue: number } {
  const base = s.name.split(':')[0];
  const bypass = s.decode?.threshold;
  const steps = stepsOf(s);
  const stepsText = steps === runSteps ? [] : [steps === null ? "the schedule's steps" : `${steps} steps`];
  const named = (family: string, qualifiers: string[]) => (qualifiers.length ? `${family} (${qualifiers.join(', ')})` : family);
  const withBypass = (family: string) => named(family, [bypass === null || bypass === undefined ? 'no bypass' : `bypass ${bypass}`, ...stepsText]);
  if (GREEDY_RULES.has(base)) return { family: named('greedy rules', stepsText), base, knob: base, knobValue: 1 };
  if (base === 'best-of-n') {
    const n = num(s.params.n, 'params.n', s.name);
    return { family: named('best-of-n', stepsText), base, knob: `N = ${n}`, knobValue: n };
  }
  if (base === 'info-gain' || base === 'lookum') {
    const n = num(s.params.candidates, 'params.candidates', s.name);
    return { family: withBypass(base), base, knob: `N = ${n}`, knobValue: n };
  }
  if (base === 'info-gain-beam') {
    const b = num(s.params.beams, 'params.beams', s.name);
    const n = num(s.params.candidates, 'params.candidates', s.name);
    return { family: withBypass(base), base, knob: `B = ${b}, N = ${n}`, knobValue: b * n };
  }
  if (base === 'fast-dllm') {
    const family = named('fast-dllm', stepsText);
    if (s.params.rule === 'factor') return { family, base, knob: `factor ${s.params.factor}`, knobValue: num(s.params.factor, 'params.factor', s.name) };
    return { family, base, knob: `threshold ${s.params.threshold}`, knobValue: 1 - num(s.params.threshold, 'params.threshold', s.name) };
  }
  return { family: named(base, stepsText), base, knob: s.name, knobValue: 1 };
}

/** The point of higher value; at equal value the cheaper one. */
const better = (a: FrontierPoint, b: FrontierPoint) => (a.value !== b.value ? a.value > b.value : a.rowForwards <= b.rowForwards);

export function buildFrontier(meta: RunMeta, allLines: readonly ResultLine[], options: FrontierOptions = {}): Frontier {
  const lines = allLines.filter((l) => l.reference !== true);
  if (lines.length === 0) throw new FrontierError('frontier: no result lines');
  const kind: ReportKind = lines.some((l) => l.correct !== null && l.correct !== undefined) ? 'accuracy' : 'score';
  const samplers = meta.samplers.filter((s) => lines.some((l) => l.sampler === s.name));
  const unknown = [...new Set(lines.map((l) => l.sampler))].filter((n) => !meta.samplers.some((s) => s.name === n));
  if (unknown.length) throw new FrontierError(`frontier: result lines of samplers meta.json does not describe: ${unknown.join(', ')}`);
  const greedyName = options.greedy ?? 'confidence';
  if (!samplers.some((s) => s.name === greedyName))
    throw new FrontierError(`frontier: the greedy reference ${JSON.stringify(greedyName)} has no results; present: ${samplers.map((s) => s.name).join(', ')}`);
  const budgets = options.budgets ?? [1, 2, 4, 8];
  for (const k of budgets) if (!Number.isFinite(k) || k <= 0) throw new FrontierError(`frontier: budget ${k}: expected a positive multiple of greedy's compute`);
  const tolerance = options.tolerance ?? 0.02;
  if (!Number.isFinite(tolerance) || tolerance < 0 || tolerance >= 1) throw new FrontierError(`frontier: tolerance ${tolerance}: expected a fraction in [0, 1), e.g. 0.02`);
  const resamples = options.bootstrap ?? 2000;
  if (!Number.isInteger(resamples) || resamples < 0) throw new FrontierError(`frontier: --bootstrap must be an integer ≥ 0, got ${resamples}`);
  const seed = options.seed ?? 0;

  // One line per (sampler, example), graded.
  const byName = new Map<string, Map<number, ResultLine>>(samplers.map((s) => [s.name, new Map()]));
  for (const l of lines) if (lineValue(kind, l) !== null && !byName.get(l.sampler)!.has(l.example)) byName.get(l.sampler)!.set(l.example, l);
  const kept = samplers.filter((s) => byName.get(s.name)!.size > 0);
  if (!kept.some((s) => s.name === greedyName)) throw new FrontierError(`frontier: the greedy reference ${greedyName} has no graded line`);
  // The examples every sampler has: an interrupted or still running evaluation has finished whole
  // chunks of examples for every sampler, and part of the chunk it was on.
  const examples = [...byName.get(greedyName)!.keys()].filter((e) => kept.every((s) => byName.get(s.name)!.has(e))).sort((a, b) => a - b);
  if (examples.length === 0) throw new FrontierError('frontier: no example has a graded line of every sampler');
  const examplesInRun = new Set(lines.map((l) => l.example)).size;
  const value = (name: string, e: number) => lineValue(kind, byName.get(name)!.get(e))!;
  const series = kept.map((s) => examples.map((e) => value(s.name, e)));
  const intervals = pairedBootstrap(series, { resamples, seed, level: 0.95 });
  const runSteps = stepsOf(samplers.find((s) => s.name === greedyName)!);
  const points: FrontierPoint[] = kept.map((s, i) => {
    const own = examples.map((e) => byName.get(s.name)!.get(e)!);
    const f = familyOf(s, runSteps);
    return {
      sampler: s.name, family: f.family, knob: f.knob, knobValue: f.knobValue,
      value: mean(series[i])!, interval: intervals[i],
      rowForwards: mean(own.map((l) => l.rowForwards))!,
      wallMs: mean(own.map((l) => l.wallMs))!,
      cuMean: mean(own.map((l) => l.cumulativeUncertainty))!,
    };
  });
  const familyNames = [...new Set(points.map((p) => p.family))];
  const families = familyNames.map((family) => ({ family, points: points.filter((p) => p.family === family).sort((a, b) => a.rowForwards - b.rowForwards || a.knobValue - b.knobValue) }));
  const greedy = points.find((p) => p.sampler === greedyName)!;

  // Paired tests between two points on the frontier's examples.
  const diffIntervalOf = (a: string, b: string) =>
    pairedBootstrap([examples.map((e) => value(a, e) - value(b, e))], { resamples, seed, level: 0.95 })[0];
  const test = (p: FrontierPoint, q: FrontierPoint): FamilyTest => {
    let b = 0;
    let c = 0;
    for (const e of examples) {
      const d = value(p.sampler, e) - value(q.sampler, e);
      if (d > 0) b++;
      else if (d < 0) c++;
    }
    return {
      family: p.family, sampler: p.sampler, against: q.sampler,
      test: kind === 'accuracy' ? 'mcnemar' : 'sign',
      pairs: examples.length, b, c,
      p: kind === 'accuracy' ? mcnemarExact(b, c) : signTest(b, c),
      difference: p.value - q.value,
      differenceInterval: diffIntervalOf(p.sampler, q.sampler),
    };
  };

  const cells: BudgetCell[] = budgets.map((k) => {
    const budget = k * greedy.rowForwards;
    const best = families
      .map((f) => f.points.filter((p) => p.rowForwards <= budget * (1 + tolerance)).reduce<FrontierPoint | null>((a, p) => (a === null || better(p, a) ? p : a), null))
      .filter((p): p is FrontierPoint => p !== null)
      .sort((a, b) => (better(a, b) ? -1 : 1));
    const leader = best[0] ?? null;
    const bon = best.find((p) => p.family === 'best-of-n') ?? null;
    return {
      k, budget, best, leader,
      vsLeader: leader ? best.filter((p) => p !== leader).map((p) => test(p, leader)) : [],
      vsBestOfN: bon ? best.filter((p) => p !== bon).map((p) => test(p, bon)) : [],
    };
  });

  return {
    task: meta.task, model: meta.model, taskOptions: meta.taskOptions ?? {}, seed: meta.seed, kind, examples,
    greedy: { sampler: greedy.sampler, rowForwards: greedy.rowForwards, wallMs: greedy.wallMs },
    points, families, budgets: cells,
    bootstrap: { resamples, seed, level: 0.95 },
    tolerance,
    examplesInRun,
    ungraded: samplers.filter((s) => !kept.includes(s)).map((s) => s.name).concat(meta.samplers.filter((s) => !samplers.includes(s)).map((s) => s.name)),
  };
}
