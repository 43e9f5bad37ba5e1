/**
 * The page: pick a model, a prompt (or a generated puzzle), one or two samplers and their
 * parameters, and watch the library's `decode()` run on onnxruntime-web in a Web Worker
 * (worker.ts), so the page stays responsive while it computes; or open a trace file and step
 * through it without a model. See docs/web.md.
 */
import { DECODE_PARAMS, parseTrace, SAMPLER_NAMES, type Trace } from '../../src/index.js';
import { fetchModelIndex, readerForTrace, sortPicked, type ModelEntry, type TokenReader } from './catalog.js';
import { paramInputs, readDecodeParams, readParams, samplerSpecs } from './controls.js';
import { DecoderClient, RemoteSource } from './decoder-client.js';
import { Player, type Track } from './player.js';
import type { ModelInfo } from './protocol.js';
import { DEVICES, type RuntimeSettings } from './runtime.js';
import { ReplaySource, type StepSource } from './steps.js';
import { el, messageOf, Panel, type Layout } from './view.js';

function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const node = document.getElementById(id);
  if (!(node instanceof type)) throw new Error(`index.html has no ${type.name} #${id}`);
  return node;
}

const ui = {
  runtime: byId('runtime', HTMLElement), threadsNote: byId('threads-note', HTMLElement), device: byId('device', HTMLSelectElement), model: byId('model', HTMLSelectElement), modelFiles: byId('model-files', HTMLInputElement), modelFolder: byId('model-folder', HTMLInputElement),
  modelInfo: byId('model-info', HTMLElement), prompt: byId('prompt', HTMLTextAreaElement), seed: byId('seed', HTMLInputElement),
  taskOption: byId('task-option', HTMLInputElement), taskOptionLabel: byId('task-option-label', HTMLElement), taskOptionName: byId('task-option-name', HTMLElement), newPrompt: byId('new-prompt', HTMLButtonElement),
  genLength: byId('gen-length', HTMLInputElement), genLengthLabel: byId('gen-length-label', HTMLElement), sideBySide: byId('side-by-side', HTMLInputElement),
  samplerA: byId('sampler-a', HTMLSelectElement), samplerB: byId('sampler-b', HTMLSelectElement), paramsA: byId('params-a', HTMLElement),
  paramsB: byId('params-b', HTMLElement), samplerBBox: byId('sampler-b-box', HTMLElement), decodeParams: byId('decode-params', HTMLElement),
  decode: byId('decode', HTMLButtonElement), play: byId('play', HTMLButtonElement), step: byId('step', HTMLButtonElement), abort: byId('abort', HTMLButtonElement),
  speed: byId('speed', HTMLInputElement), speedText: byId('speed-text', HTMLElement), traceFile: byId('trace-file', HTMLInputElement),
  error: byId('error', HTMLElement), comparison: byId('comparison', HTMLElement), panels: byId('panels', HTMLElement),
};

let settings: RuntimeSettings;
let index: ModelEntry[] = [];
/** Models loaded in the worker, by the key the model select knows them by. */
const models = new Map<string, Promise<ModelInfo>>();
let player: Player | null = null;
/** The model ?model=<url> loaded, kept in the URL when the device changes (picked files cannot be). */
let urlModel: string | null = null;
const client = new DecoderClient((message) => showError(message));

function showError(e: unknown): void {
  ui.error.hidden = false;
  ui.error.textContent = messageOf(e);
  console.info('infogain page error:', messageOf(e));
}
const clearError = () => {
  ui.error.hidden = true;
  ui.error.textContent = '';
};

function currentModel(): Promise<ModelInfo> {
  const loading = models.get(ui.model.value);
  if (loading) return loading;
  const entry = index.find((m) => m.name === ui.model.value);
  if (!entry) return Promise.reject(new Error(`no model "${ui.model.value}"`));
  const promise = client.load(entry);
  models.set(entry.name, promise);
  promise.catch(() => models.delete(entry.name));
  return promise;
}

const readerOf = (info: ModelInfo): TokenReader => (id) => info.tokens[id] ?? String(id);
const layoutOf = (info: ModelInfo): Layout => (info.task === 'sudoku' ? 'sudoku' : info.task === 'digits' ? 'digits' : 'flow');
const newPromptText: Record<string, string> = { sudoku: 'new puzzle', countdown: 'new problem', digits: 'new digit' };

