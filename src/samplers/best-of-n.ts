/**
 * Best-of-N (spec D10; a compute-matched baseline for Info-Gain): decode the same canvas N times
 * independently with greedy confidence (token draws at τ_tok, so set a temperature > 0), and keep
 * the decode with the lowest cumulative uncertainty or the highest path log-likelihood
 * (Σ log p of the committed tokens). It spends N rows per forward, like Info-Gain's N candidates.
 * It is a sequence-level strategy, not a step rule: the decode layer runs the N copies in lockstep
 * (src/decode/run.ts) and keeps the best (src/decode/best-of-n.ts).
 */
import { confidence } from './confidence.js';
import { defineParams, type ParamsOf } from './params.js';
import { stepEntry, type BestOfStrategy } from './sampler.js';

const PARAMS = defineParams({
  n: { kind: 'integer', default: 8, min: 1, max: 256, help: 'independent decodes per canvas' },
  criterion: { kind: 'choice', default: 'uncertainty', choices: ['uncertainty', 'likelihood'], help: 'keep the lowest cumulative uncertainty, or the highest Σ log p of the commits' },
});

export const bestOfN: BestOfStrategy<ParamsOf<typeof PARAMS>> = {
  level: 'sequence',
  search: 'best-of',
  name: 'best-of-n',
  summary: 'best of N greedy-confidence decodes at τ_tok > 0 by cumulative uncertainty or likelihood (compute-matched baseline)',
  params: PARAMS,
  base: stepEntry(confidence, { alg_temp: 0 }),
  copies: (p) => p.n,
  criterion: (p) => p.criterion,
};
