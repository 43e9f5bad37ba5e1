/**
 * A model directory on disk (Node): `model.onnx` + `model.json` (the card, optionally naming a
 * preset) + optional tokenizer files (`tokenizer.json`, or `vocab.json` + `merges.txt`; see
 * tokenizer-files.ts).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { CardError, type ModelCard } from './card.js';
import { attachTokenizer, resolveCardJson, type ResolvedCard } from './card-json.js';
import { OnnxDenoiser, type OrtRuntime } from './onnx.js';
import type { HfTokenizer } from './tokenizer.js';
import { loadTokenizerDir } from './tokenizer-dir.js';
import { tokenizerLayout } from './tokenizer-files.js';

export interface LoadedModelDir {
  dir: string;
  card: ModelCard;
  model: OnnxDenoiser;
  tokenizer: HfTokenizer | null;
  /** What the model was built from, relative to `dir` (graph, external data, card, tokenizer files): eval's meta.json hashes them. */
  files: string[];
}

/** The files of `dir` among `names` that exist (optional ones such as model.json of a folder or the tokenizer files). */
export const presentFiles = (dir: string, names: readonly string[]): string[] => names.filter((n) => existsSync(join(dir, n)));
export const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json'] as const;

export function isModelDir(path: string): boolean {
  return existsSync(join(path, 'model.json')) && existsSync(join(path, 'model.onnx'));
}

/** The tokenizer of a model directory, or null when it has no tokenizer files (a partial layout is an error). */
export async function loadDirTokenizer(dir: string): Promise<HfTokenizer | null> {
  return tokenizerLayout(dir) === null ? null : loadTokenizerDir(dir);
}

/**
 * onnxruntime's intra-op threads: 1 up to what this machine offers. More only oversubscribes the
 * cores (and onnxruntime takes 0 as "its own choice", which a flag should not mean silently).
 */
export function checkThreads(threads: number | undefined): void {
  if (threads === undefined) return;
  const max = availableParallelism();
  if (!Number.isInteger(threads) || threads < 1 || threads > max)
    throw new Error(`threads (--threads) is ${threads}, expected an integer from 1 to ${max} (the CPUs available on this machine, os.availableParallelism())`);
}

/** Resolve the card of a directory: preset defaults, then the tokenizer's ids, then model.json. */
export async function readCard(dir: string, tokenizer: HfTokenizer | null): Promise<ModelCard> {
  return (await resolveCard(dir, tokenizer)).card;
}

/** The card and, per field, where its value came from (model.json, preset "…", the tokenizer files). */
async function resolveCard(dir: string, tokenizer: HfTokenizer | null): Promise<ResolvedCard> {
  const file = join(dir, 'model.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new CardError(err.code ? `${file}: cannot read the model card (${err.code})` : `${file}: invalid JSON: ${err.message}`);
  }
  return resolveCardJson(raw, { file, dir, tokenizer });
}

/** How a model directory or folder loads: onnxruntime's threads and device, and the statistics path (OnnxOptions). */
export interface DirLoadOptions {
  threads?: number;
  device?: string;
  ort?: OrtRuntime;
  statsHead?: boolean;
  statsGraph?: boolean;
}

export async function loadModelDir(dir: string, options: DirLoadOptions = {}): Promise<LoadedModelDir> {
  const onnxPath = join(dir, 'model.onnx');
  if (!existsSync(onnxPath)) throw new Error(`${dir}: no model.onnx in the model directory`);
  checkThreads(options.threads);
  const tokenizer = await loadDirTokenizer(dir);
  const resolved = await resolveCard(dir, tokenizer);
  const { card, origins } = resolved;
  if (tokenizer) attachTokenizer(resolved, tokenizer, join(dir, 'model.json'));
  const ort = options.ort ?? ((await import('onnxruntime-node')) as unknown as OrtRuntime);
  // Read on first use: a directory copied without its cache graph still decodes with use_cache=none.
  const cachePath = card.cache ? join(dir, card.cache.graph) : null;
  const cacheGraph = async (path: string) => {
    if (!existsSync(path)) throw new CardError(`${join(dir, 'model.json')}: field "cache" names ${card.cache?.graph}, but ${path} does not exist (needed by use_cache prefix/dual)`);
    return readFile(path);
  };
  const model = await OnnxDenoiser.create(ort, await readFile(onnxPath), card, {
    source: onnxPath, threads: options.threads, device: options.device, statsHead: options.statsHead, statsGraph: options.statsGraph, vocabOrigin: origins.vocabSize, ...(cachePath ? { cacheGraph: () => cacheGraph(cachePath) } : {}),
  });
  return { dir, card, model, tokenizer, files: presentFiles(dir, ['model.onnx', 'model.json', ...TOKENIZER_FILES]) };
}
