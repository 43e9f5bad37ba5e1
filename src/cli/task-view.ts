/**
 * `generate` on a task model (sudoku, countdown, text, digits): build the task's canvas, decode it, show
 * the result with its fill order, and grade it.
 */
import type { DecodeEntry } from '../decode/entry.js';
import { decodeBatch } from '../decode/run.js';
import type { SequenceTrace } from '../decode/trace.js';
import type { Denoiser } from '../models/denoiser.js';
import type { HfTokenizer } from '../models/tokenizer.js';
import type { Outcome, Task } from '../tasks/index.js';
import { imageOfOutput } from '../tasks/digits/task.js';
import { renderShades } from '../tasks/digits/image.js';
import { commitOrder, dim, renderLine, renderSudoku } from './render.js';

export interface TaskRun {
  trace: SequenceTrace;
  outcome: Outcome;
  view: string;
}

export async function runTaskExample(
  task: Task<unknown>,
  model: Denoiser,
  tokenizer: HfTokenizer,
  example: unknown,
  entry: DecodeEntry,
  seed: number,
): Promise<TaskRun> {
  const view = { card: model.card, tokenizer };
  const { canvas, promptLength } = task.encode(example, view);
  const { traces } = await decodeBatch(model, [{ canvas, promptLength, seed }], entry);
  const trace = traces[0];
  const output = Int32Array.from(trace.output);
  const outcome = await task.grade(example, output, view);
  // A digit is shown as the image it is, in shade characters (two per pixel).
  if (task.name === 'digits') return { trace, outcome, view: renderShades(imageOfOutput(output, (id) => tokenizer.tokenText(id)).image) };
  const order = commitOrder(trace);
  // One character per position; the given ones dimmed on a terminal (the rule of render.ts).
  const tty = process.stdout.isTTY === true;
  const chars = Array.from(output, (id, p) => {
    const c = id === model.card.eosId ? '∅' : (tokenizer.tokenText(id) ?? '?');
    return canvas[p] !== model.card.maskId ? dim(c === '\n' ? '↵' : c, tty) : c;
  });
  const shown = task.name === 'sudoku' ? renderSudoku(chars, order) : renderLine(chars, order, 0);
  return { trace, outcome, view: shown };
}

export function outcomeLine(o: Outcome): string {
  if (o.correct !== null) return (o.correct ? 'correct' : `wrong: ${o.reason ?? 'incorrect'}`) + (o.score !== null ? ` (judge score ${o.score.toFixed(3)})` : '');
  return `judge: ${o.score?.toFixed(3)} nats/char${o.reason ? ` (${o.reason})` : ''}`;
}
