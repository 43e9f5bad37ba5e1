/** The bench's worker: runs bench-run.ts off the main thread, where the page's decodes run. */
import { runCall } from './bench-run.js';
import type { BenchCall } from './bench.js';

interface WorkerScope {
  onmessage: ((event: MessageEvent<BenchCall>) => void) | null;
  postMessage(message: { ok: true; value: unknown } | { ok: false; message: string }): void;
}
const scope = globalThis as unknown as WorkerScope;

scope.onmessage = ({ data: call }) => {
  runCall(call).then((value) => scope.postMessage({ ok: true, value }), (e: unknown) => scope.postMessage({ ok: false, message: e instanceof Error ? e.message : String(e) }));
};
