/**
 * Task adapters: how each task's examples become canvases for its built-in model (the formats
 * of training/FORMATS.md) and how a decoded canvas is graded. The eval harness and the CLI use
 * only this interface.
 *
 * The adapters live beside their tasks (sudoku/task.ts, countdown/task.ts, text/task.ts), the
 * interface in task.ts; this file is the registry and reads task data files (Node).
 */
import { readFile } from 'node:fs/promises';
import type { ModelCard } from '../models/card.js';
import { countdownTask } from './countdown/task.js';
import type { DataSelection } from './data.js';
import { digitsTask } from './digits/task.js';
import { sudokuTask } from './sudoku/task.js';
import { TASK_NAMES, type DataFile, type Task, type TaskName } from './task.js';
import { textTask } from './text/task.js';

export type { DataSelection } from './data.js';
export { countdownTask } from './countdown/task.js';
export { digitsTask, type DigitsExample } from './digits/task.js';
export { sudokuTask, type SudokuExample } from './sudoku/task.js';
export { TASK_NAMES, type DataFile, type Encoded, type ModelView, type Outcome, type Reference, type Task, type TaskName } from './task.js';
export { textTask } from './text/task.js';

export const TASKS = { sudoku: sudokuTask, countdown: countdownTask, text: textTask, digits: digitsTask } as const;

export function taskByName(name: string): Task<unknown> {
  if (!(TASK_NAMES as readonly string[]).includes(name)) throw new Error(`unknown task "${name}"; available: ${TASK_NAMES.join(', ')}`);
  return TASKS[name as TaskName] as Task<unknown>;
}

/** Examples from `--data <file>` in the task's common format; a file without any is refused. */
export async function loadTaskFile(task: Task<unknown>, path: string, selection?: DataSelection, card?: ModelCard): Promise<DataFile<unknown>> {
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`--data ${path}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const file = task.readData(content, path, selection, card);
  // Each reader names its own reason; this is the guarantee that nothing empty gets further.
  if (file.examples.length === 0) throw new Error(`--data ${path}: no ${task.name} example in the file`);
  return file;
}
