/**
 * The messages between the page (main.ts, through decoder-client.ts) and the decode worker
 * (worker.ts). Everything that touches a model runs in the worker: onnxruntime-web, loading,
 * prompts, decode() and grading; the page only shows what the worker reports, so a forward call
 * never blocks its clicks or paint. Messages are structured-cloned (typed arrays and Files too).
 */
import type { Outcome, Params, DecodeParams, Trace } from '../../src/index.js';
import type { WebModelEntry } from '../../src/web/model-index.js';
import type { RuntimeSettings } from './runtime.js';
import type { ShownStep } from './steps.js';

/**
 * A model picked from disk, by role: an infogain model directory (model.onnx + model.json), or a
 * Hugging Face ONNX folder (docs/real-models.md: graphs under onnx/, each with its `.onnx.data`
 * external data, and the tokenizer files; model.json optional).
 */
export interface PickedFiles {
  onnx?: File;
  card?: File;
  /** A Hugging Face folder's graphs (onnx/<file>.onnx); the worker runs the one the CLI would (defaultGraph). */
  graphs?: File[];
  /** Their external data files (`<graph>.onnx.data`), matched to the names the graph records. */
  externalData?: File[];
  tokenizer?: File;
  tokenizerConfig?: File;
  chatTemplate?: File;
  /** The picked folder's name (or "model"): the label errors start with, as the CLI's start with the directory. */
  label: string;
}

/** What the page needs of a loaded model to lay out and label a decode. */
export interface ModelInfo {
  /** The key the page and the worker know it by (the built-in's name, or "your model: …"). */
  key: string;
  name: string;
  vocabSize: number;
  maskId: number;
  task: string | null;
  oracle: boolean;
  /** How each token id reads (the tokenizer's text, an oracle's letter), index = id. */
  tokens: string[];
  /** onnxruntime-web's wasm thread count once a session exists (it drops to 1 where threads cannot run); null for oracles. */
  threadsInUse: number | null;
}

export interface DecodeSettings {
  sampler: string;
  params: Params;
  decode: Partial<DecodeParams>;
  seed: number;
}

/** The judge's view of a decoded digit: the levels drawn, the class asked for and the class it sees. */
export interface DigitVerdict {
  /** 196 grey levels 0–3, row-major. */
  levels: number[];
  requested: number;
  predicted: number;
  /** The judge's probabilities of the 10 classes. */
  probs: number[];
}

export type WireEnding =
  | { kind: 'done'; trace: Trace; text: string | null; outcome: Outcome | null; digit: DigitVerdict | null }
  | { kind: 'aborted'; reason: string }
  | { kind: 'failed'; message: string };

export type Request =
  | { op: 'init'; id: number; base: string; search: string }
  | { op: 'load'; id: number; entry: WebModelEntry }
  | { op: 'load-picked'; id: number; key: string; picked: PickedFiles }
  /** A model served by URL (?model=): a model directory (model.json, model.onnx) or a Hugging Face folder's graph, …/onnx/<file>.onnx; relative to the page. */
  | { op: 'load-url'; id: number; key: string; url: string }
  | { op: 'example'; id: number; key: string; seed: number; taskOption: string }
  | { op: 'decode'; id: number; key: string; promptText: string; genLength: number; settings: DecodeSettings }
  | { op: 'abort'; id: number };

/** Requests answered once (decode is answered by a stream of events). */
export type Reply =
  | { id: number; kind: 'ok'; value: unknown }
  | { id: number; kind: 'error'; message: string }
  | { id: number; kind: 'start'; initial: Int32Array }
  | { id: number; kind: 'step'; step: ShownStep }
  | { id: number; kind: 'end'; ending: WireEnding };

export interface InitResult {
  settings: RuntimeSettings;
}
