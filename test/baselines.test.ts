import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topK } from '../src/core/math.js';
import { hashUniform, Rng } from '../src/core/rng.js';
import { prepareEntry, resolveEntries } from '../src/decode/entry.js';
import { decodeBatch } from '../src/decode/run.js';
import type { ModelCard } from '../src/models/card.js';
import { LogitsDenoiser, Predictions, type RowPredictions } from '../src/models/denoiser.js';
import { confidence } from '../src/samplers/confidence.js';
import { eb, ebCount } from '../src/samplers/eb.js';
import { entropy } from '../src/samplers/entropy.js';
import { factorCount, fastDllm } from '../src/samplers/fast-dllm.js';
import { SAMPLERS, samplerByName } from '../src/samplers/index.js';
import { leftToRight } from '../src/samplers/left-to-right.js';
import { margin } from '../src/samplers/margin.js';
import { dreamTimesteps, origin } from '../src/samplers/origin.js';
import { resolveParams, type Params, type ParamSchema, type ParamValue } from '../src/samplers/params.js';
import { countBackground, loadBackground, pc } from '../src/samplers/pc.js';
import { random } from '../src/samplers/random.js';
import { remdm } from '../src/samplers/remdm.js';
import type { Sampler, SamplerSpec, StepContext, StepResult } from '../src/samplers/sampler.js';

const MASK = 99;

/** One position's statistics; unset fields get harmless defaults. */
interface Cell {
  /** Entropy (nats). */
  h?: number;
  /** Draw 0: token id and its untempered probability. */
  id?: number;
  p?: number;
  top1Id?: number;
  top1p?: number;
  top2p?: number;
  /** p(canvas token); NaN (a mask) when unset. */
  tok?: number;
}

/** A hand-made one-row prediction table. */
function table(cells: Cell[]): RowPredictions {
  const T = cells.length;
  const out = new Predictions(1, T, 1);
  cells.forEach((c, t) => {
    out.entropy[t] = c.h ?? 1;
    out.sampleId[t] = c.id ?? 10 + t;
    out.sampleProb[t] = c.p ?? 0.5;
    out.top1Id[t] = c.top1Id ?? out.sampleId[t];
    out.top1Prob[t] = c.top1p ?? out.sampleProb[t];
    out.top2Prob[t] = c.top2p ?? 0;
    out.tokenProb[t] = c.tok ?? NaN;
  });
  return out.row(0);
}

/** Cells from per-position draw-0 probabilities. */
const probs = (ps: number[]): Cell[] => ps.map((p) => ({ p }));

interface CtxOptions {
  k?: number;
  block?: { index: number; start: number; end: number };
  region?: { start: number; end: number };
  stepInBlock?: number;
  stepsPerBlock?: number;
  seed?: number;
  rng?: Rng;
}

/** A StepContext over `canvas`; allowed = masks of the block (default: the whole canvas). */
function ctxOf(canvas: number[] | Int32Array, pred: RowPredictions, o: CtxOptions = {}): StepContext {
  const x = Int32Array.from(canvas);
  const block = o.block ?? { index: 0, start: 0, end: x.length };
  const allowed: number[] = [];
  for (let p = block.start; p < block.end; p++) if (x[p] === MASK) allowed.push(p);
  return {
    canvas: x,
    maskId: MASK,
    pred,
    allowed,
    k: o.k ?? 1,
    block,
    region: o.region ?? { start: 0, end: x.length },
    stepInBlock: o.stepInBlock ?? 0,
    stepsPerBlock: o.stepsPerBlock ?? 1,
    rng: o.rng ?? new Rng(o.seed ?? 1),
  };
}

const defaults = <P,>(spec: { params: ParamSchema<P>; name: string }, overrides: Params = {}): P => resolveParams(spec.params, overrides, spec.name);
const readText = (path: string) => readFile(path, 'utf8');

/** Run one step that must not ask for a forward. */
function plainStep(sampler: Sampler, ctx: StepContext): StepResult {
  const r = sampler.step(ctx).next();
  expect(r.done).toBe(true);
  return r.value as StepResult;
}

function once(spec: SamplerSpec, ctx: StepContext, overrides: Params = {}): StepResult {
  return plainStep(spec.create(defaults(spec, overrides)), ctx);
}

const positions = (r: StepResult): number[] => r.commits.map((c) => c.position);

/** Apply a step result to a canvas the way the decode loop does. */
function apply(canvas: Int32Array, r: StepResult): void {
  for (const p of r.remask ?? []) canvas[p] = MASK;
  for (const c of r.commits) {
    expect(canvas[c.position]).toBe(MASK);
    canvas[c.position] = c.token;
  }
}

const M = MASK;

