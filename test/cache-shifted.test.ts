/**
 * KV-cache modes on a Dream-style shifted model (card `logitShift`, spec §2.5, decision D11), on
 * models/tiny/dream-tiny and its cache graph:
 * - a window [s, e) (s > 0) predicts only (s, e): its raw row i − 1 is position i's logit inside
 *   the window, and s keeps the statistics of the forward that covered it (the block-entry one);
 * - shifted_first=overlap (the default): every window of a block starts one position before it,
 *   so the block's first position is predicted inside the window and decided by the sampler;
 * - shifted_first=forced (the reference): a masked first position is committed from the entry
 *   forward at block entry (a `forced` step of its own in the trace), a given one is left alone;
 * - either way no step reads a window's first position, and prefix and dual decodes of greedy
 *   confidence and Info-Gain fill every mask, reproducibly.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, loadModel, parseTrace, TRACE_VERSION, type Model, type SequenceTrace } from '../src/node.js';
import { cacheModeProblem } from '../src/decode/run.js';
import { Predictions, RowPredictions, type Denoiser, type ForwardRequest, type KvCache } from '../src/models/denoiser.js';
import { selectKv } from '../src/models/kv-cache.js';
import { CacheGraph } from '../src/models/onnx-cache.js';
import type { OrtRuntime } from '../src/models/onnx.js';

const DREAM = join(import.meta.dirname, '..', 'models', 'tiny', 'dream-tiny');
let dream: Model;
beforeAll(async () => {
  dream = await loadModel(DREAM);
});
afterAll(async () => {
  await dream.dispose();
});

const PROMPT = 'ROMEO:\n';
const BLOCK = 8;
type Mode = 'prefix' | 'dual';
type First = 'overlap' | 'forced';
type Run = { sampler: 'confidence' | 'info-gain' | 'remdm'; temperature: number; mode: Mode; first?: First; seed?: number; model?: Model };

const decodeOnce = ({ sampler, temperature, mode, first, seed = 4, model = dream }: Run) =>
  generate(model, PROMPT, {
    sampler, genLength: 40, seed,
    params: sampler === 'info-gain' ? { candidates: 4 } : sampler === 'remdm' ? { loop_steps: 6 } : {},
    decode: { temperature, block_length: BLOCK, use_cache: mode, ...(first ? { shifted_first: first } : {}) },
  });

/** The blocks of a trace's region, BLOCK long (the last may be shorter). */
function blockStarts(t: SequenceTrace): number[] {
  const out: number[] = [];
  for (let s = t.region.start; s < t.region.end; s += BLOCK) out.push(s);
  return out;
}

/** The trace's commits and EOS fills applied to its initial canvas, in order (remasks included). */
function replay(t: SequenceTrace): number[] {
  const x = t.initial.slice();
  for (const s of t.steps) {
    for (const p of s.remasked ?? []) x[p] = dream.card.maskId;
    for (const c of s.commits) {
      expect(x[c.position]).toBe(dream.card.maskId);
      x[c.position] = c.token;
    }
    for (const p of s.eosFilled ?? []) x[p] = dream.card.eosId!;
  }
  return x;
}

