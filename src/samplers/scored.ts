/**
 * Shared machinery of the position-scoring baselines (spec §5.2): score every allowed (masked,
 * in-block) position, commit the `k` best with the tokens of draw 0. Ties go to the lower
 * position (D7). With Dream's `alg_temp` > 0 the k positions are instead sampled without
 * replacement from softmax(score/alg_temp), done as Gumbel-top-k of score/alg_temp + G with the
 * Gumbel noise drawn from the sequence's generator in ascending position order.
 */
import { topK } from '../core/math.js';
import { defineParams, type DeclaredParams, type ParamDecl } from './params.js';
import { commitFrom, type PrepareContext, type SamplerSpec, type StepContext, type StepGenerator } from './sampler.js';

/** Dream's `alg_temp` knob, for the samplers that offer it: spread into their declaration. */
export const ALG_TEMP = {
  alg_temp: {
    kind: 'number',
    default: 0,
    min: 0,
    help: "Dream's position temperature: 0 = deterministic top-k; > 0 = sample k positions from softmax(score/alg_temp)",
  },
} as const;

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

export interface ScoredOptions<D extends Record<string, ParamDecl>, S> {
  name: string;
  summary: string;
  /** The sampler's parameters (`{}` for none); spread `ALG_TEMP` in to offer Dream's position sampling. */
  params: D;
  /** Builds the score function once per sequence from the resolved parameters and the prepared state. */
  score: (params: DeclaredParams<D>, state: S | undefined) => PositionScore;
  prepare?: (params: DeclaredParams<D>, context: PrepareContext) => Promise<S>;
}

function* scoredStep(ctx: StepContext, score: PositionScore, algTemp: number): StepGenerator {
  const positions = selectPositions(ctx, score, ctx.k, algTemp);
  return { kind: 'plain', commits: positions.map((p) => commitFrom(ctx.pred, p, 0)) };
}

/** A non-adaptive sampler that commits exactly ctx.k positions chosen by a score. */
export function scoredSpec<const D extends Record<string, ParamDecl>, S = void>(o: ScoredOptions<D, S>): SamplerSpec<DeclaredParams<D>, S> {
  return {
    level: 'step',
    name: o.name,
    summary: o.summary,
    params: defineParams(o.params),
    adaptive: false,
    samples: () => 1,
    ...(o.prepare ? { prepare: o.prepare } : {}),
    create: (p, state) => {
      const score = o.score(p, state);
      const algTemp = positionTemperature(p);
      return { step: (ctx) => scoredStep(ctx, score, algTemp) };
    },
  };
}

/** `alg_temp` where the sampler declares it, else 0 (deterministic top-k). */
function positionTemperature(params: { alg_temp?: unknown }): number {
  return typeof params.alg_temp === 'number' ? params.alg_temp : 0;
}