describe('registry', () => {
  it('lists every sampler in the agreed order, each findable by its CLI name', () => {
    expect(SAMPLERS.map((s) => s.name)).toEqual([
      'info-gain', 'lookum', 'confidence', 'margin', 'entropy', 'random', 'left-to-right', 'eb', 'fast-dllm', 'pc', 'remdm', 'origin', 'best-of-n', 'info-gain-beam',
    ]);
    for (const s of SAMPLERS) expect(samplerByName(s.name)).toBe(s);
    expect(() => samplerByName('nope')).toThrow(/available: info-gain, lookum, confidence/);
  });

  it('declares the adaptive samplers and one token draw for every baseline', () => {
    const steps = SAMPLERS.flatMap((s) => (s.level === 'step' ? [s] : []));
    const adaptive = steps.filter((s) => s.adaptive).map((s) => s.name);
    expect(adaptive).toEqual(['eb', 'fast-dllm', 'remdm', 'origin']);
    for (const s of steps.slice(2)) expect(s.samples(defaults(s))).toBe(1);
  });

  it('has the spec defaults', () => {
    expect(defaults(eb)).toEqual({ gamma: 0.01 });
    expect(defaults(fastDllm)).toEqual({ rule: 'threshold', threshold: 0.9, factor: 1 });
    expect(defaults(pc)).toEqual({ lambda: 0.25, alpha: 10, background: 'uniform' });
    expect(defaults(remdm)).toEqual({ init_unmask_ratio: 0.875, unmask_k: 1, loop_steps: 32 });
    for (const s of [confidence, margin, entropy]) expect(defaults(s)).toEqual({ alg_temp: 0 });
    for (const s of [random, leftToRight, origin]) expect(defaults(s)).toEqual({});
  });
});

describe('confidence', () => {
  it('commits the k positions with the highest p(draw 0), tokens and stats of draw 0', () => {
    // Position 5's top-1 probability is high but its draw 0 (a sampled token) is not: draw 0 counts.
    const pred = table([{}, { p: 0.3 }, { p: 0.9, id: 7, h: 0.4 }, { p: 0.5 }, { p: 0.8, id: 8 }, { p: 0.1, top1p: 0.99 }]);
    const r = once(confidence, ctxOf([5, M, M, M, M, M], pred, { k: 2 }));
    expect(r.kind).toBe('plain');
    expect(r.commits).toEqual([
      { position: 2, token: 7, prob: 0.9, entropy: 0.4 },
      { position: 4, token: 8, prob: 0.8, entropy: 1 },
    ]);
  });

  it('only looks at the allowed positions (masks of the current block)', () => {
    const pred = table(probs([0.2, 0.3, 0.99, 0.95]));
    const r = once(confidence, ctxOf([M, M, M, M], pred, { k: 1, block: { index: 0, start: 0, end: 2 } }));
    expect(positions(r)).toEqual([1]);
  });
});

describe('margin and entropy', () => {
  // Position 1: confident token but a close runner-up. Position 2: less confident, clear margin,
  // lower entropy.
  const pred = table([
    { p: 0.5, top1p: 0.5, top2p: 0.45, h: 1.5 },
    { p: 0.6, top1p: 0.6, top2p: 0.39, h: 1.2 },
    { p: 0.4, top1p: 0.4, top2p: 0.1, h: 0.3 },
  ]);
  const canvas = [M, M, M];

  it('margin ranks by p_top1 − p_top2 and disagrees with confidence here', () => {
    expect(positions(once(confidence, ctxOf(canvas, pred, { k: 1 })))).toEqual([1]);
    expect(positions(once(margin, ctxOf(canvas, pred, { k: 1 })))).toEqual([2]);
    expect(positions(once(margin, ctxOf(canvas, pred, { k: 2 })))).toEqual([2, 1]);
  });

  it('entropy ranks by −H and disagrees with confidence here', () => {
    const r = once(entropy, ctxOf(canvas, pred, { k: 2 }));
    expect(positions(r)).toEqual([2, 1]);
    expect(r.commits[0]).toEqual({ position: 2, token: 12, prob: 0.4, entropy: 0.3 });
  });

  it('are block-restricted (D6): a better position outside the block is not taken', () => {
    const wide = table([{ top1p: 0.5, top2p: 0.4, h: 2 }, { top1p: 0.5, top2p: 0.3, h: 1 }, { top1p: 1, top2p: 0, h: 0 }]);
    const block = { index: 0, start: 0, end: 2 };
    expect(positions(once(margin, ctxOf(canvas, wide, { k: 1, block })))).toEqual([1]);
    expect(positions(once(entropy, ctxOf(canvas, wide, { k: 1, block })))).toEqual([1]);
  });
});

