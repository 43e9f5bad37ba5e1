/** Left-to-right order: the k lowest masked positions of the block (an autoregressive-order baseline). */
import { scoredSpec } from './scored.js';

export const leftToRight = scoredSpec({
  name: 'left-to-right',
  summary: 'left to right: commit the k lowest masked positions of the block',
  params: {},
  score: () => (_ctx, p) => -p,
});
