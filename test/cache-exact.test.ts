/**
 * Issue 13 §1: for a block-causal (SDAR-style) model the committed-prefix cache is exact, so
 * use_cache=prefix decodes the use_cache=none output token for token. This file checks it on
 * models/tiny/sdar-small (`training/export_tiny.py --only sdar-small`: 4 layers, d_model 96,
 * 3 heads of 32, RoPE through onnxruntime's fused RotaryEmbedding, block size 8, trained so that
 * its predictions are far from uniform); test/cache.test.ts checks sdar-tiny.
 *
 * Greedy confidence, entropy and Info-Gain (N = 8, no bypass), each at τ_tok 0 and 0.8, decode 40
 * masks after a prompt, over six blocks, and are compared step by step: commits (positions,
 * tokens, order; probabilities and entropies within 1e-4), Info-Gain's candidates and winners,
 * the number of forwards, Σ entropy. The generation ends inside a block; the prompt ends on a
 * block boundary (16 characters) or inside one (13 characters).
 *
 * The 13-character prompt: its last characters (8–12) share an attention block with the first
 * decoded positions (13–15) and attend to them, so their keys/values change as that block is
 * committed; the decoder (src/decode/sequence.ts, enterBlock) starts a block-causal model's window
 * at the attention block's start to recompute them, and the whole decode is bit-exact. (Caching
 * them at block entry had moved the first block's entropies by up to ~5e-2.)
 *
 * Not vacuous: every forward is recorded (without a cache, whole canvases only; with it, one entry
 * forward per block and windows against the cache otherwise), and dual mode, whose Info-Gain
 * lookahead keeps block-entry entropies for later blocks, does not pass the comparison.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, loadModel, type Model } from '../src/node.js';
import { expectSameDecode, recordingModel, type RowKind } from './helpers/cache-trace.js';

const DIR = join(import.meta.dirname, '..', 'models', 'tiny', 'sdar-small');
const BLOCK = 8;
const GEN = 40;
const ON_BOUNDARY = 'First Citizen:\nB'; // 16 characters: blocks [16, 24) … [48, 56)
const INSIDE = 'First Citizen'; // 13 characters: blocks [13, 16), [16, 24) … [48, 53); 8–12 share block 1 with 13–15

let sdar: Model;
beforeAll(async () => {
  sdar = await loadModel(DIR);
});
afterAll(async () => {
  await sdar.dispose();
});

type SamplerName = 'confidence' | 'entropy' | 'info-gain';
type Mode = 'none' | 'prefix' | 'dual';

const CASES: [SamplerName, number][] = [
  ['confidence', 0],
  ['confidence', 0.8],
  ['entropy', 0],
  ['entropy', 0.8],
  ['info-gain', 0],
  ['info-gain', 0.8],
];

async function run(prompt: string, sampler: SamplerName, temperature: number, useCache: Mode) {
  const { model, calls } = recordingModel(sdar);
  const { trace } = await generate(model, prompt, {
    sampler,
    params: sampler === 'info-gain' ? { candidates: 8 } : {},
    genLength: GEN,
    seed: 11,
    decode: { temperature, use_cache: useCache, threshold: null },
  });
  expect(trace.decode.use_cache).toBe(useCache);
  return { seq: trace.sequences[0], rows: calls.flat(), calls };
}

/** The decode blocks of a prompt of P characters: from P to the next multiple of BLOCK, then whole blocks, the last one cut at P + GEN. */
function blockStarts(P: number): number[] {
  const out = [P];
  for (let s = (Math.floor(P / BLOCK) + 1) * BLOCK; s < P + GEN; s += BLOCK) out.push(s);
  return out;
}

