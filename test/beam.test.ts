/**
 * info-gain-beam (issue 21 §1): one beam is Info-Gain trace for trace; a wide beam finds the
 * order of least cumulative uncertainty that exhaustive search over every order finds; the kept
 * beams are distinct canvases, ranked by their score, with honest cost; the server, the library
 * and the trace carry the beams.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DECODE_PARAMS, toDecodeConfig } from '../src/decode/config.js';
import { decodeBatch } from '../src/decode/run.js';
import type { SequenceInput } from '../src/decode/sequence.js';
import type { SequenceTrace } from '../src/decode/trace.js';
import { HmmOracle } from '../src/models/oracles/index.js';
import { decode, generate, loadModel, parseTrace, serve, type DecodeEvent, type Model, type Trace } from '../src/node.js';
import { samplerByName } from '../src/samplers/index.js';
import { resolveParams, type Params } from '../src/samplers/params.js';
import { BeamTracker } from '../web/src/beams.js';
import { bruteConditional, clampedEntropy, type HmmTables } from './helpers/brute.js';

function run(model: HmmOracle, sampler: string, inputs: SequenceInput[], decodeSet: Params = {}, set: Params = {}) {
  const spec = samplerByName(sampler);
  const cfg = toDecodeConfig(resolveParams(DECODE_PARAMS, decodeSet, 'decode'));
  return decodeBatch(model, inputs, { sampler: spec, params: resolveParams(spec.params, set, sampler), decode: cfg });
}

function masks(model: HmmOracle, prompt: number[], gen: number, seed: number): SequenceInput {
  const canvas = new Int32Array(prompt.length + gen).fill(model.card.maskId);
  canvas.set(prompt);
  return { canvas, promptLength: prompt.length, seed };
}

/** A trace without its wall times, which no two runs share. */
const timeless = <T>(x: T): T => JSON.parse(JSON.stringify(x, (key, value: unknown) => (key === 'wallMs' ? undefined : value)));

/** Every kept beam's canvas after each step, rebuilt from the beam records (parent's canvas + commits + EOS fill). */
function beamCanvases(trace: SequenceTrace, eosId: number | null): number[][][] {
  let previous = [trace.initial.slice()];
  return trace.steps.map((step) => {
    previous = step.beam!.beams.map((b) => {
      const x = previous[b.parent].slice();
      for (const c of b.commits) x[c.position] = c.token;
      for (const p of b.eosFilled ?? []) x[p] = eosId ?? NaN;
      return x;
    });
    return previous;
  });
}

describe('beams = 1 is Info-Gain, trace for trace', () => {
  const model = HmmOracle.fromSeed(21, { states: 4, symbols: 6 });
  const eosModel = new HmmOracle(model.toJSON(), { eosId: 1 });
  const inputs = (m: HmmOracle) => Array.from({ length: 5 }, (_, i) => masks(m, [i % 6, (i * 5) % 6], 10, 40 + 7 * i));
  const settings: [string, HmmOracle, Params][] = [
    ['τ_tok = 0', model, {}],
    ['bypass threshold 0.5', model, { threshold: 0.5 }],
    ['τ_tok = 0.8 with the bypass', model, { temperature: 0.8, threshold: 0.6 }],
    ['blocks of 4, two tokens a step', model, { block_length: 4, steps: 5, temperature: 0.5 }],
    ['EOS fill', eosModel, { temperature: 0.7 }],
  ];
  for (const [name, m, decodeSet] of settings)
    it(name, async () => {
      const plain = await run(m, 'info-gain', inputs(m), decodeSet, { candidates: 6, position_temperature: 0.3 });
      const beam = await run(m, 'info-gain-beam', inputs(m), decodeSet, { beams: 1, candidates: 6, position_temperature: 0.3 });
      expect(timeless(beam.traces)).toEqual(timeless(plain.traces));
      expect(beam.stats.modelCalls).toBe(plain.stats.modelCalls);
      expect(plain.traces.some((t) => t.steps.some((s) => s.kind === 'lookahead'))).toBe(true);
      if (m === eosModel) expect(plain.traces.some((t) => t.steps.some((s) => s.eosFilled))).toBe(true);
    });

  it('on the built-in sudoku model (ONNX), with and without the bypass', { timeout: 120_000 }, async () => {
    const sudoku = await loadModel('sudoku');
    try {
      const puzzle = '53..7....6..195....98....6.8...6...34..8.3..17...2...6.6....28....419..5....8..79';
      for (const threshold of [null, 0.8])
        for (const seed of [0, 3]) {
          const plain = await generate(sudoku, puzzle, { sampler: 'info-gain', params: { candidates: 4 }, decode: { threshold }, seed });
          const beam = await generate(sudoku, puzzle, { sampler: 'info-gain-beam', params: { beams: 1, candidates: 4 }, decode: { threshold }, seed });
          expect(timeless({ ...beam.trace, sampler: 'info-gain', samplerParams: {} })).toEqual(timeless({ ...plain.trace, samplerParams: {} }));
          expect(beam.text).toBe(plain.text);
        }
      // The built-in has a cache graph, which the beam does not use: refused before any forward, naming the problem.
      await expect(generate(sudoku, puzzle, { sampler: 'info-gain-beam', decode: { use_cache: 'prefix' } })).rejects.toThrow(
        'sampler info-gain-beam: use_cache=prefix is not supported (each beam would need its own block cache); use use_cache=none',
      );
    } finally {
      await sudoku.dispose();
    }
  });
});

