import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.js';
import { parseCard, type ModelCard } from '../src/models/card.js';
import { drawUniform, prepareLogits, reduceLogits, type ForwardRequest, type Predictions } from '../src/models/denoiser.js';
import { OnnxDenoiser, type OrtRuntime } from '../src/models/onnx.js';
import { statisticsPath, type GraphIO } from '../src/models/onnx-graph.js';
import { statsGraphByDefault, statsGraphLocation } from '../src/models/stats-graph.js';

const DIR = 'test/fixtures/stats-head';
const baseCard = parseCard(JSON.parse(readFileSync(`${DIR}/model.json`, 'utf8')), 'model.json');
const runtime = ort as unknown as OrtRuntime;
const open = (file: string, card: ModelCard, statsHead?: boolean, statsGraph?: boolean) =>
  OnnxDenoiser.create(runtime, readFileSync(`${DIR}/${file}`), card, { source: file, threads: 1, statsHead, statsGraph });

function request(card: ModelCard, temperature: number, samples: number): ForwardRequest {
  const rng = new Rng(9);
  const T = 12;
  const rows = Array.from({ length: 3 }, (_, b) => {
    const canvas = Int32Array.from({ length: T }, () => (rng.nextFloat64() < 0.5 ? card.maskId : rng.nextInt(card.vocabSize - 1)));
    const masked = [...canvas.keys()].filter((t) => canvas[t] === card.maskId);
    // Row 2 asks for no draws at all; row 0 for a subset.
    const samplePositions = Int32Array.from(b === 2 ? [] : b === 0 ? masked.slice(0, 3) : masked);
    return { canvas, noiseKey: rng.nextUint32(), samplePositions };
  });
  return { rows, samples, temperature };
}

function expectSame(a: Predictions, b: Predictions, req: ForwardRequest) {
  for (let r = 0; r < req.rows.length; r++) {
    const x = a.row(r), y = b.row(r);
    for (let t = 0; t < a.length; t++) {
      expect(y.top1Id(t)).toBe(x.top1Id(t));
      expect(y.entropy(t)).toBeCloseTo(x.entropy(t), 5);
      expect(y.top1Prob(t)).toBeCloseTo(x.top1Prob(t), 6);
      expect(y.top2Prob(t)).toBeCloseTo(x.top2Prob(t), 6);
      if (Number.isNaN(x.tokenProb(t))) expect(y.tokenProb(t)).toBeNaN();
      else expect(y.tokenProb(t)).toBeCloseTo(x.tokenProb(t), 6);
    }
    for (const t of req.rows[r].samplePositions!)
      for (let s = 0; s < req.samples; s++) {
        expect(y.sampleId(t, s)).toBe(x.sampleId(t, s));
        expect(y.sampleProb(t, s)).toBeCloseTo(x.sampleProb(t, s), 6);
      }
  }
}

