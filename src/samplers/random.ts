/** Random remasking (spec §5.2 `remasking='random'`): score U(0,1) from the sequence's generator. */
import { scoredSpec } from './scored.js';

export const random = scoredSpec({
  name: 'random',
  summary: 'random order: commit k uniformly chosen masked positions of the block',
  params: {},
  score: () => (ctx) => ctx.rng.nextFloat64(),
});
