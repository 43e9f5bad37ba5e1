/**
 * The sampler interface. A sampler decides, at one step of one sequence, which masked positions
 * of the current block to commit and to which tokens. It reads only `RowPredictions` (never
 * logits) and may ask for one batched lookahead forward by yielding candidate canvases.
 */
import type { Rng } from '../core/rng.js';
import type { RowPredictions } from '../models/denoiser.js';
import type { ParamSchema, Params } from './params.js';

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
  /**
   * Every scored candidate's commits and the lookahead predictions of its canvas, aligned with
   * `candidates` (the winner's among them): what a search over a step's actions needs
   * (info-gain-beam keeps several). Not written to the trace.
   */
  alternatives?: { commits: Commit[]; next: RowPredictions }[];
}

/** A step is a generator: it may yield canvases for one batched forward and receives their predictions. */
export type StepGenerator = Generator<Int32Array[], StepResult, RowPredictions[]>;

export interface Sampler {
  step(ctx: StepContext): StepGenerator;
}

/** What `prepare` may use: the model's vocabulary, and a way to read files the parameters name. */
export interface PrepareContext {
  vocabSize: number;
  /**
   * Reads a text file by path (PC-sampler's background file). Supplied by the environment (the
   * CLI passes Node's), so the samplers themselves stay free of file-system imports.
   */
  readText?: (path: string) => Promise<string>;
}

/**
 * A per-step sampler, typed by its parameters P (derived from its `params` declaration) and the
 * state S its `prepare` builds once per run (void for most samplers).
 */
export interface SamplerSpec<P = Params, S = unknown> {
  level: 'step';
  /** CLI name. */
  name: string;
  summary: string;
  params: ParamSchema<P>;
  /**
   * Adaptive samplers choose how many tokens to commit themselves: the decode loop neither caps
   * them by the schedule nor runs the last-step fill for them.
   */
  adaptive: boolean;
  /**
   * The sampler may set committed tokens back to the mask (ReMDM), so a committed token is not
   * final until its block is done (what a streaming server may send as final text).
   */
  remasks?: boolean;
  /** Token draws per position the sampler reads from each forward (≥ 1). */
  samples(params: P): number;
  /** One-time preparation of resolved parameters (e.g. loading a frequency file). */
  prepare?(params: P, context: PrepareContext): Promise<S>;
  /**
   * A fresh instance per sequence; it may keep per-sequence state. `state` is what `prepare`
   * returned (absent for samplers without `prepare`).
   */
  create(params: P, state?: S): Sampler;
}

/**
 * A sequence-level strategy (best-of-N): decode `copies` seeded copies of each canvas with the
 * step sampler `base`, in lockstep, and keep the best finished decode by `criterion`.
 */
export interface BestOfStrategy<P = Params> {
  level: 'sequence';
  search: 'best-of';
  name: string;
  summary: string;
  params: ParamSchema<P>;
  /** The step sampler every copy runs, with its parameters. */
  base: StepEntry;
  copies(params: P): number;
  criterion(params: P): 'uncertainty' | 'likelihood';
}

/**
 * A sequence-level beam search over decoding orders (info-gain-beam): `beams` partial canvases,
 * each step expanded by the step sampler `base`'s scored alternatives in one batched lookahead,
 * the best kept (src/decode/beam.ts).
 */
export interface BeamStrategy<P = Params> {
  level: 'sequence';
  search: 'beam';
  name: string;
  summary: string;
  params: ParamSchema<P>;
  /** The step sampler that proposes and scores every beam's actions, with its parameters. */
  base(params: P): StepEntry;
  beams(params: P): number;
}

export type SequenceStrategy<P = Params> = BestOfStrategy<P> | BeamStrategy<P>;

/** A step sampler with resolved parameters (their types erased once checked by `stepEntry`). */
export interface StepEntry {
  sampler: SamplerSpec;
  params: Params;
}

/** A step sampler with parameters of its own type. */
export function stepEntry<P extends Params>(sampler: SamplerSpec<P, void>, params: P): StepEntry {
  return { sampler, params };
}

/** Anything the registry names: a step sampler or a sequence-level strategy, types erased. */
export type AnySampler = SamplerSpec | SequenceStrategy;

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
