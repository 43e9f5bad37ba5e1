/**
 * EB-sampler (spec §5.2 `generate_with_eb_sampler`): an entropy-bounded, adaptive number of
 * tokens per step. Sort the allowed masked positions by entropy ascending, H_(1) ≤ H_(2) ≤ …, and
 *     k = #{ j : Σ_{i≤j} H_(i) − max_{i≤j} H_(i) ≤ γ }      (= #{ j : Σ_{i<j} H_(i) ≤ γ })
 * clamped to [1, M]; commit the k lowest-entropy positions with the tokens of draw 0. Equal
 * entropies keep the lower position first (D7). The reference runs over every mask of the
 * generation; here the decode loop's block restricts it (one block by default, as the reference).
 */
import { defineParams, type ParamsOf } from './params.js';
import { commitFrom, type SamplerSpec, type StepContext, type StepGenerator } from './sampler.js';

const PARAMS = defineParams({
  // The scripts all pass γ = 0.01; the reference function's own default is 0.1.
  gamma: { kind: 'number', default: 0.01, min: 0, help: 'γ, bound on the summed entropy of the other tokens committed together' },
});

/** How many of the ascending-sorted entropies EB commits at once, before the [1, M] clamp. */
export function ebCount(sortedEntropies: readonly number[], gamma: number): number {
  let sum = 0;
  let max = -Infinity;
  let k = 0;
  for (const h of sortedEntropies) {
    sum += h;
    max = Math.max(max, h);
    if (sum - max <= gamma) k += 1;
  }
  return k;
}

function* ebStep(ctx: StepContext, gamma: number): StepGenerator {
  const { pred, allowed } = ctx;
  // allowed is ascending and the sort is stable, so equal entropies keep the lower position first.
  const order = allowed.slice().sort((a, b) => pred.entropy(a) - pred.entropy(b));
  const k = Math.min(Math.max(ebCount(order.map((p) => pred.entropy(p)), gamma), 1), order.length);
  return { kind: 'plain', commits: order.slice(0, k).map((p) => commitFrom(pred, p, 0)) };
}

export const eb: SamplerSpec<ParamsOf<typeof PARAMS>, void> = {
  level: 'step',
  name: 'eb',
  summary: 'EB-sampler: commit the lowest-entropy positions while the entropy of the others stays ≤ γ',
  params: PARAMS,
  adaptive: true,
  samples: () => 1,
  create: ({ gamma }) => ({ step: (ctx) => ebStep(ctx, gamma) }),
};
