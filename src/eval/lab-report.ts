/**
 * The oracle lab's statistics and tables (the run is lab.ts's). Everything is paired over the
 * same prompts: per (sampler, k) the mean exact log p with a paired bootstrap interval, the share
 * of outputs that are a MAP completion, cumulative uncertainty and cost; against the baseline at
 * the same k, the mean log p difference (bootstrap interval, sign test on wins and losses) and
 * MAP agreement (McNemar's exact test); within a sampler, what k > 1 costs against k = 1.
 */
import { mean, mcnemarExact, median, pairedBootstrap, signTest, type Interval } from './stats.js';
import type { LabLine, LabRun } from './lab.js';
import { LOG_PROB_TOLERANCE } from '../models/oracles/exact.js';
import { markdownTable } from './report/markdown.js';
import { fmtNum, fmtP, fmtPct, signed, type TableModel } from './report/tables.js';

export interface LabSummary {
  sampler: string;
  k: number;
  n: number;
  logProb: number;
  logProbInterval: Interval | null;
  /** Share of outputs that are a MAP completion, over the prompts whose MAP is proven; null if none is. */
  mapRate: number | null;
  /** Mean MAP log p − output log p over the prompts whose MAP is proven. */
  gapToMap: number | null;
  cumulativeUncertainty: number;
  forwardCalls: number;
  rowForwards: number;
  steps: number;
}

/** A paired comparison of two series of log p on the same prompts (a − b). */
export interface LogProbPair {
  n: number;
  difference: number;
  interval: Interval | null;
  /** a above b, below b, within LOG_PROB_TOLERANCE. */
  wins: number;
  losses: number;
  ties: number;
  signP: number;
}

export interface LabVsBaseline extends LogProbPair {
  sampler: string;
  k: number;
  /** MAP agreement, on prompts with a proven MAP: only the sampler's output is MAP (b), only the baseline's (c). */
  mapB: number;
  mapC: number;
  mcnemarP: number;
}

export interface LabKCost extends LogProbPair {
  sampler: string;
  /** This k against k = the smallest k of the run. */
  k: number;
  against: number;
}

export interface LabAnalysis {
  n: number;
  baseline: string;
  summaries: LabSummary[];
  vsBaseline: LabVsBaseline[];
  kCost: LabKCost[];
  reference: {
    /** Prompts whose MAP A* (or Viterbi, for a bijective emission) proved. */
    proven: number;
    method: string;
    /** Mean MAP log p over proven prompts. */
    mapLogProb: number | null;
    mapNodesMedian: number | null;
    viterbiLogProb: number;
    viterbiMapRate: number | null;
  };
  resamples: number;
  seed: number;
}

export interface LabAnalysisOptions {
  baseline: string;
  resamples?: number;
  seed?: number;
}

function pairOf(a: readonly number[], b: readonly number[]): Omit<LogProbPair, 'interval'> {
  let wins = 0;
  let losses = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] > b[i] + LOG_PROB_TOLERANCE) wins++;
    else if (a[i] < b[i] - LOG_PROB_TOLERANCE) losses++;
  }
  return { n: a.length, difference: mean(a.map((x, i) => x - b[i]))!, wins, losses, ties: a.length - wins - losses, signP: signTest(wins, losses) };
}

