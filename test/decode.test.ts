import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.js';
import { DECODE_PARAMS, toDecodeConfig, type DecodeConfig } from '../src/decode/config.js';
import { eosFill, eosFillRegion } from '../src/decode/canvas.js';
import { decodeBatch } from '../src/decode/run.js';
import type { SequenceInput } from '../src/decode/sequence.js';
import { prepareLogits } from '../src/models/denoiser.js';
import type { ModelCard } from '../src/models/card.js';
import { HmmOracle } from '../src/models/oracles/index.js';
import { resolveParams, type Params } from '../src/samplers/params.js';
import { samplerByName } from '../src/samplers/index.js';
import { allSequences, bruteConditional, clampedEntropy, hmmJoint } from './helpers/brute.js';

function config(overrides: Params = {}): DecodeConfig {
  return toDecodeConfig(resolveParams(DECODE_PARAMS, overrides, 'decode'));
}

function run(model: HmmOracle, sampler: string, inputs: SequenceInput[], cfg: DecodeConfig, set: Params = {}, batchSize?: number) {
  const spec = samplerByName(sampler);
  return decodeBatch(model, inputs, { sampler: spec, params: resolveParams(spec.params, set, sampler), decode: cfg }, { batchSize });
}

function masks(model: HmmOracle, prompt: number[], gen: number, seed: number): SequenceInput {
  const canvas = new Int32Array(prompt.length + gen).fill(model.card.maskId);
  canvas.set(prompt);
  return { canvas, promptLength: prompt.length, seed };
}

const tiny = HmmOracle.fromSeed(11, { states: 2, symbols: 3, stickiness: 0.7 });
const tinyTables = tiny.toJSON();

describe('exact sampling: with exact conditionals and τ_tok = 1, every token-independent order samples the joint', { tags: ['slow'] }, () => {
  const T = 4;
  const V = 3;
  const n = 12_000;
  const joint = new Map<string, number>();
  for (const x of allSequences(V, T)) joint.set(x.join(''), hmmJoint(tinyTables, x));

  /**
   * χ² statistic of the outputs against the joint, with cells of expected count < 5 pooled (the
   * χ² approximation needs it), and the 0.999 quantile for its degrees of freedom
   * (Wilson–Hilferty: z = 3.09).
   */
  function chiSquare(outputs: number[][]): { chi2: number; critical: number } {
    const counts = new Map<string, number>();
    for (const o of outputs) counts.set(o.join(''), (counts.get(o.join('')) ?? 0) + 1);
    let chi2 = 0, cells = 0, pooledExpected = 0, pooledObserved = 0;
    for (const [key, p] of joint) {
      const expected = n * p, observed = counts.get(key) ?? 0;
      if (expected < 5) {
        pooledExpected += expected;
        pooledObserved += observed;
      } else {
        chi2 += (observed - expected) ** 2 / expected;
        cells++;
      }
    }
    if (pooledExpected > 0) {
      chi2 += (pooledObserved - pooledExpected) ** 2 / pooledExpected;
      cells++;
    }
    const df = cells - 1;
    const critical = df * (1 - 2 / (9 * df) + 3.09 * Math.sqrt(2 / (9 * df))) ** 3;
    return { chi2, critical };
  }

  for (const sampler of ['left-to-right', 'random', 'entropy', 'margin']) {
    it(`${sampler}: χ² against the joint over all ${V ** T} sequences`, async () => {
      const inputs = Array.from({ length: n }, (_, i) => masks(tiny, [], T, 1000 + i));
      const { traces } = await run(tiny, sampler, inputs, config({ temperature: 1 }), {}, 1000);
      const { chi2, critical } = chiSquare(traces.map((t) => t.output));
      expect(chi2).toBeLessThan(critical);
    });
  }

  it('the test has power: greedy confidence at τ_tok = 1 does not sample the joint', async () => {
    const inputs = Array.from({ length: n }, (_, i) => masks(tiny, [], T, 1000 + i));
    const { traces } = await run(tiny, 'confidence', inputs, config({ temperature: 1 }), {}, 1000);
    const { chi2, critical } = chiSquare(traces.map((t) => t.output));
    expect(chi2).toBeGreaterThan(critical);
  });
});

