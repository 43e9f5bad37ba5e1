/**
 * One completion request, decoded: the choices' decode runs through the server's batcher, and
 * each step becomes an event carrying the newly *final* text of its choice and the step record.
 *
 * Final text: a diffusion model commits tokens in any order, so the stream carries the longest
 * fully committed prefix of a choice's output (decoded to text), which only grows. Samplers that
 * may remask a committed token (ReMDM) and sequence-level strategies (best-of-N: which copy is
 * kept is known only at the end) send their text when the choice finishes. Text that could be
 * the start of a stop sequence, or a partial multi-byte character (U+FFFD), is held back.
 *
 * Stop sequences apply to the final text in reading order: the output ends where the first stop
 * sequence to *complete* (the smallest end position) begins, as if the text had been written left
 * to right. Once every choice has met a stop sequence the decode is cancelled; streamed and
 * non-streamed requests use this same code, so they return the same text and usage.
 */
import { decode, type DecodeCallOptions } from '../api/decode.js';
import type { Model } from '../api/model.js';
import { outputText, type PromptCanvas } from '../api/prompt.js';
import type { DecodeEntry } from '../decode/entry.js';
import type { StepRecord, Trace } from '../decode/trace.js';
import type { Denoiser } from '../models/denoiser.js';
import type { Params } from '../samplers/params.js';

export type FinishReason = 'stop' | 'length';

export interface CompletionJob {
  /** One per choice, in choice order (choice i decodes with seed + i). */
  inputs: PromptCanvas[];
  entry: DecodeEntry;
  samplerName: string;
  params: Params;
  decode: Params;
  maxTokens: number;
  seed: number;
  stop: string[];
  /** Cancels the decode at its next model call (client gone, timeout). */
  signal: AbortSignal;
}

export interface StepUpdate {
  type: 'step';
  choice: number;
  /** best-of-N's copy (0 otherwise). */
  copy: number;
  step: StepRecord;
  cumulativeUncertainty: number;
  /** Text that became final with this step (may be empty). */
  delta: string;
}

export interface ChoiceFinish {
  type: 'finish';
  choice: number;
  /** The rest of the choice's final text. */
  delta: string;
  finishReason: FinishReason;
}

export interface ChoiceResult {
  text: string;
  finishReason: FinishReason;
  completionTokens: number;
  cumulativeUncertainty: number;
}

export interface CompletionResult {
  type: 'done';
  choices: ChoiceResult[];
  promptTokens: number;
  completionTokens: number;
  /** Model calls this request's decode made for the output (each possibly shared with other requests' rows). */
  forwardCalls: number;
  /** Rows this request put through the model. */
  rowForwards: number;
  cumulativeUncertainty: number;
  /** The decode trace (absent when the decode was cancelled because every choice met a stop sequence). */
  trace: Trace | null;
}

export type CompletionEvent = StepUpdate | ChoiceFinish | CompletionResult;

/** Where the first stop sequence to complete begins in `text`, or −1. */
export function stopIndex(text: string, stops: readonly string[]): number {
  let bestEnd = Infinity;
  let bestStart = -1;
  for (const s of stops) {
    const i = text.indexOf(s);
    if (i < 0) continue;
    const end = i + s.length;
    if (end < bestEnd || (end === bestEnd && i < bestStart)) [bestEnd, bestStart] = [end, i];
  }
  return bestStart;
}

/** The length of `text` that can be sent: a trailing partial character or stop-sequence prefix is held back. */
export function sendableLength(text: string, stops: readonly string[]): number {
  let end = text.length;
  while (end > 0 && text[end - 1] === '\uFFFD') end--;
  let hold = 0;
  for (const s of stops)
    for (let k = Math.min(s.length - 1, end); k > hold; k--)
      if (text.startsWith(s.slice(0, k), end - k)) {
        hold = k;
        break;
      }
  return end - hold;
}

class ChoiceState {
  sent = '';
  finished: FinishReason | null = null;
  text = '';
  cumulativeUncertainty = 0;
  completionTokens = 0;
  /** Model calls each copy took part in, and rows it forwarded (from its step records). */
  readonly calls = new Map<number, number>([[0, 0]]);
  rows = 0;

  cost(copy: number, step: StepRecord): void {
    this.calls.set(copy, (this.calls.get(copy) ?? 0) + step.forwardCalls);
    this.rows += step.rowForwards;
  }

  constructor(
    readonly input: PromptCanvas,
    /** First position of the output text: after the prompt, or 0 when the prompt held masks (infill). */
    readonly regionStart: number,
  ) {}
}