export function analyseLab(run: LabRun, options: LabAnalysisOptions): LabAnalysis {
  const resamples = options.resamples ?? 2000;
  const seed = options.seed ?? 0;
  const n = run.prompts.length;
  // Lines by (sampler, k), each indexed by example.
  const groups = new Map<string, LabLine[]>();
  const keyOf = (s: string, k: number) => `${s}\u0000${k}`;
  for (const line of run.lines) {
    const g = groups.get(keyOf(line.sampler, line.k)) ?? new Array<LabLine>(n);
    g[line.example] = line;
    groups.set(keyOf(line.sampler, line.k), g);
  }
  for (const [key, g] of groups)
    if (g.filter(Boolean).length !== n) throw new Error(`lab report: ${key.replace('\u0000', ' at k = ')} has ${g.filter(Boolean).length} lines for ${n} prompts`);
  const samplers = [...new Set(run.lines.map((l) => l.sampler))];
  const ks = [...new Set(run.lines.map((l) => l.k))].sort((a, b) => a - b);
  if (!samplers.includes(options.baseline)) throw new Error(`lab report: the baseline ${options.baseline} is not among the samplers (${samplers.join(', ')})`);
  const logProbs = (s: string, k: number) => groups.get(keyOf(s, k))!.map((l) => l.logProb);

  // Every interval from one paired bootstrap: the same draws of prompts for every series.
  const series: number[][] = [];
  const add = (xs: number[]) => series.push(xs) - 1;
  const summaryIdx = new Map<string, number>();
  for (const s of samplers) for (const k of ks) summaryIdx.set(keyOf(s, k), add(logProbs(s, k)));
  const pairs: { sampler: string; k: number; idx: number; a: number[]; b: number[] }[] = [];
  for (const s of samplers.filter((x) => x !== options.baseline))
    for (const k of ks) {
      const a = logProbs(s, k);
      const b = logProbs(options.baseline, k);
      pairs.push({ sampler: s, k, idx: add(a.map((x, i) => x - b[i])), a, b });
    }
  const costs: { sampler: string; k: number; idx: number; a: number[]; b: number[] }[] = [];
  for (const s of samplers)
    for (const k of ks.slice(1)) {
      const a = logProbs(s, k);
      const b = logProbs(s, ks[0]);
      costs.push({ sampler: s, k, idx: add(a.map((x, i) => x - b[i])), a, b });
    }
  const intervals = pairedBootstrap(series, { resamples, seed });

  const proven = run.prompts.filter((p) => p.map.proven);
  const summaries: LabSummary[] = [];
  for (const s of samplers)
    for (const k of ks) {
      const g = groups.get(keyOf(s, k))!;
      const judged = g.filter((l) => l.isMap !== null);
      summaries.push({
        sampler: s,
        k,
        n,
        logProb: mean(g.map((l) => l.logProb))!,
        logProbInterval: intervals[summaryIdx.get(keyOf(s, k))!],
        mapRate: judged.length ? judged.filter((l) => l.isMap).length / judged.length : null,
        gapToMap: mean(judged.map((l) => l.gapToMap!)),
        cumulativeUncertainty: mean(g.map((l) => l.cumulativeUncertainty))!,
        forwardCalls: mean(g.map((l) => l.forwardCalls))!,
        rowForwards: mean(g.map((l) => l.rowForwards))!,
        steps: mean(g.map((l) => l.steps))!,
      });
    }
  const vsBaseline = pairs.map(({ sampler, k, idx, a, b }) => {
    const mine = groups.get(keyOf(sampler, k))!;
    const base = groups.get(keyOf(options.baseline, k))!;
    let mapB = 0;
    let mapC = 0;
    mine.forEach((l, i) => {
      if (l.isMap === null) return;
      if (l.isMap && !base[i].isMap) mapB++;
      if (!l.isMap && base[i].isMap) mapC++;
    });
    return { sampler, k, ...pairOf(a, b), interval: intervals[idx], mapB, mapC, mcnemarP: mcnemarExact(mapB, mapC) };
  });
  const kCost = costs.map(({ sampler, k, idx, a, b }) => ({ sampler, k, against: ks[0], ...pairOf(a, b), interval: intervals[idx] }));
  const methods = [...new Set(run.prompts.map((p) => p.map.method))].join(', ');
  return {
    n,
    baseline: options.baseline,
    summaries,
    vsBaseline,
    kCost,
    reference: {
      proven: proven.length,
      method: methods,
      mapLogProb: mean(proven.map((p) => p.map.logProb)),
      mapNodesMedian: median(run.prompts.map((p) => p.map.nodes)),
      viterbiLogProb: mean(run.prompts.map((p) => p.viterbi.logProb))!,
      viterbiMapRate: proven.length ? proven.filter((p) => p.viterbi.isMap).length / proven.length : null,
    },
    resamples,
    seed,
  };
}

const ci = (i: Interval | null, digits = 2) => (i ? ` [${signed(fmtNum(i.lo, digits))}, ${signed(fmtNum(i.hi, digits))}]` : '');
const plainCi = (i: Interval | null) => (i ? ` [${fmtNum(i.lo)}, ${fmtNum(i.hi)}]` : '');

