/**
 * The in-page half of `npm run bench:web`: times the library's forward call (the same
 * `OnnxDenoiser.forward` the decode loop makes) on onnxruntime-web for each built-in model at
 * 1 and 8 rows. bench/web.ts loads this page with ?threads=&backend= (the device) and reads the result.
 */
import { loadModel } from '../../src/index.js';
import { benchLength, benchRequest, timeForward } from './bench-request.js';
import { fetchModelIndex, taskOf } from './catalog.js';
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
  loadMs: Record<string, number>;
  timings: ForwardTiming[];
}

declare global {
  interface Window {
    runForwardBench?: (rows: number[], repeats: number) => Promise<BenchResult>;
  }
}


/**
 * V8 runs a fresh wasm module on baseline (Liftoff) code and recompiles hot functions with its
 * optimizing compiler as they run: timed too early, the first model measured ran several times
 * slower than the same calls later. So every model is loaded and run `WARMUP` times first.
 */
const WARMUP = 8;

async function runForwardBench(rowCounts: number[], repeats: number): Promise<BenchResult> {
  const { settings, runtime } = await configureRuntime(new URLSearchParams(location.search));
  const timings: ForwardTiming[] = [];
  const loadMs: Record<string, number> = {};
  const loaded = [];
  for (const entry of (await fetchModelIndex()).filter((m) => m.kind === 'onnx')) {
    const started = performance.now();
    const model = await loadModel(new URL(entry.url, document.baseURI), { runtime, device: settings.backend, task: taskOf(entry.task) ?? undefined });
    loadMs[entry.name] = performance.now() - started;
    loaded.push({ entry, model, length: benchLength(entry.task, model.card.contextLimit) });
  }
  for (const { model, length } of loaded) for (const rows of rowCounts) for (let i = 0; i < WARMUP; i++) await model.denoiser.forward(benchRequest(model.card, rows, length));
  for (const { entry, model, length } of loaded) {
    for (const rows of rowCounts) {
      timings.push({ model: entry.name, rows, length, ...(await timeForward(model.denoiser, benchRequest(model.card, rows, length), repeats)) });
    }
    await model.dispose();
  }
  return { settings, loadMs, timings };
}

window.runForwardBench = runForwardBench;
document.getElementById('log')!.textContent = 'ready';
document.body.dataset.ready = 'true';
