/**
 * The report's tables, in a form every renderer (Markdown, HTML, terminal) takes. The number
 * formats live in format.ts and are re-exported here for the modules that import them from tables.
 */
import { fmtNum, fmtP, fmtPct, signed } from './format.js';
import type { PairedTest, Report, SamplerSummary } from './types.js';

export { fmtNum, fmtP, fmtPct, signed };

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