/** The main table: one row per (sampler, k), then the exact references (MAP, Viterbi). */
export function labMainTable(a: LabAnalysis): TableModel {
  const head = ['sampler', 'k', 'n', 'log p(filled | given) [95% CI]', 'MAP %', 'gap to MAP', 'cum. uncertainty', 'row-forwards', 'steps'];
  const rows = a.summaries.map((s) => [
    s.sampler,
    String(s.k),
    String(s.n),
    `${fmtNum(s.logProb)}${plainCi(s.logProbInterval)}`,
    `${fmtPct(s.mapRate)}%`,
    fmtNum(s.gapToMap),
    fmtNum(s.cumulativeUncertainty),
    fmtNum(s.rowForwards, 1),
    fmtNum(s.steps, 1),
  ]);
  const r = a.reference;
  rows.push([`MAP (${r.method}; ${r.proven} of ${a.n} proven)`, '–', String(r.proven), fmtNum(r.mapLogProb), '100.0%', '0.00', '–', '–', '–']);
  rows.push(['Viterbi path\'s completion', '–', String(a.n), fmtNum(r.viterbiLogProb), `${fmtPct(r.viterbiMapRate)}%`, '–', '–', '–', '–']);
  return {
    title: 'Exact log-probability and MAP agreement per sampler and tokens per step',
    head,
    align: head.map((_, i) => (i === 0 ? 'left' : 'right')),
    rows,
    note:
      `n = ${a.n} prompts. log p(filled | given): the output's exact conditional log-probability under the oracle (nats; higher is better), ` +
      `95% paired percentile bootstrap over prompts (${a.resamples} resamples, seed ${a.seed}). MAP %: outputs whose log p equals the most probable completion's ` +
      `(within ${LOG_PROB_TOLERANCE} nats), over the ${r.proven} prompts whose MAP is proven; gap to MAP: mean MAP log p − output log p there. ` +
      `k: tokens per step (steps = ⌈masks / k⌉).`,
  };
}

export function labPairedTable(a: LabAnalysis): TableModel {
  const head = ['sampler', 'k', 'pairs', `Δ log p vs ${a.baseline} [95% CI]`, 'higher / lower / equal', 'sign test p', `MAP: b / c`, 'McNemar p'];
  return {
    title: `Paired against ${a.baseline} at the same k`,
    head,
    align: head.map((_, i) => (i === 0 ? 'left' : 'right')),
    rows: a.vsBaseline.map((p) => [p.sampler, String(p.k), String(p.n), `${signed(fmtNum(p.difference))}${ci(p.interval)}`, `${p.wins} / ${p.losses} / ${p.ties}`, fmtP(p.signP), `${p.mapB} / ${p.mapC}`, fmtP(p.mcnemarP)]),
    note:
      `Per prompt, the sampler's exact log p minus ${a.baseline}'s at the same k. Sign test: exact two-sided binomial test of higher against lower (equal within ${LOG_PROB_TOLERANCE} nats dropped). ` +
      `MAP: b prompts where only the sampler's output is a MAP completion, c where only ${a.baseline}'s is; McNemar's exact test.`,
  };
}

export function labKCostTable(a: LabAnalysis): TableModel {
  const against = a.kCost[0]?.against ?? 1;
  const head = ['sampler', 'k', 'pairs', `Δ log p vs k = ${against} [95% CI]`, 'higher / lower / equal', 'sign test p'];
  return {
    title: `What committing k tokens per step costs, against k = ${against}`,
    head,
    align: head.map((_, i) => (i === 0 ? 'left' : 'right')),
    rows: a.kCost.map((c) => [c.sampler, String(c.k), String(c.n), `${signed(fmtNum(c.difference))}${ci(c.interval)}`, `${c.wins} / ${c.losses} / ${c.ties}`, fmtP(c.signP)]),
    note: `Per prompt, the sampler's exact log p at k minus its own at k = ${against} (same prompt, same seed).`,
  };
}

export function labTables(a: LabAnalysis): TableModel[] {
  return [labMainTable(a), labPairedTable(a), ...(a.kCost.length ? [labKCostTable(a)] : [])];
}

/** report.md: the run's description, then every table with its note. */
export function labMarkdown(a: LabAnalysis, description: readonly string[]): string {
  const parts = ['# Oracle lab report', '', ...description.map((d) => `- ${d}`), ''];
  for (const t of labTables(a)) parts.push(`## ${t.title}`, '', markdownTable(t), '', t.note ?? '', '');
  return parts.join('\n');
}

/**
 * The docs/results.md cell: at the run's smallest k, one row per sampler with its paired test
 * against the baseline; then what larger k costs each sampler. report.md has every k's tests.
 */