describe('the in-graph statistics head and the standalone statistics graph equal the full-logits path', () => {
  const cards: [string, ModelCard][] = [
    ['plain card', baseCard],
    ['EOS/PAD penalty and a suppressed id', { ...baseCard, eosPenalty: 3, padId: 5, suppressTokens: [7] }],
    ['Dream shift', { ...baseCard, logitShift: true }],
  ];
  for (const [label, card] of cards)
    for (const [tau, samples] of [[0, 1], [1, 8], [0.5, 3]] as const)
      it(`${label}, τ = ${tau}, ${samples} draws`, async () => {
        const head = await open('with-head.onnx', card);
        const logitsPath = await open('with-head.onnx', card, false);
        const plain = await open('plain.onnx', card);
        const graph = await open('plain.onnx', card, undefined, true);
        expect(head.usesStatsHead).toBe(true);
        expect(head.statistics).toBe('head');
        expect(logitsPath.usesStatsHead).toBe(false);
        expect(logitsPath.statistics).toBe('js');
        expect(plain.io.hasStatsHead).toBe(false);
        expect(plain.statistics).toBe('js'); // V = 37 < STATS_GRAPH_MIN_VOCAB: JavaScript by default
        expect(graph.statistics).toBe('graph');
        const req = request(card, tau, samples);
        const viaHead = await head.forward(req);
        const viaJs = await plain.forward(req);
        expectSame(viaJs, viaHead, req);
        expectSame(await logitsPath.forward(req), viaHead, req);
        // The standalone statistics graph on the plain graph's logits: the same statistics as the
        // JavaScript reduction, and as the appended head (the same builder's nodes).
        const viaGraph = await graph.forward(req);
        expectSame(viaJs, viaGraph, req);
        expectSame(viaHead, viaGraph, req);
        await Promise.all([head, logitsPath, plain, graph].map((d) => d.dispose()));
        // Draws not asked for are left empty, so a stray read fails loudly.
        const notAsked = [...req.rows[0].canvas.keys()].find((t) => !req.rows[0].samplePositions!.includes(t))!;
        expect(viaHead.row(0).sampleId(notAsked)).toBe(-1);
        expect(viaGraph.row(0).sampleId(notAsked)).toBe(-1);
      });

  it('a NaN logit reaches the statistics graph as a NaN statistic: the run stops, naming the path, row and position', async () => {
    const dir = 'test/fixtures/onnx/nan-logits';
    const card = parseCard(JSON.parse(readFileSync(`${dir}/model.json`, 'utf8')), 'model.json');
    const graph = await OnnxDenoiser.create(runtime, readFileSync(`${dir}/model.onnx`), card, { source: `${dir}/model.onnx`, threads: 1, statsGraph: true });
    expect(graph.statistics).toBe('graph');
    // W[3, 5] is NaN: token 3 at position 0 makes position 0's logits NaN
    const canvas = Int32Array.from([3, card.maskId]);
    await expect(graph.forward({ rows: [{ canvas, noiseKey: 1 }], samples: 1, temperature: 0 })).rejects.toThrow(
      /model "fixture-nan-logits" \(.*model\.onnx, statistics graph\): row 0 \(batch index\), position 0 has entropy NaN/,
    );
    await graph.dispose();
  });

  it('the default: the statistics graph from V = 1,024 up in Node (a file: module), the head where the graph has one', () => {
    const io = { hasStatsHead: false } as GraphIO;
    expect(statsGraphByDefault()).toBe(true);
    expect(statisticsPath(io, 151936, {})).toBe('graph');
    expect(statisticsPath(io, 1024, {})).toBe('graph');
    expect(statisticsPath(io, 1023, {})).toBe('js');
    expect(statisticsPath(io, 37, { statsGraph: true })).toBe('graph');
    expect(statisticsPath(io, 151936, { statsGraph: false })).toBe('js');
    expect(statisticsPath(io, 151936, { statsHead: false })).toBe('js');
    expect(statisticsPath({ hasStatsHead: true } as GraphIO, 151936, {})).toBe('head');
  });

  it('statsHead false turns the statistics graph off too; statsGraph false keeps JavaScript at any vocabulary', async () => {
    expect((await open('plain.onnx', baseCard, false, true)).statistics).toBe('js');
    expect((await open('plain.onnx', baseCard, undefined, false)).statistics).toBe('js');
    expect((await open('with-head.onnx', baseCard, undefined, true)).statistics).toBe('head');
  });

  it('draws at τ > 0 follow softmax(z/τ): different keys give different tokens', async () => {
    const head = await open('with-head.onnx', baseCard);
    const canvas = new Int32Array(4).fill(baseCard.maskId);
    const seen = new Set<number>();
    for (let k = 0; k < 20; k++) {
      const p = await head.forward({ rows: [{ canvas, noiseKey: k, samplePositions: Int32Array.from([0]) }], samples: 4, temperature: 2 });
      for (let s = 0; s < 4; s++) seen.add(p.row(0).sampleId(0, s));
    }
    expect(seen.size).toBeGreaterThan(5);
  });

});

/** The float value of a float16 bit pattern (the test's own decoder). */
function half(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 31;
  const f = bits & 1023;
  return e === 0 ? sign * f * 2 ** -24 : sign * (1 + f / 1024) * 2 ** (e - 15);
}

