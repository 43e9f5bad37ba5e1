/**
 * The in-page half of `npm run bench:web`: times the library's forward call (the same
 * `OnnxDenoiser.forward` the decode loop makes) on onnxruntime-web for each built-in model at
 * 1 and 8 rows. bench/web.ts loads this page with ?threads=&backend= and reads the result.
 */
import { loadModel, type ForwardRequest, type Model } from '../../src/index.js';
import { fetchModelIndex, taskOf } from './catalog.js';
import { configureRuntime, ortRuntime, type RuntimeSettings } from './runtime.js';

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

/** The request bench/step-time.ts also uses: half the canvas masked, draws at 16 positions. */
function request(model: Model, rows: number, length: number): ForwardRequest {
  const { vocabSize, maskId } = model.card;
  return {
    samples: 1,
    temperature: 0,
    rows: Array.from({ length: rows }, (_, r) => ({
      canvas: Int32Array.from({ length }, (_, t) => (t >= length / 2 ? maskId : (t * 7 + r * 13) % vocabSize === maskId ? 0 : (t * 7 + r * 13) % vocabSize)),
      noiseKey: 1234 + r,
    })),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function runForwardBench(rowCounts: number[], repeats: number): Promise<BenchResult> {
  const settings = await configureRuntime(new URLSearchParams(location.search));
  const runtime = ortRuntime(settings.backend);
  const timings: ForwardTiming[] = [];
  const loadMs: Record<string, number> = {};
  for (const entry of (await fetchModelIndex()).filter((m) => m.kind === 'onnx')) {
    const started = performance.now();
    const model = await loadModel(new URL(entry.url, document.baseURI), { runtime, task: taskOf(entry.task) ?? undefined });
    loadMs[entry.name] = performance.now() - started;
    const length = Math.min(model.card.contextLimit, entry.task === 'sudoku' ? 81 : entry.task === 'countdown' ? 48 : 128);
    for (const rows of rowCounts) {
      const req = request(model, rows, length);
      await model.denoiser.forward(req); // warm-up: the first call allocates
      const ms: number[] = [];
      for (let i = 0; i < repeats; i++) {
        const t0 = performance.now();
        await model.denoiser.forward(req);
        ms.push(performance.now() - t0);
      }
      timings.push({ model: entry.name, rows, length, medianMs: median(ms), minMs: Math.min(...ms) });
    }
    await model.dispose();
  }
  return { settings, loadMs, timings };
}

window.runForwardBench = runForwardBench;
document.getElementById('log')!.textContent = 'ready';
document.body.dataset.ready = 'true';
