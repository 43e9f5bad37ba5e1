/**
 * What a task adapter is: how a task's examples become canvases for its built-in model (the
 * formats of training/FORMATS.md) and how a decoded canvas is graded; and the small helpers the
 * adapters share. The adapters are sudoku/task.ts, countdown/task.ts and text/task.ts; index.ts
 * is their registry.
 */
import type { ModelCard } from '../models/card.js';
import type { HfTokenizer } from '../models/tokenizer.js';
import { describeSelection, type DataSelection, type Extras } from './data.js';
import type { TaskOptionSpecs } from './options.js';

export type TaskName = 'sudoku' | 'countdown' | 'text' | 'digits';
export const TASK_NAMES: readonly TaskName[] = ['sudoku', 'countdown', 'text', 'digits'];

/** What a task needs of a model: its card and its (character-level) tokenizer. */
export interface ModelView {
  card: ModelCard;
  tokenizer: HfTokenizer;
}

export interface Outcome {
  /** Exact-checker verdict; null for tasks scored by a judge. */
  correct: boolean | null;
  /** Judge score (text: mean log-probability per character); null otherwise. */
  score: number | null;
  /** The answer as text. */
  answer: string;
  reason?: string;
}

export interface Encoded {
  canvas: Int32Array;
  promptLength: number;
}

/** Examples read from a data file, and what was read. */
export interface DataFile<E> {
  examples: E[];
  /** One line: the format or layout, the columns, the filter and the counts read. */
  summary: string;
  /** What the user must know about the examples (e.g. problems outside the model's training range). */
  notes: string[];
}

export interface Task<E> {
  name: TaskName;
  /** The built-in model trained for the task. */
  defaultModel: string;
  /** The options `generate` accepts, checked before it runs (src/tasks/options.ts). */
  options: TaskOptionSpecs;
  /** Examples from the task's generator; example i depends only on (seed, i, options), options checked against `options`. */
  generate(seed: number, n: number, options: Record<string, unknown>): E[];
  /**
   * Examples from the task's common file format, with the columns and rows `selection` picks,
   * checked against the canvas of the model (`card`) that will decode them where the task's canvas
   * depends on the model (Countdown); without a card, against the task's built-in model.
   * Throws a one-line error naming the file (and line) when it holds no example or anything
   * cannot be read unambiguously.
   */
  readData(content: string, source: string, selection?: DataSelection, card?: ModelCard): DataFile<E>;
  /** One example from a command-line prompt. */
  fromPrompt(prompt: string, options: Record<string, unknown>): E;
  encode(example: E, model: ModelView): Encoded;
  grade(example: E, output: Int32Array, model: ModelView): Promise<Outcome>;
  /** Fields recorded with each result (difficulty, numbers, …). */
  describe(example: E): Record<string, string | number | boolean>;
  /**
   * A model-independent baseline whose output for each example is graded like a sampler's, so
   * every sampler can be compared with it (text: the character-bigram chain).
   */
  reference?: Reference<E>;
}

export interface Reference<E> {
  /** The name its result lines carry in place of a sampler's. */
  name: string;
  description: string;
  /** Its output for `example`, drawn from `seed`, graded. */
  produce(example: E, seed: number): Promise<Outcome>;
}

export function charId(model: ModelView, ch: string): number {
  const id = model.tokenizer.tokenId(ch);
  if (id === undefined) throw new Error(`the model ${model.card.name} has no token for ${JSON.stringify(ch)}`);
  return id;
}

/** The characters of canvas positions [start, end) up to the first EOS (special tokens dropped). */
export function textOf(model: ModelView, output: ArrayLike<number>, start: number, end = output.length): string {
  const ids: number[] = [];
  for (let p = start; p < end; p++) {
    if (output[p] === model.card.eosId) break;
    ids.push(output[p]);
  }
  return model.tokenizer.decode(ids);
}

export const withExtra = <T extends object>(e: T, extra: Extras | undefined): T & { extra?: Extras } => (extra ? { ...e, extra } : e);

/** `…; filter level=hard: 250 of 1000 rows kept` */
export function selectionText(sel: DataSelection | undefined, kept: number, rows: number, unit: string): string {
  const parts = describeSelection(sel).filter((p) => p.startsWith('filter'));
  return parts.length ? `; ${parts.join('; ')}: ${kept} of ${rows} ${unit} kept` : '';
}
