/**
 * A loaded model as the library hands it out: the denoiser the decode loop calls, its card, its
 * tokenizer (when it has one) and how string prompts are read. Any environment.
 */
import type { ModelCard } from '../models/card.js';
import type { Denoiser } from '../models/denoiser.js';
import type { HfTokenizer } from '../models/tokenizer.js';
import type { Task } from '../tasks/task.js';

export interface Model {
  /** The card's name (a built-in's name, a directory's, or the card's `name` field). */
  name: string;
  card: ModelCard;
  /** What the decode loop calls: batched forwards with per-row noise keys. */
  denoiser: Denoiser;
  /** The Hugging Face tokenizer of an ONNX model, when it has tokenizer files; null otherwise. */
  tokenizer: HfTokenizer | null;
  /** A task adapter (Sudoku, Countdown): string prompts are read in the task's format, not tokenized. */
  task: Task<unknown> | null;
  /**
   * Masks appended after a prompt when a decode call gives no `genLength` (a task model's string
   * prompt takes the task's own canvas then; see `promptCanvas`).
   */
  genLength: number;
  /** Releases the runtime's session (ONNX models); a no-op for oracles. */
  dispose(): Promise<void>;
}

/** The masks appended after a prompt when neither the call nor the model says how many. */
export const DEFAULT_GEN_LENGTH = 32;
