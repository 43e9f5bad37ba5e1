/**
 * Steps to show, from two sources with one shape: a live decode (the library's `decode()` events)
 * and a saved trace (replayed without a model). A source hands out one step at a time; the player
 * decides when to ask for the next, so two sources can advance in lockstep.
 */
import { decode, type DecodeCallOptions, type DecodeEvent, type Model, type Prompt, type SequenceTrace, type StepRecord, type Trace } from '../../src/index.js';

export interface ShownStep {
  /** 1-based count of steps shown so far. */
  index: number;
  step: StepRecord;
  /** The canvas after the step. */
  canvas: Int32Array;
  /** Running Σ entropy of committed tokens (nats), of this step's copy. */
  cumulativeUncertainty: number;
  /** Best-of-N's copy; 0 otherwise. */
  copy: number;
  /** Cost so far, summed over the steps shown (all copies). */
  forwardCalls: number;
  rowForwards: number;
  wallMs: number;
}

export type Ending = { kind: 'done'; trace: Trace; text: string | null } | { kind: 'aborted'; reason: string } | { kind: 'failed'; error: unknown };

export interface StepSource {
  /** The next step, or null once the source has ended (then `ending` says how). */
  next(): Promise<ShownStep | null>;
  ending: Ending | null;
  abort(): void;
}

class Tally {
  private shown = 0;
  private forwardCalls = 0;
  private rowForwards = 0;
  private wallMs = 0;
  add(step: StepRecord, canvas: Int32Array, cumulativeUncertainty: number, copy: number): ShownStep {
    this.shown += 1;
    this.forwardCalls += step.forwardCalls;
    this.rowForwards += step.rowForwards;
    this.wallMs += step.wallMs;
    return { index: this.shown, step, canvas, cumulativeUncertainty, copy, forwardCalls: this.forwardCalls, rowForwards: this.rowForwards, wallMs: this.wallMs };
  }
}

const isAbort = (e: unknown): boolean => e instanceof DOMException && e.name === 'AbortError';

/** A live decode of one prompt: the library's step events, one by one. */
export class LiveSource implements StepSource {
  ending: Ending | null = null;
  private readonly controller = new AbortController();
  private readonly events: AsyncGenerator<DecodeEvent, void, undefined>;
  private readonly tally = new Tally();

  constructor(model: Model, prompt: Prompt, options: DecodeCallOptions<string>) {
    this.events = decode(model, prompt, { ...options, signal: this.controller.signal });
  }

  async next(): Promise<ShownStep | null> {
    if (this.ending) return null;
    try {
      for (;;) {
        const r = await this.events.next();
        if (r.done) throw new Error('decode ended without its done event');
        const event = r.value;
        if (event.type === 'step') return this.tally.add(event.step, event.canvas, event.cumulativeUncertainty, event.copy);
        if (event.type === 'done') {
          this.ending = { kind: 'done', trace: event.trace, text: event.texts[0] ?? null };
          return null;
        }
      }
    } catch (e) {
      this.ending = isAbort(e) ? { kind: 'aborted', reason: 'aborted: the decode stopped before its next model call' } : { kind: 'failed', error: e };
      return null;
    }
  }

  abort(): void {
    this.controller.abort(new DOMException('aborted from the page', 'AbortError'));
  }
}

/** A saved trace's sequence, stepped through by applying each step's commits to its initial canvas. */
export class ReplaySource implements StepSource {
  ending: Ending | null = null;
  private readonly canvas: Int32Array;
  private position = 0;
  private sum = 0;
  private readonly tally = new Tally();

  constructor(private readonly trace: Trace, private readonly sequence: SequenceTrace) {
    this.canvas = Int32Array.from(sequence.initial);
  }

  async next(): Promise<ShownStep | null> {
    if (this.ending) return null;
    const step = this.sequence.steps[this.position];
    if (!step) {
      this.ending = { kind: 'done', trace: this.trace, text: null };
      return null;
    }
    this.position += 1;
    for (const p of step.remasked ?? []) this.canvas[p] = this.trace.maskId;
    for (const c of step.commits) this.canvas[c.position] = c.token;
    // The trace does not name the EOS token; the output holds what the fill wrote.
    for (const p of step.eosFilled ?? []) this.canvas[p] = this.sequence.output[p];
    this.sum += step.commits.reduce((s, c) => s + c.entropy, 0);
    return this.tally.add(step, this.canvas.slice(), this.sum, 0);
  }

  abort(): void {
    this.ending = { kind: 'aborted', reason: 'replay stopped' };
  }
}
