/**
 * Shared machinery of the position-scoring baselines (spec §5.2): score every allowed (masked,
 * in-block) position, commit the `k` best with the tokens of draw 0. Ties go to the lower
 * position (D7). With Dream's `alg_temp` > 0 the k positions are instead sampled without
 * replacement from softmax(score/alg_temp), done as Gumbel-top-k of score/alg_temp + G with the
 * Gumbel noise drawn from the sequence's generator in ascending position order.
 */
import { topK } from '../core/math.js';
import type { Params, ParamSpec } from './params.js';
import { commitFrom, type SamplerSpec, type StepContext, type StepGenerator } from './sampler.js';

/** Dream's `alg_temp` knob, for the samplers that offer it. */
export const ALG_TEMP: ParamSpec = {
  key: 'alg_temp',
  kind: 'number',
  default: 0,
  min: 0,
  help: "Dream's position temperature: 0 = deterministic top-k; > 0 = sample k positions from softmax(score/alg_temp)",
};

/** Score of one allowed position at this step; higher commits first. */
export type PositionScore = (ctx: StepContext, position: number) => number;

/**
 * The k positions of `ctx.allowed` to commit: top-k of `score`, or Gumbel-top-k of
 * score/algTemp when algTemp > 0. Scores are evaluated once each, in ascending position order.
 */
export function selectPositions(ctx: StepContext, score: PositionScore, k: number, algTemp = 0): number[] {
  if (algTemp > 0) return topK(ctx.allowed, (p) => score(ctx, p) / algTemp + ctx.rng.nextGumbel(), k);
  return topK(ctx.allowed, (p) => score(ctx, p), k);
}

export interface ScoredOptions {
  name: string;
  summary: string;
  /** The sampler's own parameters (alg_temp is appended when `algTemp` is set). */
  params?: readonly ParamSpec[];
  /** Offer Dream's alg_temp position sampling. */
  algTemp?: boolean;
  /** Builds the score function once per sequence from the resolved (prepared) parameters. */
  score: (params: Params) => PositionScore;
  prepare?: SamplerSpec['prepare'];
}

function* scoredStep(ctx: StepContext, score: PositionScore, algTemp: number): StepGenerator {
  const positions = selectPositions(ctx, score, ctx.k, algTemp);
  return { kind: 'plain', commits: positions.map((p) => commitFrom(ctx.pred, p, 0)) };
}

/** A non-adaptive sampler that commits exactly ctx.k positions chosen by a score. */
export function scoredSpec(o: ScoredOptions): SamplerSpec {
  const params = [...(o.params ?? []), ...(o.algTemp ? [ALG_TEMP] : [])];
  return {
    name: o.name,
    summary: o.summary,
    params,
    adaptive: false,
    samples: () => 1,
    ...(o.prepare ? { prepare: o.prepare } : {}),
    create: (p: Params) => {
      const score = o.score(p);
      const algTemp = o.algTemp ? (p.alg_temp as number) : 0;
      return { step: (ctx) => scoredStep(ctx, score, algTemp) };
    },
  };
}
