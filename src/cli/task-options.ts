/**
 * `--task-option key=value` (eval, compare): options of a task's example generator. Values that
 * look like numbers become numbers and `[…]` becomes a JSON array (`blanks=[40,50]`); anything
 * else stays a string. Every key and value is checked against the options the task declares
 * beside its generator (src/tasks/index.ts), so an unknown key or a value the generator does not
 * take (`kind=poem`) is refused with the valid ones named.
 */
import { checkTaskOptions } from '../tasks/options.js';
import { TASKS, type TaskName } from '../tasks/index.js';

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
 * `base` (a config file's task_options; `baseSource` names the file) overridden by the `key=value`
 * pairs, every key and value checked against the task's declared options. Errors name where the
 * value came from.
 */
export function parseTaskOptions(task: TaskName, pairs: readonly string[], base: Record<string, unknown> = {}, baseSource?: string): Record<string, unknown> {
  const raw: Record<string, unknown> = { ...base };
  const fromFlag = new Set<string>();
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const k = pair.slice(0, Math.max(0, eq)).trim();
    const v = pair.slice(eq + 1).trim();
    if (eq <= 0 || !k || !v) throw new Error(`--task-option ${JSON.stringify(pair)}: expected key=value`);
    raw[k] = parseValue(`--task-option ${k}`, v);
    fromFlag.add(k);
  }
  const where = (k: string) => (fromFlag.has(k) ? `--task-option ${k}` : baseSource ? `--config ${baseSource}: task_options.${k}` : `task option ${k}`);
  return checkTaskOptions(task, TASKS[task].options, raw, where);
}