describe('the cache graph of a shifted model', () => {
  it('is served: cacheModeProblem accepts the card, and a card without one is still refused', () => {
    expect(dream.card.logitShift).toBe(true);
    expect(dream.card.cache).toEqual({ graph: 'model.cache.onnx', layers: 2, heads: 4, headDim: 16 });
    expect(cacheModeProblem(dream.card, 'prefix')).toBeNull();
    expect(cacheModeProblem(dream.card, 'dual')).toBeNull();
    expect(cacheModeProblem({ ...dream.card, cache: undefined }, 'dual')).toMatch(/model dream-tiny has no cache graph \(card field "cache"/);
  });

  it.each([
    ['dual', 20, 28],
    ['prefix', 20, 64],
    ['dual', 0, 8],
  ] as const)('%s window [%i, %i): positions inside it after the first are the whole-canvas forward’s; the first keeps the outside predictions (at 0: its own row, the whole canvas’s convention)', async (_mode, s, e) => {
    const bytes = await readFile(join(DREAM, 'model.cache.onnx'));
    const graph = await CacheGraph.create(ort as unknown as OrtRuntime, bytes, dream.card, 'dream-tiny');
    const T = 64;
    const M = dream.card.maskId;
    const canvas = Int32Array.from({ length: T }, (_, i) => (i % 3 === 0 ? M : 4 + ((i * 7) % 60)));
    const got: { kv: KvCache | null } = { kv: null };
    const full = await graph.forward({ rows: [{ canvas, noiseKey: 1, onKv: (kv) => (got.kv = kv) }], samples: 1, temperature: 0 });
    const plain = await dream.denoiser.forward({ rows: [{ canvas, noiseKey: 1 }], samples: 1, temperature: 0 });
    for (let t = 0; t < T; t++) expect(full.entropy[t]).toBeCloseTo(plain.entropy[t], 4); // P = 0: the plain graph, shift included
    // `outside` from another canvas, so that every position the window does not predict is told apart.
    const other = await dream.denoiser.forward({ rows: [{ canvas: canvas.map((v) => (v === M ? 5 : M)), noiseKey: 1 }], samples: 1, temperature: 0 });
    const outside = [...Array(s).keys(), ...Array.from({ length: T - e }, (_, i) => e + i)];
    const cache = selectKv(got.kv!, outside, dream.card.cache!);
    const win = await graph.forward({ rows: [{ canvas, noiseKey: 1, window: { start: s, end: e, cache, outside: other.row(0) } }], samples: 1, temperature: 0 });
    for (let t = 0; t < T; t++) {
      const want = (t > s || t === 0) && t >= s && t < e ? plain : other; // (s, e) from the window; s > 0 and the rest from `outside`
      expect(win.entropy[t]).toBeCloseTo(want.entropy[t], 4);
      expect(win.top1Id[t]).toBe(want.top1Id[t]);
    }
    // Position s's own window row (the output of s, which predicts s + 1) is not what s > 0 got.
    if (s > 0) expect(win.entropy[s]).not.toBeCloseTo(plain.entropy[s + 1], 2);
    await graph.dispose();
  });
});

describe('shifted_first=overlap (the default): windows start one position before the block', () => {
  it.each([
    ['confidence', 0, 'prefix'],
    ['confidence', 0, 'dual'],
    ['info-gain', 0, 'prefix'],
    ['info-gain', 0.8, 'dual'],
  ] as const)('%s at τ_tok %s, %s: no forced step; the sampler decides every position; no mask left; reproducible', async (sampler, temperature, mode) => {
    const first = await decodeOnce({ sampler, temperature, mode });
    expect(first.trace.decode.shifted_first).toBe('overlap');
    const t = first.trace.sequences[0];
    expect(t.output).not.toContain(dream.card.maskId);
    expect(replay(t)).toEqual(t.output);
    expect(t.steps.some((r) => r.kind === 'forced')).toBe(false);
    // As without a cache: one token per step, steps numbered from 0 in every block.
    const none = (await generate(dream, PROMPT, { sampler, genLength: 40, seed: 4, params: sampler === 'info-gain' ? { candidates: 4 } : {}, decode: { temperature, block_length: BLOCK } })).trace.sequences[0];
    expect(t.steps.map((r) => [r.block, r.step, r.commits.length])).toEqual(none.steps.map((r) => [r.block, r.step, r.commits.length]));
    // The sampler, not a rule, picks each block's first commit: not always the block's first position.
    const firsts = blockStarts(t).map((s, b) => t.steps.find((r) => r.block === b)!.commits[0].position - s);
    expect(firsts.some((d) => d > 0)).toBe(true);
    if (sampler === 'info-gain') expect(t.steps.some((r) => r.kind === 'lookahead' && r.candidates!.length > 1)).toBe(true);
    const again = (await decodeOnce({ sampler, temperature, mode })).trace.sequences[0];
    expect(again.output).toEqual(t.output);
    expect(again.steps.map((r) => r.commits)).toEqual(t.steps.map((r) => r.commits));
  });
});

describe('shifted_first=forced (the reference): the block’s first position is settled at block entry', () => {
  it.each([
    ['confidence', 0, 'prefix'],
    ['confidence', 0, 'dual'],
    ['info-gain', 0, 'prefix'],
    ['info-gain', 0.8, 'dual'],
  ] as const)('%s at τ_tok %s, %s: every block starts with a forced commit of its first position; no mask left; reproducible', async (sampler, temperature, mode) => {
    const first = await decodeOnce({ sampler, temperature, mode, first: 'forced' });
    const t = first.trace.sequences[0];
    expect(first.trace.version).toBe(TRACE_VERSION);
    expect(t.output).not.toContain(dream.card.maskId);
    expect(replay(t)).toEqual(t.output);
    const starts = blockStarts(t);
    expect(starts).toHaveLength(5);
    for (const [b, s] of starts.entries()) {
      const records = t.steps.filter((r) => r.block === b);
      // The entry forward is the forced step's cost: one call, one row; its token is draw 0 of that forward.
      expect(records[0]).toMatchObject({ kind: 'forced', step: 0, forwardCalls: 1, rowForwards: 1 });
      expect(records[0].commits).toEqual([expect.objectContaining({ position: s, token: t.output[s] })]);
      expect(Number.isFinite(records[0].commits[0].entropy)).toBe(true);
      expect(records.slice(1).every((r) => r.kind !== 'forced' && r.step >= 1 && r.commits.every((c) => c.position > s && c.position < s + BLOCK))).toBe(true);
    }
    expect(t.steps.filter((r) => r.kind === 'forced')).toHaveLength(starts.length);
    // Every forward is some step's: the block-entry forwards are the forced steps'.
    expect(t.steps.reduce((n, r) => n + r.forwardCalls, 0)).toBe(t.totals.forwardCalls);
    // D8: the forced commits count in the cumulative uncertainty.
    expect(t.totals.cumulativeUncertainty).toBeCloseTo(t.steps.flatMap((r) => r.commits).reduce((n, c) => n + c.entropy, 0), 9);
    if (sampler === 'info-gain') expect(t.steps.some((r) => r.kind === 'lookahead' && r.candidates!.length > 1)).toBe(true);

    const again = (await decodeOnce({ sampler, temperature, mode, first: 'forced' })).trace.sequences[0];
    expect(again.output).toEqual(t.output);
    expect(again.steps.map((r) => r.commits)).toEqual(t.steps.map((r) => r.commits));
    const json = JSON.parse(JSON.stringify(first.trace));
    expect(parseTrace(json, 'trace.json').sequences[0].steps[0].kind).toBe('forced');
  });

  it('one step per token: a block of 8 masks takes the forced commit and 7 scheduled steps (k = 1), as with no cache', async () => {
    const none = (await generate(dream, PROMPT, { sampler: 'confidence', genLength: 40, seed: 4, decode: { block_length: BLOCK } })).trace.sequences[0];
    const dual = (await decodeOnce({ sampler: 'confidence', temperature: 0, mode: 'dual', first: 'forced' })).trace.sequences[0];
    expect(none.steps.some((r) => r.kind === 'forced')).toBe(false);
    expect(dual.steps).toHaveLength(none.steps.length);
    expect(dual.steps.every((r) => r.commits.length === 1)).toBe(true);
    expect(dual.steps.map((r) => r.step)).toEqual(none.steps.map((r) => r.step));
    // The first block's first token is the no-cache decode's prediction at that position (the same forward).
    const s = dual.region.start;
    const step0 = await dream.denoiser.forward({ rows: [{ canvas: Int32Array.from(none.initial), noiseKey: 1 }], samples: 1, temperature: 0 });
    expect(dual.steps[0].commits[0].token).toBe(step0.top1Id[s]);
  });

  it('a block whose first position is given (an infill) has no forced commit; its first masked position is decided by the steps', async () => {
    const M = '<|mask|>';
    // Masks inside the prompt (gen_length 0): the region starts at the first mask, blocks of 4.
    const prompt = `RO${M}${M}O:\nWh${M}t ${M}${M}ght th${M}${M}ugh ${M}ond${M}r`;
    for (const mode of ['prefix', 'dual'] as const) {
      const { trace } = await generate(dream, prompt, { sampler: 'confidence', genLength: 0, seed: 1, decode: { block_length: 4, use_cache: mode, shifted_first: 'forced' } });
      const t = trace.sequences[0];
      expect(t.output).not.toContain(dream.card.maskId);
      expect(replay(t)).toEqual(t.output);
      let forced = 0;
      let given = 0;
      for (let b = 0, s = t.region.start; s < t.region.end; b++, s += 4) {
        const records = t.steps.filter((r) => r.block === b);
        if (t.initial[s] === dream.card.maskId) {
          forced += 1;
          expect(records[0]).toMatchObject({ kind: 'forced', step: 0, commits: [expect.objectContaining({ position: s })] });
        } else {
          given += 1;
          expect(records.some((r) => r.kind === 'forced' || r.commits.some((c) => c.position === s))).toBe(false);
          expect(t.output[s]).toBe(t.initial[s]);
          if (records.length > 0) expect(records[0].step).toBe(0);
        }
      }
      expect(forced).toBeGreaterThan(0);
      expect(given).toBeGreaterThan(0);
    }
  });
});

describe('the trace format', () => {
  it('version 3 (beam steps; version 2 added the forced step kind) is written; versions 1 and 2 are still read; others are refused, naming the versions read', () => {
    expect(TRACE_VERSION).toBe(3);
    const v1 = { format: 'infogain-trace', version: 1, model: 'm', maskId: 1, sampler: 'confidence', samplerParams: {}, decode: {}, sequences: [] };
    expect(parseTrace(v1, 'old.json').version).toBe(1);
    expect(parseTrace({ ...v1, version: 2 }, 'old.json').version).toBe(2);
    expect(() => parseTrace({ ...v1, version: 4 }, 'new.json')).toThrow('new.json: trace version 4, this build reads versions 1, 2 and 3');
  });
});

/** Statistics whose reads at one position (per row) throw: a row of a window must never be read at its first position. */
class GuardedPredictions extends Predictions {
  constructor(
    src: Predictions,
    private readonly guards: (number | null)[],
  ) {
    super(src.rows, src.length, src.samples);
    for (let b = 0; b < src.rows; b++) this.setRow(b, src.row(b));
  }
  override row(b: number): RowPredictions {
    return new GuardedRow(this, b, this.guards[b]);
  }
}

class GuardedRow extends RowPredictions {
  constructor(
    p: Predictions,
    row: number,
    private readonly guard: number | null,
  ) {
    super(p, row);
  }
  private check(pos: number, what: string): void {
    if (pos === this.guard) throw new Error(`read ${what} at position ${pos}, the first position of this row's window`);
  }
  override entropy(pos: number): number {
    this.check(pos, 'entropy');
    return super.entropy(pos);
  }
  override top1Id(pos: number): number {
    this.check(pos, 'top1Id');
    return super.top1Id(pos);
  }
  override top1Prob(pos: number): number {
    this.check(pos, 'top1Prob');
    return super.top1Prob(pos);
  }
  override top2Prob(pos: number): number {
    this.check(pos, 'top2Prob');
    return super.top2Prob(pos);
  }
  override sampleId(pos: number, s = 0): number {
    this.check(pos, 'sampleId');
    return super.sampleId(pos, s);
  }
  override sampleProb(pos: number, s = 0): number {
    this.check(pos, 'sampleProb');
    return super.sampleProb(pos, s);
  }
  override tokenProb(pos: number): number {
    this.check(pos, 'tokenProb');
    return super.tokenProb(pos);
  }
}

/** dream-tiny's denoiser, with every window row's statistics guarded at the window's first position. */
function guarded(inner: Denoiser): { denoiser: Denoiser; windowRows: () => number } {
  let windowRows = 0;
  return {
    windowRows: () => windowRows,
    denoiser: {
      card: inner.card,
      async forward(request: ForwardRequest) {
        const guards = request.rows.map((r) => r.window?.start ?? null);
        windowRows += guards.filter((g) => g !== null).length;
        return new GuardedPredictions(await inner.forward(request), guards);
      },
    },
  };
}

describe('no cache-mode step reads the first position of its window', () => {
  it('the guard throws on such a read (so the decodes below would fail if one happened)', async () => {
    const { denoiser } = guarded(dream.denoiser);
    const canvas = new Int32Array(16).fill(dream.card.maskId);
    const plain = await dream.denoiser.forward({ rows: [{ canvas, noiseKey: 1 }], samples: 1, temperature: 0 });
    const kv: { kv: KvCache | null } = { kv: null };
    await dream.denoiser.forward({ rows: [{ canvas, noiseKey: 1, onKv: (x) => (kv.kv = x) }], samples: 1, temperature: 0 });
    const cache = selectKv(kv.kv!, [0, 1, 2, 3], dream.card.cache!);
    const pred = await denoiser.forward({ rows: [{ canvas, noiseKey: 1, window: { start: 4, end: 16, cache, outside: plain.row(0) } }], samples: 1, temperature: 0 });
    expect(() => pred.row(0).sampleProb(4)).toThrow(/position 4, the first position of this row's window/);
    expect(() => pred.row(0).entropy(5)).not.toThrow();
  });

  it.each([
    ['confidence', 0, 'dual', 'overlap'],
    ['info-gain', 0.8, 'prefix', 'overlap'],
    ['info-gain', 0, 'dual', 'overlap'],
    ['remdm', 0, 'dual', 'overlap'],
    ['confidence', 0, 'dual', 'forced'],
    ['info-gain', 0.8, 'prefix', 'forced'],
    ['info-gain', 0, 'dual', 'forced'],
    ['remdm', 0, 'prefix', 'forced'], // remasks generated tokens of the block: never the settled first position
  ] as const)('%s at τ_tok %s, %s, shifted_first=%s', async (sampler, temperature, mode, first) => {
    const spy = guarded(dream.denoiser);
    const { trace } = await decodeOnce({ sampler, temperature, mode, first, model: { ...dream, denoiser: spy.denoiser } });
    const t = trace.sequences[0];
    expect(spy.windowRows()).toBeGreaterThan(20);
    expect(t.output).not.toContain(dream.card.maskId);
    // The guard changes nothing but reads: the same decode as without it.
    expect(t.output).toEqual((await decodeOnce({ sampler, temperature, mode, first })).trace.sequences[0].output);
    if (sampler === 'remdm') expect(t.steps.some((r) => (r.remasked ?? []).length > 0)).toBe(true);
  });
});
