/**
 * YAML evaluation configs (configs/*.yaml): the same keys as the `eval` flags, checked by one
 * zod schema with the same types and ranges as the flags (the validator the HTTP server uses
 * too). Every error names the file, the key path, the value and what was expected; a YAML
 * syntax error names the line and column.
 */
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { TASK_NAMES } from '../tasks/index.js';
import { MAX_BATCH_SIZE, MAX_EXAMPLES, SEED_LIMIT } from './common.js';

const int = (min: number, max: number, note = '') => {
  const expected = `an integer in [${min}, ${max}]${note}`;
  return z.number({ error: expected }).int({ error: expected }).min(min, { error: expected }).max(max, { error: expected });
};
const text = (expected: string) => z.string({ error: expected }).trim().min(1, { error: expected });
// z.number() refuses NaN and ±Infinity (YAML's .nan, .inf), so no non-finite value gets in.
const SET_VALUE = 'a string, finite number, true/false or null';
const OPTION_VALUE = 'a string, finite number, true/false or a list of numbers or strings';

export const EVAL_CONFIG_SCHEMA = z.strictObject({
  task: z.enum(TASK_NAMES as [string, ...string[]], { error: `one of ${TASK_NAMES.join(', ')}` }),
  model: text('a built-in model name or a model path'),
  samplers: z.union([text('a sampler list'), z.array(text('a sampler name')).min(1)], { error: '"all", "a,b,…" or a list of sampler names' }),
  set: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()], { error: SET_VALUE }), { error: 'a mapping of parameter: value' }),
  task_options: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.number(), z.string()]))], { error: OPTION_VALUE }), { error: 'a mapping of option: value' }),
  n: int(1, MAX_EXAMPLES),
  seed: int(0, SEED_LIMIT - 1, ' (seeds are 32-bit)'),
  data: text('a file path'),
  // What these mean is checked where they are used (src/cli/data-options.ts); here, their shape.
  data_columns: z.record(z.string(), text('a column name'), { error: 'a mapping of field: column' }),
  data_filter: z.record(
    z.string(),
    z.union([z.union([z.string(), z.number(), z.boolean()]), z.array(z.union([z.string(), z.number(), z.boolean()])).min(1)], { error: 'a value or a list of values' }),
    { error: 'a mapping of column: value(s)' },
  ),
  out: text('a directory path'),
  batch_size: int(1, MAX_BATCH_SIZE),
}).partial();

export type EvalConfig = z.infer<typeof EVAL_CONFIG_SCHEMA>;

const KEYS = Object.keys(EVAL_CONFIG_SCHEMA.shape);

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v = raw;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

/** One line for the first problem zod found. */
function describeIssue(path: string, raw: unknown, issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
    return `--config ${path}: ${where}unknown key "${issue.keys[0]}"; valid: ${KEYS.join(', ')}`;
  }
  const value = valueAt(raw, issue.path);
  // JSON would show YAML's .inf / .nan as null: name them as they are.
  const shown = value === undefined ? 'missing' : typeof value === 'number' && !Number.isFinite(value) ? String(value) : JSON.stringify(value);
  return `--config ${path}: ${issue.path.join('.')}: ${shown}, expected ${issue.message}`;
}

export async function readEvalConfig(path: string): Promise<EvalConfig> {
  let source: string;
  try {
    source = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`--config ${path}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  // parseDocument reports every error with its position (duplicate keys included).
  const doc = parseDocument(source);
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0];
    const what = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new Error(`--config ${path}: invalid YAML${pos ? ` at line ${pos.line}, column ${pos.col}` : ''}: ${what}`);
  }
  const raw: unknown = doc.toJS();
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`--config ${path}: expected a mapping of options (${KEYS.join(', ')})`);
  const parsed = EVAL_CONFIG_SCHEMA.safeParse(raw);
  if (!parsed.success) throw new Error(describeIssue(path, raw, parsed.error.issues[0]));
  return parsed.data;
}
