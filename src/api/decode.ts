/**
 * The library's decode calls: `decode` streams a run's steps as they happen and ends with its
 * trace; `generate` awaits the run and returns the text and the trace. Both build on the
 * entry resolution of src/decode/entry.ts and the lockstep driver of src/decode/run.ts, so their
 * outputs are the CLI's for the same model, prompt, sampler, parameters and seed.
 */
import { checkSeedSpan } from '../core/seed.js';
import { decodeParamsOf, type DecodeParams } from '../decode/config.js';
import { prepareEntry, resolveEntry, type DecodeEntry } from '../decode/entry.js';
import { decodeBatch } from '../decode/run.js';
import { samplerByName } from '../samplers/index.js';
import { TRACE_FORMAT, TRACE_VERSION, type SequenceTrace, type StepRecord, type Trace } from '../decode/trace.js';
import type { Params, ParamValue } from '../samplers/params.js';
import type { Model } from './model.js';
import { checkCallOptions } from './options.js';
import { outputText, promptCanvas, type Prompt, type PromptCanvas } from './prompt.js';
import type { ParamsFor } from './sampler-params.js';

export interface DecodeCallOptions<N extends string = 'info-gain'> {
  /** A registered sampler's name, or a variant `name:label`; default "info-gain". */
  sampler?: N;
  /** The sampler's parameters; the rest keep their defaults (`infogain samplers` lists them). */
  params?: ParamsFor<N>;
  /** Decode-loop parameters: steps, block_length, schedule, temperature, threshold, eos_fill, eos_refresh. */
  decode?: Partial<DecodeParams>;
  /**
   * Positions to generate after each prompt; default: the model's `genLength`. A task model's
   * text prompt takes the task's own canvas unless this is given (text: the prompt plus
   * genLength characters, as the CLI's `--gen-length`; Sudoku, Countdown and digits set the
   * canvas themselves and take only 0).
   */
  genLength?: number;
  /** Prompt i decodes with seed `seed + i`; default 0. */
  seed?: number;
  /** Cancels the run between model calls: the call then rejects with the signal's reason (an `AbortError`). */
  signal?: AbortSignal;
  /** Prompts decoded together in one batch of model calls; default all of them. */
  batchSize?: number;
  /** Reads a file a sampler's parameters name (PC-sampler's `baseline_file`); the Node entry supplies one. */
  readText?: (path: string) => Promise<string>;
}

/** After each step of each sequence. */
export interface StepEvent {
  type: 'step';
  /** The prompt's index. */
  sequence: number;
  /** The copy of a sequence-level strategy (best-of-N); 0 otherwise. */
  copy: number;
  /** The step's record: its commits (position, token, entropy, …), candidates with C, H_next and J, and its cost. */
  step: StepRecord;
  /** The canvas after the step (a copy). */
  canvas: Int32Array;
  /** Σ entropy of every token this sequence (copy) committed so far, nats. */
  cumulativeUncertainty: number;
}

/** A sequence finished (for best-of-N: the kept copy). */
export interface SequenceEvent {
  type: 'sequence';
  sequence: number;
  text: string;
  trace: SequenceTrace;
}

/** The last event of every run: the whole trace, and each prompt's text. */
export interface DoneEvent {
  type: 'done';
  texts: string[];
  trace: Trace;
}

export type DecodeEvent = StepEvent | SequenceEvent | DoneEvent;

export interface GenerateResult {
  text: string;
  trace: Trace;
}

export interface GenerateBatchResult {
  texts: string[];
  trace: Trace;
}

type RunOutcome = { ok: true; traces: SequenceTrace[] } | { ok: false; error: unknown };

/** One prompt, or several decoded together (their forward requests share model calls). */
function promptList(prompt: Prompt | readonly Prompt[]): Prompt[] {
  if (typeof prompt === 'string' || prompt instanceof Int32Array) return [prompt];
  if (prompt.length > 0 && prompt.every((p): p is number => typeof p === 'number')) return [prompt];
  const list = prompt.filter((p): p is Prompt => typeof p !== 'number');
  if (list.length === 0 || list.length !== prompt.length) throw new TypeError('decode: expected a prompt (text or token ids) or a non-empty list of prompts');
  return list;
}

const paramsOf = (values: Readonly<Record<string, ParamValue | undefined>>): Params =>
  Object.fromEntries(Object.entries(values).filter((e): e is [string, ParamValue] => e[1] !== undefined));

/**
 * Decode `prompt` (or each of several prompts) and stream what happens: a `step` event after
 * every step, a `sequence` event as each prompt finishes, and last a `done` event with the trace.
 * Events are buffered while the consumer is busy; leaving the loop early cancels the run.
 */
