/**
 * Best-of-N (spec D10; a compute-matched baseline for Info-Gain): decode the same canvas N times
 * independently with greedy confidence (token draws at τ_tok, so set a temperature > 0), and keep
 * the decode with the lowest cumulative uncertainty or the highest path log-likelihood
 * (Σ log p of the committed tokens). It spends N rows per forward, like Info-Gain's N candidates.
 * The per-step rule is confidence's; the decode layer runs the N copies (see `sequenceCopies`).
 */
import { confidence } from './confidence.js';
import type { Params, ParamSpec } from './params.js';
import type { SamplerSpec } from './sampler.js';

const PARAMS: readonly ParamSpec[] = [
  { key: 'n', kind: 'integer', default: 8, min: 1, max: 256, help: 'independent decodes per canvas' },
  { key: 'criterion', kind: 'choice', default: 'uncertainty', choices: ['uncertainty', 'likelihood'], help: 'keep the lowest cumulative uncertainty, or the highest Σ log p of the commits' },
];

export const bestOfN: SamplerSpec = {
  name: 'best-of-n',
  summary: 'best of N greedy-confidence decodes at τ_tok > 0 by cumulative uncertainty or likelihood (compute-matched baseline)',
  params: PARAMS,
  adaptive: false,
  samples: () => 1,
  create: () => confidence.create({ alg_temp: 0 }),
  sequenceCopies: (p: Params) => ({ copies: p.n as number, criterion: p.criterion as 'uncertainty' | 'likelihood' }),
};
