/**
 * Sequence-level best-of-N: N independent decodes of one canvas run in lockstep (their rows go
 * into the same model calls) and the best finished trace is kept. Copy 0 uses the input's seed;
 * copy j a seed derived from it, so the result depends only on the input and N.
 */
import { mix32 } from '../core/rng.js';
import type { ModelCard } from '../models/card.js';
import type { ForwardRow, RowPredictions } from '../models/denoiser.js';
import type { Params } from '../samplers/params.js';
import type { SamplerSpec } from '../samplers/sampler.js';
import type { DecodeConfig } from './config.js';
import { decodeSequence, type SequenceGenerator, type SequenceInput } from './sequence.js';
import type { SequenceTrace } from './trace.js';

/** Σ log p of the committed tokens: the decoding path's log-likelihood under the model. */
export function pathLogLikelihood(trace: SequenceTrace): number {
  return trace.steps.reduce((s, step) => s + step.commits.reduce((a, c) => a + Math.log(c.prob), 0), 0);
}

export function* decodeBestOfN(
  input: SequenceInput,
  card: ModelCard,
  spec: SamplerSpec,
  params: Params,
  cfg: DecodeConfig,
  copies: number,
  criterion: 'uncertainty' | 'likelihood',
): SequenceGenerator {
  const started = performance.now();
  const gens = Array.from({ length: copies }, (_, j) =>
    decodeSequence({ ...input, seed: j === 0 ? input.seed : mix32((input.seed + Math.imul(j, 0x9e3779b9)) >>> 0) }, card, spec, spec.create(params), cfg),
  );
  let state = gens.map((g) => g.next());
  let calls = 0;
  while (state.some((r) => !r.done)) {
    const rows: ForwardRow[] = [];
    const spans: [number, number, number][] = []; // copy, first row, row count
    state.forEach((r, j) => {
      if (r.done) return;
      spans.push([j, rows.length, r.value.length]);
      rows.push(...r.value);
    });
    const preds: RowPredictions[] = yield rows;
    calls++;
    for (const [j, first, count] of spans) state[j] = gens[j].next(preds.slice(first, first + count));
  }
  const traces = state.map((r) => r.value as SequenceTrace);
  const score = (t: SequenceTrace) => (criterion === 'uncertainty' ? -t.totals.cumulativeUncertainty : pathLogLikelihood(t));
  let best = 0;
  for (let j = 1; j < traces.length; j++) if (score(traces[j]) > score(traces[best])) best = j;
  const chosen = traces[best];
  return {
    ...chosen,
    seed: input.seed,
    totals: {
      ...chosen.totals,
      // The cost is all N decodes; the uncertainty is the kept one's.
      forwardCalls: calls,
      rowForwards: traces.reduce((s, t) => s + t.totals.rowForwards, 0),
      wallMs: performance.now() - started,
    },
  };
}
