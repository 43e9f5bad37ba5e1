/**
 * Prompts → canvases, and decoded canvases → text, for the library's decode calls.
 *
 * A string prompt is read in the model's task format when the model has a task (a Sudoku grid,
 * a Countdown problem: the task decides the canvas), else encoded by its tokenizer (the mask
 * token's text marks a position to fill), else by an oracle's alphabet (`_` marks a position to
 * fill). Token ids are taken as they are (the mask id marks a position to fill). Outside task
 * models, `genLength` masks are appended after the prompt; a task whose canvas length is an
 * option (text) takes the prompt plus `genLength` when it is given, exactly as the CLI's
 * `generate --gen-length` (both call `taskExampleOfPrompt`).
 */
import { canvasLimit, CanvasLengthError, checkCanvasLength } from '../decode/limits.js';
import type { ModelCard } from '../models/card.js';
import { encodeText, isOracle } from '../models/oracle.js';
import type { Task } from '../tasks/task.js';
import type { Model } from './model.js';

/** Text, or token ids (`number[]`, `Int32Array`). */
export type Prompt = string | readonly number[] | Int32Array;

export interface PromptCanvas {
  canvas: Int32Array;
  promptLength: number;
}

/**
 * A task's example from a typed prompt, with `genLength` positions to generate after it when
 * given (undefined: the task's own default, e.g. a 128-character text window). A task whose
 * canvas length is an option (`length`: text) makes the canvas the prompt plus `genLength`; the
 * others set the canvas themselves (81 Sudoku cells), so there only 0 is accepted. `genFlag`
 * names the setting in messages (`--gen-length`, `genLength`).
 */
export function taskExampleOfPrompt<E>(task: Task<E>, card: ModelCard, prompt: string, genLength: number | undefined, genFlag: string): E {
  if (genLength === undefined) return task.fromPrompt(prompt, {});
  if (!('length' in task.options)) {
    if (genLength === 0) return task.fromPrompt(prompt, {});
    throw new CanvasLengthError(`${genFlag} ${genLength}: the ${task.name} task sets the canvas of model ${card.name} itself, so nothing is appended after the prompt; leave ${genFlag} out`);
  }
  const chars = Array.from(prompt).length;
  checkCanvasLength(card, chars, genLength, genFlag);
  return task.fromPrompt(prompt, { length: chars + genLength });
}

/**
 * The canvas of one prompt: `genLength` masks after it (default: the model's `genLength`), or
 * for a task model's text prompt the task's canvas (see `taskExampleOfPrompt`).
 */
export function promptCanvas(model: Model, prompt: Prompt, genLength?: number): PromptCanvas {
  const { card } = model;
  if (genLength !== undefined && (!Number.isInteger(genLength) || genLength < 0)) throw new RangeError(`genLength is ${genLength}, expected an integer ≥ 0`);
  if (typeof prompt === 'string' && model.task && model.tokenizer) {
    const view = { card, tokenizer: model.tokenizer };
    return model.task.encode(taskExampleOfPrompt(model.task, card, prompt, genLength, 'genLength'), view);
  }
  const masks = genLength ?? model.genLength;
  let ids: Int32Array;
  if (typeof prompt !== 'string') ids = Int32Array.from(prompt);
  else if (model.tokenizer) ids = model.tokenizer.encode(prompt);
  else ids = encodeText(prompt, isOracle(model.denoiser) ? model.denoiser.alphabet : undefined, card.vocabSize, card.maskId);
  ids.forEach((id, i) => {
    if (!Number.isInteger(id) || id < 0 || id >= card.vocabSize) throw new RangeError(`prompt: token ${i} is ${id}, expected an id in [0, ${card.vocabSize})`);
  });
  const limit = canvasLimit(card);
  if (ids.length + masks > limit)
    throw new CanvasLengthError(`prompt of ${ids.length} tokens + genLength ${masks} is over the limit ${limit} of model ${card.name}`);
  const canvas = new Int32Array(ids.length + masks).fill(card.maskId);
  canvas.set(ids);
  if (!canvas.includes(card.maskId)) throw new RangeError('nothing to decode: the canvas has no masks (give genLength, or mask tokens in the prompt)');
  return { canvas, promptLength: ids.length };
}

/**
 * The text of a decoded canvas: the positions after the prompt, or the whole canvas when the
 * prompt itself held masks (an infill, a Sudoku grid). Special tokens (EOS fill) are skipped.
 */
export function outputText(model: Model, input: PromptCanvas, output: readonly number[]): string {
  const infill = input.canvas.subarray(0, input.promptLength).includes(model.card.maskId);
  const ids = Int32Array.from(infill ? output : output.slice(input.promptLength));
  if (model.tokenizer) return model.tokenizer.decode(ids, { skipSpecialTokens: true });
  if (isOracle(model.denoiser)) return model.denoiser.detokenize(ids);
  return Array.from(ids).join(' ');
}
