/**
 * The bench page (web/bench.html), driven by bench/web.ts: `runBench` times in a fresh worker,
 * as the app decodes (bench-worker.ts), or with `where: 'main'` on this page's main thread, to
 * show what the worker costs. The page's own query (?threads=, ?device=, ?session=) configures
 * onnxruntime-web as in the app.
 */
import type { GraphCase } from './bench-request.js';
import { runCall, type BenchResult, type ForwardTiming, type ModelForwardResult } from './bench-run.js';

export type { BenchResult, ForwardTiming, ModelForwardResult };

export type BenchCall =
  | { op: 'forward'; base: string; search: string; rows: number[]; repeats: number }
  | { op: 'graph'; base: string; search: string; url: string; cases: GraphCase[]; repeats: number }
  | { op: 'model'; base: string; search: string; url: string; rows: number[]; length: number; repeats: number };

/** What bench/web.ts asks for: a call without the page's own URL, and where to run it. */
export type BenchRequest = BenchCall extends infer C ? (C extends BenchCall ? Omit<C, 'base' | 'search'> & { where: 'worker' | 'main' } : never) : never;

declare global {
  interface Window {
    runBench?: (request: BenchRequest) => Promise<unknown>;
  }
}

function inWorker(call: BenchCall): Promise<unknown> {
  const worker = new Worker(new URL('./bench-worker.ts', import.meta.url), { type: 'module' });
  return new Promise<unknown>((resolve, reject) => {
    worker.onmessage = ({ data }: MessageEvent<{ ok: true; value: unknown } | { ok: false; message: string }>) => (data.ok ? resolve(data.value) : reject(new Error(data.message)));
    worker.onerror = (e) => reject(new Error(`bench worker: ${e.message}`));
    worker.postMessage(call);
  }).finally(() => worker.terminate());
}

window.runBench = (request) => {
  const { where, ...rest } = request;
  const call = { ...rest, base: document.baseURI, search: location.search } as BenchCall;
  return where === 'worker' ? inWorker(call) : runCall(call);
};
document.getElementById('log')!.textContent = 'ready';
document.body.dataset.ready = 'true';
