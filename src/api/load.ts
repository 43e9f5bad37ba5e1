/**
 * Loading a model in any environment: an ONNX model from bytes or URLs, run by the onnxruntime
 * module the caller passes (`onnxruntime-web` in a browser, `onnxruntime-node` in Node), or an
 * exact oracle from its JSON. Nothing here reads files; the Node entry adds directories and
 * built-in names (src/api/node-load.ts).
 */
import type { ModelCard } from '../models/card.js';
import { attachTokenizer, resolveCardJson } from '../models/card-json.js';
import { OnnxDenoiser, type OrtRuntime } from '../models/onnx.js';
import { parseOracle } from '../models/oracles/load.js';
import { HfTokenizer } from '../models/tokenizer.js';
import type { Task } from '../tasks/task.js';
import { DEFAULT_GEN_LENGTH, type Model } from './model.js';
import { checkLoadOptions } from './options.js';
import { directoryUrl, fetchOptionalJson, readBytes, readJson, type BinaryResource, type JsonResource } from './resources.js';

/** An ONNX model's files: the graph, model.json's content and, optionally, its tokenizer files. */
export interface OnnxModelSource {
  onnx: BinaryResource;
  card: JsonResource;
  tokenizer?: JsonResource;
  tokenizerConfig?: JsonResource;
  /** The cache graph the card's `cache` field names (use_cache prefix/dual); fetched on first use. */
  cacheOnnx?: BinaryResource;
  /** Names the model in messages and is its default name (a directory or URL); default "model". */
  source?: string;
}

/** An exact oracle model (HMM or Markov chain) file's content. */
export interface OracleModelSource {
  oracle: JsonResource;
  source?: string;
}

/**
 * What `loadModel` takes: an ONNX model's files, an oracle's JSON, or the URL of a model directory
 * served over HTTP (model.json, model.onnx and, when present, tokenizer.json + tokenizer_config.json).
 */
export type ModelSource = OnnxModelSource | OracleModelSource | URL | string;

export interface LoadModelOptions {
  /** The onnxruntime module (`import * as ort from 'onnxruntime-web'`); required for ONNX models. */
  runtime?: OrtRuntime;
  /** onnxruntime intra-op threads (default: the runtime's choice). */
  threads?: number;
  /** onnxruntime execution provider: cpu, cuda, … (Node), wasm, webgpu (browsers); default: the runtime's. */
  device?: string;
  /** Read string prompts in a task's format (e.g. `sudokuTask`). */
  task?: Task<unknown>;
  /** Masks appended after a prompt by default (default 32). */
  genLength?: number;
  /** Use the graph's statistics head when it has one (default true). */
  statsHead?: boolean;
}

export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

const isOracleSource = (s: OnnxModelSource | OracleModelSource): s is OracleModelSource => 'oracle' in s;

/** Load a model from bytes, parsed JSON or URLs (see `ModelSource`). */
export async function loadModel(source: ModelSource, options: LoadModelOptions = {}): Promise<Model> {
  checkLoadOptions('loadModel', options);
  const base = typeof source === 'string' || source instanceof URL ? directoryUrl(source) : null;
  const files = typeof source === 'string' || source instanceof URL ? await directoryFiles(directoryUrl(source)) : source;
  if (isOracleSource(files)) {
    const label = files.source ?? 'oracle';
    const oracle = parseOracle(await readJson(files.oracle, label), label);
    return { name: oracle.card.name, card: oracle.card, denoiser: oracle, tokenizer: null, task: options.task ?? null, genLength: options.genLength ?? DEFAULT_GEN_LENGTH, dispose: async () => {} };
  }
  return loadOnnxModel(files, options, base);
}

/** The lazy reader of the card's cache graph: the source's `cacheOnnx`, or the file beside a served directory's model.onnx. */
function cacheGraphLoader(files: OnnxModelSource, card: ModelCard, label: string, base: URL | null): { cacheGraph?: () => Promise<Uint8Array> } {
  if (!card.cache) return {};
  const resource = files.cacheOnnx ?? (base ? new URL(card.cache.graph, base) : undefined);
  const what = `${label}/${card.cache.graph}`;
  return resource === undefined ? {} : { cacheGraph: () => readBytes(resource, what) };
}

async function loadOnnxModel(files: OnnxModelSource, options: LoadModelOptions, base: URL | null): Promise<Model> {
  const label = files.source ?? 'model';
  if (!options.runtime)
    throw new ModelLoadError(`${label}: an ONNX model needs an onnxruntime module, expected loadModel(source, { runtime }) (e.g. import * as ort from 'onnxruntime-web')`);
  const cardFile = `${label}/model.json`;
  const tokenizer =
    files.tokenizer === undefined
      ? null
      : HfTokenizer.fromObjects(await readJson(files.tokenizer, `${label}/tokenizer.json`), files.tokenizerConfig === undefined ? null : await readJson(files.tokenizerConfig, `${label}/tokenizer_config.json`), label);
  const resolved = resolveCardJson(await readJson(files.card, cardFile), { file: cardFile, dir: label, tokenizer });
  if (tokenizer) attachTokenizer(resolved, tokenizer, cardFile);
  const bytes = await readBytes(files.onnx, `${label}/model.onnx`);
  const denoiser = await OnnxDenoiser.create(options.runtime, bytes, resolved.card, {
    source: `${label}/model.onnx`, threads: options.threads, device: options.device, statsHead: options.statsHead, vocabOrigin: resolved.origins.vocabSize,
    ...cacheGraphLoader(files, resolved.card, label, base),
  });
  return {
    name: resolved.card.name, card: resolved.card, denoiser, tokenizer, task: options.task ?? null,
    genLength: options.genLength ?? DEFAULT_GEN_LENGTH, dispose: () => denoiser.dispose(),
  };
}

/** A model directory served over HTTP: its files by URL; the tokenizer files only when the server has them. */
async function directoryFiles(base: URL): Promise<OnnxModelSource> {
  const tokenizer = await fetchOptionalJson(base, 'tokenizer.json');
  const files: OnnxModelSource = { onnx: new URL('model.onnx', base), card: new URL('model.json', base), source: base.href.replace(/\/$/, '') };
  if (tokenizer !== null && typeof tokenizer === 'object' && !Array.isArray(tokenizer)) {
    files.tokenizer = { ...tokenizer };
    const config = await fetchOptionalJson(base, 'tokenizer_config.json');
    if (config !== null && typeof config === 'object' && !Array.isArray(config)) files.tokenizerConfig = { ...config };
  }
  return files;
}
