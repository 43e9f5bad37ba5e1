/**
 * ReMDM (spec §5.2 `generate_with_remdm`), adaptive, with N = the number of masks to generate:
 *
 * 1. Commit the `unmask_k` most confident masks per step until ⌊init_unmask_ratio·N⌋ are done.
 * 2. `loop_steps` times: on this step's forward, remask the min(unmask_k, #generated) generated
 *    tokens with the lowest p(current token); run one forward on the remasked canvas (yielded like
 *    Info-Gain's lookahead); commit as many of the most confident masks under those predictions.
 * 3. Commit the `unmask_k` most confident masks per step until none is left.
 *
 * Confidence is p(x0) of draw 0, and the committed tokens are draw 0. "Generated" positions are
 * those this sequence had to generate (seen masked), never prompt tokens — not even the givens
 * that stand between the blanks of a Sudoku-style canvas (D1/B7). The reference has no blocks;
 * here remasking and committing stay inside the decode loop's current block (the whole region by
 * default), so a finished block never gets masks back. The phase counters are per sequence.
 */
import { topK } from '../core/math.js';
import type { RowPredictions } from '../models/denoiser.js';
import { defineParams, type ParamsOf } from './params.js';
import { commitFrom, type Commit, type Sampler, type SamplerSpec, type StepContext, type StepGenerator } from './sampler.js';

const PARAMS = defineParams({
  init_unmask_ratio: { kind: 'number', default: 0.875, min: 0, max: 1, help: 'fraction of the masks committed before the remasking loop' },
  unmask_k: { kind: 'integer', default: 1, min: 1, help: 'tokens committed (and remasked) per step' },
  loop_steps: { kind: 'integer', default: 32, min: 0, help: 'remask-and-recommit steps of phase 2' },
});

/** The `count` most confident (draw-0 probability) positions of `candidates`, committed from `pred`. */
function mostConfident(pred: RowPredictions, candidates: number[], count: number): Commit[] {
  return topK(candidates, (p) => pred.sampleProb(p, 0), count).map((p) => commitFrom(pred, p, 0));
}

class ReMDMSampler implements Sampler {
  /** Positions seen masked at some step: the tokens this sequence generates. */
  private readonly generated = new Set<number>();
  private loopsDone = 0;

  constructor(
    private readonly ratio: number,
    private readonly unmaskK: number,
    private readonly loopSteps: number,
  ) {}

  *step(ctx: StepContext): StepGenerator {
    const { canvas, maskId, pred, allowed, block, region } = ctx;
    let masksLeft = 0;
    for (let p = region.start; p < region.end; p++)
      if (canvas[p] === maskId) {
        this.generated.add(p);
        masksLeft += 1;
      }
    const n = this.generated.size;
    // The reference asserts ratio·N is an integer; the epsilon keeps e.g. 0.57·100 at 57.
    const target = Math.floor(this.ratio * n + 1e-9);
    const done = n - masksLeft;

    // Phase 1: build up to ratio·N committed tokens.
    if (done < target) return { kind: 'plain', commits: mostConfident(pred, allowed, Math.min(this.unmaskK, target - done)) };

    // Phase 2: remask the weakest generated tokens of the block, re-predict, recommit.
    const inBlock: number[] = [];
    for (let p = block.start; p < block.end; p++) if (canvas[p] !== maskId && this.generated.has(p)) inBlock.push(p);
    // With nothing generated yet (ratio·N < 1) every reference loop step is a no-op that still counts.
    if (done === 0) this.loopsDone = this.loopSteps;
    // A block that has nothing generated yet (a later block) gets a plain commit first.
    if (this.loopsDone < this.loopSteps && inBlock.length > 0) {
      this.loopsDone += 1;
      const count = Math.min(this.unmaskK, inBlock.length);
      const remask = topK(inBlock, (p) => -pred.tokenProb(p), count); // lowest p(current token), ties to the lower position
      const remasked = canvas.slice();
      for (const p of remask) remasked[p] = maskId;
      const [after]: RowPredictions[] = yield [remasked]; // ONE forward on the remasked canvas
      const masks: number[] = [];
      for (let p = block.start; p < block.end; p++) if (remasked[p] === maskId) masks.push(p);
      // Commits take their token, probability and entropy from the predictions that chose them.
      return { kind: 'lookahead', remask, commits: mostConfident(after, masks, count) };
    }

    // Phase 3 (or the first commit of a later block): finish.
    return { kind: 'plain', commits: mostConfident(pred, allowed, this.unmaskK) };
  }
}

export const remdm: SamplerSpec<ParamsOf<typeof PARAMS>, void> = {
  level: 'step',
  name: 'remdm',
  summary: 'ReMDM: greedy confidence to a ratio, then remask the least likely token and recommit, then finish',
  params: PARAMS,
  adaptive: true,
  remasks: true,
  samples: () => 1,
  create: (p) => new ReMDMSampler(p.init_unmask_ratio, p.unmask_k, p.loop_steps),
};