describe('tie rule (D7): equal scores go to the lower position', () => {
  const flat = table([{}, { h: 0.5 }, { h: 0.5 }, { h: 0.5 }, { h: 0.5 }]);
  const canvas = [3, M, M, M, M];
  it.each<SamplerSpec>([confidence, margin, entropy, pc])('$name', async (spec) => {
    const params = defaults(spec, spec.name === 'pc' ? { lambda: '0' } : {});
    const state = spec.prepare ? await spec.prepare(params, { vocabSize: 100 }) : undefined;
    expect(positions(plainStep(spec.create(params, state), ctxOf(canvas, flat, { k: 2 })))).toEqual([1, 2]);
  });
  it('eb and fast-dllm', () => {
    expect(positions(once(eb, ctxOf(canvas, flat), { gamma: '100' }))).toEqual([1, 2, 3, 4]);
    expect(positions(once(fastDllm, ctxOf(canvas, flat)))).toEqual([1]);
    expect(positions(once(fastDllm, ctxOf(canvas, flat), { threshold: '0.5' }))).toEqual([1, 2, 3, 4]);
  });
});

describe('random', () => {
  const pred = table(probs([0.9, 0.1, 0.1, 0.1, 0.1, 0.1]));
  const canvas = [M, M, M, M, M, 4];

  it('scores each allowed position with one U(0,1) draw of the sequence generator, in position order', () => {
    const r = once(random, ctxOf(canvas, pred, { k: 2, seed: 42 }));
    const u = new Rng(42);
    const draws = [0, 1, 2, 3, 4].map(() => u.nextFloat64());
    expect(positions(r)).toEqual(topK([0, 1, 2, 3, 4], (p) => draws[p], 2));
    expect(positions(once(random, ctxOf(canvas, pred, { k: 2, seed: 42 })))).toEqual(positions(r));
  });

  it('picks every position at about the same rate', () => {
    const rng = new Rng(7);
    const sampler = random.create(defaults(random));
    const counts = [0, 0, 0, 0, 0, 0];
    const n = 5000;
    for (let i = 0; i < n; i++) for (const p of positions(plainStep(sampler, ctxOf(canvas, pred, { k: 1, rng })))) counts[p] += 1;
    expect(counts[5]).toBe(0);
    // Binomial(5000, 0.2): σ ≈ 28; allow 5σ.
    for (let p = 0; p < 5; p++) expect(Math.abs(counts[p] - n / 5)).toBeLessThan(140);
    // k = 2 never repeats a position.
    const two = positions(plainStep(sampler, ctxOf(canvas, pred, { k: 2, rng })));
    expect(new Set(two).size).toBe(2);
  });
});

describe('left-to-right', () => {
  it('commits the lowest masked positions of the block whatever their confidence', () => {
    const pred = table(probs([0.1, 0.1, 0.1, 0.1, 0.9, 0.9, 0.9, 0.9]));
    const canvas = [1, 1, M, M, 1, M, M, M];
    const block = { index: 0, start: 1, end: 8 };
    expect(positions(once(leftToRight, ctxOf(canvas, pred, { k: 2, block })))).toEqual([2, 3]);
    expect(positions(once(leftToRight, ctxOf(canvas, pred, { k: 3, block })))).toEqual([2, 3, 5]);
  });
});

describe('eb', () => {
  it('counts j with Σ_{i≤j} H − max_{i≤j} H ≤ γ', () => {
    expect(ebCount([0.004, 0.008, 0.3, 0.5], 0.01)).toBe(2);
    expect(ebCount([0.001, 0.002, 0.005, 0.5], 0.01)).toBe(4);
    expect(ebCount([0.02, 0.03], 0.01)).toBe(1);
    expect(ebCount([], 0.01)).toBe(0);
  });

  it('commits exactly 2 when the second-lowest entropy fits under γ and the third does not', () => {
    const pred = table([{ h: 0.004, id: 4 }, { h: 0.3 }, { h: 0.008, id: 6 }, { h: 0.5 }, { h: 0 }]);
    // Position 4 is not masked: its entropy of 0 must not count.
    const r = once(eb, ctxOf([M, M, M, M, 3], pred));
    expect(r.commits.map((c) => [c.position, c.token])).toEqual([[0, 4], [2, 6]]);
  });

  it('commits only 1 when the second entropy already exceeds γ (and ignores the schedule k)', () => {
    const pred = table([{ h: 0.5 }, { h: 0.02 }, { h: 0.03 }, { h: 0.9 }]);
    expect(positions(once(eb, ctxOf([M, M, M, M], pred, { k: 3 })))).toEqual([1]);
    expect(positions(once(eb, ctxOf([M, M, M, M], pred), { gamma: '0.025' }))).toEqual([1, 2]);
    expect(positions(once(eb, ctxOf([M, M, M, M], pred), { gamma: '0' }))).toEqual([1]);
  });
});

