/**
 * The decode worker: onnxruntime-web, the models and every decode() run here, off the page's
 * main thread, so a forward call (tens to hundreds of ms in wasm) never delays a click or a
 * paint. The page sends requests (protocol.ts) and shows the steps this worker posts back.
 */
import { isOracle, promptCanvas, type Model, type OrtRuntime } from '../../src/index.js';
import { examplePrompt, gradeOutput, loadBuiltin, loadFromUrl, loadPicked, readPrompt, tokenTexts, type LoadedModel } from './models.js';
import type { ModelInfo, Reply, Request } from './protocol.js';
import { configureRuntime, type RuntimeSettings } from './runtime.js';
import { serialModel } from './serial.js';
import { LiveSource } from './steps.js';

/** The worker's global scope, as far as it is used here (the app is typed with the DOM library). */
interface WorkerScope {
  onmessage: ((event: MessageEvent<Request>) => void) | null;
  postMessage(message: Reply): void;
}
const scope = globalThis as unknown as WorkerScope;

let base = '';
let settings: RuntimeSettings | null = null;
let runtime: OrtRuntime | null = null;
let threadsInUse: () => number = () => 1;
const models = new Map<string, Promise<LoadedModel>>();
const decodes = new Map<number, LiveSource>();

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const post = (reply: Reply) => scope.postMessage(reply);

function started(): { settings: RuntimeSettings; runtime: OrtRuntime } {
  if (!settings || !runtime) throw new Error('the decode worker was asked for a model before its init request');
  return { settings, runtime };
}

async function loaded(key: string): Promise<LoadedModel> {
  const model = models.get(key);
  if (!model) throw new Error(`no model "${key}" is loaded in the decode worker`);
  return model;
}

function infoOf(key: string, model: Model): ModelInfo {
  const { card } = model;
  return { key, name: model.name, vocabSize: card.vocabSize, maskId: card.maskId, task: model.task?.name ?? null, oracle: isOracle(model.denoiser), tokens: tokenTexts(model), threadsInUse: isOracle(model.denoiser) ? null : threadsInUse() };
}

/**
 * Remember a model load under `key`, forgetting it when it fails so a retry loads again. Its
 * forward calls are queued (serialModel): two decodes side by side share its one session.
 */
function remember(key: string, load: Promise<LoadedModel>): Promise<LoadedModel> {
  const loading = load.then((m) => ({ ...m, model: serialModel(m.model) }));
  models.set(key, loading);
  loading.catch(() => models.delete(key));
  return loading;
}

/** Run one decode, posting its initial canvas, every step, and how it ended (graded when done). */
async function runDecode(request: Extract<Request, { op: 'decode' }>): Promise<void> {
  const { id } = request;
  let source: LiveSource;
  let target: LoadedModel;
  try {
    target = await loaded(request.key);
    const model = target.model;
    const { prompt, genLength } = readPrompt(model, request.promptText, request.genLength);
    const initial = promptCanvas(model, prompt, genLength).canvas;
    source = new LiveSource(model, prompt, { ...request.settings, genLength });
    post({ id, kind: 'start', initial });
  } catch (e) {
    post({ id, kind: 'end', ending: { kind: 'failed', message: messageOf(e) } });
    return;
  }
  decodes.set(id, source);
  try {
    for (let step = await source.next(); step; step = await source.next()) post({ id, kind: 'step', step });
    const ending = source.ending!;
    if (ending.kind === 'done') {
      const graded = await gradeOutput(target, request.promptText, ending.trace.sequences[0].output).catch((e: unknown) => {
        throw new Error(`grading the output: ${messageOf(e)}`);
      });
      post({ id, kind: 'end', ending: { kind: 'done', trace: ending.trace, text: ending.text, ...graded } });
    } else if (ending.kind === 'aborted') post({ id, kind: 'end', ending });
    else post({ id, kind: 'end', ending: { kind: 'failed', message: messageOf(ending.error) } });
  } catch (e) {
    post({ id, kind: 'end', ending: { kind: 'failed', message: messageOf(e) } });
  } finally {
    decodes.delete(id);
  }
}

async function answer(request: Exclude<Request, { op: 'decode' | 'abort' }>): Promise<unknown> {
  switch (request.op) {
    case 'init': {
      base = request.base;
      const configured = await configureRuntime(new URLSearchParams(request.search), base);
      ({ settings, runtime, threadsInUse } = configured);
      return { settings };
    }
    case 'load': {
      const { settings: s, runtime: r } = started();
      const key = request.entry.name;
      const model = await (models.get(key) ?? remember(key, loadBuiltin(request.entry, r, s.backend, base)));
      return infoOf(key, model.model);
    }
    case 'load-picked': {
      const { settings: s, runtime: r } = started();
      const model = await remember(request.key, loadPicked(request.picked, r, s.backend).then((m) => ({ model: m, judge: null })));
      return infoOf(request.key, model.model);
    }
    case 'load-url': {
      const { settings: s, runtime: r } = started();
      const model = await (models.get(request.key) ?? remember(request.key, loadFromUrl(request.url, r, s.backend, base).then((m) => ({ model: m, judge: null }))));
      return infoOf(request.key, model.model);
    }
    case 'example':
      return examplePrompt((await loaded(request.key)).model, request.seed, request.taskOption);
  }
}

scope.onmessage = ({ data: request }) => {
  if (request.op === 'decode') void runDecode(request);
  else if (request.op === 'abort') decodes.get(request.id)?.abort();
  else answer(request).then((value) => post({ id: request.id, kind: 'ok', value }), (e: unknown) => post({ id: request.id, kind: 'error', message: messageOf(e) }));
};
