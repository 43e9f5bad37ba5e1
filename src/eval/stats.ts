/**
 * Small statistics for evaluation reports: exact binomial tests (McNemar, sign test), Pearson r,
 * type-7 quantiles, a paired, seeded percentile bootstrap and the paired win rate of judge-scored
 * outputs. Pure functions, no dependencies beyond the project's seeded generator (and the text
 * task's error class, which the win rate throws).
 */
import { Rng } from '../core/rng.js';
import { TextTaskError } from '../tasks/text/error.js';

export function mean(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Quantile of an ascending array with linear interpolation (Hyndman & Fan type 7, R's default). */
export function quantileSorted(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export function median(xs: readonly number[]): number | null {
  return quantileSorted([...xs].sort((a, b) => a - b), 0.5);
}

/**
 * Exact two-sided binomial test of k successes in n trials against p = ½:
 * min(1, 2·P(X ≤ min(k, n − k))). Summed in log space, so large n does not underflow.
 */
export function binomialTwoSided(k: number, n: number): number {
  if (!Number.isInteger(k) || !Number.isInteger(n) || k < 0 || k > n) throw new Error(`binomialTwoSided: need integers 0 ≤ k ≤ n, got k = ${k}, n = ${n}`);
  if (n === 0) return 1;
  const m = Math.min(k, n - k);
  // log C(n, j) − n·ln 2 for j = 0..m, then log-sum-exp.
  const logs: number[] = [];
  let lc = 0;
  for (let j = 0; j <= m; j++) {
    if (j > 0) lc += Math.log(n - j + 1) - Math.log(j);
    logs.push(lc - n * Math.LN2);
  }
  const top = Math.max(...logs);
  const tail = Math.exp(top) * logs.reduce((s, l) => s + Math.exp(l - top), 0);
  return Math.min(1, 2 * tail);
}

/** McNemar's exact test on the discordant pairs b (only A right) and c (only B right). */
export function mcnemarExact(b: number, c: number): number {
  return binomialTwoSided(b, b + c);
}

/** Sign test: `plus` positive and `minus` negative paired differences (ties already dropped). */
export function signTest(plus: number, minus: number): number {
  return binomialTwoSided(plus, plus + minus);
}

/** Pearson's r; null with fewer than 2 pairs or when either variable is constant. */
export function pearson(x: readonly number[], y: readonly number[]): number | null {
  if (x.length !== y.length) throw new Error(`pearson: ${x.length} x values but ${y.length} y values`);
  const n = x.length;
  if (n < 2) return null;
  const mx = mean(x)!;
  const my = mean(y)!;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return null;
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

export interface Interval {
  lo: number;
  hi: number;
}

/**
 * Paired percentile bootstrap of means. `series[s][u]` is series s's value on unit u (an
 * example), or null where s has none. Each replicate draws units with replacement ONCE and every
 * series is averaged over the same draw (its present values only), so intervals of different
 * series, and of their paired differences given as further series, are comparable. A replicate in
 * which a series has no value is left out for that series. Returns one interval per series (null
 * when the series has no value at all, or `resamples` is 0).
 */
export function pairedBootstrap(
  series: readonly (readonly (number | null)[])[],
  options: { resamples: number; seed: number; level?: number },
): (Interval | null)[] {
  const units = series[0]?.length ?? 0;
  for (const s of series) if (s.length !== units) throw new Error('pairedBootstrap: every series needs one entry per unit');
  const level = options.level ?? 0.95;
  if (options.resamples <= 0 || units === 0) return series.map(() => null);
  const rng = new Rng(options.seed);
  const reps = series.map(() => [] as number[]);
  const idx = new Int32Array(units);
  for (let r = 0; r < options.resamples; r++) {
    for (let j = 0; j < units; j++) idx[j] = rng.nextInt(units);
    series.forEach((s, k) => {
      let sum = 0;
      let count = 0;
      for (let j = 0; j < units; j++) {
        const v = s[idx[j]];
        if (v !== null) {
          sum += v;
          count++;
        }
      }
      if (count > 0) reps[k].push(sum / count);
    });
  }
  const a = (1 - level) / 2;
  return reps.map((r) => {
    if (r.length === 0) return null;
    r.sort((x, y) => x - y);
    return { lo: quantileSorted(r, a)!, hi: quantileSorted(r, 1 - a)! };
  });
}

// ---------------------------------------------------------------------------------------------
// Win rate (the text task's comparison of judge-scored outputs, spec §6.3)

/** An output's score for the win rate: the judge's mean log-probability per character, and whether it is degenerate. */
export interface PairScore {
  meanLogProb: number;
  degenerate: boolean;
}

export interface PairwiseResult {
  wins: number;
  losses: number;
  ties: number;
  n: number;
  /** (wins + ½·ties) / n */
  winRate: number;
}

const asScore = (s: PairScore | number, side: string, i: number): PairScore => {
  const t = typeof s === 'number' ? { meanLogProb: s, degenerate: false } : s;
  if (Number.isNaN(t.meanLogProb)) throw new TextTaskError(`winRate: score ${side}[${i}] is NaN`);
  return t;
};

/**
 * A against B, pair by pair (outputs paired by index, i.e. the same prompt; a plain number is a
 * non-degenerate score). A pair is won by the higher score, except that a degenerate output loses
 * to a non-degenerate one and two degenerate outputs tie.
 */
export function comparePairs(scoresA: readonly (PairScore | number)[], scoresB: readonly (PairScore | number)[]): PairwiseResult {
  if (scoresA.length !== scoresB.length)
    throw new TextTaskError(`winRate: ${scoresA.length} scores for A but ${scoresB.length} for B; outputs are compared in pairs`);
  if (scoresA.length === 0) throw new TextTaskError('winRate: no pairs to compare');
  let wins = 0;
  let losses = 0;
  let ties = 0;
  for (let i = 0; i < scoresA.length; i++) {
    const a = asScore(scoresA[i], 'A', i);
    const b = asScore(scoresB[i], 'B', i);
    let cmp: number;
    if (a.degenerate || b.degenerate) cmp = a.degenerate === b.degenerate ? 0 : a.degenerate ? -1 : 1;
    else cmp = a.meanLogProb > b.meanLogProb ? 1 : a.meanLogProb < b.meanLogProb ? -1 : 0;
    if (cmp > 0) wins++;
    else if (cmp < 0) losses++;
    else ties++;
  }
  const n = scoresA.length;
  return { wins, losses, ties, n, winRate: (wins + 0.5 * ties) / n };
}

/** Share of pairs that A wins, ties counting half: (wins + ½·ties) / n. */
export function winRate(scoresA: readonly (PairScore | number)[], scoresB: readonly (PairScore | number)[]): number {
  return comparePairs(scoresA, scoresB).winRate;
}
