/**
 * The Info-Gain Sampler (spec §2.1–2.2, DLLM semantics with the paper's objective).
 *
 * Each step draws N candidate actions — candidate 0 is the greedy top-k by confidence, the others
 * sample k positions by Gumbel-top-k of conf/τ_pos with freshly drawn tokens — drops duplicate
 * position sets, scores every survivor in ONE batched lookahead forward by
 *     J(a) = −C(a) − H_next(a)        (variant info_gain)
 *     J(a) = −H_next(a)               (variant lookum)
 * where C(a) is the summed entropy of the chosen positions now and H_next(a) the mean entropy
 * over every position still masked in the candidate's canvas, and commits the first maximiser.
 * The winner's lookahead predictions become the next step's predictions.
 */
import { topK } from '../core/math.js';
import type { RowPredictions } from '../models/denoiser.js';
import { defineParams, type ParamsOf } from './params.js';
import { applyCommits, commitFrom, type CandidateScore, type Commit, type SamplerSpec, type StepContext, type StepGenerator } from './sampler.js';

const PARAMS = defineParams({
  candidates: { kind: 'integer', default: 8, min: 1, max: 256, help: 'N, candidate actions per step (one lookahead row each)' },
  position_temperature: { kind: 'number', default: 0.1, min: 0, help: 'τ_pos of the Gumbel-top-k position sampling; 0 = greedy' },
  variant: { kind: 'choice', default: 'info_gain', choices: ['info_gain', 'lookum'], help: 'objective: −C−H_next (info_gain) or −H_next (lookum)' },
});

export type InfoGainParams = ParamsOf<typeof PARAMS>;

interface Candidate {
  positions: number[];
  /** Which token draw the candidate uses (draw c for candidate c). */
  draw: number;
}

/** H_next: mean entropy over the masks of the whole canvas (spec D2); 0 masks gives 0. */
export function meanMaskedEntropy(canvas: Int32Array, maskId: number, pred: RowPredictions): number {
  let sum = 0;
  let count = 0;
  for (let p = 0; p < canvas.length; p++)
    if (canvas[p] === maskId) {
      sum += pred.entropy(p);
      count += 1;
    }
  return sum / (count + 1e-10);
}

function* infoGainStep(ctx: StepContext, n: number, tauPos: number, lookum: boolean): StepGenerator {
  const { pred, allowed, k, rng } = ctx;
  const greedy = (): Commit[] => topK(allowed, (p) => pred.sampleProb(p, 0), k).map((p) => commitFrom(pred, p, 0));
  // Trivial path: nothing to choose between, so no lookahead (it is exactly greedy confidence).
  if (allowed.length <= k || tauPos <= 0 || n <= 1) return { kind: 'plain', commits: greedy() };

  const candidates: Candidate[] = [];
  const seen = new Set<string>();
  for (let c = 0; c < n; c++) {
    const positions =
      c === 0
        ? topK(allowed, (p) => pred.sampleProb(p, 0), k)
        : topK(allowed, (p) => pred.sampleProb(p, c) / tauPos + rng.nextGumbel(), k);
    // Dedup on the position set only, even when the tokens differ (spec §2.2 4a).
    const key = positions.slice().sort((a, b) => a - b).join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    candidates.push({ positions, draw: c });
  }
  const commitsOf = (a: Candidate): Commit[] => a.positions.map((p) => commitFrom(pred, p, a.draw));
  if (candidates.length === 1) return { kind: 'plain', commits: commitsOf(candidates[0]) };

  const nextCanvases = candidates.map((a) => applyCommits(ctx.canvas, commitsOf(a)));
  const lookahead: RowPredictions[] = yield nextCanvases; // ONE batched forward, nc rows

  const scores: CandidateScore[] = candidates.map((a, j) => {
    const cost = a.positions.reduce((s, p) => s + pred.entropy(p), 0);
    const hNext = meanMaskedEntropy(nextCanvases[j], ctx.maskId, lookahead[j]);
    return {
      positions: a.positions,
      tokens: a.positions.map((p) => pred.sampleId(p, a.draw)),
      cost,
      hNext,
      objective: lookum ? -hNext : -cost - hNext,
    };
  });
  let winner = 0; // first maximum wins (D7), which favours the greedy candidate 0
  for (let j = 1; j < scores.length; j++) if (scores[j].objective > scores[winner].objective) winner = j;
  const alternatives = candidates.map((a, j) => ({ commits: commitsOf(a), next: lookahead[j] }));
  return {
    kind: 'lookahead',
    commits: alternatives[winner].commits,
    next: lookahead[winner],
    candidates: scores,
    winner,
    alternatives,
  };
}

function makeSpec(name: string, summary: string, variantDefault: InfoGainParams['variant']): SamplerSpec<InfoGainParams, void> {
  // The same declaration with another default variant: still InfoGainParams.
  const params: typeof PARAMS = PARAMS.map((p) => (p.key === 'variant' ? { ...p, default: variantDefault } : p));
  return {
    level: 'step',
    name,
    summary,
    params,
    adaptive: false,
    samples: (p) => p.candidates,
    create: (p) => ({ step: (ctx) => infoGainStep(ctx, p.candidates, p.position_temperature, p.variant === 'lookum') }),
  };
}

export const infoGain = makeSpec('info-gain', 'Info-Gain: N candidates scored by −C − H_next in one batched lookahead', 'info_gain');
export const lookum = makeSpec('lookum', "Info-Gain's LookUM variant: candidates scored by −H_next", 'lookum');
