/** The Countdown task's common file format (JSONL). Environment-neutral: it reads text, not files. */
import { checkColumnFields, DataFileError, extrasOf, resolveColumns, rowFilter, type DataSelection, type Extras, type FieldSpec } from '../data.js';
import { CountdownError, type CountdownRecord } from './problem.js';

// ---------------------------------------------------------------------------------------------
// JSONL
// ---------------------------------------------------------------------------------------------

/**
 * How a JSONL file lays a problem out (decided per file; every line must agree):
 * - `solution`: `input` holds the numbers and then the target, `output` (optional) a solution,
 *   `{"input":"44,15,79,50","output":"44-15=29,79-29=50"}` (ours, and the reference's);
 * - `target`: `input` holds only the numbers, `output` the target, `{"input":"30,100,93","output":"23"}`
 *   (a common layout of public CD3 test sets).
 */
export type CountdownLayout = 'solution' | 'target';

export const LAYOUT_TEXT: Readonly<Record<CountdownLayout, string>> = {
  solution: 'numbers and target in "input", solution in "output"',
  target: 'numbers in "input", target in "output"',
};

/** What a JSONL file held besides its records, for the one line that says what was read. */
export interface CountdownJsonl {
  records: CountdownRecord[];
  /** null for a file without a problem line. */
  layout: CountdownLayout | null;
  /** Problem lines before the filter. */
  rows: number;
  /** The 1-based line of each record. */
  lines: number[];
}

/** Parses a JSONL file; see {@link readCountdownJsonl}. */
export function parseCountdownJsonl(text: string, source: string, selection?: DataSelection): CountdownRecord[] {
  return readCountdownJsonl(text, source, selection).records;
}

type OutputKind = { kind: 'none' } | { kind: 'target'; value: number } | { kind: 'solution'; text: string; last: number };

const COUNTDOWN_FIELDS: readonly FieldSpec[] = [
  // Not required here: a line without it gets the one-line error below.
  { name: 'input', required: false, defaults: ['input'] },
  { name: 'output', required: false, defaults: ['output'] },
];

/**
 * Reads the common Countdown JSONL format: one object per line, the problem in `input` (a string
 * of comma-separated positive integers, spaces allowed, or an array of them) and, per
 * {@link CountdownLayout}, a solution or the target in `output`. The layout is read off the
 * outputs: a bare integer is a target, text with `=` a solution; a file mixing them, a target
 * equal to input's last number (input then seems to hold the target too), a solution whose last
 * result is not input's last number, or an output that is neither, is refused with the line and
 * why: a problem is never guessed. `selection.columns` renames the fields (`input=question`),
 * `selection.filter` keeps lines by other keys; other scalar keys are kept as `data.<key>`.
 * Blank lines are skipped. Errors are one line: `source:line: …`. A solution is not checked
 * against its problem beyond its last result; run {@link checkSolution} for that.
 */