describe('a wide beam finds the order of least cumulative uncertainty', () => {
  /**
   * What the beam can find: at τ_tok = 0, one token per step (steps = #masks, one block, no
   * bypass), a decode is fixed by its order, each token the argmax of its exact conditional given
   * the canvas, and its cumulative uncertainty is the sum of those conditionals' entropies. The
   * reference enumerates all n! orders with conditionals computed by brute-force enumeration
   * (test/helpers/brute.ts), independent of the oracle's forward-backward. The beam is exhaustive
   * when (a) every step of every beam proposes every masked position, here N = 64 candidates of
   * nearly uniform positions (τ_pos = 10⁶; a position of five is missed with probability
   * (4/5)^63 ≈ 10⁻⁶), and (b) B ≥ the distinct canvases at any depth (≤ n!/(n−d)! ≤ n!): then the
   * future of a canvas does not depend on how it was reached, and of two children with one canvas
   * the one with less committed uncertainty is kept (equal canvases have equal H_next), so the
   * kept beams are every reachable canvas with its least committed uncertainty.
   */
  const model = HmmOracle.fromSeed(11, { states: 3, symbols: 3, stickiness: 0.6 });
  const tables: HmmTables = model.toJSON();
  const maskId = model.card.maskId;

  function permutations(items: number[]): number[][] {
    if (items.length <= 1) return [items];
    return items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [x, ...rest]));
  }

  /** Every order of the masked positions: its output and cumulative uncertainty. */
  function exhaustive(canvas: number[]): { order: number[]; output: number[]; cu: number }[] {
    const memo = new Map<string, number[]>();
    const conditional = (x: number[], i: number) => {
      const key = `${x.join(',')}@${i}`;
      if (!memo.has(key)) memo.set(key, bruteConditional(tables, x, maskId, i));
      return memo.get(key)!;
    };
    const masked = canvas.flatMap((t, i) => (t === maskId ? [i] : []));
    return permutations(masked).map((order) => {
      const x = canvas.slice();
      let cu = 0;
      for (const i of order) {
        const p = conditional(x, i);
        cu += clampedEntropy(p);
        x[i] = p.indexOf(Math.max(...p));
      }
      return { order, output: x, cu };
    });
  }

  const prompts: [number[], number][] = [[[0], 5], [[2, 1], 4], [[1], 5], [[0, 0], 4]];
  it.each(prompts)('prompt %j and %i masks: the beam matches the minimum over every order; Info-Gain alone does not always', async (prompt, gen) => {
    const input = masks(model, prompt, gen, 5);
    const orders = exhaustive(Array.from(input.canvas));
    const best = orders.reduce((a, b) => (b.cu < a.cu ? b : a));
    const worst = Math.max(...orders.map((o) => o.cu));
    expect(worst - best.cu).toBeGreaterThan(1e-3); // the order matters here
    // The oracle's entropies are float32 statistics: equal to the reference's to ~10⁻⁸, while every
    // order that is not minimal costs at least 10⁻⁵ more, so 10⁻⁶ tells the minimum apart.
    expect(Math.min(...orders.filter((o) => o.cu > best.cu + 1e-9).map((o) => o.cu)) - best.cu).toBeGreaterThan(1e-5);
    const wide = await run(model, 'info-gain-beam', [input], {}, { beams: 120, candidates: 64, position_temperature: 1e6 });
    const t = wide.traces[0];
    expect(t.totals.cumulativeUncertainty).toBeCloseTo(best.cu, 6);
    // The beam's own order is a minimal one: its steps, replayed through the reference, cost the minimum.
    const ownOrder = t.steps.flatMap((s) => s.commits.map((c) => c.position));
    const mine = orders.find((o) => o.order.join() === ownOrder.join())!;
    expect(mine.cu).toBeCloseTo(best.cu, 6);
    expect(t.output).toEqual(mine.output);
    // (a) held on the winning lineage: every step with a choice proposed every masked position.
    for (const s of t.steps.filter((x) => x.kind === 'lookahead')) {
      const allowed = s.candidates!.flatMap((c) => c.positions);
      expect(new Set(allowed).size).toBe(gen - s.step);
    }
  });

  it('…and Info-Gain (one beam) misses the minimum on some of these prompts, so the test has power', async () => {
    let missed = 0;
    for (const [prompt, gen] of prompts) {
      const input = masks(model, prompt, gen, 5);
      const best = Math.min(...exhaustive(Array.from(input.canvas)).map((o) => o.cu));
      const one = await run(model, 'info-gain', [input]);
      expect(one.traces[0].totals.cumulativeUncertainty).toBeGreaterThanOrEqual(best - 1e-9);
      if (one.traces[0].totals.cumulativeUncertainty > best + 1e-6) missed++;
    }
    expect(missed).toBeGreaterThan(0);
  });
});

