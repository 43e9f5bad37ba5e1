/**
 * The in-page half of `npm run bench:web`, run where the page decodes (the worker, bench-worker.ts)
 * or, to compare, on the main thread: the library's forward call (the same
 * `OnnxDenoiser.forward` the decode loop makes) on each built-in model at 1 and 8 rows, and a bare
 * onnxruntime-web session of any graph with given feeds (bench/web.ts times the same graph and
 * feeds in onnxruntime-node, e.g. the forward's MatMuls alone).
 */
import { loadModel } from '../../src/index.js';
import type { WebModelEntry } from '../../src/web/model-index.js';
import { benchLength, benchRequest, timeForward, type GraphCase } from './bench-request.js';
import type { BenchCall } from './bench.js';
import { configureRuntime, type RuntimeSettings } from './runtime.js';

export interface ForwardTiming {
  model: string;
  rows: number;
  length: number;
  medianMs: number;
  minMs: number;
}

export interface BenchResult {
  settings: RuntimeSettings;
  /** onnxruntime-web's thread count once its first session exists. */
  threadsInUse: number;
  loadMs: Record<string, number>;
  timings: ForwardTiming[];
}

/**
 * V8 runs a fresh wasm module on baseline (Liftoff) code and recompiles hot functions with its
 * optimizing compiler as they run: timed too early, the first model measured ran several times
 * slower than the same calls later. So every model is loaded and run `WARMUP` times first.
 */
const WARMUP = 8;

export async function forwardBench(base: string, search: string, rowCounts: number[], repeats: number): Promise<BenchResult> {
  const { settings, runtime, threadsInUse } = await configureRuntime(new URLSearchParams(search), base);
  const timings: ForwardTiming[] = [];
  const loadMs: Record<string, number> = {};
  const response = await fetch(new URL('models/index.json', base));
  const index = ((await response.json()) as WebModelEntry[]).filter((m) => m.kind === 'onnx');
  const loaded = [];
  for (const entry of index) {
    const started = performance.now();
    // Task-free: the forward call is the same with or without one; the digits task needs its judge.
    const model = await loadModel(new URL(entry.url, base), { runtime, device: settings.backend });
    loadMs[entry.name] = performance.now() - started;
    loaded.push({ entry, model, length: benchLength(entry.task, model.card.contextLimit) });
  }
  for (const { model, length } of loaded) for (const rows of rowCounts) for (let i = 0; i < WARMUP; i++) await model.denoiser.forward(benchRequest(model.card, rows, length));
  for (const { entry, model, length } of loaded) {
    for (const rows of rowCounts) timings.push({ model: entry.name, rows, length, ...(await timeForward(model.denoiser, benchRequest(model.card, rows, length), repeats)) });
    await model.dispose();
  }
  return { settings, threadsInUse: threadsInUse(), loadMs, timings };
}

/** Each case's median and fastest time of a bare session of the graph at `url` (warmed up as above). */
export async function graphBench(base: string, search: string, url: string, cases: GraphCase[], repeats: number): Promise<{ label: string; medianMs: number; minMs: number }[]> {
  const { runtime } = await configureRuntime(new URLSearchParams(search), base);
  const bytes = new Uint8Array(await (await fetch(new URL(url, base))).arrayBuffer());
  const session = await runtime.InferenceSession.create(bytes, { graphOptimizationLevel: 'all' });
  const out = [];
  try {
    for (const c of cases) {
      const feeds = Object.fromEntries(c.feeds.map((f) => [f.name, f.type === 'int64' ? new runtime.Tensor('int64', BigInt64Array.from(f.data, BigInt), f.dims) : new runtime.Tensor('float32', Float32Array.from(f.data), f.dims)]));
      const run = () => session.run(feeds);
      for (let i = 0; i < WARMUP; i++) await run();
      const ms: number[] = [];
      for (let i = 0; i < repeats; i++) {
        const t0 = performance.now();
        await run();
        ms.push(performance.now() - t0);
      }
      ms.sort((a, b) => a - b);
      out.push({ label: c.label, medianMs: ms[Math.floor(ms.length / 2)], minMs: ms[0] });
    }
  } finally {
    await session.release();
  }
  return out;
}

/** One model's load and forwards in the page (`npm run bench:real`): the graph's URL, load time, each forward's time, the first row's top-1 ids. */
export interface ModelForwardResult {
  settings: RuntimeSettings;
  threadsInUse: number;
  loadMs: number;
  /** Every forward of `rows` rows, in order (the first one cold), ms. */
  timings: { rows: number; length: number; ms: number[] }[];
  /** Top-1 ids of the first forward's first row, to compare with onnxruntime-node's (the same request). */
  top1: number[];
  /** Where the statistics came from (OnnxDenoiser.statistics: head, graph, js). */
  statistics?: string;
}

/**
 * A model served by URL (a Hugging Face folder's graph, …/onnx/<file>.onnx) loaded as the app loads
 * it, then `repeats` forwards of the bench request at each row count, without the warm-up of
 * `forwardBench`: at 0.6B parameters one forward takes tens of seconds, so V8 has tiered up the
 * wasm kernels within the first; the first and later calls are reported apart.
 */
export async function modelForwardBench(base: string, search: string, url: string, rowCounts: number[], length: number, repeats: number): Promise<ModelForwardResult> {
  const { settings, runtime, threadsInUse } = await configureRuntime(new URLSearchParams(search), base);
  const started = performance.now();
  // ?stats=js: the statistics reduced in JavaScript; ?stats=graph: the standalone statistics graph (off by default in browsers).
  const stats = new URLSearchParams(search).get('stats');
  const model = await loadModel(new URL(url, base), { runtime, device: settings.backend, ...(stats === 'js' ? { statsHead: false } : stats === 'graph' ? { statsGraph: true } : {}) });
  const statistics = (model.denoiser as { statistics?: string }).statistics;
  const loadMs = performance.now() - started;
  const timings: ModelForwardResult['timings'] = [];
  let top1: number[] = [];
  try {
    for (const rows of rowCounts) {
      const request = benchRequest(model.card, rows, length);
      const ms: number[] = [];
      for (let i = 0; i < repeats; i++) {
        const t0 = performance.now();
        const predictions = await model.denoiser.forward(request);
        ms.push(performance.now() - t0);
        if (top1.length === 0) top1 = Array.from(predictions.top1Id.subarray(0, length));
      }
      timings.push({ rows, length, ms });
    }
  } finally {
    await model.dispose();
  }
  return { settings, threadsInUse: threadsInUse(), loadMs, timings, top1, statistics };
}

/** A bench call run where it is made: the page's main thread (bench.ts), or the bench's worker. */
export function runCall(call: BenchCall): Promise<unknown> {
  if (call.op === 'forward') return forwardBench(call.base, call.search, call.rows, call.repeats);
  if (call.op === 'model') return modelForwardBench(call.base, call.search, call.url, call.rows, call.length, call.repeats);
  return graphBench(call.base, call.search, call.url, call.cases, call.repeats);
}
