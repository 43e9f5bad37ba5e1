/**
 * The sampler interface. A sampler decides, at one step of one sequence, which masked positions
 * of the current block to commit and to which tokens. It reads only `RowPredictions` (never
 * logits) and may ask for one batched lookahead forward by yielding candidate canvases.
 */
import type { Rng } from '../core/rng.js';
import type { RowPredictions } from '../models/denoiser.js';
import type { ParamSpec, Params } from './params.js';

export interface Commit {
  position: number;
  token: number;
  /** Untempered probability of the token when it was committed. */
  prob: number;
  /** Entropy (nats) of the position's predictive distribution on which the step decided. */
  entropy: number;
}

/** One Info-Gain candidate action, as the trace records it. */
export interface CandidateScore {
  positions: number[];
  tokens: number[];
  /** C(a): Σ entropy of the chosen positions under the current predictions. */
  cost: number;
  /** H_next(a): mean entropy over the masks left in the candidate's canvas. */
  hNext: number;
  /** J(a), maximised. */
  objective: number;
}

export interface StepContext {
  /** Current canvas; samplers must not write it (they return commits). */
  canvas: Int32Array;
  maskId: number;
  /** The predictions this step decides on (fresh forward or the previous step's lookahead). */
  pred: RowPredictions;
  /** Masked positions of the current block, ascending. */
  allowed: number[];
  /** Tokens the schedule asks for at this step (≤ allowed.length); adaptive samplers may ignore it. */
  k: number;
  block: { index: number; start: number; end: number };
  /** Generation region: positions the run may decode. */
  region: { start: number; end: number };
  stepInBlock: number;
  stepsPerBlock: number;
  /** This sequence's generator: every random draw of the sampler comes from it (spec D7). */
  rng: Rng;
}

export interface StepResult {
  commits: Commit[];
  /** Positions set back to the mask before the commits are written (ReMDM). */
  remask?: number[];
  /** Predictions for the next step's canvas, when the sampler already has them (Info-Gain). */
  next?: RowPredictions;
  kind: 'plain' | 'lookahead';
  candidates?: CandidateScore[];
  winner?: number;
}

/** A step is a generator: it may yield canvases for one batched forward and receives their predictions. */
export type StepGenerator = Generator<Int32Array[], StepResult, RowPredictions[]>;

export interface Sampler {
  step(ctx: StepContext): StepGenerator;
}

export interface SamplerSpec {
  /** CLI name. */
  name: string;
  summary: string;
  params: readonly ParamSpec[];
  /**
   * Adaptive samplers choose how many tokens to commit themselves: the decode loop neither caps
   * them by the schedule nor runs the last-step fill for them.
   */
  adaptive: boolean;
  /** Token draws per position the sampler reads from each forward (≥ 1). */
  samples(params: Params): number;
  /** One-time preparation of resolved parameters (e.g. loading a frequency file). */
  prepare?(params: Params, context: { vocabSize: number }): Promise<Params>;
  /** A fresh instance per sequence; it may keep per-sequence state. */
  create(params: Params): Sampler;
  /**
   * Sequence-level strategies (best-of-N): decode this many independent copies of each canvas
   * and keep the best by the criterion.
   */
  sequenceCopies?(params: Params): { copies: number; criterion: 'uncertainty' | 'likelihood' };
}

/** Build a commit of draw `s` at `position` from `pred`. */
export function commitFrom(pred: RowPredictions, position: number, s = 0): Commit {
  return { position, token: pred.sampleId(position, s), prob: pred.sampleProb(position, s), entropy: pred.entropy(position) };
}

/** Write `commits` into a copy of `canvas`. */
export function applyCommits(canvas: Int32Array, commits: readonly Commit[]): Int32Array {
  const next = canvas.slice();
  for (const c of commits) next[c.position] = c.token;
  return next;
}