/** The thread count onnxruntime-web runs with, once a session exists (it drops to 1 where threads cannot run). */
function showThreadsInUse(info: ModelInfo): void {
  if (info.threadsInUse === null) return;
  ui.runtime.dataset.threads = String(info.threadsInUse);
}

async function selectModel(): Promise<void> {
  clearError();
  ui.modelInfo.textContent = 'loading…';
  try {
    const model = await currentModel();
    const entry = index.find((m) => m.name === ui.model.value);
    const runsOn = model.oracle ? 'runs in JavaScript (an exact oracle)' : `on ${settings.backend}`;
    ui.modelInfo.textContent = `${entry?.description ?? 'your model'}: vocabulary ${model.vocabSize}, mask id ${model.maskId}${model.task ? `, task ${model.task}` : ''}; ${runsOn}`;
    showThreadsInUse(model);
    // Sudoku takes a number of blanks, Countdown a count of numbers; a digit's prompt is its class.
    ui.taskOptionLabel.hidden = model.task === null || model.task === 'digits';
    ui.newPrompt.hidden = model.task === null;
    ui.taskOptionName.textContent = model.task === 'countdown' ? 'numbers' : 'blanks';
    if (model.task === 'countdown' && !/^[34]$/.test(ui.taskOption.value)) ui.taskOption.value = '3';
    if (model.task === 'sudoku' && !/^\d+(-\d+)?$/.test(ui.taskOption.value)) ui.taskOption.value = '40-50';
    ui.newPrompt.textContent = newPromptText[model.task ?? ''] ?? 'new prompt';
    ui.genLengthLabel.hidden = model.task !== null;
    if (entry && entry.genLength > 0) ui.genLength.value = String(entry.genLength);
    ui.prompt.value = await client.example(model.key, Number(ui.seed.value) || 0, ui.taskOption.value);
    ui.modelInfo.dataset.loaded = model.name;
  } catch (e) {
    ui.modelInfo.textContent = '';
    showError(e);
  }
}

function renderSamplerParams(): void {
  ui.paramsA.replaceChildren(paramInputs(samplerSpecs(ui.samplerA.value), 'a'));
  ui.paramsB.replaceChildren(paramInputs(samplerSpecs(ui.samplerB.value), 'b'));
  ui.samplerBBox.hidden = !ui.sideBySide.checked;
}

function setRunning(running: boolean): void {
  for (const b of [ui.play, ui.step, ui.abort]) b.disabled = !running;
  ui.decode.disabled = running;
  ui.device.disabled = running;
  ui.traceFile.disabled = running;
  ui.play.textContent = 'pause';
}

const delay = () => Number(ui.speed.value);

/** Run the tracks with the transport buttons, then tidy up. */
async function runTracks(tracks: Track[], after: () => void): Promise<void> {
  setRunning(true);
  player = new Player(tracks, delay(), (state) => (ui.play.textContent = state === 'paused' ? 'play' : 'pause'));
  try {
    await player.run();
    after();
  } finally {
    player = null;
    setRunning(false);
  }
}

function saveLink(panel: Panel, trace: Trace, name: string): void {
  const href = URL.createObjectURL(new Blob([JSON.stringify(trace, null, 1)], { type: 'application/json' }));
  panel.root.append(el('a', { class: 'save-trace', href, download: name }, 'save trace'));
}

async function startDecode(): Promise<void> {
  clearError();
  ui.comparison.textContent = '';
  let tracks: Track[];
  try {
    const model = await currentModel();
    const seed = Number(ui.seed.value);
    const promptText = ui.prompt.value;
    const decode = readDecodeParams(ui.decodeParams);
    const sides = [{ key: 'a', sampler: ui.samplerA.value, box: ui.paramsA }, ...(ui.sideBySide.checked ? [{ key: 'b', sampler: ui.samplerB.value, box: ui.paramsB }] : [])];
    const settingsOf = (side: (typeof sides)[number]) => ({ sampler: side.sampler, params: readParams(side.box, samplerSpecs(side.sampler)), decode, seed });
    const started = await Promise.allSettled(sides.map((side) => client.decode(model.key, promptText, Number(ui.genLength.value), settingsOf(side))));
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) {
      for (const r of started) if (r.status === 'fulfilled') r.value.source.abort();
      throw failed.reason;
    }
    ui.panels.replaceChildren();
    tracks = sides.map(({ key, sampler }, i) => {
      const { source, initial } = (started[i] as PromiseFulfilledResult<{ source: RemoteSource; initial: Int32Array }>).value;
      const panel = new Panel({ title: `${sampler} · ${model.name} · seed ${seed}`, initial, maskId: model.maskId, maxEntropy: Math.log(model.vocabSize), read: readerOf(model), layout: layoutOf(model) }, `panel-${key}`);
      ui.panels.append(panel.root);
      return trackOf(panel, source, (trace) => saveLink(panel, trace, `trace-${sampler}-seed${seed}.json`));
    });
  } catch (e) {
    showError(e);
    return;
  }
  await runTracks(tracks, () => compareEndings(tracks));
}

