/** LLaDA's `low_confidence` remasking (spec §5.2 `original`): score p(x0), x0 = draw 0. */
import { ALG_TEMP, scoredSpec } from './scored.js';

export const confidence = scoredSpec({
  name: 'confidence',
  summary: 'greedy confidence (LLaDA low_confidence): commit the top-k by p(x0)',
  params: { ...ALG_TEMP },
  score: () => (ctx, p) => ctx.pred.sampleProb(p, 0),
});
