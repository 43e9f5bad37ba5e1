/**
 * Built-in models, shipped in the repo's `models/` folder so everything runs offline.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { packageRoot } from '../node/paths.js';
import type { Denoiser } from './denoiser.js';
import { hubGraphPath, isHubModelDir, loadHubDir, type HubGraphInfo } from './hub-dir.js';
import { checkThreads, isModelDir, loadModelDir, type DirLoadOptions } from './model-dir.js';
import { loadOracleFile } from './oracles/file.js';
import type { HfTokenizer } from './tokenizer.js';
import { noTokenizerNote } from './tokenizer-files.js';

export interface BuiltinModel {
  name: string;
  description: string;
  /** An oracle JSON file or a model directory, relative to the repo's models/ folder. */
  file: string;
  kind: 'oracle' | 'onnx';
  /** The task a neural built-in was trained for (see src/tasks). */
  task?: string;
  /** Defaults of `generate`/`compare` for oracle models. */
  promptLength: number;
  genLength: number;
}

export const BUILTIN_MODELS: readonly BuiltinModel[] = [
  {
    name: 'hmm-demo',
    description: 'exact HMM oracle, 8 hidden states × 12 symbols, sticky transitions (seeded, scripts/make-models.ts)',
    file: 'hmm-demo.json',
    kind: 'oracle',
    promptLength: 8,
    genLength: 24,
  },
  {
    name: 'markov-shakespeare',
    description: 'exact order-1 character Markov chain fitted on the first 95% of TinyShakespeare (add-1 smoothing)',
    file: 'markov-shakespeare.json',
    kind: 'oracle',
    promptLength: 16,
    genLength: 48,
  },
  { name: 'sudoku', description: 'masked diffusion transformer that fills 9×9 Sudoku blanks in place', file: 'sudoku', kind: 'onnx', task: 'sudoku', promptLength: 0, genLength: 0 },
  { name: 'sudoku-hard', description: 'masked diffusion transformer trained for hard 9×9 Sudoku (55–62 blanks, puzzles beyond naked singles)', file: 'sudoku-hard', kind: 'onnx', task: 'sudoku', promptLength: 0, genLength: 0 },
  { name: 'countdown', description: 'masked diffusion transformer that writes Countdown equations', file: 'countdown', kind: 'onnx', task: 'countdown', promptLength: 0, genLength: 0 },
  { name: 'countdown-64', description: 'masked diffusion transformer that writes Countdown equations on a 64-token canvas: 3 and 4 numbers, the public 4-number files as they are', file: 'countdown-64', kind: 'onnx', task: 'countdown', promptLength: 0, genLength: 0 },
  { name: 'text', description: 'character-level masked diffusion transformer on TinyShakespeare', file: 'text', kind: 'onnx', task: 'text', promptLength: 0, genLength: 0 },
  { name: 'text-long', description: 'character-level masked diffusion transformer on TinyShakespeare, 512-character context with RoPE (long continuations; KV-cache benchmark)', file: 'text-long', kind: 'onnx', task: 'text', promptLength: 0, genLength: 0 },
  { name: 'digits', description: 'masked diffusion transformer that draws a 14×14 4-level digit of a given class (MNIST)', file: 'digits', kind: 'onnx', task: 'digits', promptLength: 0, genLength: 0 },
];

/**
 * Said wherever a model name is neither built in nor a path: a real MDM (`--model llada`) is not
 * downloaded by name; it runs from a model directory the user exports once, as that guide shows.
 */
export const EXPORT_GUIDE_NOTE = 'a real MDM (LLaDA, Dream, SDAR, MMaDA) runs from a model directory exported to ONNX: see docs/onnx-models.md';

/** The model of `generate` and `compare` without --model: the neural Sudoku solver (a task model). */
export const DEFAULT_MODEL = 'sudoku';

export function builtinByName(name: string): BuiltinModel | undefined {
  return BUILTIN_MODELS.find((m) => m.name === name);
}

export interface LoadedModel {
  model: Denoiser;
  builtin?: BuiltinModel;
  /** The Hugging Face tokenizer of a model directory, when it has one. */
  tokenizer: HfTokenizer | null;
  /** For a model directory without tokenizer files: why a text prompt cannot be read (names the missing files). */
  noTokenizer?: string;
  /** A Hugging Face ONNX folder's graph: which one runs, its precision and external data, the convention detected. */
  hub?: HubGraphInfo;
  /** The files the model was built from: `names` relative to `root` (eval's meta.json records their hashes). */
  files: { root: string; names: string[] };
}

const oracleFiles = (file: string) => ({ root: dirname(file), names: [basename(file)] });

/**
 * A built-in name, an oracle JSON file, a model directory (model.onnx + model.json), a Hugging Face
 * ONNX folder (graphs under onnx/, hub-layout.ts), or one graph of such a folder (`<folder>/onnx/<file>.onnx`).
 */
export async function loadModel(ref: string, options: DirLoadOptions = {}): Promise<LoadedModel> {
  checkThreads(options.threads);
  const builtin = builtinByName(ref);
  if (builtin?.kind === 'oracle') {
    const file = join(packageRoot(), 'models', builtin.file);
    return { model: await loadOracleFile(file), builtin, tokenizer: null, files: oracleFiles(file) };
  }
  if (builtin) {
    const dir = join(packageRoot(), 'models', builtin.file);
    if (!isModelDir(dir)) throw new Error(`built-in model ${builtin.name} is not in this checkout (${dir}); build it with \`npm run train:${builtin.task}\``);
    const { model, tokenizer, files } = await loadModelDir(dir, options);
    return { model, tokenizer, builtin, files: { root: dir, names: files } };
  }
  if (!existsSync(ref))
    throw new Error(`--model ${JSON.stringify(ref)}: no such file or directory, and not a built-in model (${BUILTIN_MODELS.map((m) => m.name).join(', ')}); ${EXPORT_GUIDE_NOTE}`);
  const graphPath = hubGraphPath(ref);
  if (graphPath && statSync(ref).isFile()) return hubModel(graphPath.dir, { ...options, graph: graphPath.graph });
  if (statSync(ref).isDirectory()) {
    if (!isModelDir(ref) && isHubModelDir(ref)) return hubModel(ref, options);
    if (!isModelDir(ref)) {
      const missing = ['model.onnx', 'model.json'].filter((f) => !existsSync(join(ref, f)));
      throw new Error(
        `${ref}: ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} missing; a model directory needs model.onnx and model.json (the model card), or its graphs under onnx/ (a Hugging Face ONNX export: docs/real-models.md)`,
      );
    }
    const { model, tokenizer, files: names } = await loadModelDir(ref, options);
    const files = { root: ref, names };
    return tokenizer ? { model, tokenizer, files } : { model, tokenizer, files, noTokenizer: noTokenizerNote(ref) };
  }
  return { model: await loadOracleFile(ref), tokenizer: null, files: oracleFiles(ref) };
}

async function hubModel(dir: string, options: DirLoadOptions & { graph?: string }): Promise<LoadedModel> {
  const { model, tokenizer, hub, files: names } = await loadHubDir(dir, options);
  const files = { root: dir, names };
  return tokenizer ? { model, tokenizer, hub, files } : { model, tokenizer, hub, files, noTokenizer: noTokenizerNote(dir) };
}
