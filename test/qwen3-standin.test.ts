/**
 * The Qwen3-0.6B diffusion ONNX exports (dllm Tiny-A2D MDLM / BD3LM, Hugging Face folder layout),
 * tested on their small stand-ins (models/tiny/qwen3-{mdlm,bd3lm}-tiny, training/qwen3_standin.py):
 * the same layout, inputs, outputs, operators and token roles with random weights.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadModel as loadNeutral } from '../src/api/load.js';
import { loadModel, readTextFile } from '../src/api/node-load.js';
import type { Model } from '../src/api/model.js';
import { ENTROPY_CLAMP } from '../src/core/math.js';
import { prepareEntry, resolveEntry } from '../src/decode/entry.js';
import { decodeBatch } from '../src/decode/run.js';
import type { ForwardRequest, Predictions } from '../src/models/denoiser.js';
import { loadHubDir } from '../src/models/hub-dir.js';
import { OnnxDenoiser, type OrtRuntime } from '../src/models/onnx.js';
import { SAMPLERS } from '../src/samplers/index.js';
import { statisticsReport } from '../src/cli/commands/inspect.js';
import { cli } from './helpers/cli.js';
import referenceMdlm from './fixtures/qwen3/mdlm-reference.json' with { type: 'json' };
import referenceBd3lm from './fixtures/qwen3/bd3lm-reference.json' with { type: 'json' };

const MDLM = 'models/tiny/qwen3-mdlm-tiny';
const BD3LM = 'models/tiny/qwen3-bd3lm-tiny';
const BATCH1 = 'test/fixtures/qwen3/mdlm-batch1';
/** The stand-ins' tokenizer: 500 ids (256 bytes, 217 merges, Qwen3's 26 added tokens, <|mask|>), 512 logits. */
const TOKENIZER_IDS = 500;
const MASK = 499;

/** The float value of a float16 bit pattern: the test's own decoder, independent of src/models/float16.ts. */
function half(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 31;
  const f = bits & 1023;
  if (e === 0) return sign * f * 2 ** -24;
  if (e === 31) return f ? NaN : sign * Infinity;
  return sign * (1 + f / 1024) * 2 ** (e - 15);
}

const values = (t: Tensor): number[] => (t.type === 'float16' ? Array.from(t.data as Uint16Array, half) : Array.from(t.data as Float32Array));

/** The BD3LM convention's mask, written out here: key block ≤ query block attends (0), else −1e9. */
function blockMask(T: number, block: number): Float32Array {
  const m = new Float32Array(T * T);
  for (let q = 0; q < T; q++) for (let k = 0; k < T; k++) m[q * T + k] = Math.floor(k / block) <= Math.floor(q / block) ? 0 : -1e9;
  return m;
}

/** Raw logits of `rows` through a session, with the mask fed by the test. */
async function rawLogits(session: InferenceSession, rows: number[][], block: number | null): Promise<number[]> {
  const T = rows[0].length;
  const feeds: Record<string, Tensor> = { input_ids: new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, T]) };
  if (block !== null) feeds.attention_mask = new ort.Tensor('float32', blockMask(T, block), [1, 1, T, T]);
  return values((await session.run(feeds)).logits);
}

const maxAbs = (a: number[], b: number[]) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

/** Float64 entropy and top-1 of a logits row with the ids in `suppressed` at −∞ (the card's suppressTokens). */
function rowStats(logits: number[], offset: number, V: number, suppressed: ReadonlySet<number>) {
  let m = -Infinity;
  let top = -1;
  for (let v = 0; v < V; v++) if (!suppressed.has(v) && logits[offset + v] > m) [m, top] = [logits[offset + v], v];
  let z = 0;
  for (let v = 0; v < V; v++) if (!suppressed.has(v)) z += Math.exp(logits[offset + v] - m);
  let h = 0;
  for (let v = 0; v < V; v++) {
    if (suppressed.has(v)) continue;
    const p = Math.max(Math.exp(logits[offset + v] - m) / z, ENTROPY_CLAMP);
    h -= p * Math.log(p);
  }
  return { entropy: h, top };
}

const entry = resolveEntry;

/** A ChatML prompt followed by `gen` masks. */
function chatCanvas(model: Model, message: string, gen: number) {
  const prompt = model.tokenizer!.encode(model.tokenizer!.applyChatTemplate([{ role: 'user', content: message }]));
  const canvas = new Int32Array(prompt.length + gen).fill(model.card.maskId);
  canvas.set(prompt);
  return { canvas, promptLength: prompt.length, seed: 7 };
}

