/**
 * Task options: what a task's example generator accepts, declared once beside the generator
 * (src/tasks/index.ts) and checked before any example is made, so that a value the generator
 * does not know (`kind=poem`) is refused instead of running something else under its label.
 * Environment-neutral: no `node:*` imports.
 */

export interface TaskOption {
  /** The valid values in words, e.g. `3 or 4`; quoted in every error. */
  valid: string;
  /** The value, normalised; null when it is not valid (the caller names option, value and `valid`). */
  parse(value: unknown): unknown;
  /** Why the option does not apply next to the other options (e.g. `only with kind=unconditional`), if it does not. */
  conflict?(options: Readonly<Record<string, unknown>>): string | null;
}

export type TaskOptionSpecs = Readonly<Record<string, TaskOption>>;

const isInt = (x: unknown, lo: number, hi: number): x is number => typeof x === 'number' && Number.isInteger(x) && x >= lo && x <= hi;

/** An integer in [lo, hi]. */
export function integerOption(lo: number, hi: number, valid: string): TaskOption {
  return { valid, parse: (v) => (isInt(v, lo, hi) ? v : null) };
}

/** An integer in [lo, hi] or a range [min, max] with lo ≤ min ≤ max ≤ hi. */
export function integerOrRangeOption(lo: number, hi: number, valid: string): TaskOption {
  return {
    valid,
    parse: (v) => {
      if (isInt(v, lo, hi)) return v;
      if (Array.isArray(v) && v.length === 2 && isInt(v[0], lo, hi) && isInt(v[1], lo, hi) && v[0] <= v[1]) return [v[0], v[1]];
      return null;
    },
  };
}

/** One of a fixed list of values (strings or numbers, compared exactly). */
export function choiceOption<T extends string | number>(values: readonly T[]): TaskOption {
  const valid = values.length === 2 ? `${values[0]} or ${values[1]}` : `one of ${values.join(', ')}`;
  return { valid, parse: (v) => (values.includes(v as T) ? v : null) };
}

const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/**
 * `raw` checked against a task's declared options: every key known, every value valid, no option
 * set where another option makes it meaningless. `where(key)` names the source in errors
 * (`--task-option kind`, `task_options.kind in configs/x.yaml`). Returns the normalised values.
 */
export function checkTaskOptions(
  task: string,
  specs: TaskOptionSpecs,
  raw: Readonly<Record<string, unknown>>,
  where: (key: string) => string,
): Record<string, unknown> {
  const keys = Object.keys(specs);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const spec = Object.hasOwn(specs, key) ? specs[key] : undefined;
    if (!spec) throw new Error(`${where(key)}: unknown option for task ${task}; valid: ${keys.length ? keys.join(', ') : '(none)'}`);
    const parsed = spec.parse(value);
    if (parsed === null) throw new Error(`${where(key)}=${show(value)}: ${key} must be ${spec.valid}, got ${JSON.stringify(value)}`);
    out[key] = parsed;
  }
  for (const key of Object.keys(out)) {
    const why = specs[key].conflict?.(out);
    if (why) throw new Error(`${where(key)}=${show(out[key])}: ${key} applies ${why}`);
  }
  return out;
}
