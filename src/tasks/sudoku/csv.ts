/**
 * The Sudoku task's common file format. Environment-neutral: it reads text, not files.
 *
 * CSV (`parseSudokuCsv`). One example per line, `puzzle,solution` or just `puzzle`, each field
 * n·n characters with 0 or . for blanks; an optional header line; blank lines skipped; every row
 * of a file the same size. A solution must be complete and solve its puzzle (checked with
 * `checkSolution`). Errors name the source and the 1-based line. Files with more columns
 * (`puzzle,solution,clues,difficulty,level`, as public rated sets ship) need a header; which
 * column is the puzzle and which rows to keep can be chosen (`readSudokuCsv`, src/tasks/data.ts).
 */
import { DataFileError, extrasOf, resolveColumns, rowFilter, splitCsvLine, type DataSelection, type Extras, type FieldSpec } from '../data.js';
import { checkSolution } from './grader.js';
import { gridSize, parseGrid, SudokuError, type Grid, type SudokuSize } from './grid.js';

// ---------------------------------------------------------------------------------------------
// CSV

export interface SudokuRecord {
  puzzle: Grid;
  solution?: Grid;
  size: SudokuSize;
  /** 1-based line in the source. */
  line: number;
  /** The file's other columns (`data.<column>`), when it has a header. */
  extra?: Extras;
}

/** What a CSV held besides its records: for the one line that says what was read. */
export interface SudokuCsv {
  records: SudokuRecord[];
  /** The header's column names, or null (no header: puzzle[,solution] by position). */
  header: string[] | null;
  /** Task field → the column it was read from (header files). */
  columns: Map<string, string>;
  /** Data rows before the filter. */
  rows: number;
}

const SUDOKU_FIELDS: readonly FieldSpec[] = [
  { name: 'puzzle', required: true, defaults: ['puzzle', 'quizzes', 'quiz'] },
  { name: 'solution', required: false, defaults: ['solution', 'solutions'] },
];

/**
 * Parses the common CSV format (see the module comment). `source` names the file in errors,
 * which read `<source>:<line>: <problem>`.
 */
export function parseSudokuCsv(text: string, source = '<csv>', selection?: DataSelection): SudokuRecord[] {
  return readSudokuCsv(text, source, selection).records;
}

/**
 * {@link parseSudokuCsv} with the file's shape. A header with one or two columns is read by
 * position (puzzle, solution) unless `selection.columns` names columns; a wider header must name
 * a puzzle column (`puzzle`, `quizzes` or `quiz`, any case; `solution`/`solutions` is read too),
 * or `selection.columns` says which; its other columns are kept per record as `data.<column>`.
 * `selection.filter` keeps only the rows whose columns hold one of the listed values. Column
 * names and filters need a header.
 */
export function readSudokuCsv(text: string, source = '<csv>', selection?: DataSelection): SudokuCsv {
  const lines = text.split(/\r?\n/);
  const out: SudokuRecord[] = [];
  let size: SudokuSize | null = null;
  let header: string[] | null = null;
  let sawContent = false;
  let columns = new Map<string, string>();
  let index: { puzzle: number; solution: number } | null = null;
  let rows = 0;
  const filter = rowFilter(source, selection);
  const fail = (line: number, problem: string): never => {
    throw new SudokuError(`${source}:${line}: ${problem}`);
  };
  const field = (text: string, line: number, what: string): Grid => {
    const t = text.trim();
    if (!/^[0-9.]*$/.test(t)) fail(line, `${what} has a character other than 0-9 and '.': ${JSON.stringify(t.length > 90 ? t.slice(0, 90) + '…' : t)}`);
    if (t.length !== 81 && t.length !== 16) fail(line, `${what} has ${t.length} cells, expected 81 (9×9) or 16 (4×4)`);
    const n: SudokuSize = t.length === 81 ? 9 : 4;
    if (size !== null && n !== size) fail(line, `${what} is ${n}×${n} but earlier rows are ${size}×${size}`);
    size = n;
    try {
      return parseGrid(t, { size: n });
    } catch (e) {
      return fail(line, `${what}: ${(e as Error).message}`);
    }
  };
  const wrap = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      throw e instanceof DataFileError ? new SudokuError(e.message) : e;
    }
  };
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/^\uFEFF/, '');
    if (raw.trim() === '') continue;
    const lineNo = i + 1;
    const fields = wrap(() => splitCsvLine(raw, `${source}:${lineNo}`));
    if (!sawContent) {
      sawContent = true;
      // A header: the first non-empty line when its first field is not a grid.
      if (/[^0-9.\s]/.test(fields[0])) {
        header = fields.map((f) => f.trim());
        const positional = header.length <= 2 && Object.keys(selection?.columns ?? {}).length === 0;
        columns = positional
          ? new Map(header.map((h, k) => [SUDOKU_FIELDS[k].name, h]))
          : wrap(() => resolveColumns(source, SUDOKU_FIELDS, selection, header!));
        index = { puzzle: header.indexOf(columns.get('puzzle')!), solution: columns.has('solution') ? header.indexOf(columns.get('solution')!) : -1 };
        continue;
      }
      if (selection?.columns && Object.keys(selection.columns).length)
        fail(lineNo, `--data-columns needs a header line naming the columns; the file has none (line ${lineNo} is a puzzle)`);
      if (filter.active) fail(lineNo, `--data-filter needs a header line naming the columns; the file has none (line ${lineNo} is a puzzle)`);
    }
    rows++;
    let puzzleText: string;
    let solutionText: string | undefined;
    let extra: Extras | undefined;
    if (header && index) {
      if (fields.length !== header.length) fail(lineNo, `${fields.length} fields, but the header has ${header.length} (${header.join(',')})`);
      const row = new Map(header.map((h, k) => [h, fields[k]]));
      if (!wrap(() => filter.keep(row, lineNo))) continue;
      puzzleText = fields[index.puzzle];
      solutionText = index.solution >= 0 ? fields[index.solution] : undefined;
      if (header.length > 2 || Object.keys(selection?.columns ?? {}).length) extra = extrasOf(row, new Set(columns.values()));
    } else {
      if (fields.length > 2) fail(lineNo, `expected 1 or 2 fields (puzzle[,solution]), got ${fields.length}`);
      [puzzleText, solutionText] = fields;
    }
    const puzzle = field(puzzleText, lineNo, 'puzzle');
    const record: SudokuRecord = { puzzle, size: gridSize(puzzle), line: lineNo };
    if (solutionText !== undefined && solutionText.trim() !== '') {
      const solution = field(solutionText, lineNo, 'solution');
      const check = checkSolution(puzzle, solution);
      if (!check.correct) fail(lineNo, `the solution does not solve the puzzle: ${check.reason}`);
      record.solution = solution;
    }
    if (extra && Object.keys(extra).length) record.extra = extra;
    out.push(record);
  }
  wrap(() => filter.finish());
  return { records: out, header, columns, rows };
}