export function readCountdownJsonl(text: string, source: string, selection?: DataSelection): CountdownJsonl {
  const lines = text.split(/\r?\n/);
  const filter = rowFilter(source, selection);
  const parsed: { line: number; where: string; values: number[]; raw: string; output: OutputKind; extra: Extras }[] = [];
  let rows = 0;
  try {
    checkColumnFields(source, COUNTDOWN_FIELDS, selection);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (line === '') continue;
      const where = `${source}:${i + 1}`;
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch (e) {
        throw new CountdownError(`${where}: invalid JSON: ${(e as Error).message.replace(/\s*\n\s*/g, ' ')}`);
      }
      if (typeof json !== 'object' || json === null || Array.isArray(json))
        throw new CountdownError(`${where}: expected a JSON object with "input" and optional "output"`);
      rows++;
      const row = new Map(Object.entries(json));
      if (!filter.keep(row, i + 1)) continue;
      const cols = resolveColumns(where, COUNTDOWN_FIELDS, selection, [...row.keys()]);
      const inKey = cols.get('input');
      if (inKey === undefined) throw new CountdownError(`${where}: field "input" is missing`);
      const outKey = cols.get('output');
      const { values, raw } = inputValues(row.get(inKey), `${where}: field "${inKey}"`);
      const output = outputKind(outKey === undefined ? undefined : row.get(outKey), `${where}: field "${outKey}"`);
      parsed.push({ line: i + 1, where, values, raw, output, extra: extrasOf(row, new Set(cols.values())) });
    }
    filter.finish();
  } catch (e) {
    throw e instanceof DataFileError ? new CountdownError(e.message) : e;
  }

  // The layout: the first line with an output decides; every other line must agree.
  const first = parsed.find((p) => p.output.kind !== 'none');
  const layout: CountdownLayout | null = parsed.length === 0 ? null : first?.output.kind === 'target' ? 'target' : 'solution';
  const outKey = selection?.columns?.output ?? 'output';
  const firstLine = first ? `line ${first.line}` : '';
  const records = parsed.map(({ where, values, raw, output, extra }): CountdownRecord => {
    if (layout === 'target') {
      if (output.kind === 'none')
        throw new CountdownError(`${where}: no "${outKey}", but ${firstLine} holds the target there (layout: ${LAYOUT_TEXT.target}): this problem has no target`);
      if (output.kind === 'solution')
        throw new CountdownError(`${where}: field "${outKey}" is a solution, but ${firstLine}'s is a target: one layout per file`);
      if (values.length < 2) throw new CountdownError(`${where}: field "input" must be two or more positive integers (the numbers; the target is in "${outKey}"), got ${raw}`);
      if (values[values.length - 1] === output.value)
        throw new CountdownError(
          `${where}: ambiguous: the target ${output.value} in "${outKey}" is also input's last number, so input may hold the numbers and the target; make "${outKey}" a solution or drop the target from input`,
        );
      return withExtra({ numbers: values, target: output.value }, extra);
    }
    if (output.kind === 'target') throw new CountdownError(`${where}: field "${outKey}" is a target (${output.value}), but ${firstLine}'s is a solution: one layout per file`);
    if (values.length < 3)
      throw new CountdownError(`${where}: field "input" must be two or more positive integers and the target, comma-separated, got ${raw}`);
    const record: CountdownRecord = { numbers: values.slice(0, -1), target: values[values.length - 1] };
    if (output.kind === 'solution') {
      if (output.last !== record.target)
        throw new CountdownError(
          `${where}: ambiguous: the solution in "${outKey}" ends at ${output.last}, but input's last number (read as the target) is ${record.target}; does input hold only the numbers?`,
        );
      record.solution = output.text;
    }
    return withExtra(record, extra);
  });
  return { records, layout, rows, lines: parsed.map((p) => p.line) };
}

function withExtra(record: CountdownRecord, extra: Extras): CountdownRecord {
  return Object.keys(extra).length ? { ...record, extra } : record;
}

/** `input`: "44, 15, 79" or [44, 15, 79], positive integers. */
function inputValues(v: unknown, what: string): { values: number[]; raw: string } {
  const raw = JSON.stringify(v);
  let parts: unknown[];
  if (typeof v === 'string') parts = v.split(',').map((s) => s.trim());
  else if (Array.isArray(v)) parts = v;
  else throw new CountdownError(`${what} must be a string like "44,15,79,50", got ${raw}`);
  const values = parts.map((s) => (typeof s === 'number' ? s : typeof s === 'string' && /^\d+$/.test(s) ? Number(s) : NaN));
  if (values.length === 0 || values.some((x) => !Number.isSafeInteger(x) || x <= 0))
    throw new CountdownError(`${what} must be positive integers, comma-separated (two or more numbers, then the target unless "output" holds it), got ${raw}`);
  return { values, raw };
}

/** `output`: absent, a target (an integer) or a solution (text with `=`). */
function outputKind(v: unknown, what: string): OutputKind {
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) return { kind: 'none' };
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return { kind: 'target', value: v };
  if (typeof v === 'string' && /^\s*\d+\s*$/.test(v) && Number.isSafeInteger(Number(v)) && Number(v) > 0) return { kind: 'target', value: Number(v) };
  if (typeof v === 'string' && v.includes('=')) {
    const m = /=\s*(\d+)\s*[,;.]?\s*$/.exec(v);
    if (!m) throw new CountdownError(`${what} must end with a step's result ("…=50"), got ${JSON.stringify(v)}`);
    return { kind: 'solution', text: v, last: Number(m[1]) };
  }
  throw new CountdownError(`${what} must be a solution like "44-15=29,79-29=50" or a target (a positive integer), got ${JSON.stringify(v)}`);
}
