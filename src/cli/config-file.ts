/** YAML evaluation configs (configs/*.yaml): the same keys as the `eval` flags. */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

const KEYS = ['task', 'model', 'samplers', 'set', 'task_options', 'n', 'seed', 'data', 'out', 'batch_size'];

export async function readEvalConfig(path: string): Promise<Record<string, unknown>> {
  let raw: unknown;
  try {
    raw = parse(await readFile(path, 'utf8'));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(err.code ? `--config ${path}: cannot read the file (${err.code})` : `--config ${path}: invalid YAML: ${err.message.split('\n')[0]}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`--config ${path}: expected a mapping of options`);
  for (const k of Object.keys(raw)) if (!KEYS.includes(k)) throw new Error(`--config ${path}: unknown key "${k}"; valid: ${KEYS.join(', ')}`);
  return raw as Record<string, unknown>;
}