describe('fast-dllm', () => {
  it('threshold rule: the top-1 plus every other position with confidence ≥ threshold', () => {
    const pred = table(probs([0.5, 0.95, 0.3, 0.92, 0.9]));
    expect(positions(once(fastDllm, ctxOf([M, M, M, M, M], pred)))).toEqual([1, 3, 4]);
    const low = table(probs([0.5, 0.6, 0.3]));
    expect(positions(once(fastDllm, ctxOf([M, M, M], low), { threshold: '0.9' }))).toEqual([1]);
    expect(positions(once(fastDllm, ctxOf([M, M, M], low), { threshold: '0.5' }))).toEqual([1, 0]);
  });

  it('--set fast-dllm.threshold sets its rule; the bare threshold is the decode loop bypass', () => {
    const dotted = resolveEntries([fastDllm], ['fast-dllm.threshold=0.5']).entries[0];
    expect(dotted.params).toMatchObject({ threshold: 0.5 });
    expect(dotted.decode.threshold).toBeNull();
    const bare = resolveEntries([fastDllm], ['threshold=0.5']).entries[0];
    expect(bare.params).toMatchObject({ threshold: 0.9 });
    expect(bare.decode.threshold).toBe(0.5);
    // A config's variants sweep it; for samplers without their own threshold the dotted key stays the bypass.
    const [t70, ig] = resolveEntries([samplerByName('fast-dllm:t70'), samplerByName('info-gain')], [], ['fast-dllm:t70.threshold=0.7', 'info-gain.threshold=0.8']).entries;
    expect(t70.params).toMatchObject({ threshold: 0.7 });
    expect(t70.decode.threshold).toBeNull();
    expect(ig.decode.threshold).toBe(0.8);
    // Checked although not applied: a config's fast-dllm.threshold for an unchosen Fast-dLLM is Fast-dLLM's range.
    expect(() => resolveEntries([confidence], [], ['fast-dllm.threshold=1.5'])).toThrow(/1\.5/);
  });

  it('factor rule: thr_n = 1 − factor/(n+1), thr_1 = −1, with the {0, M−1} quirk', () => {
    // thr = [−1, 0.667, 0.75, 0.8, 0.833] for factor 1.
    expect(factorCount([0.99, 0.9, 0.7, 0.76, 0.1], 1)).toBe(2); // fails at index 2 → 2
    expect(factorCount([0.9, 0.5, 0.4], 1)).toBe(1); // fails at index 1 → 1
    expect(factorCount([0.99, 0.9, 0.8, 0.1], 1)).toBe(4); // fails at the last index M−1 → all M (quirk)
    expect(factorCount([0.99, 0.9, 0.8, 0.81], 1)).toBe(4); // no failure → M
    expect(factorCount([0.2], 1)).toBe(1); // M = 1: f = 0 → 1
    // factor 0.5: thr = [−1, 0.833, 0.875, 0.9].
    expect(factorCount([0.9, 0.85, 0.5], 0.5)).toBe(3); // fails at M−1 → all
    expect(factorCount([0.9, 0.85, 0.5, 0.1], 0.5)).toBe(2); // fails at index 2 of 4 → 2
    expect(factorCount([0.9, 0.8, 0.5], 0.5)).toBe(1); // fails at index 1 → 1
  });

  it('factor rule through the sampler: positions by confidence', () => {
    const pred = table(probs([0.7, 0.99, 0.1, 0.9, 0.76]));
    // Sorted: 0.99 (1), 0.9 (3), 0.76 (4), 0.7 (0), 0.1 (2): 0.76 ≥ 0.75, 0.7 < 0.8 → f = 3.
    expect(positions(once(fastDllm, ctxOf([M, M, M, M, M], pred), { rule: 'factor' }))).toEqual([1, 3, 4]);
    // Quirk: 4 masks failing only at the last index commit all of them, the 0.1 too.
    const quirk = table(probs([0.8, 0.99, 0.1, 0.9]));
    expect(positions(once(fastDllm, ctxOf([M, M, M, M], quirk), { rule: 'factor' }))).toEqual([1, 3, 0, 2]);
  });
});

