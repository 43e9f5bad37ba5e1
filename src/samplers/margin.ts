/** Margin baseline (spec §5.2 `generate_with_margin`): score p_top1 − p_top2, block-restricted (D6). */
import { ALG_TEMP, scoredSpec } from './scored.js';

export const margin = scoredSpec({
  name: 'margin',
  summary: 'margin: commit the top-k by p_top1 − p_top2',
  params: { ...ALG_TEMP },
  score: () => (ctx, p) => ctx.pred.top1Prob(p) - ctx.pred.top2Prob(p),
});