const endings = new Map<Track, string>();

function trackOf(panel: Panel, source: StepSource, done: (trace: Trace) => void): Track {
  const track: Track = {
    source,
    show: (s) => panel.show(s),
    finish: async (src) => {
      const ending = src.ending!;
      // A live decode was graded in the worker; a replay has no verdict.
      const graded = src instanceof RemoteSource ? src.graded : null;
      const outcome = graded?.outcome ?? null;
      if (ending.kind === 'done') {
        done(ending.trace);
        const totals = ending.trace.sequences[0]?.totals;
        endings.set(track, `${ending.trace.sampler}: ${outcome?.correct === true ? 'solved' : outcome?.correct === false ? 'not solved' : 'done'}, cumulative uncertainty ${totals?.cumulativeUncertainty.toFixed(3)} nats, ${totals?.rowForwards} row-forwards`);
      } else if (ending.kind === 'failed') showError(ending.error);
      panel.finish(ending, outcome, graded?.digit ?? null);
    },
  };
  return track;
}

function compareEndings(tracks: Track[]): void {
  if (tracks.length < 2) return;
  ui.comparison.textContent = tracks.map((t) => endings.get(t) ?? 'stopped').join(' · ');
}

async function openTrace(file: File): Promise<void> {
  clearError();
  ui.comparison.textContent = '';
  let trace: Trace;
  try {
    let raw: unknown;
    try {
      raw = JSON.parse(await file.text());
    } catch (e) {
      throw new Error(`${file.name}: invalid JSON (${messageOf(e)}), expected a trace written by infogain generate --trace`);
    }
    trace = parseTrace(raw, file.name);
  } catch (e) {
    showError(e);
    return;
  }
  const read: TokenReader = (await readerForTrace(trace.model, index).catch(() => null)) ?? ((id) => String(id));
  ui.panels.replaceChildren();
  // The first two sequences side by side (a trace of several prompts shows them in lockstep).
  const tracks = trace.sequences.slice(0, 2).map((sequence, i) => {
    const panel = new Panel({
      title: `replay ${file.name}: ${trace.sampler} · ${trace.model} · seed ${sequence.seed}`, initial: Int32Array.from(sequence.initial), maskId: trace.maskId,
      // V is not in the trace: the largest id it holds bounds it from below (the colour scale's top is ln V).
      maxEntropy: Math.log(Math.max(2, ...sequence.initial, ...sequence.output) + 1), read,
      layout: trace.model === 'sudoku' && sequence.initial.length === 81 ? 'sudoku' : trace.model === 'digits' && sequence.initial.length === 197 ? 'digits' : 'flow',
    }, `panel-${'ab'[i]}`);
    ui.panels.append(panel.root);
    return trackOf(panel, new ReplaySource(trace, sequence), () => undefined);
  });
  await runTracks(tracks, () => compareEndings(tracks));
}

