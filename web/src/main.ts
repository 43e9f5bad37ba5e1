/**
 * The page: pick a model, a prompt (or a generated puzzle), one or two samplers and their
 * parameters, and watch the library's `decode()` run in this page on onnxruntime-web; or open a
 * trace file and step through it without a model. See docs/web.md.
 */
import { DECODE_PARAMS, isOracle, parseTrace, promptCanvas, SAMPLER_NAMES, type Model, type OrtRuntime, type Outcome, type Trace } from '../../src/index.js';
import { examplePrompt, fetchModelIndex, gradeOutput, loadBuiltin, loadPicked, readerForTrace, readerOf, readPrompt, sortPicked, type ModelEntry, type TokenReader } from './catalog.js';
import { paramInputs, readDecodeParams, readParams, samplerSpecs } from './controls.js';
import { Player, type Track } from './player.js';
import { configureRuntime, DEVICES, type RuntimeSettings } from './runtime.js';
import { serialModel } from './serial.js';
import { LiveSource, ReplaySource, type StepSource } from './steps.js';
import { el, messageOf, Panel } from './view.js';

function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const node = document.getElementById(id);
  if (!(node instanceof type)) throw new Error(`index.html has no ${type.name} #${id}`);
  return node;
}

const ui = {
  runtime: byId('runtime', HTMLElement), device: byId('device', HTMLSelectElement), model: byId('model', HTMLSelectElement), modelFiles: byId('model-files', HTMLInputElement), modelFolder: byId('model-folder', HTMLInputElement),
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
let runtime: OrtRuntime;
let index: ModelEntry[] = [];
const models = new Map<string, Promise<Model>>();
let player: Player | null = null;

function showError(e: unknown): void {
  ui.error.hidden = false;
  ui.error.textContent = messageOf(e);
  console.info('infogain page error:', messageOf(e));
}
const clearError = () => {
  ui.error.hidden = true;
  ui.error.textContent = '';
};

function currentModel(): Promise<Model> {
  const loading = models.get(ui.model.value);
  if (loading) return loading;
  const entry = index.find((m) => m.name === ui.model.value);
  if (!entry) throw new Error(`no model "${ui.model.value}"`);
  const promise = loadBuiltin(entry, runtime, settings.backend);
  models.set(entry.name, promise);
  promise.catch(() => models.delete(entry.name));
  return promise;
}

async function selectModel(): Promise<void> {
  clearError();
  ui.modelInfo.textContent = 'loading…';
  try {
    const model = await currentModel();
    const entry = index.find((m) => m.name === ui.model.value);
    const runsOn = isOracle(model.denoiser) ? 'runs in JavaScript (an exact oracle)' : `on ${settings.backend}`;
    ui.modelInfo.textContent = `${entry?.description ?? 'your model'}: vocabulary ${model.card.vocabSize}, mask id ${model.card.maskId}${model.task ? `, task ${model.task.name}` : ''}; ${runsOn}`;
    ui.taskOptionLabel.hidden = model.task === null;
    ui.newPrompt.hidden = model.task === null;
    ui.taskOptionName.textContent = model.task?.name === 'countdown' ? 'numbers' : 'blanks';
    if (model.task?.name === 'countdown' && !/^[34]$/.test(ui.taskOption.value)) ui.taskOption.value = '3';
    if (model.task?.name === 'sudoku' && !/^\d+(-\d+)?$/.test(ui.taskOption.value)) ui.taskOption.value = '40-50';
    ui.newPrompt.textContent = model.task?.name === 'countdown' ? 'new problem' : 'new puzzle';
    ui.genLengthLabel.hidden = model.task !== null;
    if (entry && entry.genLength > 0) ui.genLength.value = String(entry.genLength);
    ui.prompt.value = examplePrompt(model, Number(ui.seed.value) || 0, ui.taskOption.value);
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
  let model: Model;
  let tracks: Track[];
  try {
    model = serialModel(await currentModel());
    const seed = Number(ui.seed.value);
    const promptText = ui.prompt.value;
    const { prompt, genLength } = readPrompt(model, promptText, Number(ui.genLength.value));
    const initial = promptCanvas(model, prompt, genLength).canvas;
    const decodeParams = readDecodeParams(ui.decodeParams);
    const sides = [{ key: 'a', sampler: ui.samplerA.value, box: ui.paramsA }, ...(ui.sideBySide.checked ? [{ key: 'b', sampler: ui.samplerB.value, box: ui.paramsB }] : [])];
    const read = readerOf(model);
    ui.panels.replaceChildren();
    tracks = sides.map(({ key, sampler, box }) => {
      const params = readParams(box, samplerSpecs(sampler));
      const source = new LiveSource(model, prompt, { sampler, params, decode: decodeParams, seed, genLength });
      const panel = new Panel({ title: `${sampler} · ${model.name} · seed ${seed}`, initial, maskId: model.card.maskId, maxEntropy: Math.log(model.card.vocabSize), read, sudoku: model.task?.name === 'sudoku' }, `panel-${key}`);
      ui.panels.append(panel.root);
      return trackOf(panel, source, async (trace) => {
        saveLink(panel, trace, `trace-${sampler}-seed${seed}.json`);
        return gradeOutput(model, promptText, trace.sequences[0].output);
      });
    });
  } catch (e) {
    showError(e);
    return;
  }
  await runTracks(tracks, () => compareEndings(tracks));
}

const endings = new Map<Track, string>();

function trackOf(panel: Panel, source: StepSource, done: (trace: Trace) => Promise<Outcome | null>): Track {
  const track: Track = {
    source,
    show: (s) => panel.show(s),
    finish: async (src) => {
      const ending = src.ending!;
      let outcome = null;
      if (ending.kind === 'done') {
        outcome = await done(ending.trace);
        const totals = ending.trace.sequences[0]?.totals;
        endings.set(track, `${ending.trace.sampler}: ${outcome?.correct === true ? 'solved' : outcome?.correct === false ? 'not solved' : 'done'}, cumulative uncertainty ${totals?.cumulativeUncertainty.toFixed(3)} nats, ${totals?.rowForwards} row-forwards`);
      } else if (ending.kind === 'failed') showError(ending.error);
      panel.finish(ending, outcome);
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
      maxEntropy: Math.log(Math.max(2, ...sequence.initial, ...sequence.output) + 1), read, sudoku: trace.model === 'sudoku' && sequence.initial.length === 81,
    }, `panel-${'ab'[i]}`);
    ui.panels.append(panel.root);
    return trackOf(panel, new ReplaySource(trace, sequence), async () => null);
  });
  await runTracks(tracks, () => compareEndings(tracks));
}

