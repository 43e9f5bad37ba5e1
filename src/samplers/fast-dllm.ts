/**
 * Fast-dLLM parallel decoding (spec §5.2 `get_transfer_index` / `get_transfer_index_dynamic`),
 * adaptive: the block is decoded until it is complete, however many steps that takes.
 * Confidence c_ℓ = p(x0_ℓ) with x0 = draw 0.
 *
 * - rule `threshold`: commit the most confident masked position of the block, plus every other
 *   one whose confidence is ≥ threshold.
 * - rule `factor`: sort the confidences descending c_(1) ≥ … ≥ c_(M); thr_1 = −1 and
 *   thr_n = 1 − factor/(n+1). Let f be the first 0-based index with c_(f+1) < thr_{f+1} (M−1 if
 *   none). Commit the top f, except that f ∈ {0, M−1} commits f+1 — the reference's quirk: a
 *   failure at the very last index still commits everything.
 */
import { topK } from '../core/math.js';
import { defineParams, type ParamsOf } from './params.js';
import { commitFrom, type SamplerSpec, type StepContext, type StepGenerator } from './sampler.js';

const PARAMS = defineParams({
  rule: { kind: 'choice', default: 'threshold', choices: ['threshold', 'factor'], help: 'parallel rule: confidence threshold or the factor rule' },
  threshold: { kind: 'number', default: 0.9, min: 0, max: 1, help: 'rule=threshold: commit every position with confidence ≥ this (and always the top-1)' },
  // No default in the reference (factor=None there). 1.0 is the bound of Fast-dLLM's theorem:
  // n tokens decoded in parallel keep the greedy result when (n+1)·(1 − c_(n)) < 1.
  factor: { kind: 'number', default: 1.0, min: 0, help: 'rule=factor: the n-th most confident token needs c ≥ 1 − factor/(n+1)' },
});

/** Tokens the factor rule commits, given confidences sorted descending (M ≥ 1). */
export function factorCount(sortedDesc: readonly number[], factor: number): number {
  const m = sortedDesc.length;
  let f = 0;
  for (; f < m; f++) {
    const thr = f === 0 ? -1 : 1 - factor / (f + 2); // thr_n with n = f+1
    if (sortedDesc[f] < thr) break;
  }
  if (f === m) f = m - 1; // no failure: Python's loop variable ends at the last index
  return f === 0 || f === m - 1 ? f + 1 : f;
}

function* fastDllmStep(ctx: StepContext, factorRule: boolean, threshold: number, factor: number): StepGenerator {
  const { pred, allowed } = ctx;
  const conf = (p: number): number => pred.sampleProb(p, 0);
  const order = topK(allowed, conf, allowed.length); // most confident first, ties to the lower position
  const chosen = factorRule ? order.slice(0, factorCount(order.map(conf), factor)) : order.filter((p, i) => i === 0 || conf(p) >= threshold);
  return { kind: 'plain', commits: chosen.map((p) => commitFrom(pred, p, 0)) };
}

export const fastDllm: SamplerSpec<ParamsOf<typeof PARAMS>, void> = {
  level: 'step',
  name: 'fast-dllm',
  summary: 'Fast-dLLM: commit every position above a confidence threshold (or the factor rule), at least one per step',
  params: PARAMS,
  adaptive: true,
  samples: () => 1,
  create: ({ rule, threshold, factor }) => ({ step: (ctx) => fastDllmStep(ctx, rule === 'factor', threshold, factor) }),
};