describe('the statistics graph at the Qwen3 vocabulary (V = 151,936), float32 and float16 logits', () => {
  const V = 151936;
  const T = 6;
  const card: ModelCard = { ...baseCard, name: 'qwen3-size', vocabSize: V, maskId: 151669, eosId: 151645, padId: 151643, eosPenalty: 2, suppressTokens: [151669, ...Array.from({ length: 266 }, (_, i) => 151670 + i)], contextLimit: 64 };
  for (const type of ['float32', 'float16'] as const)
    for (const [shift, tau] of [[false, 0], [false, 0.7], [true, 1]] as const)
      it(`${type} logits, ${shift ? 'Dream shift' : 'no shift'}, τ = ${tau}`, async () => {
        const c = { ...card, logitShift: shift };
        const rng = new Rng(3);
        // One confident position (a peaked row: most ids fall under the entropy's 1e-12 clamp) among near-flat ones.
        const bits = new Uint16Array(2 * T * V);
        for (let i = 0; i < bits.length; i++) bits[i] = ((rng.nextFloat64() < 0.5 ? 0x8000 : 0) | ((11 + rng.nextInt(6)) << 10) | rng.nextInt(1024)) & 0xffff;
        for (let v = 0; v < V; v++) bits[2 * V + v] = (bits[2 * V + v] & 0x83ff) | (12 << 10); // |z| < 0.5
        bits[2 * V + 77] = 0x4d00; // 20
        const values = Float32Array.from(bits, half);
        const canvases = [0, 1].map((b) => Int32Array.from({ length: T }, (_, t) => ((t + b) % 3 === 0 ? c.maskId : 1000 * t + b)));
        const S = tau > 0 ? 3 : 1;
        const rows = canvases.map((canvas, b) => ({ canvas, noiseKey: 40 + b, samplePositions: Int32Array.from(b === 0 ? [0, 2, 3] : [5]) }));
        const req: ForwardRequest = { rows, samples: S, temperature: tau };
        const prepared = values.slice();
        for (let b = 0; b < 2; b++) prepareLogits(c, prepared, b * T * V, T);
        const js = reduceLogits(c, prepared, req);

        const session = await ort.InferenceSession.create(statsGraphLocation(type), { intraOpNumThreads: 1 });
        const P = tau > 0 ? 3 : 0;
        const Sg = tau > 0 ? S : 0;
        const positions = new BigInt64Array(2 * P);
        const uniforms = new Float32Array(2 * P * Sg);
        rows.forEach((r, b) => {
          for (let j = 0; j < P; j++) {
            const t = r.samplePositions[Math.min(j, r.samplePositions.length - 1)];
            positions[b * P + j] = BigInt(t);
            for (let s = 0; s < Sg; s++) uniforms[(b * P + j) * Sg + s] = drawUniform(r.noiseKey, t, s);
          }
        });
        const bias = new Float32Array(V);
        for (const id of c.suppressTokens) bias[id] = -Infinity;
        bias[c.eosId!] -= c.eosPenalty;
        bias[c.padId!] -= c.eosPenalty;
        const out = await session.run({
          logits: type === 'float32' ? new ort.Tensor('float32', values, [2, T, V]) : new ort.Tensor('float16', bits, [2, T, V]),
          input_ids: new ort.Tensor('int64', BigInt64Array.from(canvases.flatMap((x) => Array.from(x, BigInt))), [2, T]),
          logit_bias: new ort.Tensor('float32', bias, [V]),
          shift: new ort.Tensor('int64', BigInt64Array.from([shift ? 1n : 0n]), [1]),
          sample_positions: new ort.Tensor('int64', positions, [2, P]),
          sample_uniforms: new ort.Tensor('float32', uniforms, [2, P, Sg]),
          temperature: new ort.Tensor('float32', Float32Array.from([tau || 1]), [1]),
        });
        await session.release();
        const entropy = out.entropy.data as Float32Array;
        const topIds = out.top_ids.data as BigInt64Array;
        const topProbs = out.top_probs.data as Float32Array;
        const tokenProbs = out.token_probs.data as Float32Array;
        for (let i = 0; i < 2 * T; i++) {
          expect(Number(topIds[2 * i])).toBe(js.top1Id[i]);
          expect(entropy[i]).toBeCloseTo(js.entropy[i], 5);
          expect(topProbs[2 * i]).toBeCloseTo(js.top1Prob[i], 6);
          expect(topProbs[2 * i + 1]).toBeCloseTo(js.top2Prob[i], 6);
          if (!Number.isNaN(js.tokenProb[i])) expect(tokenProbs[i]).toBeCloseTo(js.tokenProb[i], 6);
        }
        // the confident position really is one: its entropy comes mostly from the clamp's terms
        expect(js.top1Prob[shift ? 3 : 2]).toBeGreaterThan(0.99);
        const sampleIds = out.sample_ids.data as BigInt64Array;
        const sampleProbs = out.sample_probs.data as Float32Array;
        rows.forEach((r, b) =>
          r.samplePositions.forEach((t, j) => {
            for (let s = 0; s < Sg; s++) {
              expect(Number(sampleIds[(b * P + j) * Sg + s])).toBe(js.sampleId[(b * T + t) * S + s]);
              expect(sampleProbs[(b * P + j) * Sg + s]).toBeCloseTo(js.sampleProb[(b * T + t) * S + s], 6);
            }
          }),
        );
      });
});

describe('loadModel passes the statistics path options through (library, Node)', () => {
  it('statsHead false reduces in JavaScript; statsGraph true runs the statistics graph; the defaults', async () => {
    const { loadModel } = await import('../src/api/node-load.js');
    const path = async (source: string, options: { statsHead?: boolean; statsGraph?: boolean }) => {
      const model = await loadModel(source, options);
      try {
        return (model.denoiser as OnnxDenoiser).statistics;
      } finally {
        await model.dispose();
      }
    };
    // A graph that carries the head (the fixture's model directory): used unless turned off.
    const dir = mkdtempSync(join(tmpdir(), 'infogain-head-dir-'));
    copyFileSync('test/fixtures/stats-head/with-head.onnx', join(dir, 'model.onnx'));
    copyFileSync('test/fixtures/stats-head/model.json', join(dir, 'model.json'));
    expect(await path(dir, {})).toBe('head');
    expect(await path(dir, { statsHead: false })).toBe('js');
    // A small vocabulary without a head: JavaScript, unless the graph is asked for.
    expect(await path('sudoku', {})).toBe('js');
    expect(await path('sudoku', { statsGraph: true })).toBe('graph');
    // The head-less Qwen3 stand-in folder (V = 512, below the default's 1,024): asked for, the graph; statsHead false wins.
    expect(await path('models/tiny/qwen3-mdlm-tiny', {})).toBe('js');
    expect(await path('models/tiny/qwen3-mdlm-tiny', { statsGraph: true })).toBe('graph');
    expect(await path('models/tiny/qwen3-mdlm-tiny', { statsGraph: true, statsHead: false })).toBe('js');
    await expect(loadModel('sudoku', { statsGrph: true } as never)).rejects.toThrow(/statsGrph.*statsGraph/);
  });
});