describe('pc', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pc-bg-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const file = async (name: string, content: unknown): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };
  const prepared = async (over: Params, vocabSize = 100) => {
    const params = defaults(pc, over);
    return { params, table: await pc.prepare!(params, { vocabSize, readText }) };
  };
  type Prepared = Awaited<ReturnType<typeof prepared>>;

  // Block [2, 6): position 2 is index 0, position 5 index 3. Same token 1 everywhere.
  const pred = table([{}, {}, { p: 0.5, id: 1 }, { p: 0.2, id: 1 }, { p: 0.2, id: 1 }, { p: 0.9, id: 1 }]);
  const canvas = [7, 7, M, M, M, M];
  const block = { index: 0, start: 2, end: 6 };
  const pick = ({ params, table }: Prepared): number[] => positions(plainStep(pc.create(params, table), ctxOf(canvas, pred, { k: 1, block })));

  it('λ decays the score with the index in the block', async () => {
    // Uniform f = 1/100: −ln(0.01) = 4.605. λ = 0: 0.5·4.6 < 0.9·4.6 → position 5.
    expect(pick(await prepared({ lambda: '0' }))).toEqual([5]);
    // λ = 0.25: position 5 gets exp(−0.75)·4.14 = 1.96 < 2.30 → position 2.
    expect(pick(await prepared({}))).toEqual([2]);
  });

  it('α clamps the calibrated confidence', async () => {
    // α = 2 clamps both 2.30 and 4.14 to 2: a tie, so the lower position wins.
    expect(pick(await prepared({ lambda: '0', alpha: '2' }))).toEqual([2]);
    expect(pick(await prepared({ lambda: '0', alpha: '3' }))).toEqual([5]);
  });

  it('reads a background file: frequent tokens count for less, unseen ids get 1/num_token', async () => {
    // Token 7 is frequent (f = 0.5); token 3 unseen (f = 1/100).
    const bgPred = table([{ p: 0.9, id: 7 }, { p: 0.2, id: 3 }]);
    const path = await file('bg.json', { num_token: 100, p_baseline_dict: { '7': 50 } });
    const run = ({ params, table }: Prepared): number[] => positions(plainStep(pc.create(params, table), ctxOf([M, M], bgPred, { k: 1 })));
    // Uniform over V = 10: f = 0.1 → 0.9·2.30 > 0.2·2.30 → position 0.
    expect(run(await prepared({ lambda: '0' }, 10))).toEqual([0]);
    // File: 0.9·ln 2 = 0.62 < 0.2·4.61 = 0.92 → position 1.
    expect(run(await prepared({ lambda: '0', background: path }, 10))).toEqual([1]);
    const table10 = await loadBackground(path, 10, readText);
    expect(table10).toBeInstanceOf(Float64Array);
    expect(table10[7]).toBe(0.5);
    expect(table10[3]).toBe(0.01);
    // The reference's own counting script writes token_frequency_dict (spec B12): accepted.
    const alt = await file('alt.json', { num_token: 100, token_frequency_dict: { '7': 50 } });
    expect(Array.from(await loadBackground(alt, 10, readText))).toEqual(Array.from(table10));
    expect(run(await prepared({ lambda: '0', background: alt }, 10))).toEqual([1]);
  });

  it('rejects a bad background file with one line naming the file, field and expectation', async () => {
    const noCount = await file('nocount.json', { p_baseline_dict: { '1': 2 } });
    await expect(prepared({ background: noCount })).rejects.toThrow(/nocount\.json: field "num_token" must be a positive number, got undefined/);
    const noDict = await file('nodict.json', { num_token: 5 });
    await expect(prepared({ background: noDict })).rejects.toThrow(/nodict\.json: field "p_baseline_dict" must be an object/);
    const badCount = await file('badcount.json', { num_token: 5, p_baseline_dict: { '1': 'x' } });
    await expect(prepared({ background: badCount })).rejects.toThrow(/field "p_baseline_dict\.1" must be a count ≥ 0, got "x"/);
    const badId = await file('badid.json', { num_token: 5, p_baseline_dict: { '100': 1 } });
    await expect(prepared({ background: badId })).rejects.toThrow(/token id in \[0, 100\)/);
    const notJson = await file('broken.json', '{"num_token": ');
    await expect(prepared({ background: notJson })).rejects.toThrow(/broken\.json: not valid JSON/);
    await expect(prepared({ background: join(dir, 'missing.json') })).rejects.toThrow(/missing\.json: cannot read it/);
    for (const p of [noCount, noDict, badCount, badId, notJson]) {
      const err = await prepared({ background: p }).catch((e: Error) => e.message);
      expect(String(err)).not.toContain('\n');
    }
  });

  it('must be prepared before create', () => {
    expect(() => pc.create(defaults(pc))).toThrow(/not prepared/);
  });

  it('countBackground builds the file object from token sequences', async () => {
    const counts = countBackground([[1, 2, 2], new Set([2, 4])], 5);
    expect(counts).toEqual({ num_token: 5, p_baseline_dict: { '1': 1, '2': 3, '4': 1 } });
    const path = await file('counted.json', counts);
    expect(Array.from(await loadBackground(path, 5, readText))).toEqual([0.2, 0.2, 0.6, 0.2, 0.2]);
    expect(() => countBackground([[5]], 5)).toThrow(/token id 5 outside the vocabulary \[0, 5\)/);
  });
});