async function init(): Promise<void> {
  ({ settings } = await client.init(document.baseURI, location.search));
  ui.runtime.textContent = `onnxruntime-web on ${settings.backend} (${settings.reason}), in a worker; ${settings.threads} wasm thread${settings.threads === 1 ? '' : 's'}; cross-origin isolated: ${settings.crossOriginIsolated ? 'yes' : 'no'}; WebGPU adapter: ${settings.gpu}`;
  ui.runtime.dataset.backend = settings.backend;
  // Without COOP/COEP (a plain static host, file://) there is no SharedArrayBuffer: one thread, said plainly.
  ui.threadsNote.hidden = settings.crossOriginIsolated;
  for (const device of settings.devices) ui.device.append(el('option', { value: device }, device === 'webgpu' ? `${DEVICES.webgpu}: ${settings.gpu}` : DEVICES[device]));
  ui.device.value = settings.backend;
  ui.device.addEventListener('change', () => switchDevice(ui.device.value));
  for (const name of SAMPLER_NAMES) {
    ui.samplerA.append(el('option', { value: name }, name));
    ui.samplerB.append(el('option', { value: name }, name));
  }
  ui.samplerA.value = 'info-gain';
  ui.samplerB.value = 'confidence';
  ui.decodeParams.replaceChildren(paramInputs(DECODE_PARAMS, 'decode'));
  renderSamplerParams();
  index = await fetchModelIndex();
  for (const m of index) ui.model.append(el('option', { value: m.name }, `${m.name} (${m.kind === 'oracle' ? 'exact oracle' : m.task})`));
  const asked = new URLSearchParams(location.search).get('model');
  ui.model.value = index.some((m) => m.name === asked) ? asked! : index.some((m) => m.name === 'sudoku') ? 'sudoku' : (index[0]?.name ?? '');

  ui.model.addEventListener('change', () => void selectModel());
  ui.samplerA.addEventListener('change', renderSamplerParams);
  ui.samplerB.addEventListener('change', renderSamplerParams);
  ui.sideBySide.addEventListener('change', renderSamplerParams);
  ui.newPrompt.addEventListener('click', () => void currentModel().then(async (m) => (ui.prompt.value = await client.example(m.key, Number(ui.seed.value) || 0, ui.taskOption.value))).catch(showError));
  ui.decode.addEventListener('click', () => void startDecode());
  ui.play.addEventListener('click', () => (ui.play.textContent === 'pause' ? player?.pause() : player?.play()));
  ui.step.addEventListener('click', () => player?.step());
  ui.abort.addEventListener('click', () => player?.abort());
  const speed = () => {
    ui.speedText.textContent = delay() === 0 ? 'as fast as it decodes' : `${delay()} ms per step`;
    if (player) player.delayMs = delay();
  };
  ui.speed.addEventListener('input', speed);
  speed();
  ui.traceFile.addEventListener('change', () => {
    const file = ui.traceFile.files?.[0];
    if (file) void openTrace(file);
    ui.traceFile.value = '';
  });
  ui.modelFiles.addEventListener('change', () => void pickModel(ui.modelFiles, false));
  ui.modelFolder.addEventListener('change', () => void pickModel(ui.modelFolder, true));
  // ?model=<url> (a model directory, or a Hugging Face folder's graph …/onnx/<file>.onnx): loaded as "your model"; if it fails, the error shows over the built-in.
  let urlError: unknown = null;
  if (asked !== null && !index.some((m) => m.name === asked)) {
    ui.modelInfo.textContent = `loading ${asked}…`;
    await addYourModel(asked, client.loadUrl(`your model: ${asked}`, asked)).then(() => (urlModel = asked), (e: unknown) => (urlError = e));
  }
  await selectModel();
  if (urlError !== null) showError(urlError);
  document.body.dataset.ready = 'true';
}

/**
 * The device decides which onnxruntime-web build the page runs (the wasm-only one, or the larger
 * one with WebGPU), so choosing another reloads the page with ?device=, keeping the built-in model.
 */
function switchDevice(device: string): void {
  const url = new URL(location.href);
  url.searchParams.delete('backend');
  url.searchParams.set('device', device);
  if (index.some((m) => m.name === ui.model.value)) url.searchParams.set('model', ui.model.value);
  else if (urlModel !== null && ui.model.value === `your model: ${urlModel}`) url.searchParams.set('model', urlModel);
  location.assign(url.href);
}

/** A model loaded in the worker from picked files or a URL, added to the model select as "your model: …" and selected. */
async function addYourModel(label: string, loading: Promise<ModelInfo>): Promise<void> {
  const name = `your model: ${label}`;
  await loading;
  models.set(name, loading);
  if (![...ui.model.options].some((o) => o.value === name)) ui.model.append(el('option', { value: name }, name));
  ui.model.value = name;
}

async function pickModel(input: HTMLInputElement, folder: boolean): Promise<void> {
  clearError();
  const files = [...(input.files ?? [])];
  if (files.length === 0) return;
  try {
    const picked = sortPicked(files, folder);
    await addYourModel(picked.label, client.loadPicked(`your model: ${picked.label}`, picked));
    await selectModel();
  } catch (e) {
    showError(e);
  } finally {
    input.value = '';
  }
}

init().catch(showError);
