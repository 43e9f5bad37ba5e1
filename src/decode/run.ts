/**
 * The batch driver: decodes many sequences together, merging their forward requests into one
 * model call per round. A sequence's result depends only on its own input and seed, never on
 * what else is in the batch (spec D7), because every random draw comes from its own generator
 * and the backend treats rows independently.
 */
import type { Denoiser, ForwardRow, RowPredictions } from '../models/denoiser.js';
import type { Params } from '../samplers/params.js';
import type { SamplerSpec } from '../samplers/sampler.js';
import type { DecodeConfig } from './config.js';
import { decodeBestOfN } from './best-of-n.js';
import { canvasLimit, CanvasLengthError } from './limits.js';
import { decodeSequence, type SequenceGenerator, type SequenceInput } from './sequence.js';
import type { SequenceTrace } from './trace.js';

export interface DecodeOptions {
  /** Sequences decoded together; default all of them. */
  batchSize?: number;
  /** Called as each sequence finishes, with its index in `inputs`. */
  onSequence?: (index: number, trace: SequenceTrace) => void | Promise<void>;
}

export interface BatchStats {
  /** Model calls actually made (batched across sequences). */
  modelCalls: number;
  wallMs: number;
}

export async function decodeBatch(
  denoiser: Denoiser,
  inputs: readonly SequenceInput[],
  spec: SamplerSpec,
  samplerParams: Params,
  cfg: DecodeConfig,
  options: DecodeOptions = {},
): Promise<{ traces: SequenceTrace[]; stats: BatchStats }> {
  const started = performance.now();
  // Before any per-step buffer is sized: a canvas the model cannot take fails here, in one line.
  const limit = canvasLimit(denoiser.card);
  inputs.forEach((input, i) => {
    if (input.canvas.length > limit)
      throw new CanvasLengthError(`decode: sequence ${i} has a canvas of ${input.canvas.length} tokens, over the limit ${limit} of model ${denoiser.card.name}`);
  });
  const batchSize = Math.max(1, options.batchSize ?? inputs.length);
  const samples = spec.samples(samplerParams);
  const traces: SequenceTrace[] = new Array(inputs.length);
  let modelCalls = 0;
  for (let first = 0; first < inputs.length; first += batchSize) {
    const chunk = inputs.slice(first, first + batchSize);
    const copies = spec.sequenceCopies?.(samplerParams);
    const gens: SequenceGenerator[] = chunk.map((input) =>
      copies
        ? decodeBestOfN(input, denoiser.card, spec, samplerParams, cfg, copies.copies, copies.criterion)
        : decodeSequence(input, denoiser.card, spec, spec.create(samplerParams), cfg),
    );
    const pending = gens.map((g) => g.next());
    for (;;) {
      const waiting: { seq: number; rows: ForwardRow[] }[] = [];
      for (let j = 0; j < gens.length; j++) {
        const r = pending[j];
        if (!r.done) waiting.push({ seq: j, rows: r.value });
      }
      if (waiting.length === 0) break;
      // One model call per canvas length: rows of different lengths cannot share a tensor.
      const answers = new Map<number, RowPredictions[]>();
      for (const group of groupBy(waiting, (w) => w.rows[0].canvas.length)) {
        const pred = await denoiser.forward({ rows: group.flatMap((w) => w.rows), samples, temperature: cfg.temperature });
        modelCalls += 1;
        let offset = 0;
        for (const w of group) {
          answers.set(w.seq, w.rows.map((_, r) => pred.row(offset + r)));
          offset += w.rows.length;
        }
      }
      for (const w of waiting) {
        pending[w.seq] = gens[w.seq].next(answers.get(w.seq)!);
        const r = pending[w.seq];
        if (r.done) {
          traces[first + w.seq] = r.value;
          await options.onSequence?.(first + w.seq, r.value);
        }
      }
    }
    // Sequences with nothing to decode finish before their first forward.
    for (let j = 0; j < gens.length; j++) {
      const r = pending[j];
      if (r.done && traces[first + j] === undefined) {
        traces[first + j] = r.value;
        await options.onSequence?.(first + j, r.value);
      }
    }
  }
  return { traces, stats: { modelCalls, wallMs: performance.now() - started } };
}

function groupBy<T>(items: readonly T[], key: (item: T) => number): T[][] {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const k = key(item);
    const g = groups.get(k);
    if (g) g.push(item);
    else groups.set(k, [item]);
  }
  return [...groups.values()];
}
