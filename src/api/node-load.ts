/**
 * Loading a model in Node: a built-in name, a model directory (model.onnx + model.json + tokenizer
 * files), an oracle JSON file, or anything the environment-neutral `loadModel` takes. The runtime
 * defaults to onnxruntime-node (an optional peer dependency, loaded only when an ONNX model is).
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { builtinByName, BUILTIN_MODELS, EXPORT_GUIDE_NOTE, loadModel as loadCliModel } from '../models/builtin.js';
import type { OrtRuntime } from '../models/onnx.js';
import { taskByName } from '../tasks/index.js';
import { loadModel as loadNeutralModel, type LoadModelOptions, type ModelSource } from './load.js';
import { DEFAULT_GEN_LENGTH, type Model } from './model.js';
import { checkLoadOptions } from './options.js';

/** onnxruntime-node, imported on first use. */
export async function nodeRuntime(): Promise<OrtRuntime> {
  const ort: OrtRuntime = await import('onnxruntime-node');
  return ort;
}

/** Reads a text file (PC-sampler's baseline file): what the Node entry's decode calls pass as `readText`. */
export const readTextFile = (path: string): Promise<string> => readFile(path, 'utf8');

/**
 * A built-in name (`BUILTIN_MODELS`: `sudoku`, `sudoku-hard`, `countdown`, `countdown-64`, `text`, `text-long`, `digits`,
 * `hmm-demo`, `markov-shakespeare`), a model directory or oracle JSON file path, or a
 * `ModelSource` (bytes, parsed JSON, URLs).
 */
export async function loadModel(source: ModelSource, options: LoadModelOptions = {}): Promise<Model> {
  checkLoadOptions('loadModel', options);
  const isPath = typeof source === 'string' && (builtinByName(source) !== undefined || existsSync(source));
  if (!isPath) {
    if (typeof source === 'string' && !/^[a-z][a-z0-9+.-]*:/i.test(source))
      throw new Error(`loadModel: ${JSON.stringify(source)} is not a built-in model (${BUILTIN_MODELS.map((m) => m.name).join(', ')}), a file or directory, nor a URL; ${EXPORT_GUIDE_NOTE}`);
    const needsRuntime = !(typeof source === 'object' && 'oracle' in source);
    return loadNeutralModel(source, needsRuntime && !options.runtime ? { ...options, runtime: await nodeRuntime() } : options);
  }
  const ref = source;
  const isDir = existsSync(ref) && statSync(ref).isDirectory();
  const builtin = builtinByName(ref);
  const runtime = options.runtime ?? (builtin?.kind === 'onnx' || isDir || ref.endsWith('.onnx') ? await nodeRuntime() : undefined);
  const loaded = await loadCliModel(builtin ? ref : resolve(ref), { threads: options.threads, device: options.device, ort: runtime, statsHead: options.statsHead, statsGraph: options.statsGraph });
  const taskName = builtin?.task;
  const denoiser = loaded.model;
  return {
    name: denoiser.card.name,
    card: denoiser.card,
    denoiser,
    tokenizer: loaded.tokenizer,
    task: options.task ?? (taskName !== undefined ? taskByName(taskName) : null),
    genLength: options.genLength ?? (builtin && builtin.genLength > 0 ? builtin.genLength : DEFAULT_GEN_LENGTH),
    dispose: async () => {
      if ('dispose' in denoiser && typeof denoiser.dispose === 'function') await denoiser.dispose();
    },
  };
}
