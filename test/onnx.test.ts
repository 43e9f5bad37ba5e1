import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { DECODE_PARAMS, toDecodeConfig } from '../src/decode/config.js';
import { prepareEntry } from '../src/decode/entry.js';
import { decodeBatch } from '../src/decode/run.js';
import { loadModelDir, type LoadedModelDir } from '../src/models/model-dir.js';
import { OnnxDenoiser, type OrtRuntime } from '../src/models/onnx.js';
import { parseCard } from '../src/models/card.js';
import type { Predictions } from '../src/models/denoiser.js';
import { resolveParams, type Params } from '../src/samplers/params.js';
import { SAMPLERS, samplerByName } from '../src/samplers/index.js';

const TINY = 'models/tiny';
const FIX = 'test/fixtures/onnx';
const cfg = (o: Params = {}) => toDecodeConfig(resolveParams(DECODE_PARAMS, o, 'decode'));

async function decodeText(m: LoadedModelDir, prompt: string, genLength: number, sampler = 'confidence', set: Params = {}, seed = 0) {
  const ids = m.tokenizer!.encode(prompt);
  const canvas = new Int32Array(ids.length + genLength).fill(m.card.maskId);
  canvas.set(ids);
  const spec = samplerByName(sampler);
  const params = resolveParams(spec.params, set, sampler);
  const entry = await prepareEntry({ sampler: spec, params, decode: cfg() }, { vocabSize: m.card.vocabSize });
  const { traces } = await decodeBatch(m.model, [{ canvas, promptLength: ids.length, seed }], entry);
  return { trace: traces[0], text: m.tokenizer!.decode(traces[0].output.slice(ids.length)) };
}

function rowsOf(pred: Predictions, b: number, from: number) {
  const r = pred.row(b);
  return Array.from({ length: pred.length - from }, (_, j) => {
    const t = from + j;
    return { top1: r.top1Id(t), p1: r.top1Prob(t), h: r.entropy(t) };
  });
}

