/**
 * Loading a model in any environment: an ONNX model from bytes or URLs, run by the onnxruntime
 * module the caller passes (`onnxruntime-web` in a browser, `onnxruntime-node` in Node), or an
 * exact oracle from its JSON. Nothing here reads files; the Node entry adds directories and
 * built-in names (src/api/node-load.ts).
 */
import type { ModelCard } from '../models/card.js';
import { attachTokenizer, resolveCardJson } from '../models/card-json.js';
import { externalDataNeeds, graphCardValues, resolveFolderCard } from '../models/hub-layout.js';
import { OnnxDenoiser, type OrtRuntime } from '../models/onnx.js';
import { openSession } from '../models/onnx-graph.js';
import { readOnnxFacts, summarize } from '../models/onnx-proto.js';
import { parseOracle } from '../models/oracles/load.js';
import { HfTokenizer } from '../models/tokenizer.js';
import type { Task } from '../tasks/task.js';
import { DEFAULT_GEN_LENGTH, type Model } from './model.js';
import { checkLoadOptions } from './options.js';
import { directoryUrl, fetchOptionalJson, readBytes, readJson, type BinaryResource, type JsonResource } from './resources.js';

/**
 * An ONNX model's files: the graph, model.json's content and, optionally, its tokenizer files.
 * Without `card`, the folder is read as a Hugging Face ONNX export (docs/real-models.md): the card
 * comes from the graph's convention, its vocabulary and rotary tables, and the tokenizer's ids.
 */
export interface OnnxModelSource {
  onnx: BinaryResource;
  card?: JsonResource;
  /**
   * The graph's ONNX external data files, by the names the graph records (`model_fp16_fused.onnx.data`):
   * bytes (picked files), or URLs that onnxruntime-web fetches itself. Default for a graph given by
   * URL: each file the graph names, beside it.
   */
  externalData?: { path: string; data: BinaryResource }[];
  /** Read as a Hugging Face ONNX folder even with a `card` (its model.json then overrides what the graph says); implied without one. */
  layout?: 'hub';
  /** The graph's file name in messages (`onnx/<graphName>`) when `onnx` is bytes of a folder's graph (picked files); a URL's is its last segment. */
  graphName?: string;
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
  /** Use the graph's statistics head when it has one (default true); false: statistics reduced in JavaScript. */
  statsHead?: boolean;
  /**
   * For a graph without a head: run the standalone statistics graph on its logits in a second
   * session (default: in Node for vocabularies of ≥ 1,024 ids, never in browsers; docs/decisions.md D15).
   */
  statsGraph?: boolean;
}

export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

const isOracleSource = (s: OnnxModelSource | OracleModelSource): s is OracleModelSource => 'oracle' in s;

/** Load a model from bytes, parsed JSON or URLs (see `ModelSource`). */
export async function loadModel(source: ModelSource, options: LoadModelOptions = {}): Promise<Model> {
  checkLoadOptions('loadModel', options);
  // The URL of one graph of a Hugging Face ONNX folder: <folder>/onnx/<file>.onnx.
  if ((typeof source === 'string' || source instanceof URL) && new URL(source).pathname.endsWith('.onnx')) return loadOnnxModel(await graphUrlFiles(new URL(source)), options, null);
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
  const hub = files.layout === 'hub' || files.card === undefined;
  const graphName = hub && files.onnx instanceof URL ? files.onnx.pathname.split('/').pop()! : hub && files.graphName ? files.graphName : 'model.onnx';
  const source = `${label}/${hub ? `onnx/${graphName}` : 'model.onnx'}`;
  const bytes = await readBytes(files.onnx, source);
  const facts = readOnnxFacts(bytes, source);
  const externalData = (files.externalData ?? defaultExternalData(files.onnx, externalDataNeeds(facts)))?.map((f) => ({ path: f.path, data: externalBytes(f.data) }));
  const sessionOptions = { source, threads: options.threads, device: options.device, statsHead: options.statsHead, statsGraph: options.statsGraph, ...(externalData ? { externalData } : {}) };
  const session = await openSession(options.runtime, bytes, sessionOptions);
  const graph = hub ? graphCardValues(session, summarize(facts), source) : undefined;
  let denoiser: OnnxDenoiser;
  try {
    const where = { file: cardFile, dir: label, tokenizer };
    const resolved = graph ? resolveFolderCard(await readOptionalCard(files, cardFile), { ...where, graph }) : resolveCardJson(await readJson(files.card!, cardFile), where);
    if (tokenizer) attachTokenizer(resolved, tokenizer, cardFile);
    denoiser = OnnxDenoiser.fromSession(options.runtime, session, resolved.card, { ...sessionOptions, vocabOrigin: resolved.origins.vocabSize, ...cacheGraphLoader(files, resolved.card, label, base) });
  } catch (e) {
    await session.release();
    throw e;
  }
  const resolved = { card: denoiser.card };
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

/** A Hugging Face ONNX folder from one graph's URL (…/onnx/<file>.onnx): tokenizer files and an optional model.json two levels up. */
async function graphUrlFiles(graph: URL): Promise<OnnxModelSource> {
  const folder = new URL('../', new URL('./', graph));
  const files: OnnxModelSource = { onnx: graph, layout: 'hub', source: folder.href.replace(/\/$/, '') };
  const card = await fetchOptionalJson(folder, 'model.json');
  if (card !== null) files.card = card as Record<string, unknown>;
  const tokenizer = await fetchOptionalJson(folder, 'tokenizer.json');
  if (tokenizer !== null && typeof tokenizer === 'object' && !Array.isArray(tokenizer)) {
    files.tokenizer = { ...tokenizer };
    const config = await fetchOptionalJson(folder, 'tokenizer_config.json');
    if (config !== null && typeof config === 'object' && !Array.isArray(config)) files.tokenizerConfig = { ...config };
  }
  return files;
}

/** For a graph given by URL, the external data files it names, by URL beside it (onnxruntime-web fetches them itself). */
function defaultExternalData(onnx: BinaryResource, needs: Map<string, number>): { path: string; data: BinaryResource }[] | undefined {
  if (needs.size === 0) return undefined;
  if (!(onnx instanceof URL || typeof onnx === 'string'))
    throw new ModelLoadError(`the graph keeps its weights in external data (${[...needs.keys()].join(', ')}), expected them as the source's externalData [{ path, data }]`);
  return [...needs.keys()].map((path) => ({ path, data: new URL(path, onnx).href }));
}

/** External data as onnxruntime takes it: bytes, or a URL string it fetches. */
const externalBytes = (data: BinaryResource): Uint8Array | string => (data instanceof ArrayBuffer ? new Uint8Array(data) : data instanceof URL ? data.href : data);

const readOptionalCard = (files: OnnxModelSource, what: string): Promise<unknown> => (files.card === undefined ? Promise.resolve({}) : readJson(files.card, what));