/** Both decodes of one case, what makes the comparison meaningful checked on the way. */
async function bothModes(prompt: string, sampler: SamplerName, temperature: number) {
  const T = prompt.length + GEN;
  const starts = blockStarts(prompt.length);
  const none = await run(prompt, sampler, temperature, 'none');
  const prefix = await run(prompt, sampler, temperature, 'prefix');
  expect(none.seq.region).toEqual({ start: prompt.length, end: T });
  expect(none.seq.output).not.toContain(sdar.card.maskId);
  expect([...new Set(none.seq.steps.map((s) => s.block))]).toHaveLength(starts.length);
  if (sampler === 'info-gain') expect(none.seq.steps.filter((s) => s.kind === 'lookahead' && s.candidates!.length > 1).length).toBeGreaterThan(GEN / 2);
  // Without a cache every row is the whole canvas. With it, each block makes one entry forward
  // (one row, whole canvas, keys/values returned) and every other row, Info-Gain's lookahead
  // rows included, is a window from the block's start (or its absolute block's start) to T.
  expect(none.rows.every((r) => r.kind === 'plain' && r.length === T)).toBe(true);
  expect(prefix.calls.filter((c) => c.some((r) => r.kind === 'entry'))).toEqual(starts.map(() => [{ kind: 'entry', length: T }]));
  const windows = prefix.rows.filter((r): r is Extract<RowKind, { kind: 'window' }> => r.kind === 'window');
  expect(windows.length).toBe(prefix.rows.length - starts.length);
  expect(windows.length).toBe(none.rows.length - starts.length); // every no-cache row but one per block became a window
  expect(windows.length).toBeGreaterThan(GEN / 2);
  const allowed = new Set(starts.flatMap((s) => [s, s - (s % BLOCK)]));
  expect(windows.every((w) => w.end === T && allowed.has(w.start))).toBe(true);
  expect([...new Set(windows.map((w) => Math.floor(w.start / BLOCK)))]).toEqual(starts.map((s) => Math.floor(s / BLOCK)));
  return { none, prefix };
}

describe('sdar-small: prefix-mode decoding equals no-cache decoding token for token', () => {
  it('the fixture is what this file assumes: block-causal, block size 8, a cache graph of 4 layers × 3 heads of 32', () => {
    expect(sdar.card.attention).toEqual({ kind: 'block-causal', blockSize: BLOCK });
    expect(sdar.card.cache).toEqual({ graph: 'model.cache.onnx', layers: 4, heads: 3, headDim: 32 });
    expect([ON_BOUNDARY.length % BLOCK, INSIDE.length % BLOCK, (INSIDE.length + GEN) % BLOCK]).toEqual([0, 5, 5]);
  });

  describe('prompt ending on a block boundary (16 characters)', () => {
    it.each(CASES)('%s at τ_tok %s', async (sampler, temperature) => {
      const { none, prefix } = await bothModes(ON_BOUNDARY, sampler, temperature);
      expectSameDecode(prefix.seq, none.seq, { tol: 1e-4 });
    });
  });

  describe('prompt ending inside a block (13 characters)', () => {
    it.each(CASES)('%s at τ_tok %s: step for step, the first block included (its prompt part is recomputed in the window)', async (sampler, temperature) => {
      const { none, prefix } = await bothModes(INSIDE, sampler, temperature);
      // Positions 8–12 (prompt) share attention block 1 with 13–15 and attend to them: the window
      // starts at the attention block's start, so they are recomputed as 13–15 are committed.
      expectSameDecode(prefix.seq, none.seq, { tol: 1e-4 });
    });
  });

  it('the comparison can fail: dual mode’s Info-Gain (later blocks’ entropies kept from block entry) does not pass it', async () => {
    const none = await run(ON_BOUNDARY, 'info-gain', 0.8, 'none');
    const dual = await run(ON_BOUNDARY, 'info-gain', 0.8, 'dual');
    expect(dual.rows.some((r) => r.kind === 'window' && r.end < ON_BOUNDARY.length + GEN)).toBe(true);
    // The first scored step: its candidates' costs (the block's own entropies) agree, their H_next do not.
    const first = none.seq.steps.findIndex((s) => s.candidates !== undefined);
    const [a, b] = [none.seq.steps[first], dual.seq.steps[first]];
    b.candidates!.forEach((c, i) => expect(c.cost).toBeCloseTo(a.candidates![i].cost, 4));
    expect(b.candidates!.some((c, i) => Math.abs(c.hNext - a.candidates![i].hNext) > 1e-3)).toBe(true);
    // …and the comparison catches exactly that: its first mismatch is that step's candidate list.
    expect(() => expectSameDecode(dual.seq, none.seq, { tol: 1e-4 })).toThrow(new RegExp(`^block ${a.block}, step ${a.step}: expected \\[ \\{ positions:`));
  });

  it('the model is trained: its commits are far from a uniform guess (an untrained one: entropy ln 70 ≈ 4.25, probability 1/70)', async () => {
    const { seq } = await run(ON_BOUNDARY, 'confidence', 0, 'none');
    const commits = seq.steps.flatMap((s) => s.commits);
    expect(commits).toHaveLength(GEN);
    const mean = (f: (c: (typeof commits)[number]) => number) => commits.reduce((a, c) => a + f(c), 0) / commits.length;
    expect(mean((c) => c.entropy)).toBeLessThan(0.7 * Math.log(sdar.card.vocabSize));
    expect(mean((c) => c.prob)).toBeGreaterThan(10 / sdar.card.vocabSize);
    expect(new Set(commits.map((c) => c.token)).size).toBeGreaterThan(3);
  });
});