export function decode<N extends string = 'info-gain'>(
  model: Model,
  prompt: Prompt | readonly Prompt[],
  options: DecodeCallOptions<N> = {},
): AsyncGenerator<DecodeEvent, void, undefined> {
  return decodeRun('decode', model, prompt, options);
}

/** `decode`'s run; `call` names the library function the caller called in messages. */
async function* decodeRun<N extends string>(
  call: string,
  model: Model,
  prompt: Prompt | readonly Prompt[],
  options: DecodeCallOptions<N>,
): AsyncGenerator<DecodeEvent, void, undefined> {
  const sampler = samplerByName(options.sampler ?? 'info-gain');
  // JavaScript callers get no compile error for a misplaced key (`temperature` outside `decode`).
  checkCallOptions(call, options, sampler);
  options.signal?.throwIfAborted();
  const prompts = promptList(prompt);
  const seed = options.seed ?? 0;
  checkSeedSpan(seed, prompts.length, 'seed');
  const inputs: PromptCanvas[] = prompts.map((p) => promptCanvas(model, p, options.genLength));
  const resolved = resolveEntry(sampler, paramsOf(options.params ?? {}), paramsOf(options.decode ?? {}));
  const entry: DecodeEntry = await prepareEntry(resolved, { vocabSize: model.card.vocabSize, readText: options.readText });

  const stop = new AbortController();
  const onAbort = () => stop.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const queue: DecodeEvent[] = [];
  let wake: (() => void) | null = null;
  const push = (event: DecodeEvent) => {
    queue.push(event);
    wake?.();
  };
  const running = new Map<string, number>();
  const texts: string[] = new Array(inputs.length);
  // Set when the run settles (a holder: control-flow analysis cannot see the callbacks' writes).
  const settled: { outcome: RunOutcome | null } = { outcome: null };
  const run = decodeBatch(model.denoiser, inputs.map((input, i) => ({ ...input, seed: seed + i })), entry, {
    batchSize: options.batchSize,
    signal: stop.signal,
    onStep: (sequence, copy, step, canvas) => {
      const key = `${sequence}/${copy}`;
      // A beam search reports its best beam, whose lineage may change from step to step: its own sum.
      const sum = step.beam ? step.beam.beams[step.beam.rank].cumulativeUncertainty : (running.get(key) ?? 0) + step.commits.reduce((s, c) => s + c.entropy, 0);
      running.set(key, sum);
      push({ type: 'step', sequence, copy, step, canvas: canvas.slice(), cumulativeUncertainty: sum });
    },
    onSequence: (sequence, trace) => {
      texts[sequence] = outputText(model, inputs[sequence], trace.output);
      push({ type: 'sequence', sequence, text: texts[sequence], trace });
    },
  }).then(
    ({ traces }) => (settled.outcome = { ok: true, traces }),
    (error: unknown) => (settled.outcome = { ok: false, error }),
  );
  run.finally(() => wake?.());
  try {
    for (;;) {
      while (queue.length > 0) yield queue.shift()!;
      if (settled.outcome !== null) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
    }
    const result = settled.outcome;
    if (!result.ok) throw result.error;
    yield { type: 'done', texts, trace: traceOf(model, entry, result.traces) };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    if (settled.outcome === null) {
      stop.abort(new DOMException('decode: the consumer left before the run finished', 'AbortError'));
      await run;
    }
  }
}

function traceOf(model: Model, entry: DecodeEntry, sequences: SequenceTrace[]): Trace {
  return {
    format: TRACE_FORMAT, version: TRACE_VERSION, model: model.card.name, maskId: model.card.maskId,
    sampler: entry.sampler.name, samplerParams: entry.params, decode: decodeParamsOf(entry.decode), sequences,
  };
}

/** Decode and wait: the text (or each prompt's text) and the trace. */
export async function generate<N extends string = 'info-gain'>(model: Model, prompt: Prompt, options?: DecodeCallOptions<N>): Promise<GenerateResult>;
export async function generate<N extends string = 'info-gain'>(model: Model, prompts: readonly Prompt[], options?: DecodeCallOptions<N>): Promise<GenerateBatchResult>;
export async function generate<N extends string = 'info-gain'>(
  model: Model,
  prompt: Prompt | readonly Prompt[],
  options: DecodeCallOptions<N> = {},
): Promise<GenerateResult | GenerateBatchResult> {
  const single = promptList(prompt).length === 1 && !isPromptList(prompt);
  for await (const event of decodeRun('generate', model, prompt, options))
    if (event.type === 'done') return single ? { text: event.texts[0], trace: event.trace } : { texts: event.texts, trace: event.trace };
  throw new Error('decode ended without its done event');
}

function isPromptList(prompt: Prompt | readonly Prompt[]): prompt is readonly Prompt[] {
  return typeof prompt !== 'string' && !(prompt instanceof Int32Array) && !(prompt.length > 0 && prompt.every((p) => typeof p === 'number'));
}