/** Decode a completion job; events in order, the last one the result. */
export async function* runCompletion(model: Model, batcher: { client(signal?: AbortSignal): Denoiser }, job: CompletionJob): AsyncGenerator<CompletionEvent, void, undefined> {
  const { card } = model;
  const stops = job.stop;
  const special = new Set<number>([...(model.tokenizer?.specialTokens.map((t) => t.id) ?? []), ...[card.eosId, card.padId].filter((id): id is number => id !== null)]);
  special.delete(card.maskId);
  const step = job.entry.sampler;
  const streamsText = step.level === 'step' && step.remasks !== true;

  const choices = job.inputs.map((input) => {
    const infill = input.canvas.subarray(0, input.promptLength).includes(card.maskId);
    return new ChoiceState(input, infill ? 0 : input.promptLength);
  });
  const textOf = (c: ChoiceState, ids: ArrayLike<number>) => outputText(model, c.input, Array.from(ids));
  /** The tokens a choice decoded (masks of its initial canvas) that hold text, before position `end`. */
  const countTokens = (c: ChoiceState, canvas: ArrayLike<number>, end: number) => {
    let n = 0;
    for (let p = 0; p < end; p++) if (c.input.canvas[p] === card.maskId && canvas[p] !== card.maskId && !special.has(canvas[p])) n++;
    return n;
  };
  /** The end of the shortest output prefix whose text covers `length` characters. */
  const coveringEnd = (c: ChoiceState, canvas: ArrayLike<number>, length: number, end: number) => {
    let lo = c.regionStart;
    let hi = end;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (textOf(c, Array.from({ length: mid }, (_, i) => canvas[i])).length >= length) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  /** Apply the stop sequences to a choice's (prefix) text; the choice finishes when one is met. */
  const advance = (c: ChoiceState, text: string, canvas: ArrayLike<number>, end: number): string => {
    const cut = stopIndex(text, stops);
    if (cut >= 0) {
      c.finished = 'stop';
      c.text = text.slice(0, cut);
      c.completionTokens = countTokens(c, canvas, coveringEnd(c, canvas, cut, end));
      const delta = c.text.startsWith(c.sent) ? c.text.slice(c.sent.length) : '';
      c.sent = c.text;
      return delta;
    }
    const sendable = text.slice(0, sendableLength(text, stops));
    if (!sendable.startsWith(c.sent) || sendable.length === c.sent.length) return '';
    const delta = sendable.slice(c.sent.length);
    c.sent = sendable;
    return delta;
  };

  // The model as loaded, its denoiser replaced by this request's batcher client.
  // Aborted when every choice has met a stop sequence, so a call still waiting in the batcher is withdrawn.
  const stopped = new AbortController();
  const batched: Model = { ...model, denoiser: batcher.client(AbortSignal.any([job.signal, stopped.signal])) };
  const options: DecodeCallOptions<string> = { sampler: job.samplerName, params: job.params, decode: job.decode, genLength: job.maxTokens, seed: job.seed, signal: job.signal };
  const prompts = job.inputs.map((input) => input.canvas.slice(0, input.promptLength));
  let trace: Trace | null = null;
  for await (const event of decode(batched, prompts, options)) {
    if (event.type === 'step') {
      const c = choices[event.sequence];
      // After its stop sequence a choice's later steps (the decode runs on for the other choices) are not its output.
      if (c.finished !== null) continue;
      c.cost(event.copy, event.step);
      if (event.copy === 0) c.cumulativeUncertainty = event.cumulativeUncertainty;
      let delta = '';
      if (streamsText) {
        let end = c.regionStart;
        while (end < event.canvas.length && event.canvas[end] !== card.maskId) end++;
        delta = advance(c, textOf(c, event.canvas.subarray(0, end)), event.canvas, end);
      }
      yield { type: 'step', choice: event.sequence, copy: event.copy, step: event.step, cumulativeUncertainty: event.cumulativeUncertainty, delta };
      if (c.finished !== null) {
        yield { type: 'finish', choice: event.sequence, delta: '', finishReason: c.finished };
        // Every choice met a stop sequence: leaving the loop cancels the decode (decode()'s own cleanup).
        if (choices.every((x) => x.finished !== null)) {
          stopped.abort(new DOMException('every choice met a stop sequence', 'AbortError'));
          break;
        }
      }
    } else if (event.type === 'sequence') {
      const c = choices[event.sequence];
      if (c.finished !== null) continue;
      c.cumulativeUncertainty = event.trace.totals.cumulativeUncertainty;
      const output = event.trace.output;
      const full = textOf(c, output);
      const delta = advance(c, full, output, output.length);
      if (c.finished === null) {
        c.finished = output.slice(c.input.promptLength).some((id) => id === card.eosId) ? 'stop' : 'length';
        c.text = full;
        c.completionTokens = countTokens(c, output, output.length);
      }
      // A tokenizer whose prefix text is not a prefix of the whole text cannot take back what was sent.
      const rest = c.text.startsWith(c.sent) ? c.text.slice(c.sent.length) : '';
      c.sent = c.text;
      yield { type: 'finish', choice: event.sequence, delta: delta + rest, finishReason: c.finished };
    } else trace = event.trace;
  }
  // Model calls: the lockstep driver makes one call per round for each canvas length, so per length
  // the calls are those of the choice (copy) that took part in the most rounds. Counted from the
  // step records a choice kept, so a stop sequence gives the same figures streamed or not.
  const callsByLength = new Map<number, number>();
  for (const c of choices) callsByLength.set(c.input.canvas.length, Math.max(callsByLength.get(c.input.canvas.length) ?? 0, ...c.calls.values()));
  const completionTokens = choices.reduce((s, c) => s + c.completionTokens, 0);
  yield {
    type: 'done',
    choices: choices.map((c) => ({ text: c.text, finishReason: c.finished ?? 'length', completionTokens: c.completionTokens, cumulativeUncertainty: c.cumulativeUncertainty })),
    promptTokens: job.inputs.reduce((s, i) => s + i.promptLength, 0),
    completionTokens,
    forwardCalls: [...callsByLength.values()].reduce((a, b) => a + b, 0),
    rowForwards: choices.reduce((s, c) => s + c.rows, 0),
    cumulativeUncertainty: choices.reduce((s, c) => s + c.cumulativeUncertainty, 0),
    trace,
  };
}
