/** The Sudoku task adapter: 81-cell canvases for the built-in sudoku model, graded by the rule-based checker. */
import type { Extras } from '../data.js';
import { integerOrRangeOption, type TaskOption } from '../options.js';
import * as sudoku from '../sudoku.js';
import { charId, selectionText, withExtra, type Task } from '../task.js';

export interface SudokuExample {
  puzzle: sudoku.Grid;
  solution?: sudoku.Grid;
  /** A data file's other columns. */
  extra?: Extras;
}

/** The most blanks the task's generator is asked for: 63 and 64 (18 and 17 clues) take longer than any evaluation should wait, and usually fail (docs/sudoku.md). */
export const REACHABLE_BLANKS = 62;

const GRADE_WORDS = [...sudoku.TECHNIQUES, ...new Set(Object.values(sudoku.DIFFICULTY))];

/**
 * The techniques a `grade=` value names: comma-separated techniques (naked-single, hidden-single,
 * pairs, advanced, guess) or difficulties (easy, medium, hard, expert), each optionally with a
 * trailing `+` for "this or harder" (`grade=pairs+`); a JSON array of such words too. Null if any
 * word is unknown.
 */
export function parseGradeOption(value: unknown): sudoku.Technique[] | null {
  const words = typeof value === 'string' ? value.split(',') : Array.isArray(value) && value.every((w) => typeof w === 'string') ? (value as string[]) : null;
  if (!words || words.length === 0) return null;
  const keep = new Set<sudoku.Technique>();
  for (const raw of words) {
    const w = raw.trim();
    const plus = w.endsWith('+');
    const name = plus ? w.slice(0, -1) : w;
    const hits = sudoku.TECHNIQUES.filter((t) => t === name || sudoku.DIFFICULTY[t] === name);
    if (hits.length === 0) return null;
    const from = sudoku.TECHNIQUES.indexOf(hits[0]);
    for (const t of plus ? sudoku.TECHNIQUES.slice(from) : hits) keep.add(t);
  }
  return sudoku.TECHNIQUES.filter((t) => keep.has(t));
}

/** The `grade=` task option (generate passes it on as `grades`; scripts/make-data.ts `--grade` uses it too). */
export const gradeOption: TaskOption = {
  valid: `one or more of ${GRADE_WORDS.join(', ')} (comma-separated; a trailing + means "or harder")`,
  parse: parseGradeOption,
};

export const sudokuTask: Task<SudokuExample> = {
  name: 'sudoku',
  defaultModel: 'sudoku',
  options: { blanks: integerOrRangeOption(0, 81, 'an integer or [min, max] within 0..81'), grade: gradeOption },
  generate: (seed, n, options) => {
    const blanks = (options.blanks as number | [number, number]) ?? [40, 50];
    const hi = typeof blanks === 'number' ? blanks : blanks[1];
    if (hi > REACHABLE_BLANKS && hi <= sudoku.MAX_BLANKS[9]) {
      throw new sudoku.SudokuError(
        `sudoku: blanks=${JSON.stringify(blanks)}: the generator reaches at most ${REACHABLE_BLANKS} blanks in reasonable time (${hi} blanks = ${81 - hi} clues; most grids have no such puzzle: docs/sudoku.md); ask for at most ${REACHABLE_BLANKS}`,
      );
    }
    return sudoku
      .generateSet(seed, n, { blanks, ...(options.grade ? { grades: options.grade as sudoku.Technique[] } : {}) })
      .map((p) => ({ puzzle: p.puzzle, solution: p.solution }));
  },
  readData: (content, source, selection) => {
    const csv = sudoku.readSudokuCsv(content, source, selection);
    if (csv.rows === 0) throw new Error(`${source}: no puzzle: the file ${csv.header ? `holds only a header line (${csv.header.join(',')})` : 'is empty'}`);
    const examples = csv.records.map((r) => {
      if (r.size !== 9) throw new Error(`${source}:${r.line}: a ${r.size}×${r.size} puzzle; the built-in model solves 9×9`);
      return withExtra({ puzzle: r.puzzle, ...(r.solution ? { solution: r.solution } : {}) }, r.extra);
    });
    const cols = csv.header ? [...csv.columns].map(([f, c]) => `${f} from column "${c}"`).join(', ') : 'puzzle[,solution] by position (no header)';
    const kept = csv.header ? csv.header.filter((h) => ![...csv.columns.values()].includes(h)) : [];
    return {
      examples,
      summary:
        `sudoku CSV, ${csv.rows} rows: ${cols}` +
        (kept.length && examples[0]?.extra ? `; kept per example as data.<column>: ${kept.join(', ')}` : '') +
        selectionText(selection, examples.length, csv.rows, 'rows'),
      notes: [],
    };
  },
  fromPrompt: (prompt) => ({ puzzle: sudoku.parseGrid(prompt, { size: 9 }) }),
  encode: (e, m) => ({
    canvas: Int32Array.from(e.puzzle, (d) => (d === 0 ? m.card.maskId : charId(m, String(d)))),
    promptLength: 81,
  }),
  grade: async (e, output, m) => {
    // One cell per position; anything but a digit token counts as a blank.
    const cells = Array.from(output.subarray(0, 81), (id) => {
      const ch = m.tokenizer.tokenText(id) ?? '';
      return /^[1-9]$/.test(ch) ? Number(ch) : 0;
    });
    const check = sudoku.checkSolution(e.puzzle, cells);
    return { correct: check.correct, score: null, answer: sudoku.formatGrid(cells), ...(check.reason ? { reason: check.reason } : {}) };
  },
  describe: (e) => {
    const g = sudoku.grade(e.puzzle);
    return { blanks: g.blanks, difficulty: g.difficulty, technique: g.technique, ...e.extra };
  },
};
