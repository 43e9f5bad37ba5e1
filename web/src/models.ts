/**
 * The worker's side of the catalog: loading a built-in model or one picked from disk, the prompts
 * each takes, how its tokens read and how a finished canvas is graded. Loading is the library's
 * `loadModel`: its errors carry the CLI's wording, naming the file, field, value and expectation.
 */
import { countdown, countdownTask, isOracle, loadModel, sudoku, sudokuTask, type Model, type OnnxModelSource, type OrtRuntime, type Outcome, type Prompt, type Task } from '../../src/index.js';
import type { WebModelEntry } from '../../src/web/model-index.js';
import { PageDigitJudge, pageDigitsTask } from './digits.js';
import { hubPickedSource } from './hub-picked.js';
import type { DigitVerdict, PickedFiles } from './protocol.js';

/** A loaded model, and the digits judge when its task is digits. */
export interface LoadedModel {
  model: Model;
  judge: PageDigitJudge | null;
}

/** A built-in model; an ONNX one on `device` (an execution provider `runtime` lists), an oracle in JavaScript. URLs are relative to `base`, the page. */
export async function loadBuiltin(entry: WebModelEntry, runtime: OrtRuntime, device: string, base: string): Promise<LoadedModel> {
  const url = new URL(entry.url, base);
  if (entry.kind === 'oracle') return { model: await loadModel({ oracle: url, source: entry.url }, { genLength: entry.genLength }), judge: null };
  if (entry.task === 'digits') {
    if (entry.judge === null) throw new Error(`${entry.url}: the digits model is served without its judge (models/digits-judge), so its drawings cannot be graded`);
    const judge = new PageDigitJudge(runtime, new URL(entry.judge, base));
    return { model: await loadModel(url, { runtime, device, task: pageDigitsTask(judge) }), judge };
  }
  const task: Task<unknown> | undefined = entry.task === 'sudoku' ? sudokuTask : entry.task === 'countdown' ? countdownTask : undefined;
  return { model: await loadModel(url, { runtime, device, task }), judge: null };
}

const bytesOf = async (file: File): Promise<Uint8Array> => new Uint8Array(await file.arrayBuffer());

/**
 * Load a picked model: an infogain model directory (model.onnx and model.json required, the
 * tokenizer files optional), or a Hugging Face ONNX folder (a graph from onnx/ with the external
 * data it names, the tokenizer files; model.json optional), as the CLI reads either from disk.
 */
export async function loadPicked(picked: PickedFiles, runtime: OrtRuntime, device: string): Promise<Model> {
  if (!picked.onnx && picked.graphs && picked.graphs.length > 0) {
    const { source, release } = await hubPickedSource(picked, picked.graphs);
    try {
      if (picked.card) source.card = await bytesOf(picked.card);
      await addTokenizer(source, picked);
      return await loadModel(source, { runtime, device });
    } finally {
      release(); // onnxruntime-web has read the weights once the session exists (or failed)
    }
  }
  const missing = [picked.onnx ? null : 'model.onnx', picked.card ? null : 'model.json'].filter((f) => f !== null);
  if (missing.length > 0)
    throw new Error(`${picked.label}: ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} missing; a model directory needs model.onnx and model.json (the model card), a Hugging Face ONNX folder a graph onnx/<file>.onnx (with its .onnx.data) and its tokenizer files`);
  const source: OnnxModelSource = { onnx: await bytesOf(picked.onnx!), card: await bytesOf(picked.card!), source: picked.label };
  await addTokenizer(source, picked);
  return loadModel(source, { runtime, device });
}

/** The picked tokenizer files into `source`; like transformers (and the CLI's directories), a chat_template.jinja file wins over the config's field. */
async function addTokenizer(source: OnnxModelSource, picked: PickedFiles): Promise<void> {
  if (picked.tokenizer) source.tokenizer = await bytesOf(picked.tokenizer);
  const configBytes = picked.tokenizerConfig ? await bytesOf(picked.tokenizerConfig) : null;
  if (configBytes) source.tokenizerConfig = configBytes;
  if (picked.chatTemplate && configBytes) {
    let config: unknown;
    try {
      config = JSON.parse(new TextDecoder().decode(configBytes));
    } catch {
      config = null; // left as bytes: the library names the file and the JSON error
    }
    if (typeof config === 'object' && config !== null && !Array.isArray(config)) source.tokenizerConfig = { ...config, chat_template: await picked.chatTemplate.text() };
  } else if (picked.chatTemplate) source.tokenizerConfig = { chat_template: await picked.chatTemplate.text() };
}

