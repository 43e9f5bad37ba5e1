/**
 * The trace: one versioned JSON format that records every step of every decoded sequence.
 * Metrics, reports and the web view all read it.
 */
import type { CandidateScore, Commit } from '../samplers/sampler.js';
import type { Params } from '../samplers/params.js';

export const TRACE_FORMAT = 'infogain-trace';
/**
 * Version 2 added the step kind `forced`, version 3 the step field `beam` (info-gain-beam); each
 * older version is the newer one without its addition, so this build reads all three (and writes 3).
 */
export const TRACE_VERSION = 3;
const READABLE_VERSIONS: readonly number[] = [1, 2, 3];

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
  /** A beam search's step (info-gain-beam with more than one beam): every beam kept after it. */
  beam?: BeamStep;
  /** Model calls and rows of the step; a beam step's are every beam's (so the steps sum to the totals). */
  forwardCalls: number;
  rowForwards: number;
  /** Wall time of the step, ms; in a batch it includes the other sequences' share of each model call. */
  wallMs: number;
}

/**
 * The beams a beam search kept after one step, best first. The sequence's own steps are one
 * lineage (the winner's, in a finished trace); `rank` says where that lineage stood at this step.
 */
export interface BeamStep {
  rank: number;
  beams: BeamEntry[];
}

/** One kept beam: its parent (rank among the previous step's beams; 0 at the first step) and the step that made it. */
export interface BeamEntry {
  parent: number;
  commits: Commit[];
  eosFilled?: number[];
  /** Cumulative uncertainty committed so far plus the lookahead's H_next (docs/decisions.md D12); ranks the beams. */
  score: number;
  /** Σ entropy of the beam's commits so far, nats. */
  cumulativeUncertainty: number;
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
  /** TRACE_VERSION when written by this build; 1 or 2 for an older trace (no `forced` steps, no beams). */
  version: 1 | 2 | typeof TRACE_VERSION;
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
    throw new Error(`${source}: trace version ${JSON.stringify(t.version)}, this build reads versions ${READABLE_VERSIONS.slice(0, -1).join(', ')} and ${READABLE_VERSIONS[READABLE_VERSIONS.length - 1]}`);
  if (!Array.isArray(t.sequences)) throw new Error(`${source}: field "sequences" must be a list`);
  return t as Trace;
}
