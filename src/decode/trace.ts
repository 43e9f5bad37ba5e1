/**
 * The trace: one versioned JSON format that records every step of every decoded sequence.
 * Metrics, reports and the web view all read it.
 */
import type { CandidateScore, Commit } from '../samplers/sampler.js';
import type { Params } from '../samplers/params.js';

export const TRACE_FORMAT = 'infogain-trace';
/**
 * Version 2 added the step kind `forced`; a version-1 trace is a version-2 trace without it, so
 * this build reads both (and writes 2).
 */
export const TRACE_VERSION = 2;
const READABLE_VERSIONS: readonly number[] = [1, 2];

/**
 * How a step chose its commits: the sampler without (`plain`) or with (`lookahead`) a lookahead
 * forward, the high-confidence bypass, the last-step fill, or `forced`: a Dream-style shifted
 * model's block-entry commit of the block's first position in a cache mode, the entry forward's
 * token draw 0, whatever its confidence (spec §2.5; docs/decisions.md D11).
 */
export type StepKind = 'plain' | 'lookahead' | 'bypass' | 'fill' | 'forced';

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
  /** TRACE_VERSION when written by this build; 1 for an older trace (no `forced` steps). */
  version: 1 | typeof TRACE_VERSION;
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
  if (!READABLE_VERSIONS.includes(t.version as number))
    throw new Error(`${source}: trace version ${JSON.stringify(t.version)}, this build reads versions ${READABLE_VERSIONS.join(' and ')}`);
  if (!Array.isArray(t.sequences)) throw new Error(`${source}: field "sequences" must be a list`);
  return t as Trace;
}
