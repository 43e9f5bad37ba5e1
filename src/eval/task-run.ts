/**
 * Task examples decoded by one sampler and graded, each output as it finishes (encode with
 * seed + i, decodeBatch, task.grade): the one path behind both `compare` on a task model and the
 * eval harness.
 */
import { checkSeedSpan } from '../core/seed.js';
import type { DecodeEntry } from '../decode/entry.js';
import { decodeBatch } from '../decode/run.js';
import type { SequenceTrace } from '../decode/trace.js';
import type { Denoiser } from '../models/denoiser.js';
import type { ModelView, Outcome, Task } from '../tasks/index.js';

export interface GradedRun {
  /** In the order of `ids`. */
  traces: SequenceTrace[];
  outcomes: Outcome[];
  /** Wall time of decoding alone: grading and `onGraded` are not counted. */
  decodeMs: number;
}

/**
 * Decode `examples[i]` for each i in `ids` with seed `seed + i`, and grade each output as it
 * finishes; `onGraded` gets the example index i.
 */
export async function decodeAndGrade<E>(
  task: Task<E>,
  model: Denoiser,
  view: ModelView,
  examples: readonly E[],
  ids: readonly number[],
  seed: number,
  entry: DecodeEntry,
  options: { batchSize?: number; signal?: AbortSignal; onGraded?: (example: number, trace: SequenceTrace, outcome: Outcome) => void | Promise<void> } = {},
): Promise<GradedRun> {
  // Example i decodes with seed + i: every one of them must be a 32-bit seed.
  if (ids.length > 0) checkSeedSpan(seed, ids.reduce((m, i) => Math.max(m, i), 0) + 1, 'seed');
  const inputs = ids.map((i) => ({ ...task.encode(examples[i], view), seed: seed + i }));
  const outcomes: Outcome[] = new Array(ids.length);
  let outsideMs = 0;
  const run = await decodeBatch(model, inputs, entry, {
    batchSize: options.batchSize,
    signal: options.signal,
    onSequence: async (j, trace) => {
      const started = performance.now();
      const i = ids[j];
      outcomes[j] = await task.grade(examples[i], Int32Array.from(trace.output), view);
      await options.onGraded?.(i, trace, outcomes[j]);
      outsideMs += performance.now() - started;
    },
  });
  return { traces: run.traces, outcomes, decodeMs: run.stats.wallMs - outsideMs };
}