describe('one Info-Gain step on a tiny oracle equals brute force', () => {
  it('C, H_next and J of every candidate; the winner is the argmax; candidate 0 is greedy top-k', async () => {
    const model = HmmOracle.fromSeed(5, { states: 3, symbols: 3, stickiness: 0.6 });
    const tables = model.toJSON();
    const m = model.card.maskId;
    const input = masks(model, [2], 5, 77);
    const cfg = config({ steps: 3, schedule: 'llada' }); // 5 masks over 3 steps: k = 2, 2, 1
    const { traces } = await run(model, 'info-gain', [input], cfg, { candidates: 6, position_temperature: 1 });
    const step = traces[0].steps[0];
    expect(step.kind).toBe('lookahead');
    const canvas = Array.from(input.canvas);
    const cond = canvas.map((_, i) => bruteConditional(tables, canvas, m, i));
    const entropy = cond.map(clampedEntropy);
    const candidates = step.candidates!;
    expect(candidates.length).toBeGreaterThan(1);
    // candidate 0: the two masked positions with the most confident argmax token
    const allowed = [1, 2, 3, 4, 5];
    const conf = (p: number) => Math.max(...cond[p]);
    const greedy = allowed.slice().sort((a, b) => conf(b) - conf(a) || a - b).slice(0, 2);
    expect(candidates[0].positions).toEqual(greedy);
    for (const c of candidates) {
      expect(c.positions.length).toBe(2);
      const next = canvas.slice();
      c.positions.forEach((p, j) => (next[p] = c.tokens[j]));
      // τ_tok = 0: tokens are argmax of the exact conditional
      c.positions.forEach((p, j) => expect(c.tokens[j]).toBe(cond[p].indexOf(Math.max(...cond[p]))));
      const cost = c.positions.reduce((s, p) => s + entropy[p], 0);
      const left = next.flatMap((t, i) => (t === m ? [i] : []));
      const hNext = left.reduce((s, i) => s + clampedEntropy(bruteConditional(tables, next, m, i)), 0) / (left.length + 1e-10);
      expect(c.cost).toBeCloseTo(cost, 5);
      expect(c.hNext).toBeCloseTo(hNext, 5);
      expect(c.objective).toBeCloseTo(-cost - hNext, 5);
    }
    const best = candidates.reduce((b, c, j) => (c.objective > candidates[b].objective ? j : b), 0);
    expect(step.winner).toBe(best);
    expect(step.commits.map((c) => c.position)).toEqual(candidates[best].positions);
    // Position sets are unique (dedup).
    expect(new Set(candidates.map((c) => [...c.positions].sort().join())).size).toBe(candidates.length);
    // The winner's lookahead is reused: the second step needs no fresh forward, only its own lookahead.
    expect(step.forwardCalls).toBe(2);
    expect(step.rowForwards).toBe(1 + candidates.length);
    expect(traces[0].steps[1].forwardCalls).toBeLessThanOrEqual(1);
  });

  it('lookum scores −H_next only; the trivial path (N = 1) is greedy confidence with no lookahead', async () => {
    const model = HmmOracle.fromSeed(5, { states: 3, symbols: 3 });
    const input = masks(model, [1], 4, 3);
    const a = await run(model, 'lookum', [input], config(), { candidates: 4, position_temperature: 1 });
    for (const c of a.traces[0].steps[0].candidates ?? []) expect(c.objective).toBeCloseTo(-c.hNext, 12);
    const one = await run(model, 'info-gain', [input], config(), { candidates: 1 });
    const greedy = await run(model, 'confidence', [input], config());
    expect(one.traces[0].output).toEqual(greedy.traces[0].output);
    expect(one.traces[0].totals.rowForwards).toBe(4);
    expect(one.traces[0].steps.every((s) => s.kind !== 'lookahead')).toBe(true);
  });
});

