/**
 * `compare`: every sampler on the same inputs with the same seeds, summarised per sampler.
 */
import { Rng } from '../core/rng.js';
import type { DecodeConfig } from '../decode/config.js';
import { decodeBatch } from '../decode/run.js';
import type { SequenceInput } from '../decode/sequence.js';
import type { SequenceTrace } from '../decode/trace.js';
import type { Denoiser } from '../models/denoiser.js';
import { isOracle, type Oracle } from '../models/oracle.js';
import type { Params } from '../samplers/params.js';
import type { SamplerSpec } from '../samplers/sampler.js';

export interface SamplerSummary {
  sampler: string;
  n: number;
  /** Mean exact log p(generated | prompt) under an oracle; null for other models. */
  logProb: number | null;
  cumulativeUncertainty: number;
  forwardCalls: number;
  rowForwards: number;
  /** Mean wall time per sequence (batch wall time / n), ms. */
  timeMs: number;
}

/**
 * N inputs from an oracle: a prompt of `promptLength` drawn from the joint (the same for every
 * sampler), followed by `genLength` masks. Example i uses seed `seed + i`.
 */
export function oracleInputs(oracle: Oracle, n: number, seed: number, promptLength: number, genLength: number): SequenceInput[] {
  return Array.from({ length: n }, (_, i) => {
    const s = seed + i;
    const prompt = promptLength > 0 ? oracle.sample(new Rng(s).fork(0x70726f6d), promptLength) : new Int32Array(0);
    const canvas = new Int32Array(promptLength + genLength).fill(oracle.card.maskId);
    canvas.set(prompt);
    return { canvas, promptLength, seed: s };
  });
}

/** log p(output | prompt) for a canvas decoded after an unmasked prompt. */
export function conditionalLogProb(oracle: Oracle, trace: SequenceTrace, promptLength: number): number {
  const out = Int32Array.from(trace.output);
  const prompt = out.subarray(0, promptLength);
  return oracle.logProb(out) - (promptLength > 0 ? oracle.logProb(prompt) : 0);
}

export interface CompareEntry {
  spec: SamplerSpec;
  params: Params;
  decode: DecodeConfig;
}

export async function compareSamplers(
  model: Denoiser,
  entries: readonly CompareEntry[],
  inputs: readonly SequenceInput[],
  options: { batchSize?: number; onSequence?: (sampler: string, done: number) => void } = {},
): Promise<{ summaries: SamplerSummary[]; traces: Map<string, SequenceTrace[]> }> {
  const summaries: SamplerSummary[] = [];
  const traces = new Map<string, SequenceTrace[]>();
  for (const { spec, params, decode } of entries) {
    let done = 0;
    const run = await decodeBatch(model, inputs, spec, params, decode, {
      batchSize: options.batchSize,
      onSequence: () => options.onSequence?.(spec.name, ++done),
    });
    traces.set(spec.name, run.traces);
    const n = run.traces.length;
    const avg = (f: (t: SequenceTrace, i: number) => number) => run.traces.reduce((s, t, i) => s + f(t, i), 0) / n;
    summaries.push({
      sampler: spec.name,
      n,
      logProb: isOracle(model) ? avg((t, i) => conditionalLogProb(model, t, inputs[i].promptLength)) : null,
      cumulativeUncertainty: avg((t) => t.totals.cumulativeUncertainty),
      forwardCalls: avg((t) => t.totals.forwardCalls),
      rowForwards: avg((t) => t.totals.rowForwards),
      timeMs: run.stats.wallMs / n,
    });
  }
  return { summaries, traces };
}
