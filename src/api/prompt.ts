/**
 * Prompts → canvases, and decoded canvases → text, for the library's decode calls.
 *
 * A string prompt is read in the model's task format when the model has a task (a Sudoku grid,
 * a Countdown problem: the task decides the canvas), else encoded by its tokenizer (the mask
 * token's text marks a position to fill), else by an oracle's alphabet (`_` marks a position to
 * fill). Token ids are taken as they are (the mask id marks a position to fill). Outside task
 * models, `genLength` masks are appended after the prompt.
 */
import { canvasLimit, CanvasLengthError } from '../decode/limits.js';
import { encodeText, isOracle } from '../models/oracle.js';
import type { Model } from './model.js';

/** Text, or token ids (`number[]`, `Int32Array`). */
export type Prompt = string | readonly number[] | Int32Array;

export interface PromptCanvas {
  canvas: Int32Array;
  promptLength: number;
}

export function promptCanvas(model: Model, prompt: Prompt, genLength: number): PromptCanvas {
  const { card } = model;
  if (typeof prompt === 'string' && model.task && model.tokenizer) {
    const view = { card, tokenizer: model.tokenizer };
    return model.task.encode(model.task.fromPrompt(prompt, {}), view);
  }
  let ids: Int32Array;
  if (typeof prompt !== 'string') ids = Int32Array.from(prompt);
  else if (model.tokenizer) ids = model.tokenizer.encode(prompt);
  else ids = encodeText(prompt, isOracle(model.denoiser) ? model.denoiser.alphabet : undefined, card.vocabSize, card.maskId);
  ids.forEach((id, i) => {
    if (!Number.isInteger(id) || id < 0 || id >= card.vocabSize) throw new RangeError(`prompt: token ${i} is ${id}, expected an id in [0, ${card.vocabSize})`);
  });
  if (!Number.isInteger(genLength) || genLength < 0) throw new RangeError(`genLength is ${genLength}, expected an integer ≥ 0`);
  const limit = canvasLimit(card);
  if (ids.length + genLength > limit)
    throw new CanvasLengthError(`prompt of ${ids.length} tokens + genLength ${genLength} is over the limit ${limit} of model ${card.name}`);
  const canvas = new Int32Array(ids.length + genLength).fill(card.maskId);
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
