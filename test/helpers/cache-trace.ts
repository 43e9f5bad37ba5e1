/**
 * Helpers for the cache-mode tests: a denoiser wrapper that records what every forward asked for
 * (whole canvas, block-entry forward that returns keys/values, or a cache window), and a
 * step-by-step comparison of two decodes of one sequence.
 */
import { expect } from 'vitest';
import type { Model } from '../../src/node.js';
import type { ForwardRequest } from '../../src/models/denoiser.js';
import type { SequenceTrace } from '../../src/decode/trace.js';

/** One row of one forward call: `plain` (whole canvas), `entry` (whole canvas, keys/values returned) or a window [start, end). */
export type RowKind = { kind: 'plain' | 'entry'; length: number } | { kind: 'window'; length: number; start: number; end: number };

/** `model` with a denoiser that logs each forward call's rows (one array per call) and forwards unchanged. */
export function recordingModel(model: Model): { model: Model; calls: RowKind[][] } {
  const calls: RowKind[][] = [];
  const inner = model.denoiser;
  const denoiser = {
    card: inner.card,
    forward(request: ForwardRequest) {
      calls.push(
        request.rows.map((r): RowKind =>
          r.window ? { kind: 'window', length: r.canvas.length, start: r.window.start, end: r.window.end } : { kind: r.onKv ? 'entry' : 'plain', length: r.canvas.length },
        ),
      );
      return inner.forward(request);
    },
  };
  return { model: { ...model, denoiser }, calls };
}

/**
 * `got` decodes exactly as `want`: the same output and region, the same steps (block, step, kind)
 * with the same commits in the same order (positions and tokens equal; probabilities and
 * entropies within `tol`), the same Info-Gain candidates and winners (C, H_next, J within `tol`),
 * the same total cost, and Σ entropy within `tol`. With `fromBlock`, only the steps of blocks
 * ≥ fromBlock are compared (and not Σ entropy, which sums over every block).
 */
export function expectSameDecode(got: SequenceTrace, want: SequenceTrace, { tol = 1e-4, fromBlock = 0 }: { tol?: number; fromBlock?: number } = {}): void {
  const digits = -Math.log10(2 * tol); // toBeCloseTo / closeTo pass when |Δ| < 10^−digits / 2 = tol
  const near = (x: number) => expect.closeTo(x, digits);
  const [g, w] = [got.steps.filter((s) => s.block >= fromBlock), want.steps.filter((s) => s.block >= fromBlock)];
  expect(got.output).toEqual(want.output);
  expect(got.region).toEqual(want.region);
  expect(g.map((s) => [s.block, s.step, s.kind])).toEqual(w.map((s) => [s.block, s.step, s.kind]));
  g.forEach((s, i) => {
    const v = w[i];
    const where = `block ${v.block}, step ${v.step}`;
    expect(s.commits.map((c) => [c.position, c.token]), where).toEqual(v.commits.map((c) => [c.position, c.token]));
    expect(s.commits, where).toEqual(v.commits.map((c) => ({ ...c, prob: near(c.prob), entropy: near(c.entropy) })));
    expect(s.eosFilled, where).toEqual(v.eosFilled);
    expect(s.remasked, where).toEqual(v.remasked);
    expect(s.winner, where).toBe(v.winner);
    expect(s.candidates, where).toEqual(v.candidates?.map((c) => ({ ...c, cost: near(c.cost), hNext: near(c.hNext), objective: near(c.objective) })));
  });
  expect(got.totals.forwardCalls).toBe(want.totals.forwardCalls);
  expect(got.totals.rowForwards).toBe(want.totals.rowForwards);
  if (fromBlock === 0) expect(got.totals.cumulativeUncertainty).toBeCloseTo(want.totals.cumulativeUncertainty, digits);
}
