/**
 * `compare`: every sampler on the same inputs with the same seeds, summarised per sampler:
 * prompts from an oracle's joint (scored by exact log-probability), or examples of a task
 * (scored by the task's checker or judge).
 */
import { Rng } from '../core/rng.js';
import { checkSeedSpan } from '../core/seed.js';
import { checkCanvasLength } from '../decode/limits.js';
import { decodeBatch } from '../decode/run.js';
import type { SequenceInput } from '../decode/sequence.js';
import type { SequenceTrace } from '../decode/trace.js';
import type { Denoiser } from '../models/denoiser.js';
import { isOracle, type Oracle } from '../models/oracle.js';
import type { ModelView, Task } from '../tasks/index.js';
import type { DecodeEntry } from '../decode/entry.js';
import { decodeAndGrade } from './task-run.js';

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
  // Sized from user input: checked before any canvas is allocated.
  checkCanvasLength(oracle.card, promptLength, genLength);
  checkSeedSpan(seed, n, 'seed');
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

/** How a comparison reports as it goes, and how it is stopped. */
export interface CompareOptions<S> {
  batchSize?: number;
  /** After each sequence of each sampler; a returned promise is awaited (the CLI yields to the event loop there). */
  onSequence?: (sampler: string, done: number) => void | Promise<void>;
  /** Each sampler's summary as soon as that sampler has finished every input. */
  onSummary?: (summary: S) => void;
  /** Stops the comparison before its next model call (the summaries of finished samplers were reported). */
  signal?: AbortSignal;
}

export async function compareSamplers(
  model: Denoiser,
  entries: readonly DecodeEntry[],
  inputs: readonly SequenceInput[],
  options: CompareOptions<SamplerSummary> = {},
): Promise<{ summaries: SamplerSummary[]; traces: Map<string, SequenceTrace[]> }> {
  const summaries: SamplerSummary[] = [];
  const traces = new Map<string, SequenceTrace[]>();
  for (const entry of entries) {
    options.signal?.throwIfAborted();
    const name = entry.sampler.name;
    let done = 0;
    const run = await decodeBatch(model, inputs, entry, {
      batchSize: options.batchSize,
      signal: options.signal,
      onSequence: () => options.onSequence?.(name, ++done),
    });
    traces.set(name, run.traces);
    const n = run.traces.length;
    const avg = (f: (t: SequenceTrace, i: number) => number) => run.traces.reduce((s, t, i) => s + f(t, i), 0) / n;
    summaries.push({
      sampler: name,
      n,
      logProb: isOracle(model) ? avg((t, i) => conditionalLogProb(model, t, inputs[i].promptLength)) : null,
      cumulativeUncertainty: avg((t) => t.totals.cumulativeUncertainty),
      forwardCalls: avg((t) => t.totals.forwardCalls),
      rowForwards: avg((t) => t.totals.rowForwards),
      timeMs: run.stats.wallMs / n,
    });
    options.onSummary?.(summaries[summaries.length - 1]);
  }
  return { summaries, traces };
}

export interface TaskSamplerSummary {
  sampler: string;
  task: string;
  n: number;
  /** Fraction of examples the task's exact checker accepts, in [0, 1]; null for judged tasks. */
  accuracy: number | null;
  /** Mean judge score (text: nats per character); null for tasks with an exact checker. */
  score: number | null;
  cumulativeUncertainty: number;
  forwardCalls: number;
  rowForwards: number;
  /** Mean decoding wall time per example (batch wall time without grading / n), ms. */
  timeMs: number;
}

/** Every sampler on the same task examples; example i decodes with seed `seed + i`. */
export async function compareOnTask<E>(
  task: Task<E>,
  model: Denoiser,
  view: ModelView,
  examples: readonly E[],
  seed: number,
  entries: readonly DecodeEntry[],
  options: CompareOptions<TaskSamplerSummary> = {},
): Promise<TaskSamplerSummary[]> {
  const ids = examples.map((_, i) => i);
  const summaries: TaskSamplerSummary[] = [];
  for (const entry of entries) {
    options.signal?.throwIfAborted();
    let done = 0;
    const run = await decodeAndGrade(task, model, view, examples, ids, seed, entry, {
      batchSize: options.batchSize,
      signal: options.signal,
      onGraded: () => options.onSequence?.(entry.sampler.name, ++done),
    });
    const n = run.traces.length;
    const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const checked = run.outcomes.filter((o) => o.correct !== null);
    const scored = run.outcomes.flatMap((o) => (o.score !== null ? [o.score] : []));
    summaries.push({
      sampler: entry.sampler.name,
      task: task.name,
      n,
      accuracy: checked.length > 0 ? checked.filter((o) => o.correct).length / checked.length : null,
      score: scored.length > 0 ? mean(scored) : null,
      cumulativeUncertainty: mean(run.traces.map((t) => t.totals.cumulativeUncertainty)),
      forwardCalls: mean(run.traces.map((t) => t.totals.forwardCalls)),
      rowForwards: mean(run.traces.map((t) => t.totals.rowForwards)),
      timeMs: run.decodeMs / n,
    });
    options.onSummary?.(summaries[summaries.length - 1]);
  }
  return summaries;
}
