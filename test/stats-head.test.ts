import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.js';
import { parseCard, type ModelCard } from '../src/models/card.js';
import type { ForwardRequest, Predictions } from '../src/models/denoiser.js';
import { OnnxDenoiser, type OrtRuntime } from '../src/models/onnx.js';

const DIR = 'test/fixtures/stats-head';
const baseCard = parseCard(JSON.parse(readFileSync(`${DIR}/model.json`, 'utf8')), 'model.json');
const runtime = ort as unknown as OrtRuntime;
const open = (file: string, card: ModelCard, statsHead?: boolean) =>
  OnnxDenoiser.create(runtime, readFileSync(`${DIR}/${file}`), card, { source: file, threads: 1, statsHead });

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

describe('the in-graph statistics head equals the full-logits path', () => {
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
        expect(head.usesStatsHead).toBe(true);
        expect(logitsPath.usesStatsHead).toBe(false);
        expect(plain.io.hasStatsHead).toBe(false);
        const req = request(card, tau, samples);
        const viaHead = await head.forward(req);
        expectSame(await plain.forward(req), viaHead, req);
        expectSame(await logitsPath.forward(req), viaHead, req);
        // Draws not asked for are left empty, so a stray read fails loudly.
        const notAsked = [...req.rows[0].canvas.keys()].find((t) => !req.rows[0].samplePositions!.includes(t))!;
        expect(viaHead.row(0).sampleId(notAsked)).toBe(-1);
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