describe('the kept beams', () => {
  const plainModel = HmmOracle.fromSeed(21, { states: 4, symbols: 6 });
  const eosModel = new HmmOracle(plainModel.toJSON(), { eosId: 1 });
  const inputs = Array.from({ length: 4 }, (_, i) => masks(plainModel, [i % 6], 9, 70 + i));

  it.each([['without', plainModel], ['with', eosModel]])('are distinct canvases ranked by score, the trace is the winning lineage, the lowest cumulative uncertainty wins, and every row is paid for (%s EOS fill)', async (_, model) => {
    const B = 3;
    const N = 5;
    const { traces, stats } = await run(model, 'info-gain-beam', inputs, { temperature: 0.6 }, { beams: B, candidates: N, position_temperature: 0.5 });
    let eosFills = 0;
    for (const t of traces) {
      const canvases = beamCanvases(t, model.card.eosId);
      let previousCu = [0];
      t.steps.forEach((step, s) => {
        const { rank, beams } = step.beam!;
        expect(beams.length).toBeLessThanOrEqual(B);
        expect(new Set(canvases[s].map((x) => x.join())).size).toBe(beams.length);
        for (let r = 1; r < beams.length; r++) expect(beams[r].score).toBeGreaterThanOrEqual(beams[r - 1].score);
        // The lineage's own step is the beam it names, and its commits the beam's.
        expect(beams[rank].commits).toEqual(step.commits);
        beams.forEach((b) => {
          const committed = b.commits.reduce((sum, c) => sum + c.entropy, previousCu[b.parent]);
          expect(b.cumulativeUncertainty).toBeCloseTo(committed, 12);
          // Score = committed uncertainty + H_next ≥ committed; a canvas finished without an EOS fill scores its uncertainty.
          expect(b.score).toBeGreaterThanOrEqual(b.cumulativeUncertainty - 1e-12);
          if (!b.eosFilled && !canvases[s][beams.indexOf(b)].includes(model.card.maskId)) expect(b.score).toBeCloseTo(b.cumulativeUncertainty, 12);
          eosFills += b.eosFilled ? 1 : 0;
        });
        previousCu = beams.map((b) => b.cumulativeUncertainty);
      });
      const last = t.steps.at(-1)!;
      expect(canvases.at(-1)![last.beam!.rank]).toEqual(t.output);
      // The winner has the least uncertainty of the beams that had finished by its last step (they
      // stay in the beam as they are); without an EOS fill every beam finishes at that step.
      const finished = last.beam!.beams.filter((b, r) => !canvases.at(-1)![r].includes(model.card.maskId));
      if (model === plainModel) expect(finished).toHaveLength(last.beam!.beams.length);
      expect(t.totals.cumulativeUncertainty).toBeCloseTo(Math.min(...finished.map((b) => b.cumulativeUncertainty)), 12);
      expect(t.totals.cumulativeUncertainty).toBeCloseTo(t.steps.reduce((s, x) => s + x.commits.reduce((a, c) => a + c.entropy, 0), 0), 12);
      // Cost: a step's calls and rows are every beam's, so the steps sum to the totals (to at most
      // them when the winner finished early, as an EOS fill allows, and the others went on); a
      // lookahead step forwards several beams' candidates in one call.
      const rows = t.steps.reduce((s, x) => s + x.rowForwards, 0);
      const calls = t.steps.reduce((s, x) => s + x.forwardCalls, 0);
      if (model === plainModel) expect([rows, calls]).toEqual([t.totals.rowForwards, t.totals.forwardCalls]);
      expect(rows).toBeLessThanOrEqual(t.totals.rowForwards);
      expect(calls).toBeLessThanOrEqual(t.totals.forwardCalls);
      if (model === plainModel) expect(t.steps.some((x) => x.forwardCalls === 1 && x.rowForwards > N)).toBe(true);
      expect(Math.max(...t.steps.map((x) => x.rowForwards / Math.max(1, x.forwardCalls)))).toBeLessThanOrEqual(B * N);
    }
    if (model === eosModel) expect(eosFills).toBeGreaterThan(0);
    // The web view's tracker rebuilds, from the step records alone, the board of the beam each step
    // belongs to; the lineage does change rank here (a tracker that ignored the parents would fail).
    const moves = traces.flatMap((t) => t.steps.filter((x) => x.beam!.beams[x.beam!.rank].parent !== x.beam!.rank));
    expect(moves.length).toBeGreaterThan(0);
    for (const t of traces) {
      const tracker = new BeamTracker();
      const replayed = t.initial.slice();
      t.steps.forEach((step, s) => {
        for (const c of step.commits) replayed[c.position] = c.token;
        for (const p of step.eosFilled ?? []) replayed[p] = t.output[p];
        const cells = tracker.advance(step.beam!, s + 1);
        const board = t.initial.map((token, p) => (token !== model.card.maskId ? token : cells.get(p)?.filled ? t.output[p] : (cells.get(p)?.token ?? model.card.maskId)));
        expect(board).toEqual(replayed);
      });
    }
    // The four beams' rounds share model calls: no more calls than the longest of them.
    expect(stats.modelCalls).toBe(Math.max(...traces.map((t) => t.totals.forwardCalls)));
    // A sequence decodes the same alone as in a batch (D7).
    const alone = await run(model, 'info-gain-beam', [inputs[2]], { temperature: 0.6 }, { beams: B, candidates: N, position_temperature: 0.5 });
    expect(timeless(alone.traces[0])).toEqual(timeless(traces[2]));
  });

  it('refuses a bad width, naming the parameter and its range', async () => {
    const spec = samplerByName('info-gain-beam');
    expect(() => resolveParams(spec.params, { beams: '0' }, spec.name)).toThrow('info-gain-beam: bad value for "beams": "0", expected an integer in [1, 256]');
    // A value (not text) is checked the same way, before anything decodes.
    expect(() => run(plainModel, 'info-gain-beam', inputs.slice(0, 1), {}, { beams: 0 })).toThrow('info-gain-beam: bad value for "beams": 0, expected an integer in [1, 256]');
  });
});