describe('model directories in the three conventions', () => {
  it('LLaDA-style: tokenize, chat template, decode with every sampler, detokenize', async () => {
    const m = await loadModelDir(join(TINY, 'llada-tiny'), { threads: 1 });
    expect(m.card.logitShift).toBe(false);
    expect(m.tokenizer!.tokenText(m.card.maskId)).toBe('<|mdm_mask|>');
    const chat = m.tokenizer!.applyChatTemplate([{ role: 'user', content: 'ROMEO:' }]);
    expect(chat).toContain('<|assistant|>');
    for (const s of SAMPLERS) {
      const { trace, text } = await decodeText(m, chat, 12, s.name);
      expect(trace.output.includes(m.card.maskId), s.name).toBe(false);
      expect(typeof text).toBe('string');
    }
  });

  it('Dream-style: shifted logits, undone by the card, give the LLaDA-style predictions exactly', async () => {
    const llada = await loadModelDir(join(TINY, 'llada-tiny'), { threads: 1 });
    const dream = await loadModelDir(join(TINY, 'dream-tiny'), { threads: 1 });
    expect(dream.card.logitShift).toBe(true);
    const ids = llada.tokenizer!.encode('First Citizen:\nWe are');
    const canvas = new Int32Array(ids.length + 8).fill(llada.card.maskId);
    canvas.set(ids);
    const row = { canvas, noiseKey: 1 };
    const a = await llada.model.forward({ rows: [row], samples: 1, temperature: 0 });
    const b = await dream.model.forward({ rows: [row], samples: 1, temperature: 0 });
    const ra = rowsOf(a, 0, 1), rb = rowsOf(b, 0, 1);
    for (let j = 0; j < ra.length; j++) {
      expect(rb[j].top1).toBe(ra[j].top1);
      expect(rb[j].h).toBeCloseTo(ra[j].h, 4);
    }
    const x = await decodeText(llada, 'First Citizen:\nWe are', 10, 'info-gain');
    const y = await decodeText(dream, 'First Citizen:\nWe are', 10, 'info-gain');
    expect(y.text).toBe(x.text);
    // Without the shift the same graph predicts something else: the convention matters.
    const unshifted = await OnnxDenoiser.create(ort as unknown as OrtRuntime, await import('node:fs').then((f) => f.readFileSync(join(TINY, 'dream-tiny', 'model.onnx'))), { ...dream.card, logitShift: false }, { source: 'dream-tiny' });
    const c = await unshifted.forward({ rows: [row], samples: 1, temperature: 0 });
    expect(rowsOf(c, 0, 1).map((r) => r.top1)).not.toEqual(ra.map((r) => r.top1));
  });

  it('SDAR-style: a block sees only itself and earlier blocks; decoding goes block by block', async () => {
    const m = await loadModelDir(join(TINY, 'sdar-tiny'), { threads: 1 });
    expect(m.card.attention).toEqual({ kind: 'block-causal', blockSize: 4 });
    const base = new Int32Array(16).fill(m.card.maskId);
    base.set(m.tokenizer!.encode('Thou art'));
    const changed = base.slice();
    changed[13] = m.tokenizer!.encode('z')[0]; // a token in block 3
    const p = await m.model.forward({ rows: [{ canvas: base, noiseKey: 0 }, { canvas: changed, noiseKey: 0 }], samples: 1, temperature: 0 });
    for (let t = 0; t < 12; t++) expect(p.row(1).entropy(t)).toBeCloseTo(p.row(0).entropy(t), 5);
    expect(Math.abs(p.row(1).entropy(14) - p.row(0).entropy(14))).toBeGreaterThan(1e-6);
    const { trace } = await decodeText(m, 'Thou art', 10);
    const blockOfStep = trace.steps.map((s) => Math.floor(s.commits[0].position / 4));
    expect(blockOfStep).toEqual([...blockOfStep].sort((a, b) => a - b));
    expect(trace.output.includes(m.card.maskId)).toBe(false);
  });

  it('batch size does not change the decoded output', async () => {
    const m = await loadModelDir(join(TINY, 'llada-tiny'), { threads: 1 });
    const prompts = ['ROMEO:', 'JULIET:\nO', 'KING'];
    const inputs = prompts.map((p, i) => {
      const ids = m.tokenizer!.encode(p);
      const canvas = new Int32Array(ids.length + 8).fill(m.card.maskId);
      canvas.set(ids);
      return { canvas, promptLength: ids.length, seed: 40 + i };
    });
    const spec = samplerByName('info-gain');
    const params = resolveParams(spec.params, { position_temperature: 0.5 }, 'info-gain');
    const one = await decodeBatch(m.model, inputs, { sampler: spec, params, decode: cfg({ temperature: 0.7 }) }, { batchSize: 1 });
    const all = await decodeBatch(m.model, inputs, { sampler: spec, params, decode: cfg({ temperature: 0.7 }) }, { batchSize: 3 });
    expect(all.traces.map((t) => t.output)).toEqual(one.traces.map((t) => t.output));
  });
});

