/**
 * Continuous batching across independent decode runs. Each run (an HTTP request, a worker's job)
 * decodes through its own `BatchClient`, a `Denoiser` whose forward calls are queued here; whenever
 * the model is free, every queued call with the same shape (canvas length, draws per position,
 * temperature) is merged into one model call of at most `maxRows` rows, and the predictions are
 * split back per call. Runs join and leave between model calls, never waiting for each other to
 * finish.
 *
 * Merging changes no output: the backend treats rows independently and every draw comes from the
 * row's own noise key (spec D7), so a run's predictions are the same alone or batched (tested on
 * the ONNX text model in test/server-batching.test.ts).
 */
import type { ModelCard } from '../models/card.js';
import { Predictions, type Denoiser, type ForwardRequest } from '../models/denoiser.js';

export interface BatcherOptions {
  /** Most rows in one model call; a single call with more rows still runs, alone. Default 256. */
  maxRows?: number;
  /** After each model call, with its row count and duration (metrics). */
  onForward?: (rows: number, seconds: number) => void;
}

interface Pending {
  request: ForwardRequest;
  key: string;
  resolve: (p: Predictions) => void;
  reject: (e: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/** After the pending microtasks (setImmediate in Node; a 0 ms timeout elsewhere). */
const later: (run: () => void) => void = typeof setImmediate === 'function' ? (run) => void setImmediate(run) : (run) => void setTimeout(run, 0);

// Cache-mode requests (windows, keys/values) run through the cache graph: they merge only with
// each other, so a plain request's predictions never come from the other graph.
const shapeKey = (r: ForwardRequest): string =>
  `${r.rows[0]?.canvas.length ?? 0}/${r.samples}/${r.temperature}/${r.rows.some((row) => row.window || row.onKv) ? 'cache' : 'plain'}`;

export class BatchingDenoiser {
  readonly maxRows: number;
  private readonly queue: Pending[] = [];
  private busy = false;
  private scheduled = false;
  /** Model calls made, rows forwarded: for the mean rows per call. */
  calls = 0;
  rows = 0;

  constructor(
    readonly inner: Denoiser,
    private readonly options: BatcherOptions = {},
  ) {
    this.maxRows = options.maxRows ?? 256;
    if (!Number.isInteger(this.maxRows) || this.maxRows < 1) throw new RangeError(`maxRows is ${this.maxRows}, expected an integer ≥ 1`);
  }

  get card(): ModelCard {
    return this.inner.card;
  }

  /** Forward calls waiting for the model. */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * A denoiser for one run. Once `signal` aborts, a call still waiting is dropped from the queue
   * and rejects with the signal's reason (a call already running finishes and is discarded).
   */
  client(signal?: AbortSignal): Denoiser {
    return { card: this.inner.card, forward: (request) => this.enqueue(request, signal) };
  }

  private enqueue(request: ForwardRequest, signal: AbortSignal | undefined): Promise<Predictions> {
    return new Promise<Predictions>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const entry: Pending = {
        request, key: shapeKey(request), resolve, reject, signal,
        onAbort: () => {
          const i = this.queue.indexOf(entry);
          if (i >= 0) {
            this.queue.splice(i, 1);
            reject(signal?.reason);
          }
        },
      };
      signal?.addEventListener('abort', entry.onAbort, { once: true });
      this.queue.push(entry);
      this.schedule();
    });
  }

  /**
   * Run the next merged call on a later turn of the event loop: the runs answered by the previous
   * call continue in microtasks (their next step, their next request) and join this one.
   */
  private schedule(): void {
    if (this.busy || this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    later(() => {
      this.scheduled = false;
      void this.runNext();
    });
  }

  /** The oldest waiting call and every later one of its shape, in arrival order, up to maxRows rows. */
  private takeBatch(): Pending[] {
    const key = this.queue[0].key;
    const batch: Pending[] = [];
    let rows = 0;
    for (const entry of this.queue) {
      if (entry.key !== key) continue;
      const n = entry.request.rows.length;
      if (batch.length > 0 && rows + n > this.maxRows) continue;
      batch.push(entry);
      rows += n;
    }
    for (const entry of batch) {
      this.queue.splice(this.queue.indexOf(entry), 1);
      entry.signal?.removeEventListener('abort', entry.onAbort);
    }
    return batch;
  }

  private async runNext(): Promise<void> {
    if (this.busy || this.queue.length === 0) return;
    this.busy = true;
    const batch = this.takeBatch();
    try {
      const { samples, temperature } = batch[0].request;
      const rows = batch.flatMap((e) => e.request.rows);
      const started = performance.now();
      let merged: Predictions;
      try {
        merged = await this.inner.forward({ rows, samples, temperature });
      } catch (error) {
        if (batch.length === 1) batch[0].reject(error);
        // One run's bad row (a canvas the model turns into NaN) must not fail the runs it was merged with: each runs alone.
        else for (const e of batch) await this.runAlone(e);
        return;
      }
      this.count(rows.length, started);
      let offset = 0;
      for (const e of batch) {
        const n = e.request.rows.length;
        e.resolve(batch.length === 1 ? merged : slicePredictions(merged, offset, n));
        offset += n;
      }
    } finally {
      this.busy = false;
      this.schedule();
    }
  }

  private async runAlone(entry: Pending): Promise<void> {
    const started = performance.now();
    try {
      const predictions = await this.inner.forward(entry.request);
      this.count(entry.request.rows.length, started);
      entry.resolve(predictions);
    } catch (error) {
      entry.reject(error);
    }
  }

  private count(rows: number, started: number): void {
    this.calls += 1;
    this.rows += rows;
    this.options.onForward?.(rows, (performance.now() - started) / 1000);
  }
}

/** Rows [first, first + count) of `p` as predictions of their own. */
export function slicePredictions(p: Predictions, first: number, count: number): Predictions {
  const out = new Predictions(count, p.length, p.samples);
  const a = first * p.length;
  const b = (first + count) * p.length;
  const S = p.samples;
  out.entropy.set(p.entropy.subarray(a, b));
  out.top1Id.set(p.top1Id.subarray(a, b));
  out.top1Prob.set(p.top1Prob.subarray(a, b));
  out.top2Prob.set(p.top2Prob.subarray(a, b));
  out.tokenProb.set(p.tokenProb.subarray(a, b));
  out.sampleId.set(p.sampleId.subarray(a * S, b * S));
  out.sampleProb.set(p.sampleProb.subarray(a * S, b * S));
  return out;
}
