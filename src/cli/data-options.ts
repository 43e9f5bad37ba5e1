/**
 * `--data-columns field=column[,field=column…]` and `--data-filter column=value[,value…]` (eval,
 * compare), or `data_columns` / `data_filter` mappings in a YAML config: which columns of a
 * `--data` file hold the task's fields and which rows to keep (src/tasks/data.ts). Flags win over
 * the config key by key; several --data-filter flags must all match.
 */
import type { ModelCard } from '../models/card.js';
import type { DataRead, DataSelection } from '../tasks/data.js';
import { loadTaskFile, type Task } from '../tasks/index.js';

function pairs(flag: string, values: readonly string[], shape: string): [string, string][] {
  const out: [string, string][] = [];
  for (const value of values)
    for (const part of value.split(/,(?=[^,=]+=)/)) {
      const eq = part.indexOf('=');
      const k = part.slice(0, Math.max(0, eq)).trim();
      const v = part.slice(eq + 1).trim();
      if (eq <= 0 || !k || !v) throw new Error(`${flag} ${JSON.stringify(value)}: expected ${shape}`);
      out.push([k, v]);
    }
  return out;
}

function mapping(where: string, raw: unknown, list: boolean): Record<string, string[]> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${where}: expected a mapping (e.g. ${list ? '{level: hard}' : '{puzzle: quizzes}'}), got ${JSON.stringify(raw)}`);
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(raw)) {
    const vs = Array.isArray(v) && list ? v : [v];
    if (vs.length === 0 || vs.some((x) => !['string', 'number', 'boolean'].includes(typeof x) || String(x).trim() === ''))
      throw new Error(`${where}.${k}: expected ${list ? 'a value or a list of values' : 'a column name'}, got ${JSON.stringify(v)}`);
    out[k] = vs.map((x) => String(x).trim());
  }
  return out;
}

/** The selection, or undefined when neither flags nor config name any. `config.name` names the config file in errors. */
export function parseDataSelection(
  flags: { columns: readonly string[]; filter: readonly string[] },
  config: { columns?: unknown; filter?: unknown; name?: string } = {},
): DataSelection | undefined {
  const where = (key: string) => (config.name ? `--config ${config.name}: ${key}` : key);
  const columns = Object.fromEntries(Object.entries(mapping(where('data_columns'), config.columns, false)).map(([k, v]) => [k, v[0]]));
  for (const [k, v] of pairs('--data-columns', flags.columns, 'field=column[,field=column…], e.g. puzzle=quizzes,solution=solutions')) columns[k] = v;
  const filter = mapping(where('data_filter'), config.filter, true);
  const fromFlags = new Map<string, string[]>();
  // `level=hard,expert`: the comma before a word without `=` continues the value list.
  for (const value of flags.filter) {
    const eq = value.indexOf('=');
    const k = value.slice(0, Math.max(0, eq)).trim();
    const vs = value.slice(eq + 1).split(',').map((x) => x.trim());
    if (eq <= 0 || !k || vs.some((x) => x === '')) throw new Error(`--data-filter ${JSON.stringify(value)}: expected column=value[,value…], e.g. level=hard`);
    fromFlags.set(k, vs);
  }
  for (const [k, vs] of fromFlags) filter[k] = vs;
  const sel: DataSelection = {
    ...(Object.keys(columns).length ? { columns } : {}),
    ...(Object.keys(filter).length ? { filter } : {}),
  };
  return Object.keys(sel).length ? sel : undefined;
}

export interface DataSources {
  flags: { columns: readonly string[]; filter: readonly string[]; taskOptions: readonly string[] };
  config: { columns?: unknown; filter?: unknown; taskOptions?: Record<string, unknown>; name?: string };
}

/**
 * The first `n` examples of `--data <path>` with what was read, or null for a generator run;
 * checked against the canvas of the model `card` describes.
 * Says on stderr what was read (layout, columns, filter, counts) and anything the user must know;
 * refuses data flags without a file and generator options with one.
 */
export async function dataExamples(
  task: Task<unknown>,
  path: string | null,
  n: number,
  src: DataSources,
  card?: ModelCard,
): Promise<{ examples: unknown[]; read: DataRead } | null> {
  const selection = parseDataSelection(src.flags, src.config);
  if (!path) {
    if (selection) throw new Error(`${selection.columns ? '--data-columns' : '--data-filter'} selects from a data file; give --data <file>`);
    return null;
  }
  if (src.flags.taskOptions.length)
    throw new Error(`--task-option ${src.flags.taskOptions[0]}: task options configure the ${task.name} generator, but the examples come from --data ${path}`);
  const file = await loadTaskFile(task, path, selection, card);
  const examples = file.examples.slice(0, n);
  const taken = examples.length < file.examples.length ? `; the first ${examples.length} of ${file.examples.length} examples (--n ${n})` : '';
  console.error(`--data ${path}: ${file.summary}${taken}`);
  for (const note of file.notes) console.error(`note: ${note}`);
  const unused = Object.entries(src.config.taskOptions ?? {});
  if (unused.length)
    console.error(`note: task_options in ${src.config.name ?? 'the config'} (${unused.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}) configure the generator and do not apply: the examples come from --data ${path}`);
  return { examples, read: { summary: file.summary, available: file.examples.length, ...selection } };
}