let mdlm: Model;
let bd3lm: Model;
beforeAll(async () => {
  mdlm = await loadModel(MDLM, { threads: 1 });
  bd3lm = await loadModel(BD3LM, { threads: 1 });
});
afterAll(async () => {
  await mdlm.dispose();
  await bd3lm.dispose();
});

describe('the folder layout loads as it is', () => {
  it('MDLM: input_ids only → full attention (preset mdlm); ids from the tokenizer, vocabulary from the logits, context from the rotary tables', () => {
    expect(mdlm.card).toMatchObject({ vocabSize: 512, maskId: MASK, eosId: 475, padId: 473, attention: { kind: 'full' }, contextLimit: 512, eosPenalty: 0, logitShift: false });
    const io = (mdlm.denoiser as OnnxDenoiser).io;
    expect(io).toMatchObject({ attentionMask: { kind: 'none' }, logitsType: 'float16', fixedBatch: null });
    // The mask and the 12 logits rows past the tokenizer's 500 ids are never decoded.
    expect(mdlm.card.suppressTokens).toEqual([MASK, ...Array.from({ length: 12 }, (_, i) => TOKENIZER_IDS + i)]);
    expect(mdlm.tokenizer!.tokenText(mdlm.card.eosId!)).toBe('<|im_end|>');
    expect(mdlm.tokenizer!.tokenText(MASK)).toBe('<|mask|>');
  });

  it('BD3LM: the additive attention_mask input → block-causal with block size 32 (preset bd3lm); the fp16 graph is the default, the q4 one runs when named', async () => {
    expect(bd3lm.card.attention).toEqual({ kind: 'block-causal', blockSize: 32 });
    const d = bd3lm.denoiser as OnnxDenoiser;
    expect(d.source).toBe(join(BD3LM, 'onnx', 'model_fp16_fused.onnx').replace(/^/, `${process.cwd()}/`));
    expect(d.io.attentionMask).toEqual({ kind: 'additive', type: 'float32' });
    const q4 = await loadModel(join(BD3LM, 'onnx', 'model_q4f16_rtn_sym.onnx'), { threads: 1 });
    try {
      expect((q4.denoiser as OnnxDenoiser).io.logitsType).toBe('float32');
      expect(q4.card).toEqual(bd3lm.card);
    } finally {
      await q4.dispose();
    }
  });

  it('the ChatML template renders from tokenizer_config.json and round-trips through the byte-level BPE', () => {
    const tok = bd3lm.tokenizer!;
    const text = tok.applyChatTemplate([{ role: 'user', content: 'Who art thou?' }]);
    expect(text).toBe('<|im_start|>user\nWho art thou?<|im_end|>\n<|im_start|>assistant\n');
    const ids = Array.from(tok.encode(text));
    expect(ids[0]).toBe(474); // <|im_start|>
    expect(ids.filter((id) => id === 475)).toHaveLength(1); // <|im_end|>
    expect(ids.every((id) => id < TOKENIZER_IDS)).toBe(true);
    expect(tok.decode(ids, { skipSpecialTokens: false })).toBe(text);
  });

  it('external data that is missing or short is refused before onnxruntime reads it, naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qwen3-standin-'));
    try {
      cpSync(MDLM, dir, { recursive: true });
      const data = join(dir, 'onnx', 'model_fp16_fused.onnx.data');
      truncateSync(data, 1000);
      await expect(loadModel(dir)).rejects.toThrow(/model_fp16_fused\.onnx\.data: 1,000 bytes, expected at least 294,912 .*interrupted download/);
      rmSync(data);
      await expect(loadModel(dir)).rejects.toThrow(/external data file model_fp16_fused\.onnx\.data, which is not beside it/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the graphs compute Qwen3 (onnxruntime-node against training/qwen3_standin.py float64 torch reference)', () => {
  const cases = [
    { name: 'MDLM fp16 (float16 logits)', dir: MDLM, graph: 'model_fp16_fused.onnx', ref: referenceMdlm, block: null },
    { name: 'BD3LM fp16 (float16 logits)', dir: BD3LM, graph: 'model_fp16_fused.onnx', ref: referenceBd3lm, block: 4 },
    { name: 'BD3LM q4 MatMulNBits (float32 logits), against the dequantized weights', dir: BD3LM, graph: 'model_q4f16_rtn_sym.onnx', ref: referenceBd3lm, block: 4 },
  ];
  for (const c of cases)
    it(c.name, async () => {
      const session = await ort.InferenceSession.create(join(c.dir, 'onnx', c.graph), { intraOpNumThreads: 1 });
      const expected = (c.ref.graphs as Record<string, number[][][]>)[c.graph].flat(2);
      const got = await rawLogits(session, c.ref.input_ids, c.block);
      const spread = Math.max(...expected.map(Math.abs));
      expect(spread).toBeGreaterThan(5);
      expect(maxAbs(got, expected)).toBeLessThan(0.1); // fp16 activations; the logits span ±spread
      if (c.block !== null) {
        // The reference's 4-blocks matter: the same rows under 32-blocks (one block here) are far off.
        expect(maxAbs(await rawLogits(session, c.ref.input_ids, 32), expected)).toBeGreaterThan(2);
      }
      await session.release();
    });
});

describe('infogain feeds and reads the graphs by their convention', () => {
  it('every BD3LM forward gets the block-causal mask [1, 1, T, T] of block size 32, 0 or −1e9, one tensor per canvas length', async () => {
    const d = bd3lm.denoiser as OnnxDenoiser;
    const spy = vi.spyOn(d.session, 'run');
    const input = chatCanvas(bd3lm, 'Who art thou?', 60);
    await decodeBatch(bd3lm.denoiser, [input], entry('confidence', {}, { steps: 8 }));
    const T = input.canvas.length;
    expect(spy.mock.calls.length).toBeGreaterThan(0);
    const masks = spy.mock.calls.map((call) => (call[0] as Record<string, Tensor>).attention_mask);
    expect(new Set(masks).size).toBe(1);
    expect(masks[0].dims).toEqual([1, 1, T, T]);
    expect(Array.from(masks[0].data as Float32Array)).toEqual(Array.from(blockMask(T, 32)));
    spy.mockRestore();
  });

  it('float16 logits become the statistics a float64 softmax of the graph\'s values gives', async () => {
    const input = chatCanvas(mdlm, 'Speak.', 20);
    const pred = await mdlm.denoiser.forward({ rows: [{ canvas: input.canvas, noiseKey: 1 }], samples: 1, temperature: 0 });
    const session = (mdlm.denoiser as OnnxDenoiser).session;
    const logits = await rawLogits(session, [Array.from(input.canvas)], null);
    const suppressed = new Set(mdlm.card.suppressTokens);
    for (let t = 0; t < input.canvas.length; t++) {
      const ref = rowStats(logits, t * 512, 512, suppressed);
      expect(pred.entropy[t]).toBeCloseTo(ref.entropy, 6);
      expect(pred.top1Id[t]).toBe(ref.top);
    }
  });

  it('a graph whose batch axis is fixed at 1 gets one row per call, with the predictions of the dynamic-batch graph', async () => {
    const fixed = await loadModel(BATCH1, { threads: 1 });
    try {
      const d = fixed.denoiser as OnnxDenoiser;
      expect(d.io.fixedBatch).toBe(1);
      const spy = vi.spyOn(d.session, 'run');
      const base = chatCanvas(fixed, 'Speak.', 12).canvas;
      const rows = [0, 1, 2].map((i) => {
        const canvas = base.slice();
        canvas[canvas.length - 1 - i] = 100 + i;
        return { canvas, noiseKey: 11 + i };
      });
      const request = { rows, samples: 2, temperature: 0.8 };
      const got = await d.forward(request);
      expect(spy.mock.calls.map((call) => (call[0] as Record<string, Tensor>).input_ids.dims[0])).toEqual([1, 1, 1]);
      spy.mockRestore();
      for (let b = 0; b < rows.length; b++) {
        const alone = await mdlm.denoiser.forward({ ...request, rows: [rows[b]] });
        const T = base.length;
        expect(Array.from(got.entropy.subarray(b * T, (b + 1) * T))).toEqual(Array.from(alone.entropy));
        expect(Array.from(got.sampleId.subarray(b * T * 2, (b + 1) * T * 2))).toEqual(Array.from(alone.sampleId));
      }
    } finally {
      await fixed.dispose();
    }
  });

  it('cache modes are refused before any forward: these exports have no cache graph', async () => {
    const input = chatCanvas(bd3lm, 'Speak.', 8);
    await expect(decodeBatch(bd3lm.denoiser, [input], entry('confidence', {}, { use_cache: 'prefix' }))).rejects.toThrow(/use_cache=prefix: model qwen3-bd3lm-tiny has no cache graph/);
  });
});

/** The BD3LM stand-in with its statistics from infogain's statistics graph (forced: V = 512 is below the default's 1,024). */
async function withStatsGraph(dir: string, graph?: string) {
  const loaded = await loadHubDir(dir, { threads: 1, statsGraph: true, ...(graph ? { graph } : {}) });
  expect(loaded.model.statistics).toBe('graph');
  return loaded.model;
}

describe('Info-Gain on the BD3LM stand-in', () => {
  for (const path of ['js', 'graph'] as const)
    it(`every candidate's C, H_next and J equal a float64 reference computed from the graph's logits (statistics: ${path === 'js' ? 'JavaScript' : 'the statistics graph'})`, async () => {
      const denoiser = path === 'js' ? (bd3lm.denoiser as OnnxDenoiser) : await withStatsGraph(BD3LM);
      expect(denoiser.statistics).toBe(path);
      try {
        await infoGainAgainstReference(denoiser);
      } finally {
        if (path === 'graph') await denoiser.dispose();
      }
    });
});

async function infoGainAgainstReference(denoiser: OnnxDenoiser): Promise<void> {
  {
    const input = chatCanvas(bd3lm, 'Who art thou?', 24);
    const { traces } = await decodeBatch(denoiser, [input], entry('info-gain', { candidates: 6, position_temperature: 1 }, { steps: 12 }));
    const step = traces[0].steps[0];
    expect(step.kind).toBe('lookahead');
    const candidates = step.candidates!;
    expect(candidates.length).toBeGreaterThan(2);
    const session = (bd3lm.denoiser as OnnxDenoiser).session;
    const suppressed = new Set(bd3lm.card.suppressTokens);
    const V = 512;
    const canvas = Array.from(input.canvas);
    const T = canvas.length;
    const now = await rawLogits(session, [canvas], 32);
    const stats = (logits: number[], row: number, t: number) => rowStats(logits, (row * T + t) * V, V, suppressed);
    // The lookahead is one batched call of every candidate's canvas, in order (the rows infogain sent).
    const next = candidates.map((c) => {
      const x = canvas.slice();
      c.positions.forEach((p, j) => (x[p] = c.tokens[j]));
      return x;
    });
    const ahead = await rawLogits(session, next, 32);
    for (const [j, c] of candidates.entries()) {
      // τ_tok = 0: every candidate's tokens are the argmax of the suppressed float64 logits.
      c.positions.forEach((p, i) => expect(c.tokens[i]).toBe(stats(now, 0, p).top));
      const cost = c.positions.reduce((s, p) => s + stats(now, 0, p).entropy, 0);
      const left = next[j].flatMap((tok, t) => (tok === MASK ? [t] : []));
      const hNext = left.reduce((s, t) => s + stats(ahead, j, t).entropy, 0) / (left.length + 1e-10);
      expect(c.cost).toBeCloseTo(cost, 6);
      expect(c.hNext).toBeCloseTo(hNext, 6);
      expect(c.objective).toBeCloseTo(-cost - hNext, 6);
    }
    const best = candidates.reduce((b, c, j) => (c.objective > candidates[b].objective ? j : b), 0);
    expect(step.winner).toBe(best);
  }
}

describe('the statistics graph on the stand-ins (a second onnxruntime session on the graph\'s logits)', () => {
  /** The same ids; entropies and probabilities to the tolerances of test/stats-head.test.ts. */
  function expectSame(js: Predictions, graph: Predictions, req: ForwardRequest) {
    expect(Array.from(graph.top1Id)).toEqual(Array.from(js.top1Id));
    expect(Array.from(graph.sampleId)).toEqual(Array.from(js.sampleId));
    for (let i = 0; i < js.entropy.length; i++) {
      expect(graph.entropy[i]).toBeCloseTo(js.entropy[i], 5);
      expect(graph.top1Prob[i]).toBeCloseTo(js.top1Prob[i], 6);
      expect(graph.top2Prob[i]).toBeCloseTo(js.top2Prob[i], 6);
      if (Number.isNaN(js.tokenProb[i])) expect(graph.tokenProb[i]).toBeNaN();
      else expect(graph.tokenProb[i]).toBeCloseTo(js.tokenProb[i], 6);
    }
    for (let i = 0; i < js.sampleProb.length; i++)
      if (Number.isNaN(js.sampleProb[i])) expect(graph.sampleProb[i]).toBeNaN();
      else expect(graph.sampleProb[i]).toBeCloseTo(js.sampleProb[i], 6);
    expect(req.rows.length).toBe(js.rows);
  }

  function requests(model: Model): ForwardRequest[] {
    const base = chatCanvas(model, 'Who art thou?', 40).canvas;
    const rows = [0, 1, 2].map((i) => {
      const canvas = base.slice();
      canvas[canvas.length - 1 - 3 * i] = 100 + i; // three different canvases
      const masked = [...canvas.keys()].filter((t) => canvas[t] === MASK);
      return { canvas, noiseKey: 21 + i, samplePositions: Int32Array.from(i === 1 ? masked.slice(0, 5) : masked) };
    });
    return [
      { rows, samples: 1, temperature: 0 },
      { rows, samples: 3, temperature: 0.8 },
      { rows: rows.slice(0, 1), samples: 2, temperature: 1.5 },
    ];
  }

  const cases = [
    { name: 'MDLM fp16: float16 logits, full attention', dir: MDLM, graph: undefined, logits: 'float16' },
    { name: 'BD3LM fp16: float16 logits, the additive block-causal attention_mask', dir: BD3LM, graph: undefined, logits: 'float16' },
    { name: 'BD3LM q4 MatMulNBits: float32 logits', dir: BD3LM, graph: 'model_q4f16_rtn_sym.onnx', logits: 'float32' },
    { name: 'a graph whose batch axis is fixed at 1 (rows one per call, both sessions)', dir: BATCH1, graph: undefined, logits: 'float16' },
  ];
  for (const c of cases)
    it(`${c.name}: the JavaScript reduction's ids, entropies and probabilities`, async () => {
      const js = await loadHubDir(c.dir, { threads: 1, ...(c.graph ? { graph: c.graph } : {}) });
      const graph = await withStatsGraph(c.dir, c.graph);
      try {
        expect(js.model.statistics).toBe('js'); // V = 512 < 1,024: JavaScript by default
        expect(graph.io.logitsType).toBe(c.logits);
        const model = { ...mdlm, card: js.card } as Model;
        const spy = vi.spyOn(graph.session, 'run');
        for (const req of requests(model)) expectSame(await js.model.forward(req), await graph.forward(req), req);
        // the model session is asked for its logits only, never for statistics
        expect(spy.mock.calls.every((call) => (call[1] as string[]).join() === 'logits')).toBe(true);
        if (c.dir === BATCH1) expect(spy.mock.calls.every((call) => (call[0] as Record<string, Tensor>).input_ids.dims[0] === 1)).toBe(true);
        spy.mockRestore();
      } finally {
        await js.model.dispose();
        await graph.dispose();
      }
    });

  it('every sampler decodes the BD3LM stand-in through it', async () => {
    const denoiser = await withStatsGraph(BD3LM);
    try {
      for (const spec of SAMPLERS) {
        const input = chatCanvas(bd3lm, 'Speak.', 40);
        const prepared = await prepareEntry(entry(spec.name, {}, { steps: 10 }), { vocabSize: bd3lm.card.vocabSize, readText: readTextFile });
        const { traces } = await decodeBatch(denoiser, [input], prepared);
        const generated = Array.from(traces[0].output).slice(input.promptLength);
        expect(generated.every((id) => id >= 0 && id < TOKENIZER_IDS && id !== MASK)).toBe(true);
      }
    } finally {
      await denoiser.dispose();
    }
  });
});

describe('every sampler decodes both stand-ins', () => {
  for (const spec of SAMPLERS)
    it(spec.name, async () => {
      for (const model of [mdlm, bd3lm]) {
        const input = chatCanvas(model, 'Speak.', 40);
        const prepared = await prepareEntry(entry(spec.name, {}, { steps: 10 }), { vocabSize: model.card.vocabSize, readText: readTextFile });
        const { traces } = await decodeBatch(model.denoiser, [input], prepared);
        const out = Array.from(traces[0].output);
        expect(out.slice(0, input.promptLength)).toEqual(Array.from(input.canvas.slice(0, input.promptLength)));
        const generated = out.slice(input.promptLength);
        expect(generated.every((id) => id >= 0 && id < TOKENIZER_IDS && id !== MASK)).toBe(true);
        expect(typeof model.tokenizer!.decode(generated)).toBe('string');
      }
    });
});

describe('infogain inspect on the folders', () => {
  it('reports the graph that runs, the convention detected, fp16 / 4-bit, the external data and its size', async () => {
    const fp16 = await cli('inspect', BD3LM);
    expect(fp16.code).toBe(0);
    expect(fp16.stdout).toContain('layout: Hugging Face ONNX folder; runs onnx/model_fp16_fused.onnx (also here: onnx/model_q4f16_rtn_sym.onnx');
    expect(fp16.stdout).toMatch(/convention: bd3lm \(detected: .*additive attention_mask float32 \[1, 1, length, length\]\): attention block-causal, block size 32/);
    expect(fp16.stdout).toContain('precision: fp16; logits float16');
    expect(fp16.stdout).toContain('294,912 bytes in model_fp16_fused.onnx.data (external data, beside the graph)');
    expect(fp16.stdout).toContain('"suppressTokens": "499, 500, 501, …, 511 (13 ids)"');
    expect(fp16.stdout).toMatch(/cache graph: none \(use_cache=none only: the export is a bare forward/);
    const q4 = await cli('inspect', join(BD3LM, 'onnx', 'model_q4f16_rtn_sym.onnx'));
    expect(q4.code).toBe(0);
    // 2 layers × 7 projections + lm_head
    expect(q4.stdout).toContain('precision: 4-bit (15 MatMulNBits; fp16 elsewhere); logits float32');
    expect(q4.stdout).toContain('137,216 bytes in model_q4f16_rtn_sym.onnx.data');
    const m = await cli('inspect', MDLM);
    expect(m.stdout).toContain('convention: mdlm (detected: onnx/model_fp16_fused.onnx takes input_ids only): attention full');
    expect(fp16.stdout).toContain('statistics head: no\nstatistics: the logits are reduced in JavaScript (V = 512, below the 1,024 from which the statistics graph is used by default)');
  });

  it('says when the statistics graph is used (a vocabulary from 1,024 up, or statsGraph true)', async () => {
    const graph = await withStatsGraph(BD3LM);
    try {
      expect(statisticsReport(graph)).toEqual([
        'statistics head: no',
        "statistics: infogain's statistics graph (stats-graph/float16.onnx), a second onnxruntime session on the float16 logits: no logits are reduced in JavaScript",
      ]);
    } finally {
      await graph.dispose();
    }
  });
});

describe('the environment-neutral loader (browsers: picked files)', () => {
  it('takes the graph, its external data and the tokenizer files as bytes, and makes the card the folder makes', async () => {
    const read = (f: string) => new Uint8Array(readFileSync(join(BD3LM, f)));
    const json = (f: string) => JSON.parse(readFileSync(join(BD3LM, f), 'utf8')) as Record<string, unknown>;
    const source = {
      onnx: read('onnx/model_fp16_fused.onnx'),
      externalData: [{ path: 'model_fp16_fused.onnx.data', data: read('onnx/model_fp16_fused.onnx.data') }],
      tokenizer: json('tokenizer.json'),
      tokenizerConfig: json('tokenizer_config.json'),
      source: 'qwen3-bd3lm-tiny',
    };
    const picked = await loadNeutral(source, { runtime: ort as unknown as OrtRuntime, threads: 1 });
    try {
      expect(picked.card).toEqual(bd3lm.card);
      const input = chatCanvas(picked, 'Speak.', 8);
      const row = { rows: [{ canvas: input.canvas, noiseKey: 3 }], samples: 1, temperature: 0 };
      expect(Array.from((await picked.denoiser.forward(row)).entropy)).toEqual(Array.from((await bd3lm.denoiser.forward(row)).entropy));
      const { externalData: _, ...without } = source;
      await expect(loadNeutral(without, { runtime: ort as unknown as OrtRuntime })).rejects.toThrow(/external data \(model_fp16_fused\.onnx\.data\), expected them as the source's externalData/);
    } finally {
      await picked.dispose();
    }
  });
});