describe('load-time graph checks', () => {
  const load = (name: string) => loadModelDir(join(FIX, name), { threads: 1 });
  it('refuses a causal LM graph that needs past key/values, naming every input and the cause', async () => {
    await expect(load('needs-past-kv')).rejects.toThrow(/model\.onnx: graph inputs "past_key_values\.0\.key", "past_key_values\.0\.value" cannot be provided; .*KV cache/);
    // position_ids comes first in a real export: it must not hide the KV-cache inputs and the hint.
    await expect(load('causal-lm-kv')).rejects.toThrow(
      /graph inputs "position_ids", "past_key_values\.0\.key", "past_key_values\.0\.value" cannot be provided; .*\(this looks like a causal LM export with a KV cache/,
    );
  });
  it('refuses int32 input_ids, a missing logits output and a vocabulary that differs from the card', async () => {
    await expect(load('int32-ids')).rejects.toThrow(/input "input_ids" has type int32, expected int64/);
    await expect(load('no-logits')).rejects.toThrow(/graph has no tensor output "logits" \(outputs: hidden\)/);
    await expect(load('wrong-vocab')).rejects.toThrow(/output "logits" has shape \[.*\], expected \[batch, length, \d+\] \(vocabSize in the model card, from model\.json\)/);
  });
  it('accepts a graph with attention_mask and feeds it', async () => {
    const m = await load('with-attention-mask');
    expect(m.model.io.hasAttentionMask).toBe(true);
    const canvas = new Int32Array(5).fill(m.card.maskId);
    const p = await m.model.forward({ rows: [{ canvas, noiseKey: 0 }], samples: 1, temperature: 0 });
    expect(Number.isFinite(p.row(0).entropy(0))).toBe(true);
  });
  it('fills a card from a family preset, the tokenizer filling what the card leaves out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'infogain-preset-'));
    for (const f of ['model.onnx', 'tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(TINY, 'sdar-tiny', f), join(dir, f));
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ preset: 'sdar', vocabSize: 70, contextLimit: 64 }));
    const m = await loadModelDir(dir, { threads: 1 });
    // The tokenizer's ids (<|MASK|> = 1, <|endoftext|> = 0) win over the preset's public ones.
    expect(m.card).toMatchObject({ maskId: 1, eosPenalty: 4, attention: { kind: 'block-causal', blockSize: 4 }, vocabSize: 70, eosId: 0, padId: 0, logitShift: false });
    // The preset's vocabulary (LLaDA's 126,464) does not match this graph: a clear error naming both.
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ preset: 'llada' }));
    await expect(loadModelDir(dir)).rejects.toThrow(/output "logits" has shape \[batch, length, 70\], expected \[batch, length, 126464\]/);
  });

  it('names a bad card field and a missing model.onnx', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'infogain-dir-'));
    copyFileSync(join(TINY, 'llada-tiny', 'model.onnx'), join(dir, 'model.onnx'));
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ vocabSize: 10, maskId: 1, logitShift: 'yes' }));
    await expect(loadModelDir(dir)).rejects.toThrow(/model\.json: field "logitShift" is "yes", expected true or false/);
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ preset: 'gpt' }));
    await expect(loadModelDir(dir)).rejects.toThrow(/field "preset" is "gpt", expected one of llada, dream, sdar, mmada/);
    await expect(loadModelDir(join(dir, 'nope'))).rejects.toThrow(/no model\.onnx/);
    expect(() => parseCard({ vocabSize: 4, maskId: 9 }, 'x.json')).toThrow(/x\.json: field "maskId" is 9, expected an id below vocabSize 4/);
  });
});

describe('the same backend on onnxruntime-web', () => {
  it('gives the predictions of onnxruntime-node (wasm backend, in Node)', async () => {
    const web = await import('onnxruntime-web');
    web.env.wasm.numThreads = 1;
    const node = await loadModelDir(join(TINY, 'llada-tiny'), { threads: 1 });
    const { readFileSync } = await import('node:fs');
    const viaWeb = await OnnxDenoiser.create(web as unknown as OrtRuntime, readFileSync(join(TINY, 'llada-tiny', 'model.onnx')), node.card, { source: 'web' });
    const canvas = new Int32Array(12).fill(node.card.maskId);
    canvas.set(node.tokenizer!.encode('KING:'));
    const req = { rows: [{ canvas, noiseKey: 5 }], samples: 2, temperature: 0.8 };
    const a = await node.model.forward(req);
    const b = await viaWeb.forward(req);
    for (let t = 0; t < 12; t++) {
      expect(b.row(0).top1Id(t)).toBe(a.row(0).top1Id(t));
      expect(b.row(0).entropy(t)).toBeCloseTo(a.row(0).entropy(t), 4);
    }
  });
});
