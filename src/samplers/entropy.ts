/** Entropy baseline (spec §5.2 `generate_with_entropy`): score −H (lowest entropy first), block-restricted (D6). */
import { ALG_TEMP, scoredSpec } from './scored.js';

export const entropy = scoredSpec({
  name: 'entropy',
  summary: 'entropy: commit the top-k by negative entropy',
  params: { ...ALG_TEMP },
  score: () => (ctx, p) => -ctx.pred.entropy(p),
});
