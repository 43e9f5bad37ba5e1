/**
 * KV-cache modes (decode parameter use_cache, spec §3, D1–D2) on real cache graphs:
 * - block-causal (SDAR-style) models: the committed-prefix cache is exact, so prefix and dual
 *   decoding give the no-cache output token for token, Info-Gain lookahead rows included;
 * - full-attention models: the cache is an approximation; the block-entry forward still equals
 *   the plain graph's, the window's predictions equal a fresh forward on the canvas the cache was
 *   built from, and every mask is decoded;
 * - what cannot run says so before any forward.
 * (A Dream-style shifted model's cache modes: test/cache-shifted.test.ts.)
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, loadModel, type Model } from '../src/node.js';
import { parseCard } from '../src/models/card.js';
import { CacheGraph } from '../src/models/onnx-cache.js';
import { selectKv } from '../src/models/kv-cache.js';
import type { KvCache } from '../src/models/denoiser.js';
import type { OrtRuntime } from '../src/models/onnx.js';

const TINY = join(import.meta.dirname, '..', 'models', 'tiny');
let sdar: Model;
let llada: Model;
beforeAll(async () => {
  sdar = await loadModel(join(TINY, 'sdar-tiny'));
  llada = await loadModel(join(TINY, 'llada-tiny'));
});
afterAll(async () => {
  await sdar.dispose();
  await llada.dispose();
});

const PROMPT = 'ROMEO:\nWhat ';

describe('block-causal model: the committed-prefix cache is exact', () => {
  const run = (sampler: 'confidence' | 'entropy' | 'info-gain', temperature: number, useCache: 'none' | 'prefix' | 'dual') =>
    generate(sdar, PROMPT, { sampler, params: sampler === 'info-gain' ? { candidates: 4 } : {}, genLength: 36, seed: 5, decode: { temperature, use_cache: useCache } });
  const commits = (t: { steps: { commits: { position: number; token: number }[] }[] }) => t.steps.map((s) => s.commits.map((c) => [c.position, c.token]));

  it.each([
    ['confidence', 0, ['prefix', 'dual']],
    ['entropy', 0.8, ['prefix', 'dual']],
    ['info-gain', 0, ['prefix']],
    ['info-gain', 0.8, ['prefix']],
  ] as const)('%s at τ_tok %s: %j decode the no-cache output token for token', async (sampler, temperature, modes) => {
    const none = (await run(sampler, temperature, 'none')).trace.sequences[0];
    for (const mode of modes) {
      const { trace } = await run(sampler, temperature, mode);
      const cached = trace.sequences[0];
      expect(cached.output).toEqual(none.output);
      expect(commits(cached)).toEqual(commits(none));
      expect(cached.totals.cumulativeUncertainty).toBeCloseTo(none.totals.cumulativeUncertainty, 4);
      expect(trace.decode.use_cache).toBe(mode);
    }
  });

  it('dual: Info-Gain’s H_next keeps the block-entry entropies of later blocks (D2), which a block-causal model would change', async () => {
    // Later blocks attend to the current one, so a candidate's commit moves their entropies; the
    // dual window does not recompute them. The block's own predictions stay exact.
    const none = (await run('info-gain', 0.8, 'none')).trace.sequences[0];
    const dual = (await run('info-gain', 0.8, 'dual')).trace.sequences[0];
    const firstScored = none.steps.findIndex((s) => s.candidates !== undefined);
    const [a, b] = [none.steps[firstScored], dual.steps[firstScored]];
    b.candidates!.forEach((c, i) => expect(c.cost).toBeCloseTo(a.candidates![i].cost, 5));
    expect(b.candidates!.map((c) => c.hNext)).not.toEqual(a.candidates!.map((c) => c.hNext));
    expect(dual.output).not.toContain(sdar.card.maskId);
  });
});

describe('full-attention model: an approximation that still decodes', () => {
  it('dual and prefix fill every mask; the first step decides on the plain graph’s predictions', async () => {
    const none = await generate(llada, PROMPT, { sampler: 'confidence', genLength: 40, seed: 2, decode: { block_length: 8 } });
    for (const mode of ['prefix', 'dual'] as const) {
      const { trace } = await generate(llada, PROMPT, { sampler: 'confidence', genLength: 40, seed: 2, decode: { block_length: 8, use_cache: mode } });
      const [a, b] = [none.trace.sequences[0], trace.sequences[0]];
      expect(b.output).not.toContain(llada.card.maskId);
      expect(b.steps[0].commits).toEqual(a.steps[0].commits.map((c) => ({ ...c, entropy: expect.closeTo(c.entropy, 4) })));
      expect(Number.isFinite(b.totals.cumulativeUncertainty)).toBe(true);
    }
  });

  it('a batch in lockstep (one cache per sequence, packed once per block) decodes each prompt as it decodes alone', async () => {
    // Equal lengths: rows share a model call only with rows whose window and cache lengths match.
    const prompts = [PROMPT, 'KING:\nMy lor', 'JULIET:\nO Ro'];
    expect(new Set(prompts.map((q) => q.length)).size).toBe(1);
    for (const mode of ['prefix', 'dual'] as const) {
      const options = { sampler: 'info-gain' as const, params: { candidates: 4 }, genLength: 24, seed: 7, decode: { block_length: 8, temperature: 0.8, use_cache: mode } };
      const batch = await generate(llada, prompts, options);
      for (const [i, prompt] of prompts.entries()) {
        const alone = (await generate(llada, prompt, { ...options, seed: 7 + i })).trace.sequences[0];
        const together = batch.trace.sequences[i];
        expect(together.output).toEqual(alone.output);
        expect(together.totals.cumulativeUncertainty).toBeCloseTo(alone.totals.cumulativeUncertainty, 4);
      }
    }
  });

  it('a window against the cache of its own canvas reproduces the whole-canvas forward (keys in any order)', async () => {
    const bytes = await readFile(join(TINY, 'llada-tiny', 'model.cache.onnx'));
    const graph = await CacheGraph.create(ort as unknown as OrtRuntime, bytes, llada.card, 'llada-tiny');
    const T = 40;
    const canvas = Int32Array.from({ length: T }, (_, i) => (i % 3 === 0 ? llada.card.maskId : 4 + ((i * 7) % 60)));
    const got: { kv: KvCache | null } = { kv: null };
    const full = await graph.forward({ rows: [{ canvas, noiseKey: 1, onKv: (kv) => (got.kv = kv) }], samples: 1, temperature: 0 });
    const plain = await llada.denoiser.forward({ rows: [{ canvas, noiseKey: 1 }], samples: 1, temperature: 0 });
    for (let t = 0; t < T; t++) expect(full.entropy[t]).toBeCloseTo(plain.entropy[t], 4);
    const [s, e] = [12, 20];
    const outside = [...Array.from({ length: T - e }, (_, i) => e + i), ...Array(s).keys()];
    const cache = selectKv(got.kv!, outside, llada.card.cache!);
    const scrambled = await graph.forward({
      rows: [{ canvas, noiseKey: 1, window: { start: s, end: e, cache, outside: plain.row(0) } }, { canvas, noiseKey: 1, window: { start: s, end: e, cache, outside: plain.row(0) } }],
      samples: 1, temperature: 0,
    });
    for (const b of [0, 1])
      for (let t = 0; t < T; t++) {
        expect(scrambled.entropy[b * T + t]).toBeCloseTo(plain.entropy[t], 4);
        expect(scrambled.top1Id[b * T + t]).toBe(plain.top1Id[t]);
      }
    await graph.dispose();
  });
});

describe('what cannot use a cache says so', () => {
  it('an oracle and a model directory without a cache graph are refused before decoding', async () => {
    const hmm = await loadModel('hmm-demo');
    await expect(generate(hmm, [1, 2], { genLength: 4, decode: { use_cache: 'dual' } })).rejects.toThrow(/use_cache=dual: model hmm-demo has no cache graph \(card field "cache"/);
    // llada-tiny without its cache graph and the card's field "cache".
    const dir = await mkdtemp(join(tmpdir(), 'infogain-nocache-'));
    try {
      for (const f of ['model.onnx', 'tokenizer.json', 'tokenizer_config.json']) await copyFile(join(TINY, 'llada-tiny', f), join(dir, f));
      const { cache: _cache, ...card } = JSON.parse(await readFile(join(TINY, 'llada-tiny', 'model.json'), 'utf8')) as Record<string, unknown>;
      await writeFile(join(dir, 'model.json'), JSON.stringify({ ...card, name: 'bare-tiny' }));
      const bare = await loadModel(dir);
      await expect(generate(bare, 'ROMEO', { genLength: 4, decode: { use_cache: 'prefix' } })).rejects.toThrow(
        /use_cache=prefix: model bare-tiny has no cache graph \(card field "cache"; training\/export_cache.py exports one\), expected use_cache=none for it/,
      );
      await bare.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a malformed card field "cache" names the field and the expected shape', () => {
    const base = { vocabSize: 10, maskId: 1 };
    expect(() => parseCard({ ...base, cache: { graph: 'model.cache.onnx', layers: 2, heads: 0, headDim: 16 } }, 'm/model.json')).toThrow(
      /m\/model.json: field "cache" is \{"graph":"model.cache.onnx","layers":2,"heads":0,"headDim":16\}, expected \{"graph"/,
    );
    expect(() => parseCard({ ...base, cache: { graph: '../x.onnx', layers: 2, heads: 2, headDim: 16 } }, 'm/model.json')).toThrow(/field "cache"/);
    expect(parseCard({ ...base, cache: { graph: 'model.cache.onnx', layers: 2, heads: 4, headDim: 16 } }, 'm/model.json').cache).toEqual({ graph: 'model.cache.onnx', layers: 2, heads: 4, headDim: 16 });
  });
});