export function labCellTables(a: LabAnalysis): TableModel[] {
  const ks = [...new Set(a.summaries.map((s) => s.k))].sort((x, y) => x - y);
  const k0 = ks[0];
  const pairOf = new Map(a.vsBaseline.filter((p) => p.k === k0).map((p) => [p.sampler, p]));
  const head = ['sampler', 'n', `log p(filled | given) [95% CI]`, 'MAP %', 'gap to MAP', 'cum. uncertainty', 'row-forwards', `Δ log p vs ${a.baseline} [95% CI]`, 'higher / lower', 'sign p', 'MAP b / c (McNemar p)'];
  const rows = a.summaries
    .filter((s) => s.k === k0)
    .map((s) => {
      const p = pairOf.get(s.sampler);
      return [
        s.sampler, String(s.n), `${fmtNum(s.logProb)}${plainCi(s.logProbInterval)}`, `${fmtPct(s.mapRate)}%`, fmtNum(s.gapToMap), fmtNum(s.cumulativeUncertainty), fmtNum(s.rowForwards, 1),
        p ? `${signed(fmtNum(p.difference))}${ci(p.interval)}` : 'baseline', p ? `${p.wins} / ${p.losses}` : '–', p ? fmtP(p.signP) : '–', p ? `${p.mapB} / ${p.mapC} (${fmtP(p.mcnemarP)})` : '–',
      ];
    });
  const r = a.reference;
  rows.push([`MAP (${r.method}; ${r.proven} of ${a.n} proven)`, String(r.proven), fmtNum(r.mapLogProb), '100.0%', '0.00', '–', '–', '–', '–', '–', '–']);
  rows.push(["Viterbi path's completion", String(a.n), fmtNum(r.viterbiLogProb), `${fmtPct(r.viterbiMapRate)}%`, '–', '–', '–', '–', '–', '–', '–']);
  const main: TableModel = {
    title: `k = ${k0} token per step`,
    head,
    align: head.map((_, i) => (i === 0 ? 'left' : 'right')),
    rows,
    note:
      `k = ${k0} token per step, τ_tok = 0 unless the sampler sets its own (best-of-n: 0.7); n = ${a.n} prompts, the same for every row. ` +
      `log p: exact conditional log-probability of the output under the oracle (nats). MAP %: outputs that are a most probable completion; gap: MAP log p − output log p (mean). ` +
      `Δ: paired difference per prompt against ${a.baseline}, 95% paired bootstrap (${a.resamples} resamples); sign test on higher against lower (equal dropped); MAP b / c: prompts where only the sampler / only ${a.baseline} is at the MAP, McNemar's exact test.`,
  };
  if (ks.length < 2) return [main];
  const costOf = new Map(a.kCost.map((c) => [`${c.sampler} ${c.k}`, c]));
  const samplers = [...new Set(a.summaries.map((s) => s.sampler))];
  const summaryOf = new Map(a.summaries.map((s) => [`${s.sampler} ${s.k}`, s]));
  const kHead = ['sampler', `log p, k = ${k0}`, ...ks.slice(1).map((k) => `Δ log p, k = ${k} [95% CI] (sign p)`), `MAP % at k = ${ks.join(' / ')}`, `steps at k = ${ks.join(' / ')}`];
  const kRows = samplers.map((s) => [
    s,
    fmtNum(summaryOf.get(`${s} ${k0}`)!.logProb),
    ...ks.slice(1).map((k) => {
      const c = costOf.get(`${s} ${k}`)!;
      return `${signed(fmtNum(c.difference))}${ci(c.interval)} (${fmtP(c.signP)})`;
    }),
    ks.map((k) => fmtPct(summaryOf.get(`${s} ${k}`)!.mapRate)).join(' / '),
    ks.map((k) => fmtNum(summaryOf.get(`${s} ${k}`)!.steps, 1)).join(' / '),
  ]);
  return [
    main,
    {
      title: 'Tokens per step',
      head: kHead,
      align: kHead.map((_, i) => (i === 0 ? 'left' : 'right')),
      rows: kRows,
      note: `What committing k tokens per step costs: per prompt, the sampler's exact log p at k minus its own at k = ${k0} (n = ${a.n} pairs each; sign test on higher against lower). Steps: the mean steps taken (steps = ⌈masks / k⌉ is asked for; threshold rules such as fast-dllm and eb decide their own).`,
    },
  ];
}
