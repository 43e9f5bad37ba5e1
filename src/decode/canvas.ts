/** Canvas helpers of the decode loop: regions, blocks, masks, bypass and EOS fill. */
import { topK } from '../core/math.js';
import type { RowPredictions } from '../models/denoiser.js';
import type { Commit } from '../samplers/sampler.js';

export interface Region {
  start: number;
  end: number;
}

/**
 * The positions a run decodes: from the prompt end, or from the first mask if one stands inside
 * the prompt (a Sudoku's blanks, spec D1/B7), to the end of the canvas.
 */
export function generationRegion(canvas: Int32Array, promptLength: number, maskId: number): Region {
  let start = Math.min(promptLength, canvas.length);
  const first = canvas.indexOf(maskId);
  if (first >= 0 && first < start) start = first;
  return { start, end: canvas.length };
}

/**
 * Contiguous blocks of `length` over the region; the last one may be short (spec D1/B2). With
 * `absolute`, boundaries fall on multiples of `length` (SDAR's block-causal models: the block that
 * holds the end of the prompt is the first decode block, spec §4.5).
 */
export function blocks(region: Region, length: number, absolute = false): { index: number; start: number; end: number }[] {
  if (!Number.isInteger(length) || length < 1) throw new Error(`block length must be an integer ≥ 1, got ${length}`);
  const out = [];
  let s = region.start;
  for (let i = 0; s < region.end; i++) {
    const end = Math.min(absolute ? (Math.floor(s / length) + 1) * length : s + length, region.end);
    out.push({ index: i, start: s, end });
    s = end;
  }
  return out;
}

export function maskedIn(canvas: Int32Array, start: number, end: number, maskId: number): number[] {
  const out: number[] = [];
  for (let p = start; p < end; p++) if (canvas[p] === maskId) out.push(p);
  return out;
}

/**
 * High-confidence bypass (spec §2.2 step 3): positions whose untempered top-1 probability is at
 * least `threshold`, at most `k` of them (highest first), with their argmax tokens.
 */
export function bypassCommits(pred: RowPredictions, allowed: number[], k: number, threshold: number): Commit[] {
  const hot = allowed.filter((p) => pred.top1Prob(p) >= threshold);
  return topK(hot, (p) => pred.top1Prob(p), k).map((p) => ({
    position: p,
    token: pred.top1Id(p),
    prob: pred.top1Prob(p),
    entropy: pred.entropy(p),
  }));
}

/**
 * EOS fill (spec §2.2 step 6): every mask after the first EOS in `fill` becomes EOS. `fill` is
 * the generation region proper, the positions after the prompt: an EOS the user gave in the
 * prompt does not end the generation, and masks inside the prompt (infilling) are never filled.
 * Only masks change, so given tokens are never overwritten.
 */
export function eosFill(canvas: Int32Array, fill: Region, eosId: number, maskId: number): number[] {
  let first = -1;
  for (let p = fill.start; p < fill.end; p++)
    if (canvas[p] === eosId) {
      first = p;
      break;
    }
  if (first < 0) return [];
  const filled: number[] = [];
  for (let p = first + 1; p < fill.end; p++)
    if (canvas[p] === maskId) {
      canvas[p] = eosId;
      filled.push(p);
    }
  return filled;
}

/** Where EOS fill acts: after the prompt, to the end of the canvas (empty when all masks are in the prompt). */
export function eosFillRegion(canvas: Int32Array, promptLength: number): Region {
  return { start: Math.min(Math.max(0, promptLength), canvas.length), end: canvas.length };
}
