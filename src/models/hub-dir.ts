/**
 * A Hugging Face ONNX model folder on disk (Node; hub-layout.ts says what it is): the graph from
 * onnx/, opened by path so that onnxruntime maps its external data from beside it; the card from
 * the graph, the tokenizer files and an optional model.json.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CardError } from './card.js';
import { attachTokenizer } from './card-json.js';
import { GraphError } from './graph-error.js';
import { checkExternalLocation, defaultGraph, externalDataNeeds, GRAPH_FOLDER, graphCardValues, resolveFolderCard } from './hub-layout.js';
import { checkThreads, loadDirTokenizer, presentFiles, TOKENIZER_FILES, type DirLoadOptions, type LoadedModelDir } from './model-dir.js';
import { OnnxDenoiser, type OrtRuntime } from './onnx.js';
import { openSession } from './onnx-graph.js';
import { readOnnxFacts, summarize, type GraphSummary } from './onnx-proto.js';

/** What `inspect` reports about a folder's graph beyond the card. */
export interface HubGraphInfo {
  /** The graph that runs, relative to the folder (onnx/<file>.onnx), and every graph onnx/ holds. */
  graph: string;
  graphs: string[];
  summary: GraphSummary;
  /** Why the card has its preset (model.json's, or the convention detected from the graph). */
  convention: string;
}

export type LoadedHubDir = LoadedModelDir & { hub: HubGraphInfo };

/** The .onnx files of a folder's onnx/, or [] when it has none. */
export function hubGraphs(dir: string): string[] {
  const folder = join(dir, GRAPH_FOLDER);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) return [];
  return readdirSync(folder).filter((n) => n.endsWith('.onnx')).sort();
}

export const isHubModelDir = (dir: string): boolean => hubGraphs(dir).length > 0;

/** `<folder>/onnx/<file>.onnx` as the folder and the graph's file name, or null for any other path. */
export function hubGraphPath(path: string): { dir: string; graph: string } | null {
  if (!path.endsWith('.onnx') || basename(dirname(path)) !== GRAPH_FOLDER) return null;
  return { dir: dirname(dirname(path)), graph: basename(path) };
}

/** Graph files up to this size are read for their facts (external data, precision); larger ones hold their weights inline. */
const READ_LIMIT = 256 * 2 ** 20;

/**
 * Load a folder. `statsGraph` (OnnxOptions): the statistics graph for these head-less exports,
 * by default at their vocabularies (151,936); false reduces the logits in JavaScript.
 */
export async function loadHubDir(dir: string, options: DirLoadOptions & { graph?: string } = {}): Promise<LoadedHubDir> {
  checkThreads(options.threads);
  const graphs = hubGraphs(dir);
  const graph = options.graph ?? defaultGraph(graphs);
  if (graph === null) throw new GraphError(`${dir}: no .onnx graph in ${join(dir, GRAPH_FOLDER)}, expected the export's graphs there (e.g. onnx/model_fp16_fused.onnx)`);
  const path = join(dir, GRAPH_FOLDER, graph);
  if (!existsSync(path)) throw new GraphError(`${path} does not exist; ${join(dir, GRAPH_FOLDER)} holds ${graphs.join(', ') || 'no graphs'}`);
  const size = statSync(path).size;
  const facts = size <= READ_LIMIT ? readOnnxFacts(await readFile(path), path) : { nodes: [], initializers: [] };
  const needs = externalDataNeeds(facts);
  checkExternalData(path, needs);
  const summary = summarize(facts);
  const tokenizer = await loadDirTokenizer(dir);
  const ort = options.ort ?? ((await import('onnxruntime-node')) as unknown as OrtRuntime);
  const source = path;
  const session = await openSession(ort, path, { source, threads: options.threads, device: options.device });
  const cardFile = join(dir, 'model.json');
  let raw: unknown = {};
  if (existsSync(cardFile)) {
    try {
      raw = JSON.parse(await readFile(cardFile, 'utf8'));
    } catch (e) {
      await session.release();
      throw new CardError(`${cardFile}: invalid JSON: ${(e as Error).message}`);
    }
  }
  const graphValues = graphCardValues(session, summary, `${GRAPH_FOLDER}/${graph}`);
  let denoiser: OnnxDenoiser;
  let convention: string;
  try {
    const resolved = resolveFolderCard(raw, { file: cardFile, dir, tokenizer, graph: graphValues });
    if (tokenizer) attachTokenizer(resolved, tokenizer, cardFile);
    const named = (raw as Record<string, unknown>).preset;
    convention = named === undefined ? `${graphValues.preset} (${graphValues.presetReason})` : `${String(named)} (model.json)`;
    denoiser = OnnxDenoiser.fromSession(ort, session, resolved.card, { source, threads: options.threads, device: options.device, vocabOrigin: resolved.origins.vocabSize, statsHead: options.statsHead, statsGraph: options.statsGraph });
  } catch (e) {
    await session.release();
    throw e;
  }
  const files = [`${GRAPH_FOLDER}/${graph}`, ...[...needs.keys()].map((l) => `${GRAPH_FOLDER}/${l}`), ...presentFiles(dir, ['model.json', ...TOKENIZER_FILES])];
  return { dir, card: denoiser.card, model: denoiser, tokenizer, files, hub: { graph: `${GRAPH_FOLDER}/${graph}`, graphs: graphs.map((g) => `${GRAPH_FOLDER}/${g}`), summary, convention } };
}

/** Every external data file the graph names is beside it and long enough, before onnxruntime reads any. */
function checkExternalData(graph: string, needs: Map<string, number>): void {
  for (const [location, bytes] of needs) {
    checkExternalLocation(location, graph);
    const file = join(dirname(graph), location);
    if (!existsSync(file))
      throw new GraphError(`${graph}: its weights are in the external data file ${location}, which is not beside it (${file} does not exist), expected the .onnx.data file downloaded with the graph`);
    const have = statSync(file).size;
    if (have < bytes)
      throw new GraphError(`${file}: ${have.toLocaleString('en-US')} bytes, expected at least ${bytes.toLocaleString('en-US')} (what ${basename(graph)} reads from it; an interrupted download?)`);
  }
}
