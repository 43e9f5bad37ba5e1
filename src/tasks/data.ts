/**
 * Reading task data files made by other tools: which column holds which task field
 * (`--data-columns puzzle=quizzes`), which rows to keep (`--data-filter level=hard`), and which
 * other columns travel with each example into the results (as `data.<column>`, so that the report
 * can break accuracy down by them and a file's `difficulty` never overwrites the task's own).
 * Also a small CSV line splitter (RFC 4180 quoting within one line). Environment-neutral: no
 * `node:*` imports.
 */

export type Cell = string | number | boolean;

export interface DataSelection {
  /** Task field → the file's column holding it (a CSV header name, a JSONL key). */
  columns?: Readonly<Record<string, string>>;
  /** Column → the values a kept row may hold there; a row is kept when every filtered column matches. */
  filter?: Readonly<Record<string, readonly string[]>>;
}

/** A file's other columns of one example, keyed `data.<column>`. */
export type Extras = Record<string, Cell>;

/** A task field a data file provides. */
export interface FieldSpec {
  name: string;
  required: boolean;
  /** Column names that hold the field when the selection does not name one (case-insensitive). */
  defaults: readonly string[];
}

export class DataFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataFileError';
  }
}

export const EXTRA_PREFIX = 'data.';

/** `puzzle=quizzes, solution=solutions` / `level=hard|expert`: a selection in the words of the flags. */
export function describeSelection(sel: DataSelection | undefined): string[] {
  const out: string[] = [];
  const cols = Object.entries(sel?.columns ?? {});
  if (cols.length) out.push(`columns ${cols.map(([f, c]) => `${f}=${c}`).join(',')}`);
  const filt = Object.entries(sel?.filter ?? {});
  if (filt.length) out.push(`filter ${filt.map(([c, vs]) => `${c}=${vs.join(',')}`).join(' and ')}`);
  return out;
}

/** Fields named in `--data-columns` must be fields of the task. */
export function checkColumnFields(source: string, fields: readonly FieldSpec[], sel: DataSelection | undefined): void {
  for (const f of Object.keys(sel?.columns ?? {}))
    if (!fields.some((s) => s.name === f))
      throw new DataFileError(`${source}: --data-columns ${f}=…: the task has no field "${f}"; its fields: ${fields.map((s) => s.name).join(', ')}`);
}

/**
 * Which column each task field comes from, for a file whose columns are `available` (a CSV
 * header, or a JSONL line's keys): the selection's column, else the first default name present.
 * Errors name the file, the field and the columns the file has.
 */
export function resolveColumns(source: string, fields: readonly FieldSpec[], sel: DataSelection | undefined, available: readonly string[]): Map<string, string> {
  checkColumnFields(source, fields, sel);
  const out = new Map<string, string>();
  for (const f of fields) {
    const named = sel?.columns?.[f.name];
    if (named !== undefined) {
      if (!available.includes(named))
        throw new DataFileError(`${source}: --data-columns ${f.name}=${named}: no column "${named}"; the file's columns: ${available.join(', ')}`);
      out.set(f.name, named);
      continue;
    }
    const found = available.find((c) => f.defaults.includes(c.trim().toLowerCase()));
    if (found !== undefined) out.set(f.name, found);
    else if (f.required)
      throw new DataFileError(
        `${source}: no ${f.name} column (looked for ${f.defaults.join(', ')}; the file's columns: ${available.join(', ')}); name it with --data-columns ${f.name}=<column>`,
      );
  }
  return out;
}

/** A cell as recorded with the example: numbers stay numbers (so breakdowns sort 17 < 100). */
export function cellValue(raw: unknown): Cell | undefined {
  if (typeof raw === 'number' || typeof raw === 'boolean') return raw;
  if (typeof raw !== 'string') return undefined;
  const t = raw.trim();
  return /^-?\d+(\.\d+)?$/.test(t) && Number.isFinite(Number(t)) ? Number(t) : t;
}

/** The columns not read as task fields, as `data.<column>` extras. */
export function extrasOf(row: ReadonlyMap<string, unknown>, used: ReadonlySet<string>): Extras {
  const out: Extras = {};
  for (const [k, v] of row) {
    if (used.has(k)) continue;
    const c = cellValue(v);
    if (c !== undefined) out[EXTRA_PREFIX + k] = c;
  }
  return out;
}

/**
 * The row test of `sel.filter` plus a final check: every filtered column must exist (checked on
 * each row, since JSONL lines may differ) and at least one row must be kept.
 */
export function rowFilter(source: string, sel: DataSelection | undefined) {
  const filters = Object.entries(sel?.filter ?? {});
  const seen = new Map<string, Set<string>>(filters.map(([c]) => [c, new Set()]));
  let rows = 0;
  let kept = 0;
  const flag = (c: string, vs: readonly string[]) => `--data-filter ${c}=${vs.join(',')}`;
  return {
    active: filters.length > 0,
    /** Whether the row (column → raw value) is kept; `line` names it in errors. */
    keep(row: ReadonlyMap<string, unknown>, line: number): boolean {
      rows++;
      let ok = true;
      for (const [c, vs] of filters) {
        if (!row.has(c)) throw new DataFileError(`${source}:${line}: ${flag(c, vs)}: no column "${c}"; the row's columns: ${[...row.keys()].join(', ')}`);
        const v = row.get(c);
        const text = typeof v === 'string' ? v.trim() : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
        const s = seen.get(c)!;
        if (s.size < 12) s.add(text);
        if (!vs.includes(text)) ok = false;
      }
      if (ok) kept++;
      return ok;
    },
    /** Throws when rows were read and the filter kept none of them. */
    finish(): void {
      if (filters.length === 0 || rows === 0 || kept > 0) return;
      const held = filters.map(([c]) => `${c} holds ${[...seen.get(c)!].map((v) => JSON.stringify(v)).join(', ')}${seen.get(c)!.size >= 12 ? ', …' : ''}`);
      throw new DataFileError(`${source}: ${filters.map(([c, vs]) => flag(c, vs)).join(' ')} kept none of the ${rows} rows (${held.join('; ')})`);
    },
    get kept() {
      return kept;
    },
    get rows() {
      return rows;
    },
  };
}

/**
 * One CSV line split into fields: `,` separates, a field may be quoted with `"` (a doubled `""`
 * inside is one quote). A quoted field that runs past the end of the line (a line break inside
 * quotes) is refused: these files hold one example per line.
 */
export function splitCsvLine(line: string, where: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let v = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) throw new DataFileError(`${where}: a quoted field is not closed on its line (fields with line breaks are not supported)`);
        v += line.slice(j, q);
        if (line[q + 1] === '"') {
          v += '"';
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      if (i < line.length && line[i] !== ',') throw new DataFileError(`${where}: text after a closing quote: ${JSON.stringify(line.slice(i, i + 20))}`);
      out.push(v);
    } else {
      const c = line.indexOf(',', i);
      const end = c < 0 ? line.length : c;
      out.push(line.slice(i, end));
      i = end;
    }
    if (i >= line.length) return out;
    i++; // the comma
    if (i === line.length) {
      out.push('');
      return out;
    }
  }
}

/** What a run read from its `--data` file, recorded in meta.json (`dataRead`) and shown by the report. */
export interface DataRead extends DataSelection {
  /** The reader's one line: format or layout, columns, filter, counts. */
  summary: string;
  /** Examples the file gave (after the filter), of which the run takes the first `n`. */
  available: number;
}