describe('the decode loop', () => {
  const model = HmmOracle.fromSeed(21, { states: 4, symbols: 6 });
  const m = model.card.maskId;

  it('reproduces from the seed and does not depend on batch size', async () => {
    const inputs = Array.from({ length: 7 }, (_, i) => masks(model, [i % 6, (i * 5) % 6], 9, 500 + i));
    for (const sampler of ['info-gain', 'random']) {
      const cfg = config({ temperature: 0.8, block_length: 4 });
      const set: Params = sampler === 'info-gain' ? { position_temperature: 0.5 } : {};
      const one = await run(model, sampler, inputs, cfg, set, 1);
      const all = await run(model, sampler, inputs, cfg, set, 7);
      const three = await run(model, sampler, inputs, cfg, set, 3);
      const strip = (r: typeof one) => r.traces.map((t) => ({ ...t, steps: t.steps.map((x) => ({ ...x, wallMs: 0 })), totals: { ...t.totals, wallMs: 0 } }));
      expect(strip(all)).toEqual(strip(one));
      expect(strip(three)).toEqual(strip(one));
      expect(all.stats.modelCalls).toBeLessThan(one.stats.modelCalls);
      const other = await run(model, sampler, inputs.map((x) => ({ ...x, seed: x.seed + 1 })), cfg, set, 7);
      expect(other.traces.map((t) => t.output)).not.toEqual(one.traces.map((t) => t.output));
    }
  });

  it('decodes every position: short last block, k > 1, and masks inside the prompt (gen_length 0)', async () => {
    const input = masks(model, [1, 2, 3], 10, 1);
    const { traces } = await run(model, 'confidence', [input], config({ block_length: 4, steps: 6 }));
    const t = traces[0];
    expect(t.output.includes(m)).toBe(false);
    expect(t.region).toEqual({ start: 3, end: 13 });
    // blocks [3,7) [7,11) [11,13): every block finishes before the next starts
    const blockOf = (p: number) => Math.floor((p - 3) / 4);
    const order = t.steps.flatMap((s) => s.commits.map((c) => blockOf(c.position)));
    expect(order).toEqual([...order].sort());
    expect(Math.max(...t.steps.map((s) => s.commits.length))).toBe(2);

    const sudokuLike = Int32Array.from([1, m, 2, m, m, 3]);
    const r = await run(model, 'confidence', [{ canvas: sudokuLike, promptLength: 6, seed: 0 }], config());
    expect(r.traces[0].region).toEqual({ start: 1, end: 6 });
    expect(r.traces[0].output.filter((x, i) => sudokuLike[i] !== m && x !== sudokuLike[i])).toEqual([]);
    expect(r.traces[0].output.includes(m)).toBe(false);
  });

  it('bypass commits confident positions without the sampler; cumulative uncertainty counts every commit (B11)', async () => {
    const input = masks(model, [0], 8, 4);
    const { traces } = await run(model, 'info-gain', [input], config({ threshold: 0.3 }), { position_temperature: 1 });
    const kinds = new Set(traces[0].steps.map((s) => s.kind));
    expect(kinds.has('bypass')).toBe(true);
    expect(kinds.has('fill')).toBe(true);
    for (const s of traces[0].steps.filter((x) => x.kind === 'bypass')) for (const c of s.commits) expect(c.prob).toBeGreaterThanOrEqual(0.3);
    const sum = traces[0].steps.flatMap((s) => s.commits).reduce((a, c) => a + c.entropy, 0);
    expect(traces[0].totals.cumulativeUncertainty).toBeCloseTo(sum, 12);
    expect(traces[0].steps.flatMap((s) => s.commits).length).toBe(8);
  });

  it('EOS fill and EOS penalty follow the card', async () => {
    const json = model.toJSON();
    const withEos = new HmmOracle(json, { eosId: 0 });
    const input = masks(withEos, [1], 12, 9);
    const { traces } = await run(withEos, 'left-to-right', [input], config());
    const out = traces[0].output;
    const first = out.indexOf(0, 1);
    if (first >= 0) expect(out.slice(first)).toEqual(new Array(out.length - first).fill(0));
    const filled = traces[0].steps.flatMap((s) => s.eosFilled ?? []);
    expect(filled.every((p) => p > first)).toBe(true);

    const card: ModelCard = { ...withEos.card, eosPenalty: 4, padId: 0 };
    const logits = new Float32Array([1, 2, 3, 0]);
    prepareLogits(card, logits, 0, 1);
    expect(Array.from(logits)).toEqual([1 - 8, 2, 3, 0]); // EOS = PAD: penalised twice
  });

  it('logit shift moves output i−1 to position i', () => {
    const card: ModelCard = { ...model.card, vocabSize: 2, logitShift: true, suppressTokens: [] };
    const logits = new Float32Array([1, 2, 3, 4, 5, 6]);
    prepareLogits(card, logits, 0, 3);
    expect(Array.from(logits)).toEqual([1, 2, 1, 2, 3, 4]);
  });

  it('forward accounting: a greedy sampler makes one forward per step', async () => {
    const input = masks(model, [2], 6, 0);
    const { traces } = await run(model, 'confidence', [input], config());
    expect(traces[0].totals.forwardCalls).toBe(6);
    expect(traces[0].totals.rowForwards).toBe(6);
    expect(traces[0].totals.steps).toBe(6);
  });

  it('seeds the sequence generator from the input seed only', () => {
    expect(new Rng(3).nextUint32()).toBe(new Rng(3).nextUint32());
  });
});