describe('remdm', () => {
  it('phase 1 to ratio·N, then remask the least likely generated token, one forward, recommit; then finish', () => {
    // Position 0 is a prompt token inside the region (a Sudoku given): never remasked, even with
    // the lowest p(token). Masks at 1..8: N = 8, ratio 0.875 → 7 commits in phase 1.
    const canvas = Int32Array.from([3, M, M, M, M, M, M, M, M]);
    const sampler = remdm.create(defaults(remdm, { loop_steps: '2' }));
    const conf = [0, 0.1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3];
    const low = 0.05;
    const phase1 = table(conf.map((p, t) => ({ p, id: 20 + t, tok: t === 0 ? 0.001 : undefined })));
    const order: number[] = [];
    for (let s = 0; s < 7; s++) {
      const r = plainStep(sampler, ctxOf(canvas, phase1, { k: 5 }));
      expect(r.commits.length).toBe(1);
      order.push(r.commits[0].position);
      apply(canvas, r);
    }
    expect(order).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(Array.from(canvas)).toEqual([3, M, 22, 23, 24, 25, 26, 27, 28]);

    // Phase 2, loop 1: p(current token) lowest at 5 among the generated tokens.
    const now = table(conf.map((p, t) => ({ p, id: 20 + t, tok: t === 0 ? 0.001 : t === 5 ? low : t === 1 ? undefined : 0.5 })));
    const g = sampler.step(ctxOf(canvas, now));
    const y = g.next();
    expect(y.done).toBe(false);
    const yielded = y.value as Int32Array[];
    expect(yielded.length).toBe(1);
    expect(Array.from(yielded[0])).toEqual([3, M, 22, 23, 24, M, 26, 27, 28]);
    // The forward on the remasked canvas: position 5 is now the most confident mask.
    const after = table([{}, { p: 0.2 }, {}, {}, {}, { p: 0.7, id: 42, h: 0.33 }, {}, {}, {}]);
    const done = g.next([after]);
    expect(done.done).toBe(true);
    const r2 = done.value as StepResult;
    expect(r2.kind).toBe('lookahead');
    expect(r2.remask).toEqual([5]);
    expect(r2.commits).toEqual([{ position: 5, token: 42, prob: 0.7, entropy: 0.33 }]);
    apply(canvas, r2);

    // Loop 2: remask 3 (lowest), and the lookahead prefers the old mask at 1.
    const now2 = table(conf.map((p, t) => ({ p, tok: t === 0 ? 0.001 : t === 3 ? low : t === 1 ? undefined : 0.5 })));
    const g2 = sampler.step(ctxOf(canvas, now2));
    expect(Array.from((g2.next().value as Int32Array[])[0])).toEqual([3, M, 22, M, 24, 42, 26, 27, 28]);
    const r3 = g2.next([table([{}, { p: 0.95, id: 50 }, {}, { p: 0.4 }, {}, {}, {}, {}, {}])]).value as StepResult;
    expect(r3.remask).toEqual([3]);
    expect(r3.commits.map((c) => [c.position, c.token])).toEqual([[1, 50]]);
    apply(canvas, r3);

    // Loops spent: phase 3 commits the last mask from this step's predictions, no forward.
    const r4 = plainStep(sampler, ctxOf(canvas, table(conf.map((p, t) => ({ p, id: 60 + t, tok: t === 3 ? undefined : 0.01 })))));
    expect(r4.remask).toBeUndefined();
    expect(r4.commits.map((c) => [c.position, c.token])).toEqual([[3, 63]]);
  });

  it('remasks min(unmask_k, #generated) and commits that many; phase 1 takes unmask_k per step', () => {
    const canvas = Int32Array.from([M, M, M, M]);
    const sampler = remdm.create(defaults(remdm, { unmask_k: '2', init_unmask_ratio: '0.5', loop_steps: '1' }));
    const pred = table(probs([0.9, 0.1, 0.8, 0.2]));
    const r1 = plainStep(sampler, ctxOf(canvas, pred));
    expect(positions(r1)).toEqual([0, 2]);
    apply(canvas, r1);
    const g = sampler.step(ctxOf(canvas, table([{ tok: 0.3 }, {}, { tok: 0.6 }, {}])));
    const y = g.next().value as Int32Array[];
    expect(Array.from(y[0])).toEqual([M, M, M, M]);
    const r2 = g.next([table(probs([0.1, 0.6, 0.2, 0.7]))]).value as StepResult;
    expect(r2.remask).toEqual([0, 2]);
    expect(positions(r2)).toEqual([3, 1]);
  });
});

