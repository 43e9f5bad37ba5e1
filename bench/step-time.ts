/**
 * Per-step time of the two statistics paths at V = 32 and V = 32,000:
 *   logits  – the graph returns [B,T,V] logits and JavaScript reduces them
 *   head    – the in-graph statistics head returns O(B·T) numbers
 * Both paths run the same graph; onnxruntime executes the head's nodes even when only `logits`
 * is fetched (with no draws requested), so the logits path here includes that overhead.
 * One Info-Gain step with N = 8 costs one 8-row forward (the winner's lookahead is reused);
 * a greedy step costs one 1-row forward. Canvas: T = 64, half masked, a 16-position block.
 *
 *   npm run bench            (add -- --json for machine-readable output)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import Table from 'cli-table3';
import { Rng } from '../src/core/rng.js';
import { parseCard } from '../src/models/card.js';
import type { ForwardRequest } from '../src/models/denoiser.js';
import { OnnxDenoiser, type OrtRuntime } from '../src/models/onnx.js';

const T = 64;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 15);
const threads = Number(process.env.BENCH_THREADS ?? 2);

function request(vocab: number, maskId: number, rows: number, temperature: number, samples: number): ForwardRequest {
  const rng = new Rng(1);
  return {
    samples,
    temperature,
    rows: Array.from({ length: rows }, () => {
      const canvas = Int32Array.from({ length: T }, (_, t) => (t >= 32 ? maskId : rng.nextInt(vocab - 1)));
      return { canvas, noiseKey: rng.nextUint32(), samplePositions: Int32Array.from({ length: 16 }, (_, j) => 32 + j) };
    }),
  };
}

async function time(model: OnnxDenoiser, req: ForwardRequest): Promise<{ median: number; p90: number }> {
  await model.forward(req); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const t0 = performance.now();
    await model.forward(req);
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor(ms.length / 2)], p90: ms[Math.floor(ms.length * 0.9)] };
}

const results: Record<string, unknown>[] = [];
for (const dir of ['bench/models/v32', 'bench/models/v32000']) {
  const card = parseCard(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')), join(dir, 'model.json'));
  const bytes = readFileSync(join(dir, 'model.onnx'));
  for (const head of [false, true]) {
    const model = await OnnxDenoiser.create(ort as unknown as OrtRuntime, bytes, card, { source: dir, threads, statsHead: head });
    for (const [rows, temperature, samples] of [[1, 0, 1], [8, 0, 8], [8, 0.7, 8]] as const) {
      const r = await time(model, request(card.vocabSize, card.maskId, rows, temperature, samples));
      results.push({ vocab: card.vocabSize, path: head ? 'head' : 'logits', rows, temperature, samples, medianMs: +r.median.toFixed(2), p90Ms: +r.p90.toFixed(2) });
    }
    await model.dispose();
  }
}

if (process.argv.includes('--json')) console.log(JSON.stringify({ T, threads, repeats: REPEATS, results }, null, 2));
else {
  const table = new Table({ head: ['V', 'path', 'rows', 'τ_tok', 'draws', 'median ms', 'p90 ms'], style: { head: [], border: [] } });
  for (const r of results) table.push([r.vocab, r.path, r.rows, r.temperature, r.samples, r.medianMs, r.p90Ms] as string[]);
  console.log(`forward time per call, T = ${T}, ${threads} threads, ${REPEATS} repeats (onnxruntime-node ${ort.env.versions.node})`);
  console.log(table.toString());
}
