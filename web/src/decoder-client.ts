/**
 * The page's handle on the decode worker (worker.ts): requests answered once (start the runtime,
 * load a model, a new example prompt) as promises, and a decode as a step source the player
 * paces. The worker computes ahead of what is shown; its steps wait here until the player asks.
 */
import type { WebModelEntry } from '../../src/web/model-index.js';
import type { DecodeSettings, InitResult, ModelInfo, PickedFiles, Reply, Request, WireEnding } from './protocol.js';
import type { Ending, ShownStep, StepSource } from './steps.js';

/** Distributes a Request without its id (TypeScript's Omit would merge the union's members). */
type WithoutId<R> = R extends unknown ? Omit<R, 'id'> : never;

export class DecoderClient {
  private readonly worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'infogain decode worker' });
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly streams = new Map<number, RemoteSource>();

  constructor(onCrash: (message: string) => void) {
    this.worker.onmessage = ({ data }: MessageEvent<Reply>) => this.receive(data);
    this.worker.onerror = (e) => onCrash(`the decode worker failed: ${e.message || 'it could not start (see the console)'}`);
  }

  private receive(reply: Reply): void {
    if (reply.kind === 'ok' || reply.kind === 'error') {
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.kind === 'ok') waiting?.resolve(reply.value);
      else waiting?.reject(new Error(reply.message));
      return;
    }
    this.streams.get(reply.id)?.receive(reply);
    if (reply.kind === 'end') this.streams.delete(reply.id);
  }

  private send(request: WithoutId<Request>): number {
    const id = this.nextId++;
    this.worker.postMessage({ ...request, id });
    return id;
  }

  private call<T>(request: WithoutId<Exclude<Request, { op: 'decode' | 'abort' }>>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const id = this.send(request);
      this.pending.set(id, { resolve: (v) => resolve(v as T), reject });
    });
  }

  /** Start onnxruntime-web in the worker with the page's URL settings (?device=, ?threads=, ?session=). */
  init(base: string, search: string): Promise<InitResult> {
    return this.call({ op: 'init', base, search });
  }

  load(entry: WebModelEntry): Promise<ModelInfo> {
    return this.call({ op: 'load', entry });
  }

  loadPicked(key: string, picked: PickedFiles): Promise<ModelInfo> {
    return this.call({ op: 'load-picked', key, picked });
  }

  loadUrl(key: string, url: string): Promise<ModelInfo> {
    return this.call({ op: 'load-url', key, url });
  }

  example(key: string, seed: number, taskOption: string): Promise<string> {
    return this.call({ op: 'example', key, seed, taskOption });
  }

  /** Start a decode; resolves with its source and initial canvas once the worker has read the prompt (rejects when it cannot). */
  async decode(key: string, promptText: string, genLength: number, settings: DecodeSettings): Promise<{ source: RemoteSource; initial: Int32Array }> {
    const source = new RemoteSource((id) => this.worker.postMessage({ op: 'abort', id } satisfies Request));
    const id = this.send({ op: 'decode', key, promptText, genLength, settings });
    this.streams.set(id, source);
    source.id = id;
    return { source, initial: await source.initial };
  }
}

/** Extra results of a finished decode: the task's verdict and, for digits, what the judge saw. */
export type RemoteEnding = Extract<WireEnding, { kind: 'done' }>;

/** A decode running in the worker, as the player's step source. */
export class RemoteSource implements StepSource {
  id = 0;
  ending: Ending | null = null;
  /** The worker's ending, with its grading (set with `ending`). */
  graded: RemoteEnding | null = null;
  readonly initial: Promise<Int32Array>;
  private setInitial!: (canvas: Int32Array) => void;
  private failInitial!: (e: Error) => void;
  private readonly steps: ShownStep[] = [];
  private end: WireEnding | null = null;
  private wake: (() => void) | null = null;

  constructor(private readonly sendAbort: (id: number) => void) {
    this.initial = new Promise((resolve, reject) => {
      this.setInitial = resolve;
      this.failInitial = reject;
    });
  }

  receive(reply: Reply): void {
    if (reply.kind === 'start') this.setInitial(reply.initial);
    else if (reply.kind === 'step') this.steps.push(reply.step);
    else if (reply.kind === 'end') {
      this.end = reply.ending;
      // A decode that fails before its start (a bad prompt) has no panel: its error goes to the caller.
      if (reply.ending.kind === 'failed') this.failInitial(new Error(reply.ending.message));
    }
    this.wake?.();
  }

  async next(): Promise<ShownStep | null> {
    for (;;) {
      const step = this.steps.shift();
      if (step) return step;
      if (this.end) {
        this.ending = this.end.kind === 'done' ? { kind: 'done', trace: this.end.trace, text: this.end.text } : this.end.kind === 'aborted' ? this.end : { kind: 'failed', error: new Error(this.end.message) };
        if (this.end.kind === 'done') this.graded = this.end;
        return null;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
  }

  /** Stop the worker's decode before its next model call; steps it computed but the page has not shown are dropped. */
  abort(): void {
    this.steps.length = 0;
    this.sendAbort(this.id);
  }
}
