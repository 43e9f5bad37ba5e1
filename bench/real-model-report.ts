/**
 * `npm run bench:real -- --report out/real-model/<run>.json`: a run's figures as the Markdown
 * tables docs/real-models.md shows, written from the JSON the bench saved (so the document's
 * numbers are the run's, not copied by hand).
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface Forward { rows: number; length: number; s: number[] }
interface Load {
  loadS: number; rssAfterLoad: number; peakRss: number; forwards: Forward[]; top1: number[]; entropy?: number[]; maxMaskedTop1: number; reduceRowS: number;
  /** Runs since the statistics graph: `forwards` are its path, `forwardsJs` the same forwards reduced in JavaScript. */
  forwardsJs?: Forward[]; statsRowS?: number; statsLogits?: string; pathsMaxDH?: number; pathsTop1?: number;
}
interface Cell { sampler: string; steps: number; threshold: number | null; complete: boolean; stepsRun: number; tokens: number; rowForwards: number; s: number; sPerToken: number; projectedS: number }
interface WebCell { precision: string; stats?: string; where: string; error: string | null; peakRss: number; result: { loadMs: number; timings: { rows: number; length: number; ms: number[] }[]; top1: number[]; settings: { backend: string }; threadsInUse: number; statistics?: string } | null }
interface Report {
  command: string; options: { dir: string; threads: number; tokens: number; decodePrecision: string };
  machine: { cpu: string; cores: number; node: string; onnxruntimeNode: string };
  started: { at: string; uptime: string }; finished?: { at: string; uptime: string };
  load?: Record<string, Load>; decode?: { promptTokens: number; canvas: number; cells: Cell[] }; web?: WebCell[];
}

const GRAPHS: Record<string, string> = { fp32: 'model_fp32.onnx', fp16: 'model_fp16_fused.onnx', q4: 'model_q4f16_rtn_sym.onnx' };
const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
const secs = (list: number[]) => list.map((s) => s.toFixed(1)).join(' / ');
const agreement = (a: number[], b: number[] | undefined) => (b && a.length === b.length ? `${((a.filter((id, i) => id === b[i]).length / b.length) * 100).toFixed(0)} %` : '');
/** Mean |ΔH| over the row's positions, nats (empty without both). */
const entropyGap = (a: number[] | undefined, b: number[] | undefined) => (a && b && a.length === b.length ? (a.reduce((s, h, i) => s + Math.abs(h - b[i]), 0) / a.length).toFixed(4) : '');
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;

function dataSize(dir: string, precision: string): string {
  try {
    return gib(statSync(join(dir, 'onnx', `${GRAPHS[precision]}.data`)).size);
  } catch {
    return '?';
  }
}

