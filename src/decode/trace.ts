/**
 * The trace: one versioned JSON format that records every step of every decoded sequence.
 * Metrics, reports and the web view all read it.
 */
import type { CandidateScore, Commit } from '../samplers/sampler.js';
import type { Params } from '../samplers/params.js';

export const TRACE_FORMAT = 'infogain-trace';
export const TRACE_VERSION = 1;

export type StepKind = 'plain' | 'lookahead' | 'bypass' | 'fill';

export interface StepRecord {
  block: number;
  step: number;
  kind: StepKind;
  commits: Commit[];
  remasked?: number[];
  /** Positions set to EOS by the EOS fill after this step's commits. */
  eosFilled?: number[];
  candidates?: CandidateScore[];
  winner?: number;
  forwardCalls: number;
  rowForwards: number;
  /** Wall time of the step, ms; in a batch it includes the other sequences' share of each model call. */
  wallMs: number;
}

export interface SequenceTotals {
  /** Σ over committed tokens of their entropy at commit time (spec D8), nats. */
  cumulativeUncertainty: number;
  forwardCalls: number;
  rowForwards: number;
  wallMs: number;
  steps: number;
}

export interface SequenceTrace {
  seed: number;
  /** Canvas before decoding (prompt and masks). */
  initial: number[];
  output: number[];
  region: { start: number; end: number };
  steps: StepRecord[];
  totals: SequenceTotals;
}

export interface Trace {
  format: typeof TRACE_FORMAT;
  version: typeof TRACE_VERSION;
  model: string;
  maskId: number;
  sampler: string;
  samplerParams: Params;
  decode: Params;
  sequences: SequenceTrace[];
}

/** Parse and check a trace read from disk. */
export function parseTrace(raw: unknown, source: string): Trace {
  const t = raw as Partial<Trace>;
  if (t?.format !== TRACE_FORMAT) throw new Error(`${source}: not an infogain trace (format ${JSON.stringify(t?.format)})`);
  if (t.version !== TRACE_VERSION) throw new Error(`${source}: trace version ${t.version}, this build reads version ${TRACE_VERSION}`);
  if (!Array.isArray(t.sequences)) throw new Error(`${source}: field "sequences" must be a list`);
  return t as Trace;
}
