/** The report's "Reading": one paragraph of factual sentences about the numbers. */
import { fmtNum, fmtP, fmtPct, signed } from './format.js';
import type { PairedTest, Report, SamplerSummary } from './types.js';

/** The proposed method and its lookahead sibling; `info-gain:nobypass` and other variants belong with them. */
const INFO_GAIN_FAMILY = ['info-gain', 'lookum'];
/** Whether a sampler (or a variant `name:label`) is a baseline rather than the proposed method. */
export const isBaseline = (sampler: string): boolean => !INFO_GAIN_FAMILY.includes(sampler.split(':')[0]);

export function readingOf(report: Report): string {
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
