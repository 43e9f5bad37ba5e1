/**
 * Dream's `origin` algorithm (Dream `_sample`, alg='origin'): with S = steps per block and
 * timesteps ts = linspace(1, 1e-3, S+1) (float32, as Dream), step i commits each masked position
 * of the block independently with probability 1 − ts[i+1]/ts[i], and the last step (i = S−1)
 * commits every remaining one. Tokens are draw 0 (Dream's sample_tokens at τ_tok).
 *
 * The decode loop needs progress at every call, while Dream's step can unmask nothing. A step that
 * unmasks nothing leaves the canvas, hence the model's predictions, unchanged, so Dream's next
 * step would decide on exactly these predictions again. One call therefore runs successive
 * timesteps (ts[i] → ts[i+1], no forward in between) until a step selects at least one position
 * or the last step is reached: the same distribution over outcomes as Dream's loop, minus the
 * redundant forwards. The step counter lives in the instance and restarts at each block.
 */
import { defineParams } from './params.js';
import { commitFrom, type Sampler, type SamplerSpec, type StepContext, type StepGenerator } from './sampler.js';

const f32 = Math.fround;
const EPS = 1e-3;

/** Dream's ts = linspace(1, eps, S+1) in float32. */
export function dreamTimesteps(steps: number): Float32Array {
  const ts = new Float32Array(steps + 1);
  for (let i = 0; i <= steps; i++) ts[i] = f32(1 + f32(f32(EPS - 1) * f32(i / steps)));
  ts[steps] = f32(EPS);
  return ts;
}

class OriginSampler implements Sampler {
  private block = -1;
  private i = 0;
  private ts: Float32Array = new Float32Array(0);

  *step(ctx: StepContext): StepGenerator {
    const S = ctx.stepsPerBlock;
    if (ctx.block.index !== this.block || this.ts.length !== S + 1) {
      this.block = ctx.block.index;
      // 0, or 1 after a shifted model's forced first commit (spec §2.5: Dream's counter starts at 1 there).
      this.i = ctx.stepInBlock;
      this.ts = dreamTimesteps(S);
    }
    const { pred, allowed, rng } = ctx;
    for (;;) {
      const i = this.i++;
      if (i >= S - 1) return { kind: 'plain', commits: allowed.map((p) => commitFrom(pred, p, 0)) };
      const pTransfer = f32(1 - f32(this.ts[i + 1] / this.ts[i]));
      const chosen = allowed.filter(() => rng.nextFloat64() < pTransfer);
      if (chosen.length > 0) return { kind: 'plain', commits: chosen.map((p) => commitFrom(pred, p, 0)) };
    }
  }
}

const PARAMS = defineParams({});

export const origin: SamplerSpec<Record<never, never>, void> = {
  level: 'step',
  name: 'origin',
  summary: "Dream's origin: each mask is committed with probability 1 − t_{i+1}/t_i, all on the block's last step",
  params: PARAMS,
  adaptive: true,
  samples: () => 1,
  create: () => new OriginSampler(),
};