describe('block-causal models', () => {
  it('decode one block at a time with blocks aligned to absolute multiples of the card block size', async () => {
    const oracle = HmmOracle.fromSeed(2, { states: 3, symbols: 4 });
    const card = { ...oracle.card, attention: { kind: 'block-causal' as const, blockSize: 4 } };
    const model = { card, forward: (r: Parameters<typeof oracle.forward>[0]) => oracle.forward(r) };
    const canvas = new Int32Array(14).fill(card.maskId);
    canvas.set([0, 1, 2, 3, 0, 1]); // prompt of 6: the first decode block is [6, 8)
    const spec = samplerByName('confidence');
    const { traces } = await decodeBatch(model, [{ canvas, promptLength: 6, seed: 1 }], { sampler: spec, params: resolveParams(spec.params, {}, 'c'), decode: config() });
    const blocksSeen = traces[0].steps.map((s) => s.block);
    const firstStepOfBlock = new Map<number, number[]>();
    for (const s of traces[0].steps) firstStepOfBlock.set(s.block, [...(firstStepOfBlock.get(s.block) ?? []), ...s.commits.map((c) => c.position)]);
    expect([...firstStepOfBlock.values()].map((ps) => ps.sort((a, b) => a - b))).toEqual([[6, 7], [8, 9, 10, 11], [12, 13]]);
    expect(blocksSeen).toEqual([...blocksSeen].sort((a, b) => a - b));
    await expect(
      decodeBatch(model, [{ canvas, promptLength: 6, seed: 1 }], { sampler: spec, params: resolveParams(spec.params, {}, 'c'), decode: config({ block_length: 8 }) }),
    ).rejects.toThrow(/block_length 8 does not match the block-causal model's block size 4/);
  });
});

describe('best-of-N (compute-matched baseline)', () => {
  const model = HmmOracle.fromSeed(21, { states: 4, symbols: 6 });
  const inputs = Array.from({ length: 4 }, (_, i) => masks(model, [i % 6], 8, 300 + i));
  const hot = config({ temperature: 0.9 });

  it('N = 1 is greedy confidence; N copies keep the lowest-uncertainty decode and pay for all of them', async () => {
    const one = await run(model, 'best-of-n', inputs, hot, { n: 1 });
    const conf = await run(model, 'confidence', inputs, hot);
    expect(one.traces.map((t) => t.output)).toEqual(conf.traces.map((t) => t.output));

    const four = await run(model, 'best-of-n', inputs, hot, { n: 4 });
    const { mix32 } = await import('../src/core/rng.js');
    for (const [i, t] of four.traces.entries()) {
      const seeds = [0, 1, 2, 3].map((j) => (j === 0 ? inputs[i].seed : mix32((inputs[i].seed + Math.imul(j, 0x9e3779b9)) >>> 0)));
      const singles = await run(model, 'confidence', seeds.map((seed) => ({ ...inputs[i], seed })), hot);
      const cus = singles.traces.map((s) => s.totals.cumulativeUncertainty);
      expect(t.totals.cumulativeUncertainty).toBeCloseTo(Math.min(...cus), 12);
      expect(t.totals.rowForwards).toBe(singles.traces.reduce((s, x) => s + x.totals.rowForwards, 0));
      expect(t.totals.forwardCalls).toBe(8);
      expect(t.seed).toBe(inputs[i].seed);
    }
    const batched = await run(model, 'best-of-n', inputs, hot, { n: 4 }, 1);
    expect(batched.traces.map((t) => t.output)).toEqual(four.traces.map((t) => t.output));
  });

  it('the likelihood criterion keeps the decode with the highest Σ log p of its commits', async () => {
    const { pathLogLikelihood } = await import('../src/decode/best-of-n.js');
    const byLik = await run(model, 'best-of-n', inputs, hot, { n: 4, criterion: 'likelihood' });
    const byCu = await run(model, 'best-of-n', inputs, hot, { n: 4 });
    for (let i = 0; i < inputs.length; i++) expect(pathLogLikelihood(byLik.traces[i])).toBeGreaterThanOrEqual(pathLogLikelihood(byCu.traces[i]) - 1e-12);
  });
});

describe('EOS fill acts in the generation region only; eos_refresh', () => {
  // Symbol 1 of this oracle is the EOS id; Info-Gain commits it early, so fills happen mid-run.
  const eos = 1;
  const model = new HmmOracle(HmmOracle.fromSeed(21, { states: 4, symbols: 6 }).toJSON(), { eosId: eos });
  const m = model.card.maskId;

  /** Replays a trace: the canvas after each step's commits, before and after its EOS fill. */
  function replay(trace: { initial: number[]; steps: { commits: { position: number; token: number }[]; eosFilled?: number[] }[] }) {
    const x = trace.initial.slice();
    return trace.steps.map((s) => {
      for (const c of s.commits) x[c.position] = c.token;
      const before = x.slice();
      for (const p of s.eosFilled ?? []) x[p] = eos;
      return { before, after: x.slice() };
    });
  }

  it('an EOS given in the prompt after a mask neither ends the generation nor changes given tokens', async () => {
    // Prompt [mask, EOS, 2] (P = 3): the region starts at the prompt's mask, EOS fill after P.
    const canvas = Int32Array.from([m, eos, 2, m, m, m, m, m, m]);
    const { traces } = await run(model, 'left-to-right', [{ canvas, promptLength: 3, seed: 4 }], config());
    const t = traces[0];
    expect(t.output.slice(1, 3)).toEqual([eos, 2]);
    // Step 0 commits position 0 (inside the prompt); the prompt's EOS must not fill positions 3–8.
    expect(t.steps[0].commits.map((c) => c.position)).toEqual([0]);
    expect(t.steps[0].eosFilled).toBeUndefined();
    // Every fill is exactly the masks after the first EOS at or after P.
    replay(t).forEach(({ before }, i) => {
      const first = before.findIndex((v, p) => p >= 3 && v === eos);
      const expected = first < 0 ? [] : before.flatMap((v, p) => (p > first && v === m ? [p] : []));
      expect(t.steps[i].eosFilled ?? []).toEqual(expected);
    });
  });

  it('masks that all stand inside the prompt (gen_length 0) are never EOS-filled', () => {
    const canvas = Int32Array.from([m, eos, m, 3, m]);
    expect(eosFill(canvas, eosFillRegion(canvas, canvas.length), eos, m)).toEqual([]);
    expect(Array.from(canvas)).toEqual([m, eos, m, 3, m]);
    const gen = Int32Array.from([m, eos, 2, m, eos, m, 4, m]);
    expect(eosFill(gen, eosFillRegion(gen, 3), eos, m)).toEqual([5, 7]);
    expect(Array.from(gen)).toEqual([m, eos, 2, m, eos, eos, 4, eos]);
  });

  it('after a fill the next step decides on the pre-fill lookahead by default, on a fresh forward with eos_refresh', async () => {
    const input = masks(model, [2], 8, 0);
    const set = { position_temperature: 1 };
    const stale = (await run(model, 'info-gain', [input], config(), set)).traces[0];
    const fresh = (await run(model, 'info-gain', [input], config({ eos_refresh: true }), set)).traces[0];
    // The first step that fills after a lookahead, with masks left for a next step.
    const i = stale.steps.findIndex((s, j) => s.eosFilled && s.kind === 'lookahead' && j + 1 < stale.steps.length);
    expect(i).toBeGreaterThanOrEqual(0);
    expect(fresh.steps.slice(0, i + 1)).toEqual(stale.steps.slice(0, i + 1).map((s, j) => ({ ...s, wallMs: fresh.steps[j].wallMs })));
    const entropyGiven = async (canvas: number[], p: number) =>
      (await model.forward({ rows: [{ canvas: Int32Array.from(canvas), noiseKey: 0 }], samples: 1, temperature: 0 })).entropy[p];
    const { before, after } = replay(stale)[i];
    // Default: the cached lookahead row (pre-fill canvas) decides; no fresh forward.
    const next = stale.steps[i + 1];
    expect(next.forwardCalls).toBe(next.kind === 'lookahead' ? 1 : 0);
    for (const c of next.commits) expect(c.entropy).toBeCloseTo(await entropyGiven(before, c.position), 12);
    // eos_refresh: one more forward, of the filled canvas, and the decision uses it.
    const refreshed = fresh.steps[i + 1];
    expect(refreshed.forwardCalls).toBe(refreshed.kind === 'lookahead' ? 2 : 1);
    for (const c of refreshed.commits) expect(c.entropy).toBeCloseTo(await entropyGiven(after, c.position), 12);
    // The two canvases give different predictions at the committed positions, so the test can tell them apart.
    const p = refreshed.commits[0].position;
    expect(Math.abs((await entropyGiven(before, p)) - (await entropyGiven(after, p)))).toBeGreaterThan(1e-6);
  });
});