describe('origin', () => {
  const pred = table(probs([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]));
  const canvas = [M, M, M, M, M, M];

  it('Dream timesteps: linspace(1, 1e-3, S+1)', () => {
    const ts = dreamTimesteps(4);
    expect(Array.from(ts).map((t) => +t.toFixed(6))).toEqual([1, 0.75025, 0.5005, 0.25075, 0.001]);
  });

  it('the last step commits every remaining position', () => {
    const r = once(origin, ctxOf(canvas, pred, { stepsPerBlock: 1 }));
    expect(positions(r)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('step i commits each mask with probability 1 − ts[i+1]/ts[i], drawing in position order', () => {
    const r = once(origin, ctxOf(canvas, pred, { stepsPerBlock: 4, seed: 5 }));
    const ts = dreamTimesteps(4);
    const u = new Rng(5);
    // Repeat Dream's draws by hand, skipping empty timesteps as the sampler does.
    let expected: number[] = [];
    for (let i = 0; expected.length === 0; i++) {
      const p = i >= 3 ? 1 : Math.fround(1 - Math.fround(ts[i + 1] / ts[i]));
      expected = [0, 1, 2, 3, 4, 5].filter(() => p === 1 || u.nextFloat64() < p);
    }
    expect(positions(r)).toEqual(expected);
    expect(expected.length).toBeLessThan(6);
  });

  it('is reproducible with a seed, never commits nothing, and finishes the block within S steps', () => {
    const runBlock = (seed: number, S: number): number[][] => {
      const x = Int32Array.from(canvas);
      const rng = new Rng(seed);
      const sampler = origin.create({});
      const steps: number[][] = [];
      while (x.includes(M)) {
        const r = plainStep(sampler, ctxOf(x, pred, { stepsPerBlock: S, rng }));
        expect(r.commits.length).toBeGreaterThan(0);
        steps.push(positions(r));
        apply(x, r);
      }
      return steps;
    };
    expect(runBlock(11, 8)).toEqual(runBlock(11, 8));
    // S = 1000: per-step probability ≈ 1e-3, so most timesteps select nothing and are skipped.
    for (let seed = 0; seed < 5; seed++) expect(runBlock(seed, 1000).length).toBeLessThanOrEqual(6);
    expect(runBlock(3, 2).length).toBeLessThanOrEqual(2);
  });

  it('restarts its timestep counter at each block', () => {
    const sampler = origin.create({});
    const x = Int32Array.from([M, M, M, M, M, M, M, M, M, M, M, M]);
    const big = table(probs(new Array(12).fill(0.5)));
    const b0 = { index: 0, start: 0, end: 6 };
    const rng = new Rng(9);
    while ([0, 1, 2, 3, 4, 5].some((p) => x[p] === M)) apply(x, plainStep(sampler, ctxOf(x, big, { block: b0, stepsPerBlock: 2, rng })));
    const b1 = { index: 1, start: 6, end: 12 };
    const seed = 21;
    const continued = plainStep(sampler, ctxOf(x, big, { block: b1, stepsPerBlock: 2, seed }));
    const fresh = plainStep(origin.create({}), ctxOf(x, big, { block: b1, stepsPerBlock: 2, seed }));
    expect(positions(continued)).toEqual(positions(fresh));
    expect(positions(fresh).length).toBeLessThan(6); // a Bernoulli step, not the last-step fill
  });
});

describe("Dream's alg_temp position sampling", () => {
  const pred = table(probs([0.3, 0.9, 0.5, 0.7, 0.2]));
  const canvas = [M, M, M, M, M];

  it('alg_temp > 0 is Gumbel-top-k of score/alg_temp from the sequence generator, reproducible', () => {
    const r = once(confidence, ctxOf(canvas, pred, { k: 2, seed: 3 }), { alg_temp: '0.5' });
    const u = new Rng(3);
    const g = [0, 1, 2, 3, 4].map(() => u.nextGumbel());
    expect(positions(r)).toEqual(topK([0, 1, 2, 3, 4], (p) => pred.sampleProb(p, 0) / 0.5 + g[p], 2));
    expect(positions(once(confidence, ctxOf(canvas, pred, { k: 2, seed: 3 }), { alg_temp: '0.5' }))).toEqual(positions(r));
  });

  it('alg_temp → 0 is the deterministic top-k', () => {
    for (let seed = 0; seed < 20; seed++) {
      expect(positions(once(confidence, ctxOf(canvas, pred, { k: 2, seed }), { alg_temp: '1e-9' }))).toEqual([1, 3]);
      expect(positions(once(margin, ctxOf(canvas, pred, { k: 2, seed }), { alg_temp: '1e-9' }))).toEqual([1, 3]);
    }
  });

  it('samples positions from softmax(score/alg_temp), as Dream does', () => {
    // Entropy scores −2 and −(2 − ln 3): at alg_temp 1 position 1 has probability 3/4.
    const two = table([{ h: 2 }, { h: 2 - Math.log(3) }]);
    const rng = new Rng(17);
    const sampler = entropy.create(defaults(entropy, { alg_temp: '1' }));
    let ones = 0;
    const n = 4000;
    for (let i = 0; i < n; i++) if (plainStep(sampler, ctxOf([M, M], two, { rng })).commits[0].position === 1) ones += 1;
    // σ = sqrt(4000·3/16) ≈ 27.
    expect(Math.abs(ones - 0.75 * n)).toBeLessThan(140);
  });
});

describe('parameter validation', () => {
  const bad: [SamplerSpec, string, string][] = [
    [eb, 'gamma', '-1'],
    [eb, 'gamma', 'x'],
    [fastDllm, 'rule', 'bogus'],
    [fastDllm, 'threshold', '1.5'],
    [fastDllm, 'factor', '-1'],
    [pc, 'lambda', '-1'],
    [pc, 'alpha', 'x'],
    [remdm, 'init_unmask_ratio', '2'],
    [remdm, 'unmask_k', '0'],
    [remdm, 'unmask_k', '1.5'],
    [remdm, 'loop_steps', '-1'],
    [confidence, 'alg_temp', '-0.1'],
    [margin, 'alg_temp', 'hot'],
    [entropy, 'alg_temp', ''],
  ];
  it.each(bad.map(([spec, key, value]) => [spec.name, key, value, spec] as const))('%s rejects %s = %j, naming the key', (_n, key, value, spec) => {
    expect(() => resolveParams(spec.params, { [key]: value }, spec.name)).toThrow(new RegExp(`^${spec.name}: bad value for "${key}"`));
  });
  it('values given as values (library objects, JSON) are checked like text: kind, integer, range, choices, null', () => {
    const cases: [SamplerSpec, string, ParamValue][] = [
      [remdm, 'unmask_k', 0],
      [remdm, 'unmask_k', 1.5],
      [fastDllm, 'threshold', 1.5],
      [fastDllm, 'threshold', Number.NaN],
      [fastDllm, 'rule', 'bogus'],
      [fastDllm, 'factor', null],
      [eb, 'gamma', true],
      [confidence, 'alg_temp', '-0.1'],
    ];
    for (const [spec, key, value] of cases) expect(() => resolveParams(spec.params, { [key]: value }, spec.name), `${key} = ${value}`).toThrow(new RegExp(`^${spec.name}: bad value for "${key}"`));
    expect(resolveParams(remdm.params, { unmask_k: 2 }, 'remdm')).toMatchObject({ unmask_k: 2 });
    expect(resolveParams(fastDllm.params, { rule: 'factor', factor: 2 }, 'fast-dllm')).toMatchObject({ rule: 'factor', factor: 2 });
  });

  it('unknown keys are rejected with the valid ones', () => {
    expect(() => resolveParams(origin.params, { gamma: '1' }, 'origin')).toThrow(/origin: unknown parameter "gamma"; valid: \(none\)/);
    expect(() => resolveParams(random.params, { alg_temp: '1' }, 'random')).toThrow(/unknown parameter "alg_temp"/);
  });
});

/** A tiny deterministic model: logits are a hash of (canvas, position, id). */
class HashModel extends LogitsDenoiser {
  constructor(card: ModelCard) {
    super(card);
  }
  protected logits(canvases: Int32Array[]): Float32Array {
    const V = this.card.vocabSize;
    const T = canvases[0]?.length ?? 0;
    const out = new Float32Array(canvases.length * T * V);
    canvases.forEach((c, b) => {
      let key = 17;
      for (const t of c) key = (Math.imul(key, 31) + t) >>> 0;
      for (let t = 0; t < T; t++) for (let v = 0; v < V; v++) out[(b * T + t) * V + v] = v === this.card.maskId ? -Infinity : 4 * hashUniform(key, t, v);
    });
    return out;
  }
}

describe('every sampler through the decode loop', () => {
  const card: ModelCard = {
    name: 'hash', vocabSize: 12, maskId: 11, eosId: null, padId: null, eosPenalty: 0, logitShift: false,
    attention: { kind: 'full' }, contextLimit: 1000, suppressTokens: [],
  };
  const inputs = [0, 1, 2].map((seed) => ({ canvas: Int32Array.from([1, 2, 3, ...new Array(13).fill(11)]), promptLength: 3, seed }));
  it.each(SAMPLERS.map((s) => [s.name, s] as const))('%s fills every mask, with and without blocks, reproducibly', async (_name, spec) => {
    for (const blockLength of [null, 5]) {
      const cfg = { steps: 8, blockLength, schedule: 'dllm' as const, temperature: 0.5, threshold: null, eosFill: false, eosRefresh: false, useCache: 'none' as const, shiftedFirst: 'overlap' as const };
      const entry = await prepareEntry({ sampler: spec, params: defaults(spec), decode: cfg }, { vocabSize: card.vocabSize });
      const run = async () => (await decodeBatch(new HashModel(card), inputs, entry)).traces;
      const traces = await run();
      for (const t of traces) {
        expect(t.output.slice(0, 3)).toEqual([1, 2, 3]);
        expect(t.output).not.toContain(11);
      }
      expect((await run()).map((t) => t.output)).toEqual(traces.map((t) => t.output));
    }
  });

  it('remdm with the default ratio remasks in phase 2 and pays one extra forward per loop step', async () => {
    const params = defaults(remdm, { loop_steps: '3' });
    const cfg = { steps: null, blockLength: null, schedule: 'dllm' as const, temperature: 0, threshold: null, eosFill: false, eosRefresh: false, useCache: 'none' as const, shiftedFirst: 'overlap' as const };
    const [t] = (await decodeBatch(new HashModel(card), inputs.slice(0, 1), { sampler: remdm, params, decode: cfg })).traces;
    const loops = t.steps.filter((s) => s.remasked);
    expect(loops.length).toBe(3);
    for (const s of loops) expect(s.forwardCalls).toBe(2);
    // 13 masks: 11 in phase 1 (⌊0.875·13⌋), 3 loops, then 2 in phase 3.
    expect(t.steps.length).toBe(11 + 3 + 2);
  });
});