export function markdownReport(file: string): string {
  const r = JSON.parse(readFileSync(file, 'utf8')) as Report;
  const out: string[] = [
    `Run: \`${r.command}\`, ${r.started.at.slice(0, 16).replace('T', ' ')}–${r.finished?.at.slice(11, 16) ?? '(unfinished)'} UTC; ${r.machine.cpu}, ${r.machine.cores} cores; Node ${r.machine.node}, onnxruntime-node ${r.machine.onnxruntimeNode}, ${r.options.threads} thread(s).`,
    `Load: \`${r.started.uptime.replace(/^.*load average/, 'load average')}\` at the start, \`${r.finished?.uptime.replace(/^.*load average/, 'load average') ?? '?'}\` at the end.`,
    '',
  ];
  if (r.load) {
    const length = Object.values(r.load)[0]?.forwards[0]?.length ?? 0;
    const rowCounts = [...new Set(Object.values(r.load).flatMap((l) => l.forwards.map((f) => f.rows)))];
    const split = Object.values(r.load).some((l) => l.forwardsJs);
    if (split) {
      // Forward + statistics end to end, both paths on the same session, then one row's statistics alone.
      const heads = rowCounts.flatMap((n) => [`forward ${n} × ${length}, statistics graph (s)`, `forward ${n} × ${length}, JS reduction (s)`]);
      out.push(row(['graph', 'external data', 'load', 'RSS after load', 'peak RSS', ...heads, 'statistics of 1 row: graph (s)', 'statistics of 1 row: JS (s)', 'top-1 = fp32', 'mean abs. ΔH vs fp32 (nats)', 'max p(top-1) at a mask']));
      out.push(row(['---', ...Array(9 + heads.length).fill('---:')]));
      for (const [p, l] of Object.entries(r.load))
        out.push(row([`\`${GRAPHS[p]}\``, dataSize(r.options.dir, p), `${l.loadS.toFixed(1)} s`, gib(l.rssAfterLoad), gib(l.peakRss),
          ...rowCounts.flatMap((n) => [secs(l.forwards.find((f) => f.rows === n)?.s ?? []), secs(l.forwardsJs?.find((f) => f.rows === n)?.s ?? [])]),
          `${l.statsRowS?.toFixed(2) ?? ''} (${l.statsLogits ?? '?'})`, l.reduceRowS.toFixed(2), agreement(l.top1, r.load.fp32?.top1), entropyGap(l.entropy, r.load.fp32?.entropy), l.maxMaskedTop1.toFixed(2)]));
      out.push('', `The two paths' first forwards agree on ${Object.entries(r.load).map(([p, l]) => `${p}: top-1 ${((l.pathsTop1 ?? NaN) * 100).toFixed(0)} %, max |ΔH| ${(l.pathsMaxDH ?? NaN).toExponential(1)} nats`).join('; ')}.`, '');
    } else {
      out.push(row(['graph', 'external data', 'load', 'RSS after load', 'peak RSS', ...rowCounts.map((n) => `forward ${n} × ${length} (s)`), `JS reduction, 1 row (s)`, 'top-1 = fp32', 'mean abs. ΔH vs fp32 (nats)', 'max p(top-1) at a mask']));
      out.push(row(['---', ...Array(7 + rowCounts.length).fill('---:'), '---:']));
      for (const [p, l] of Object.entries(r.load))
        out.push(row([`\`${GRAPHS[p]}\``, dataSize(r.options.dir, p), `${l.loadS.toFixed(1)} s`, gib(l.rssAfterLoad), gib(l.peakRss), ...rowCounts.map((n) => secs(l.forwards.find((f) => f.rows === n)?.s ?? [])), l.reduceRowS.toFixed(2), agreement(l.top1, r.load.fp32?.top1), entropyGap(l.entropy, r.load.fp32?.entropy), l.maxMaskedTop1.toFixed(2)]));
      out.push('');
    }
  }
  if (r.decode) {
    const d = r.decode;
    out.push(`Decode (\`${GRAPHS[r.options.decodePrecision]}\`): ${d.promptTokens} prompt tokens + ${r.options.tokens} masks = ${d.canvas} positions, block length 32, seed 0.`, '');
    out.push(row(['sampler', 'steps', 'threshold', 'steps run', 'tokens', 'row-forwards', 'time', 's / row-forward', 's / token', `${r.options.tokens} tokens`]));
    out.push(row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']));
    for (const c of d.cells)
      out.push(row([c.sampler === 'info-gain' ? 'Info-Gain, N = 8' : c.sampler, c.steps, c.threshold ?? 'none', `${c.stepsRun}${c.complete ? ' (all)' : ''}`, c.tokens, c.rowForwards, `${c.s.toFixed(0)} s`, (c.s / c.rowForwards).toFixed(2), c.sPerToken.toFixed(2), `${c.complete ? '' : '≈ '}${(c.projectedS / 60).toFixed(1)} min`]));
    out.push('');
  }
  if (r.web) {
    const length = r.web.find((w) => w.result)?.result?.timings[0]?.length ?? 0;
    const stats = r.web.some((w) => w.stats !== undefined);
    out.push(row(['Chromium, onnxruntime-web', 'where', ...(stats ? ['statistics'] : []), 'load', `forward 1 × ${length} (s)`, 'peak renderer RSS', 'top-1 = Node']));
    out.push(row(['---', '---', ...(stats ? ['---'] : []), '---', '---:', '---:', '---:']));
    for (const w of r.web) {
      const res = w.result;
      const path = res?.statistics ?? w.stats;
      out.push(row([`\`${GRAPHS[w.precision]}\``, w.where === 'main' ? 'main thread' : 'worker', ...(stats ? [path === 'graph' ? 'statistics graph' : path === 'js' ? 'JavaScript' : String(path)] : []), res ? `${(res.loadMs / 1000).toFixed(1)} s (${res.settings.backend}, ${res.threadsInUse} thread)` : `failed: ${w.error}`, res ? secs(res.timings[0].ms.map((m) => m / 1000)) : '', gib(w.peakRss), res ? agreement(res.top1, r.load?.[w.precision]?.top1) : '']));
    }
  }
  return out.join('\n');
}