/**
 * A model served by URL (?model=), relative to the page: the URL of a Hugging Face folder's graph
 * (…/onnx/<file>.onnx; its external data and the folder's tokenizer files are fetched beside it), or
 * of an infogain model directory (model.json, model.onnx). A folder URL without model.json is
 * refused naming what to give instead: a static server lists no files to pick a graph from.
 */
export async function loadFromUrl(url: string, runtime: OrtRuntime, device: string, base: string): Promise<Model> {
  const resolved = new URL(url, base);
  if (!resolved.pathname.endsWith('.onnx')) {
    const card = new URL('model.json', resolved.href.endsWith('/') ? resolved : `${resolved.href}/`);
    const response = await fetch(card, { method: 'HEAD' });
    if (response.status === 404)
      throw new Error(`${url}: ${card.href} answered HTTP 404, expected a model directory (model.json, model.onnx); for a Hugging Face ONNX folder give the URL of its graph, ${url.replace(/\/$/, '')}/onnx/<file>.onnx (e.g. model_q4f16_rtn_sym.onnx)`);
  }
  return loadModel(resolved, { runtime, device });
}

/** A prompt for `model`: a generated puzzle or problem for task models (from `seed`), else a fixed example. */
export function examplePrompt(model: Model, seed: number, taskOption: string): string {
  if (model.task === sudokuTask) {
    const [lo, hi] = taskOption.split(/[-,]/).map(Number);
    const blanks = Number.isInteger(lo) && Number.isInteger(hi) ? [lo, hi] : Number.isInteger(lo) ? lo : [40, 50];
    const [example] = sudokuTask.generate(seed, 1, { blanks });
    return sudoku.formatGrid(example.puzzle);
  }
  if (model.task === countdownTask) {
    const count = taskOption === '4' ? 4 : 3;
    const [problem] = countdownTask.generate(seed, 1, { count });
    return countdown.formatPrompt(problem);
  }
  // The digits task's prompt is the class: the seed picks one, so "new digit" walks through them.
  if (model.task?.name === 'digits') return String(((seed % 10) + 10) % 10);
  if (model.name === 'hmm-demo') return 'abcabcab';
  if (model.name === 'markov-shakespeare') return 'ROMEO: wh__ light';
  if (model.name === 'text') return 'ROMEO: But soft, what li___ through yonder w______ breaks?';
  return '';
}

/**
 * The prompt as `decode` takes it, and the masks to append: a task model reads its own format;
 * elsewhere `_` marks a position to fill (as on the command line), and a prompt without one gets
 * `genLength` masks after it.
 */
export function readPrompt(model: Model, text: string, genLength: number): { prompt: Prompt; genLength: number } {
  if (model.task) return { prompt: text, genLength: 0 };
  const infill = text.includes('_');
  const gen = infill ? 0 : genLength;
  const tokenizer = model.tokenizer;
  if (tokenizer && tokenizer.tokenId('_') === undefined) {
    const ids: number[] = [];
    for (const piece of text.split(/(_)/)) {
      if (piece === '_') ids.push(model.card.maskId);
      else if (piece) ids.push(...tokenizer.encode(piece));
    }
    return { prompt: ids, genLength: gen };
  }
  return { prompt: text, genLength: gen };
}

/** The verdict of a task model's finished canvas (the task's own grader; digits: the judge, with what it saw); null without a task. */
export async function gradeOutput(loaded: LoadedModel, promptText: string, output: readonly number[]): Promise<{ outcome: Outcome | null; digit: DigitVerdict | null }> {
  const { model, judge } = loaded;
  if (!model.task || !model.tokenizer) return { outcome: null, digit: null };
  const view = { card: model.card, tokenizer: model.tokenizer };
  if (judge) {
    const { label } = model.task.fromPrompt(promptText, {}) as { label: number };
    const { verdict, outcome } = await judge.verdict(label, output, view);
    return { outcome, digit: verdict };
  }
  const example = model.task.fromPrompt(promptText, {});
  return { outcome: await model.task.grade(example, Int32Array.from(output), view), digit: null };
}

/** How each token id reads: the tokenizer's text, an oracle's alphabet letter, or the id. */
export function tokenTexts(model: Model): string[] {
  const { tokenizer, denoiser } = model;
  const V = model.card.vocabSize;
  if (tokenizer) return Array.from({ length: V }, (_, id) => tokenizer.tokenText(id) ?? String(id));
  const alphabet = isOracle(denoiser) ? denoiser.alphabet : undefined;
  return Array.from({ length: V }, (_, id) => (alphabet ? (alphabet[id] ?? '_') : String(id)));
}
