/**
 * The batch driver: decodes many sequences together, merging their forward requests into one
 * model call per round. A sequence's result depends only on its own input and seed, never on
 * what else is in the batch (spec D7), because every random draw comes from its own generator
 * and the backend treats rows independently.
 */
import type { ModelCard } from '../models/card.js';
import type { Denoiser, ForwardRow, RowPredictions } from '../models/denoiser.js';
import { decodeBeam } from './beam.js';
import { copySeeds, keepBest } from './best-of-n.js';
import type { CacheMode } from './config.js';
import { planOf, type DecodeEntry } from './entry.js';
import { canvasLimit, CanvasLengthError } from './limits.js';
import { decodeSequence, type SequenceGenerator, type SequenceInput } from './sequence.js';
import type { SequenceTrace, StepRecord } from './trace.js';

export interface DecodeOptions {
  /** Sequences decoded together; default all of them. */
  batchSize?: number;
  /** Called as each sequence finishes, with its index in `inputs`. */
  onSequence?: (index: number, trace: SequenceTrace) => void | Promise<void>;
  /**
   * Called after each step of each sequence: `index` in `inputs`, `copy` of a sequence-level
   * strategy (0 for a plain decode), the step's record and the canvas it left (live: copy it).
   */
  onStep?: (index: number, copy: number, record: StepRecord, canvas: Int32Array) => void;
  /** Checked before every model call: once aborted, the decode throws the signal's reason. */
  signal?: AbortSignal;
}

export interface BatchStats {
  /** Model calls actually made (batched across sequences). */
  modelCalls: number;
  wallMs: number;
}

/**
 * Decode every input with `entry`, `batchSize` inputs at a time. A sequence-level strategy
 * (best-of-N) decodes seeded copies of each input through the same lockstep driver, copies of
 * one input next to each other, and keeps the best of them when the last one finishes; a beam
 * search (info-gain-beam) is one generator per input that yields all its beams' rows at once.
 */
export async function decodeBatch(
  denoiser: Denoiser,
  inputs: readonly SequenceInput[],
  entry: DecodeEntry,
  options: DecodeOptions = {},
): Promise<{ traces: SequenceTrace[]; stats: BatchStats }> {
  const started = performance.now();
  checkCanvasLengths(denoiser.card, inputs);
  checkCacheMode(denoiser.card, entry);
  const { step, copies, criterion, beams } = planOf(entry);
  const request = { samples: step.sampler.samples(step.params), temperature: entry.decode.temperature };
  const batchSize = Math.max(1, options.batchSize ?? inputs.length);
  const traces: SequenceTrace[] = new Array(inputs.length);
  let modelCalls = 0;
  for (let first = 0; first < inputs.length; first += batchSize) {
    const chunk = inputs.slice(first, first + batchSize);
    const chunkStarted = performance.now();
    // Job j decodes copy j % copies of input ⌊j / copies⌋; a beam search is one job per input.
    const onStep = options.onStep;
    const sampler = () => step.sampler.create(step.params, entry.state);
    const gens = chunk.flatMap((input, i) =>
      beams !== null
        ? [decodeBeam({ input, card: denoiser.card, spec: step.sampler, sampler: sampler(), cfg: entry.decode, width: beams }, onStep && ((record, canvas) => onStep(first + i, 0, record, canvas)))]
        : copySeeds(input.seed, copies).map((seed, copy) =>
            decodeSequence({ ...input, seed }, denoiser.card, step.sampler, sampler(), entry.decode, onStep && ((record, canvas) => onStep(first + i, copy, record, canvas))),
          ),
    );
    const finished: SequenceTrace[][] = chunk.map(() => []);
    const rounds = new Array<number>(chunk.length).fill(0);
    modelCalls += await lockstep(denoiser, gens, request, options.signal, {
      onRound: (jobs) => new Set(jobs.map((j) => Math.floor(j / copies))).forEach((i) => rounds[i]++),
      onDone: async (j, trace) => {
        const i = Math.floor(j / copies);
        finished[i][j % copies] = trace;
        if (finished[i].filter(Boolean).length < copies) return;
        traces[first + i] = criterion === null ? trace : keepBest(finished[i], criterion, chunk[i].seed, rounds[i], performance.now() - chunkStarted);
        await options.onSequence?.(first + i, traces[first + i]);
      },
    });
  }
  return { traces, stats: { modelCalls, wallMs: performance.now() - started } };
}

/** Before any per-step buffer is sized: a canvas the model cannot take fails here, in one line. */
function checkCanvasLengths(card: ModelCard, inputs: readonly SequenceInput[]): void {
  const limit = canvasLimit(card);
  inputs.forEach((input, i) => {
    if (input.canvas.length > limit)
      throw new CanvasLengthError(`decode: sequence ${i} has a canvas of ${input.canvas.length} tokens, over the limit ${limit} of model ${card.name}`);
  });
}

/** Why `mode` cannot run on the model of `card` (null: it can): a cache mode needs the model's cache graph. */
export function cacheModeProblem(card: ModelCard, mode: CacheMode): string | null {
  if (mode === 'none') return null;
  if (!card.cache) return `model ${card.name} has no cache graph (card field "cache"; training/export_cache.py exports one)`;
  return null;
}

/** Said before any forward. */
function checkCacheMode(card: ModelCard, entry: DecodeEntry): void {
  const problem = cacheModeProblem(card, entry.decode.useCache);
  if (problem) throw new Error(`use_cache=${entry.decode.useCache}: ${problem}, expected use_cache=none for it`);
}

/**
 * The lockstep driver: every round, each unfinished generator's forward request is answered, with
 * one model call per canvas length (rows of different lengths cannot share a tensor); generators
 * are served and reported in their order. `onRound` gets the generators a round serves, `onDone`
 * each finished trace; those with nothing to decode (done before their first forward) come last.
 * Returns the model calls made.
 */
async function lockstep(
  denoiser: Denoiser,
  gens: readonly SequenceGenerator[],
  request: { samples: number; temperature: number },
  signal: AbortSignal | undefined,
  hooks: { onRound: (jobs: number[]) => void; onDone: (job: number, trace: SequenceTrace) => Promise<void> },
): Promise<number> {
  let modelCalls = 0;
  const pending = gens.map((g) => g.next());
  const reported = new Array<boolean>(gens.length).fill(false);
  for (;;) {
    const waiting: { job: number; rows: ForwardRow[] }[] = [];
    pending.forEach((r, job) => {
      if (!r.done) waiting.push({ job, rows: r.value });
    });
    if (waiting.length === 0) break;
    hooks.onRound(waiting.map((w) => w.job));
    const answers = new Map<number, RowPredictions[]>();
    for (const group of groupBy(waiting, (w) => w.rows[0].canvas.length)) {
      signal?.throwIfAborted();
      const pred = await denoiser.forward({ rows: group.flatMap((w) => w.rows), ...request });
      modelCalls += 1;
      let offset = 0;
      for (const w of group) {
        answers.set(w.job, w.rows.map((_, r) => pred.row(offset + r)));
        offset += w.rows.length;
      }
    }
    for (const w of waiting) {
      const r = (pending[w.job] = gens[w.job].next(answers.get(w.job)!));
      if (r.done) {
        reported[w.job] = true;
        await hooks.onDone(w.job, r.value);
      }
    }
  }
  for (const [job, r] of pending.entries()) if (r.done && !reported[job]) await hooks.onDone(job, r.value);
  return modelCalls;
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
