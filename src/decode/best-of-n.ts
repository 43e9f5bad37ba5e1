/**
 * Best-of-N's selection (spec D10): the copies of one canvas, decoded in lockstep by the batch
 * driver (run.ts), are reduced to the best finished trace. Copy 0 uses the input's seed; copy j a
 * seed derived from it, so the result depends only on the input and N.
 */
import { mix32 } from '../core/rng.js';
import type { SequenceTrace } from './trace.js';

/** The seeds of the `copies` decodes of a canvas with seed `seed`. */
export function copySeeds(seed: number, copies: number): number[] {
  return Array.from({ length: copies }, (_, j) => (j === 0 ? seed : mix32((seed + Math.imul(j, 0x9e3779b9)) >>> 0)));
}

/** Σ log p of the committed tokens: the decoding path's log-likelihood under the model. */
export function pathLogLikelihood(trace: SequenceTrace): number {
  return trace.steps.reduce((s, step) => s + step.commits.reduce((a, c) => a + Math.log(c.prob), 0), 0);
}

/**
 * The best of one canvas's copies by `criterion` (first best wins), carrying the input's seed and
 * the cost of all of them: `forwardCalls` model calls (rounds in which any copy forwarded), the
 * copies' row-forwards summed, `wallMs` for the whole group. The uncertainty is the kept one's.
 */
export function keepBest(traces: readonly SequenceTrace[], criterion: 'uncertainty' | 'likelihood', seed: number, forwardCalls: number, wallMs: number): SequenceTrace {
  const score = (t: SequenceTrace) => (criterion === 'uncertainty' ? -t.totals.cumulativeUncertainty : pathLogLikelihood(t));
  let best = 0;
  for (let j = 1; j < traces.length; j++) if (score(traces[j]) > score(traces[best])) best = j;
  const chosen = traces[best];
  return {
    ...chosen,
    seed,
    totals: { ...chosen.totals, forwardCalls, rowForwards: traces.reduce((s, t) => s + t.totals.rowForwards, 0), wallMs },
  };
}
