/**
 * `--task-option key=value` (eval, compare): options of a task's example generator. Values that
 * look like numbers become numbers and `[…]` becomes a JSON array (`blanks=[40,50]`); anything
 * else stays a string. Unknown keys are an error that names the valid ones; bad values are
 * reported by the task's generator.
 */
import type { TaskName } from '../tasks/index.js';

/** The options each task's `generate` reads (src/tasks/index.ts). */
export const TASK_OPTION_KEYS: Readonly<Record<TaskName, readonly string[]>> = {
  sudoku: ['blanks'],
  countdown: ['count'],
  text: ['kind', 'promptLength'],
};

function parseValue(flag: string, value: string): unknown {
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (/^\[.*\]$/.test(value)) {
    try {
      return JSON.parse(value);
    } catch {
      throw new Error(`${flag}: ${JSON.stringify(value)} is not a JSON array`);
    }
  }
  return value;
}

/**
 * `base` (e.g. a config file's task_options) overridden by the `key=value` pairs, every key
 * checked against the task's options.
 */
export function parseTaskOptions(task: TaskName, pairs: readonly string[], base: Record<string, unknown> = {}): Record<string, unknown> {
  const valid = TASK_OPTION_KEYS[task];
  const options: Record<string, unknown> = {};
  const check = (key: string, where: string) => {
    if (!valid.includes(key)) throw new Error(`${where}: unknown option for task ${task}; valid: ${valid.join(', ')}`);
  };
  for (const [k, v] of Object.entries(base)) {
    check(k, `task option ${k}`);
    options[k] = v;
  }
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const k = pair.slice(0, Math.max(0, eq)).trim();
    const v = pair.slice(eq + 1).trim();
    if (eq <= 0 || !k || !v) throw new Error(`--task-option ${JSON.stringify(pair)}: expected key=value`);
    check(k, `--task-option ${k}`);
    options[k] = parseValue(`--task-option ${k}`, v);
  }
  return options;
}
