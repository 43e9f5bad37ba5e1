/**
 * What the page can decode with: the built-in models the server lists (/models/index.json), a
 * model the user picks from disk, and for each the prompts it takes, how its tokens read, and
 * how a finished canvas is graded. Loading is the library's `loadModel`: its errors carry the
 * CLI's wording, naming the file, field, value and expectation.
 */
import { countdown, countdownTask, HfTokenizer, isOracle, loadModel, parseOracle, sudoku, sudokuTask, type Model, type OnnxModelSource, type OrtRuntime, type Outcome, type Prompt, type Task } from '../../src/index.js';
import type { WebModelEntry } from '../../src/web/model-index.js';

export type ModelEntry = WebModelEntry;

const isEntry = (v: unknown): v is ModelEntry =>
  typeof v === 'object' && v !== null && typeof Reflect.get(v, 'name') === 'string' && typeof Reflect.get(v, 'url') === 'string' && ['onnx', 'oracle'].includes(String(Reflect.get(v, 'kind')));

export async function fetchModelIndex(): Promise<ModelEntry[]> {
  const response = await fetch('models/index.json');
  if (!response.ok) throw new Error(`models/index.json answered HTTP ${response.status}, expected the list of built-in models`);
  const list: unknown = await response.json();
  if (!Array.isArray(list) || !list.every(isEntry)) throw new Error('models/index.json: expected a list of {name, kind, task, description, url, genLength}');
  return list;
}

/** The tasks whose pure parts the neutral entry has: they read prompts, generate puzzles and grade. */
export function taskOf(name: string | null): Task<unknown> | null {
  if (name === 'sudoku') return sudokuTask;
  if (name === 'countdown') return countdownTask;
  return null;
}

/** A built-in model; an ONNX one on `device` (an execution provider `runtime` lists), an oracle in JavaScript. */
export function loadBuiltin(entry: ModelEntry, runtime: OrtRuntime, device: string): Promise<Model> {
  const url = new URL(entry.url, document.baseURI);
  if (entry.kind === 'oracle') return loadModel({ oracle: url, source: entry.url }, { genLength: entry.genLength });
  return loadModel(url, { runtime, device, task: taskOf(entry.task) ?? undefined });
}

/** The files of a model picked from disk, by their role (file names as in a model directory). */
export interface PickedFiles {
  onnx?: File;
  card?: File;
  tokenizer?: File;
  tokenizerConfig?: File;
  chatTemplate?: File;
  /** The picked folder's name (or "model"): the label errors start with, as the CLI's start with the directory. */
  label: string;
}

const ROLES: Record<string, keyof Omit<PickedFiles, 'label'>> = {
  'model.onnx': 'onnx', 'model.json': 'card', 'tokenizer.json': 'tokenizer', 'tokenizer_config.json': 'tokenizerConfig', 'chat_template.jinja': 'chatTemplate',
};

/** Files picked one by one must all be model files; a picked folder may hold others (README.md, …), which are left out. */
export function sortPicked(files: readonly File[], fromFolder: boolean): PickedFiles {
  const picked: PickedFiles = { label: 'model' };
  for (const file of files) {
    const role = ROLES[file.name];
    // In a folder, only its own top-level files count (not a subfolder's model.json).
    if (fromFolder && (role === undefined || file.webkitRelativePath.split('/').length !== 2)) continue;
    if (role === undefined) throw new Error(`${file.name}: not a model file; pick ${Object.keys(ROLES).join(', ')} (model.onnx and model.json are required)`);
    picked[role] = file;
    const folder = file.webkitRelativePath.split('/').slice(0, -1).join('/');
    if (folder) picked.label = folder;
  }
  return picked;
}

const bytesOf = async (file: File): Promise<Uint8Array> => new Uint8Array(await file.arrayBuffer());

/** Load a picked model: model.onnx and model.json are required; the tokenizer files are optional as in a directory. */
export async function loadPicked(picked: PickedFiles, runtime: OrtRuntime, device: string): Promise<Model> {
  const missing = [picked.onnx ? null : 'model.onnx', picked.card ? null : 'model.json'].filter((f) => f !== null);
  if (missing.length > 0) throw new Error(`${picked.label}: ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} missing; a model directory needs model.onnx and model.json (the model card)`);
  const source: OnnxModelSource = { onnx: await bytesOf(picked.onnx!), card: await bytesOf(picked.card!), source: picked.label };
  if (picked.tokenizer) source.tokenizer = await bytesOf(picked.tokenizer);
  const configBytes = picked.tokenizerConfig ? await bytesOf(picked.tokenizerConfig) : null;
  if (configBytes) source.tokenizerConfig = configBytes;
  if (picked.chatTemplate && configBytes) {
    // Like transformers (and the CLI's directories), a chat_template.jinja file wins over the config's field.
    let config: unknown;
    try {
      config = JSON.parse(new TextDecoder().decode(configBytes));
    } catch {
      config = null; // left as bytes: the library names the file and the JSON error
    }
    if (typeof config === 'object' && config !== null && !Array.isArray(config)) source.tokenizerConfig = { ...config, chat_template: await picked.chatTemplate.text() };
  } else if (picked.chatTemplate) source.tokenizerConfig = { chat_template: await picked.chatTemplate.text() };
  return loadModel(source, { runtime, device });
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

/** The verdict of a task model's finished canvas (the task's own grader); null when the model has no task. */
export async function gradeOutput(model: Model, promptText: string, output: readonly number[]): Promise<Outcome | null> {
  if (!model.task || !model.tokenizer) return null;
  const example = model.task.fromPrompt(promptText, {});
  return model.task.grade(example, Int32Array.from(output), { card: model.card, tokenizer: model.tokenizer });
}

/** How a token id reads: the tokenizer's text, an oracle's alphabet letter, or the id. */
export type TokenReader = (id: number) => string;

export function readerOf(model: Model): TokenReader {
  const { tokenizer, denoiser } = model;
  if (tokenizer) return (id) => tokenizer.tokenText(id) ?? String(id);
  if (isOracle(denoiser) && denoiser.alphabet) {
    const alphabet = denoiser.alphabet;
    return (id) => alphabet[id] ?? '_';
  }
  return (id) => String(id);
}

/** For replaying a trace of a built-in model: its tokens' text without loading the model itself. */
export async function readerForTrace(modelName: string, index: readonly ModelEntry[]): Promise<TokenReader | null> {
  const entry = index.find((m) => m.name === modelName);
  if (!entry) return null;
  const base = new URL(entry.url, document.baseURI);
  if (entry.kind === 'oracle') {
    const oracle = parseOracle(await (await fetch(base)).json(), entry.url);
    const alphabet = oracle.alphabet;
    return alphabet ? (id) => alphabet[id] ?? '_' : null;
  }
  const [json, config] = await Promise.all(['tokenizer.json', 'tokenizer_config.json'].map(async (f) => {
    const r = await fetch(new URL(f, base));
    return r.ok ? r.json() : null;
  }));
  if (json === null) return null;
  const tokenizer = HfTokenizer.fromObjects(json, config, entry.url);
  return (id) => tokenizer.tokenText(id) ?? String(id);
}
