/**
 * The page's side of the catalog: the built-in models the server lists (/models/index.json), the
 * files of a model picked from disk sorted by role, and a trace's tokens as text. Loading and
 * decoding happen in the worker (models.ts).
 */
import { HfTokenizer, parseOracle } from '../../src/index.js';
import type { WebModelEntry } from '../../src/web/model-index.js';
import type { PickedFiles } from './protocol.js';

export type ModelEntry = WebModelEntry;

const isEntry = (v: unknown): v is ModelEntry =>
  typeof v === 'object' && v !== null && typeof Reflect.get(v, 'name') === 'string' && typeof Reflect.get(v, 'url') === 'string' && ['onnx', 'oracle'].includes(String(Reflect.get(v, 'kind'))) &&
  (Reflect.get(v, 'judge') === null || typeof Reflect.get(v, 'judge') === 'string');

export async function fetchModelIndex(): Promise<ModelEntry[]> {
  const response = await fetch('models/index.json');
  if (!response.ok) throw new Error(`models/index.json answered HTTP ${response.status}, expected the list of built-in models`);
  const list: unknown = await response.json();
  if (!Array.isArray(list) || !list.every(isEntry)) throw new Error('models/index.json: expected a list of {name, kind, task, description, url, genLength, judge}');
  return list;
}

const ROLES: Record<string, keyof Omit<PickedFiles, 'label' | 'graphs' | 'externalData'>> = {
  'model.onnx': 'onnx', 'model.json': 'card', 'tokenizer.json': 'tokenizer', 'tokenizer_config.json': 'tokenizerConfig', 'chat_template.jinja': 'chatTemplate',
};

/** A Hugging Face folder's graph (onnx/<file>.onnx) and its ONNX external data (`<graph>.onnx.data`, or `_data` as some exporters name it). */
const isGraph = (name: string) => name.endsWith('.onnx') && name !== 'model.onnx';
const isExternalData = (name: string) => /\.onnx[._]data$/.test(name);

/**
 * Files picked one by one must all be model files; a picked folder may hold others (README.md, …),
 * which are left out. A Hugging Face ONNX folder's graphs and their `.onnx.data` are taken from its
 * onnx/ subfolder (picked one by one: by their names).
 */
export function sortPicked(files: readonly File[], fromFolder: boolean): PickedFiles {
  const picked: PickedFiles = { label: 'model' };
  for (const file of files) {
    const parts = file.webkitRelativePath.split('/');
    const inGraphFolder = !fromFolder || (parts.length === 3 && parts[1] === 'onnx');
    if (inGraphFolder && (isGraph(file.name) || isExternalData(file.name))) {
      (isGraph(file.name) ? (picked.graphs ??= []) : (picked.externalData ??= [])).push(file);
      if (fromFolder) picked.label = parts[0];
      continue;
    }
    const role = ROLES[file.name];
    // In a folder, only its own top-level files count (not a subfolder's model.json).
    if (fromFolder && (role === undefined || parts.length !== 2)) continue;
    if (role === undefined)
      throw new Error(`${file.name}: not a model file; pick ${Object.keys(ROLES).join(', ')} (model.onnx and model.json are required), or a Hugging Face ONNX folder's graph (<file>.onnx) with its .onnx.data and tokenizer files`);
    picked[role] = file;
    const folder = parts.slice(0, -1).join('/');
    if (folder) picked.label = folder;
  }
  return picked;
}

/** How a token id reads: the tokenizer's text, an oracle's alphabet letter, or the id. */
export type TokenReader = (id: number) => string;

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