describe('through the library and the server', () => {
  let hmm: Model;
  beforeAll(async () => {
    hmm = await loadModel('hmm-demo');
  });
  afterAll(async () => {
    await hmm?.dispose();
  });

  it('decode() streams the best beam with its own cumulative uncertainty; the trace (version 3) is read back', async () => {
    const events: DecodeEvent[] = [];
    for await (const e of decode(hmm, 'abcab', { sampler: 'info-gain-beam', params: { beams: 3, candidates: 4 }, genLength: 8, seed: 4 })) events.push(e);
    const steps = events.flatMap((e) => (e.type === 'step' ? [e] : []));
    expect(steps.length).toBeGreaterThan(0);
    for (const e of steps) {
      expect(e.copy).toBe(0);
      expect(e.step.beam!.rank).toBe(0);
      expect(e.cumulativeUncertainty).toBe(e.step.beam!.beams[0].cumulativeUncertainty);
    }
    const done = events.at(-1)!;
    if (done.type !== 'done') throw new Error('no done event');
    const trace: Trace = parseTrace(JSON.parse(JSON.stringify(done.trace)), 'beam.json');
    expect(trace.version).toBe(3);
    expect(trace.samplerParams).toEqual({ beams: 3, candidates: 4, position_temperature: 0.1 });
    const generated = await generate(hmm, 'abcab', { sampler: 'info-gain-beam', params: { beams: 3, candidates: 4 }, genLength: 8, seed: 4 });
    expect(generated.text).toBe(done.texts[0]);
    expect(steps.at(-1)!.cumulativeUncertainty).toBeCloseTo(trace.sequences[0].totals.cumulativeUncertainty, 12);
  });

  it('the server accepts sampler "info-gain-beam" (official openai client): the text comes at the end, streamed equals not, usage is the trace\'s', async () => {
    const server = await serve({ model: 'hmm-demo', port: 0 });
    try {
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const body = { model: 'hmm-demo', prompt: 'abcab', max_tokens: 6, seed: 9, sampler: 'info-gain-beam', sampler_params: { beams: 2, candidates: 4 }, trace: true };
      const plain = await client.completions.create(body);
      const library = await generate(hmm, 'abcab', { sampler: 'info-gain-beam', params: { beams: 2, candidates: 4 }, genLength: 6, seed: 9 });
      expect(plain.choices[0].text).toBe(library.text);
      const usage = (key: string) => Number(Reflect.get(plain.usage ?? {}, key));
      expect(usage('row_forwards')).toBe(library.trace.sequences[0].totals.rowForwards);
      expect(usage('forward_calls')).toBe(library.trace.sequences[0].totals.forwardCalls);
      expect(usage('cumulative_uncertainty')).toBeCloseTo(library.trace.sequences[0].totals.cumulativeUncertainty, 10);
      const chunks = [];
      for await (const chunk of await client.completions.create({ ...body, stream: true })) chunks.push(chunk);
      const withText = chunks.filter((c) => c.choices[0]?.text);
      expect(withText).toHaveLength(1);
      expect(withText[0].choices[0].text).toBe(plain.choices[0].text);
      // Each step chunk's extension carries the kept beams (at most 2).
      const kept = chunks.flatMap((c) => {
        const step: unknown = Reflect.get(Reflect.get(c, 'infogain') ?? {}, 'step');
        return step ? [Reflect.get(Reflect.get(step, 'beam') ?? {}, 'beams')] : [];
      });
      expect(kept.length).toBeGreaterThan(0);
      for (const beams of kept) expect(Array.isArray(beams) && beams.length >= 1 && beams.length <= 2).toBe(true);
    } finally {
      await server.close();
    }
  });
});