async function init(): Promise<void> {
  ({ settings, runtime } = await configureRuntime(new URLSearchParams(location.search)));
  ui.runtime.textContent = `onnxruntime-web on ${settings.backend} (${settings.reason}); ${settings.threads} wasm thread${settings.threads === 1 ? '' : 's'}; cross-origin isolated: ${settings.crossOriginIsolated ? 'yes' : 'no (threads need the COOP/COEP headers of infogain web)'}; WebGPU adapter: ${settings.gpu}`;
  ui.runtime.dataset.backend = settings.backend;
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
  ui.newPrompt.addEventListener('click', () => void currentModel().then((m) => (ui.prompt.value = examplePrompt(m, Number(ui.seed.value) || 0, ui.taskOption.value)), showError));
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
  await selectModel();
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
  location.assign(url.href);
}

async function pickModel(input: HTMLInputElement, folder: boolean): Promise<void> {
  clearError();
  const files = [...(input.files ?? [])];
  if (files.length === 0) return;
  try {
    const picked = sortPicked(files, folder);
    const model = await loadPicked(picked, runtime, settings.backend);
    const name = `your model: ${picked.label}`;
    models.set(name, Promise.resolve(model));
    if (![...ui.model.options].some((o) => o.value === name)) ui.model.append(el('option', { value: name }, name));
    ui.model.value = name;
    await selectModel();
  } catch (e) {
    showError(e);
  } finally {
    input.value = '';
  }
}

init().catch(showError);
