/**
 * The Sudoku task: grids, a fast solver, a logical grader, a puzzle generator, a rule-based
 * checker and the common CSV format. Pure TypeScript; all randomness comes from `core/rng`.
 *
 * Sizes. Everything here is generic over n ∈ {4, 9}: a 9×9 grid has 3×3 boxes, a 4×4 grid 2×2
 * boxes. The size of a grid is read off its length (81 or 16 cells); parsing reads it off the
 * number of cells in the text. Parsing, formatting, solving, counting, grading, generating and
 * checking all work at both sizes.
 *
 * Grid. `Int8Array(n·n)`, row-major, 0 = blank, 1..n = digits. Cells are named `r{row}c{col}`,
 * boxes `box k`, all 1-based, boxes numbered row-major (box 1 top left, box 9 bottom right).
 *
 * Solver (`solve`, `countSolutions`). Bitmask candidates per row/column/box, constraint
 * propagation to a fixpoint (naked singles, then hidden singles in every unit), then
 * backtracking on a cell with the fewest candidates (MRV), undoing placements from a trail.
 * Hard 9×9 puzzles (Arto Inkala's, Norvig's "hardest") take well under a millisecond.
 *
 * Grader (`grade`). Works on candidate sets and always applies the simplest technique that makes
 * progress, until the grid is full or nothing applies:
 *   1. naked single   — a cell with one candidate;
 *   2. hidden single  — a digit with one place left in a row, column or box;
 *   3. pairs          — eliminations by naked pairs (two cells of a unit with the same two
 *                       candidates), pointing pairs (a digit confined to one row/column inside a
 *                       box leaves the rest of that line) and box-line reduction (a digit
 *                       confined to one box inside a line leaves the rest of that box);
 *   4. guess          — the techniques above get stuck: solving needs search.
 * The reported technique is the hardest one used. Difficulty mapping:
 *   naked-single → easy, hidden-single → medium, pairs → hard, guess → expert.
 * A grid with no blanks grades naked-single/easy. A contradiction found by these (sound)
 * deductions means the puzzle has no solution and throws.
 *
 * Generator. `randomSolution(rng)` fills an empty grid by randomized backtracking (the solver
 * above with the digit order shuffled at every branch; every valid grid has positive
 * probability), then applies a uniformly random element of the validity-preserving group:
 * digit relabelling, row permutations within each band, column permutations within each stack,
 * a band permutation, a stack permutation and an optional transpose. The result is exactly
 * uniform within each equivalence class of grids; across classes the weights come from the fill,
 * so it is not exactly uniform over all 6.67·10²¹ grids. `generatePuzzle` removes cells of such a
 * grid in a random order, putting a cell back whenever its removal would allow a second solution
 * (`countSolutions(puzzle, 2) === 1` after each removal), and stops when the target number of
 * blanks is reached. A grid whose removal order gets stuck short of the target is dropped and a
 * new grid drawn, up to `maxTries` grids, then it throws. `generateSet(seed, n, opts)` makes
 * example i from `new Rng(seed).fork(i)`, so each example is independent of n and of the others.
 *
 * Checker (`checkSolution`). Rule-based: a candidate is correct iff it is complete, every row,
 * column and box is a permutation of 1..n, and every given of the puzzle is kept. It does not
 * compare against a stored solution, so any valid solution of a multi-solution puzzle counts.
 *
 * CSV (`parseSudokuCsv`). One example per line, `puzzle,solution` or just `puzzle`, each field
 * n·n characters with 0 or . for blanks; an optional header line; blank lines skipped; every row
 * of a file the same size. A solution must be complete and solve its puzzle (checked with
 * `checkSolution`). Errors name the source and the 1-based line. Files with more columns
 * (`puzzle,solution,clues,difficulty,level`, as public rated sets ship) need a header; which
 * column is the puzzle and which rows to keep can be chosen (`readSudokuCsv`, src/tasks/data.ts).
 */

import { Rng } from '../core/rng.js';
import { DataFileError, extrasOf, resolveColumns, rowFilter, splitCsvLine, type DataSelection, type Extras, type FieldSpec } from './data.js';

export type Grid = Int8Array;
export type SudokuSize = 4 | 9;
/** A grid, its text (parsed with `parseGrid`) or any array of cell values. */
export type GridInput = Grid | string | ArrayLike<number>;

/** Errors about malformed Sudoku input (grid text, CSV files, bad options). Always one line. */
export class SudokuError extends Error {
  override name = 'SudokuError';
}

// ---------------------------------------------------------------------------------------------
// Geometry

interface Geometry {
  readonly n: number; // side: 4 or 9
  readonly box: number; // box side: 2 or 3
  readonly cells: number; // n·n
  readonly full: number; // (1 << n) − 1
  readonly rowOf: Uint8Array;
  readonly colOf: Uint8Array;
  readonly boxOf: Uint8Array;
  /** 3n units of n cells: rows 0..n−1, columns n..2n−1, boxes 2n..3n−1. */
  readonly units: Uint8Array[];
  /** Each cell's peers (cells sharing a row, column or box), without the cell itself. */
  readonly peers: Uint8Array[];
}

const geometries = new Map<number, Geometry>();

function geometry(n: number): Geometry {
  let g = geometries.get(n);
  if (g) return g;
  if (n !== 4 && n !== 9) throw new SudokuError(`sudoku: size must be 4 or 9, got ${n}`);
  const box = n === 4 ? 2 : 3;
  const cells = n * n;
  const rowOf = new Uint8Array(cells);
  const colOf = new Uint8Array(cells);
  const boxOf = new Uint8Array(cells);
  for (let c = 0; c < cells; c++) {
    const r = Math.floor(c / n);
    const k = c % n;
    rowOf[c] = r;
    colOf[c] = k;
    boxOf[c] = Math.floor(r / box) * box + Math.floor(k / box);
  }
  const units: Uint8Array[] = [];
  for (let r = 0; r < n; r++) units.push(Uint8Array.from({ length: n }, (_, i) => r * n + i));
  for (let k = 0; k < n; k++) units.push(Uint8Array.from({ length: n }, (_, i) => i * n + k));
  for (let b = 0; b < n; b++) {
    const r0 = Math.floor(b / box) * box;
    const c0 = (b % box) * box;
    units.push(Uint8Array.from({ length: n }, (_, i) => (r0 + Math.floor(i / box)) * n + c0 + (i % box)));
  }
  const peers: Uint8Array[] = [];
  for (let c = 0; c < cells; c++) {
    const set = new Set<number>();
    for (const u of [units[rowOf[c]], units[n + colOf[c]], units[2 * n + boxOf[c]]]) for (const p of u) if (p !== c) set.add(p);
    peers.push(Uint8Array.from([...set].sort((a, b) => a - b)));
  }
  g = { n, box, cells, full: (1 << n) - 1, rowOf, colOf, boxOf, units, peers };
  geometries.set(n, g);
  return g;
}

const POPCOUNT = new Uint8Array(512);
for (let m = 1; m < 512; m++) POPCOUNT[m] = POPCOUNT[m >> 1] + (m & 1);

/** The digit of a one-bit mask. */
function digitOf(bit: number): number {
  return 32 - Math.clz32(bit);
}

/** The side (4 or 9) of a grid with this many cells. */
export function sizeOfLength(cells: number): SudokuSize {
  if (cells === 81) return 9;
  if (cells === 16) return 4;
  throw new SudokuError(`sudoku: a grid has 81 cells (9×9) or 16 (4×4), got ${cells}`);
}

/** The side (4 or 9) of a grid. */
export function gridSize(grid: ArrayLike<number>): SudokuSize {
  return sizeOfLength(grid.length);
}

/** "r3c4" for a cell index. */
export function cellName(cell: number, size: SudokuSize = 9): string {
  return `r${Math.floor(cell / size) + 1}c${(cell % size) + 1}`;
}

/** An empty grid. */
export function emptyGrid(size: SudokuSize = 9): Grid {
  return new Int8Array(size * size);
}

/** The number of blank cells. */
export function countBlanks(grid: ArrayLike<number>): number {
  let k = 0;
  for (let i = 0; i < grid.length; i++) if (grid[i] === 0) k++;
  return k;
}

/** A copy of the input as a grid, checking its size and that every cell is 0..n. */
export function toGrid(input: GridInput, what = 'grid'): Grid {
  if (typeof input === 'string') return parseGrid(input);
  const n = sizeOfLength(input.length);
  const g = new Int8Array(input.length);
  for (let i = 0; i < input.length; i++) {
    const v = input[i];
    if (!Number.isInteger(v) || v < 0 || v > n) throw new SudokuError(`sudoku: ${what} cell ${cellName(i, n)} holds ${v}, not 0..${n}`);
    g[i] = v;
  }
  return g;
}

// ---------------------------------------------------------------------------------------------
// Text

const SEPARATORS = /[\s|+\-]/;

/**
 * Parses 81 (or 16) cells from text: digits 1..n, '0' or '.' for a blank; whitespace, newlines,
 * '|', '-' and '+' are ignored, so `prettyGrid`'s output parses back. `size` forces a size.
 */
export function parseGrid(text: string, opts: { size?: SudokuSize } = {}): Grid {
  const values: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '.' || ch === '0') values.push(0);
    else if (ch >= '1' && ch <= '9') values.push(ch.charCodeAt(0) - 48);
    else if (!SEPARATORS.test(ch)) {
      throw new SudokuError(`parseGrid: unexpected character ${JSON.stringify(ch)} at offset ${i} (digits 1-9, '0' or '.' for blanks)`);
    }
  }
  const n = opts.size ?? (values.length === 16 ? 4 : 9);
  if (n !== 4 && n !== 9) throw new SudokuError(`parseGrid: size must be 4 or 9, got ${n}`);
  if (values.length !== n * n) {
    const expected = opts.size ? `${n * n} (${n}×${n})` : '81 (9×9) or 16 (4×4)';
    throw new SudokuError(`parseGrid: expected ${expected} cells, got ${values.length}`);
  }
  for (let i = 0; i < values.length; i++) {
    if (values[i] > n) throw new SudokuError(`parseGrid: cell ${cellName(i, n)} holds ${values[i]}, but a ${n}×${n} grid has digits 1-${n}`);
  }
  return Int8Array.from(values);
}

/** The grid as n·n characters, row-major, blanks as `blank` (default '.'). */
export function formatGrid(grid: ArrayLike<number>, opts: { blank?: string } = {}): string {
  const blank = opts.blank ?? '.';
  gridSize(grid);
  let s = '';
  for (let i = 0; i < grid.length; i++) s += grid[i] === 0 ? blank : String(grid[i]);
  return s;
}

/**
 * The grid for people: n rows of space-separated cells with '|' between boxes, and a
 * `------+-------+------` line between bands (11 lines for 9×9, 5 for 4×4). Blanks are '.'.
 */
export function prettyGrid(grid: ArrayLike<number>): string {
  const { n, box } = geometry(gridSize(grid));
  const lines: string[] = [];
  // Each box's cells take 2·box − 1 characters, plus the spaces around each '|'.
  const rule = Array.from({ length: box }, (_, b) => '-'.repeat(2 * box - 1 + (b > 0 ? 1 : 0) + (b < box - 1 ? 1 : 0))).join('+');
  for (let r = 0; r < n; r++) {
    if (r > 0 && r % box === 0) lines.push(rule);
    const parts: string[] = [];
    for (let b = 0; b < box; b++) {
      const cells: string[] = [];
      for (let k = b * box; k < (b + 1) * box; k++) cells.push(grid[r * n + k] === 0 ? '.' : String(grid[r * n + k]));
      parts.push(cells.join(' '));
    }
    lines.push(parts.join(' | '));
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Solver

/** Backtracking search with propagation over row/column/box digit masks. */
class Search {
  readonly g: Geometry;
  readonly v: Int8Array;
  readonly rowM: Uint16Array;
  readonly colM: Uint16Array;
  readonly boxM: Uint16Array;
  readonly trail: Uint8Array;
  tlen = 0;
  count = 0;
  first: Int8Array | null = null;

  constructor(
    g: Geometry,
    readonly limit: number,
    readonly rng: Rng | null,
  ) {
    this.g = g;
    this.v = new Int8Array(g.cells);
    this.rowM = new Uint16Array(g.n);
    this.colM = new Uint16Array(g.n);
    this.boxM = new Uint16Array(g.n);
    this.trail = new Uint8Array(g.cells);
  }

  /** Places the givens; false if two givens conflict. */
  load(grid: Grid): boolean {
    const g = this.g;
    for (let c = 0; c < g.cells; c++) {
      const d = grid[c];
      if (d === 0) continue;
      if ((this.free(c) & (1 << (d - 1))) === 0) return false;
      this.place(c, d);
    }
    this.tlen = 0; // givens are never undone
    return true;
  }

  free(c: number): number {
    const g = this.g;
    return g.full & ~(this.rowM[g.rowOf[c]] | this.colM[g.colOf[c]] | this.boxM[g.boxOf[c]]);
  }

  place(c: number, d: number): void {
    const g = this.g;
    const bit = 1 << (d - 1);
    this.v[c] = d;
    this.rowM[g.rowOf[c]] |= bit;
    this.colM[g.colOf[c]] |= bit;
    this.boxM[g.boxOf[c]] |= bit;
    this.trail[this.tlen++] = c;
  }

  undo(mark: number): void {
    const g = this.g;
    while (this.tlen > mark) {
      const c = this.trail[--this.tlen];
      const bit = ~(1 << (this.v[c] - 1));
      this.rowM[g.rowOf[c]] &= bit;
      this.colM[g.colOf[c]] &= bit;
      this.boxM[g.boxOf[c]] &= bit;
      this.v[c] = 0;
    }
  }

  /** Naked and hidden singles to a fixpoint; false on a contradiction. */
  propagate(): boolean {
    const g = this.g;
    const v = this.v;
    const full = g.full;
    let changed = true;
    while (changed) {
      changed = false;
      for (let c = 0; c < g.cells; c++) {
        if (v[c] !== 0) continue;
        const m = this.free(c);
        if (m === 0) return false;
        if ((m & (m - 1)) === 0) {
          this.place(c, digitOf(m));
          changed = true;
        }
      }
      if (changed) continue; // cheap rule first, to its fixpoint
      for (let u = 0; u < g.units.length; u++) {
        const unit = g.units[u];
        let once = 0;
        let twice = 0;
        let have = 0;
        for (let i = 0; i < unit.length; i++) {
          const c = unit[i];
          if (v[c] !== 0) have |= 1 << (v[c] - 1);
          else {
            const m = this.free(c);
            twice |= once & m;
            once |= m;
          }
        }
        if ((once | have) !== full) return false; // a digit with no place in this unit
        let singles = once & ~twice;
        while (singles !== 0) {
          const bit = singles & -singles;
          singles ^= bit;
          let placed = false;
          for (let i = 0; i < unit.length; i++) {
            const c = unit[i];
            if (v[c] === 0 && (this.free(c) & bit) !== 0) {
              this.place(c, digitOf(bit));
              placed = true;
              break;
            }
          }
          if (!placed) return false; // its only cell took another digit
          changed = true;
        }
      }
    }
    return true;
  }

  /** Counts solutions below this node up to `limit`, keeping the first. */
  search(): void {
    const mark = this.tlen;
    if (this.propagate()) {
      const g = this.g;
      let best = -1;
      let bestN = 99;
      let bestM = 0;
      for (let c = 0; c < g.cells; c++) {
        if (this.v[c] !== 0) continue;
        const m = this.free(c);
        const k = POPCOUNT[m];
        if (k < bestN) {
          best = c;
          bestN = k;
          bestM = m;
          if (k === 2) break;
        }
      }
      if (best < 0) {
        this.count++;
        if (this.first === null) this.first = this.v.slice();
      } else {
        const digits: number[] = [];
        for (let m = bestM; m !== 0; m &= m - 1) digits.push(digitOf(m & -m));
        if (this.rng) shuffle(digits, this.rng);
        for (const d of digits) {
          const m2 = this.tlen;
          this.place(best, d);
          this.search();
          this.undo(m2);
          if (this.count >= this.limit) break;
        }
      }
    }
    this.undo(mark);
  }
}

function runSearch(input: GridInput, limit: number, rng: Rng | null): Search {
  const grid = toGrid(input, 'puzzle');
  const s = new Search(geometry(gridSize(grid)), limit, rng);
  if (s.load(grid)) s.search();
  return s;
}

/** A solution of the puzzle (the first found if there are several), or null if it has none. */
export function solve(puzzle: GridInput): Grid | null {
  return runSearch(puzzle, 1, null).first;
}

/** The number of solutions, counted up to `limit` (default 2: enough to tell unique from not). */
export function countSolutions(puzzle: GridInput, limit = 2): number {
  if (!(limit >= 1)) throw new SudokuError(`countSolutions: limit must be at least 1, got ${limit}`);
  return runSearch(puzzle, limit, null).count;
}

// ---------------------------------------------------------------------------------------------
// Grader

export type Technique = 'naked-single' | 'hidden-single' | 'pairs' | 'guess';
export type Difficulty = 'easy' | 'medium' | 'hard' | 'expert';

export const TECHNIQUES: readonly Technique[] = ['naked-single', 'hidden-single', 'pairs', 'guess'];
/** The documented mapping from the hardest technique needed to a difficulty label. */
export const DIFFICULTY: Readonly<Record<Technique, Difficulty>> = {
  'naked-single': 'easy',
  'hidden-single': 'medium',
  pairs: 'hard',
  guess: 'expert',
};

export interface Grade {
  /** The hardest technique needed ('guess': the logical techniques alone get stuck). */
  technique: Technique;
  blanks: number;
  difficulty: Difficulty;
  /** How many times each technique made progress (placements for singles, eliminating steps for pairs). */
  steps: { nakedSingles: number; hiddenSingles: number; pairs: number };
  /** Blanks left when the techniques got stuck (0 unless technique is 'guess'). */
  stuckAt: number;
}

/** Candidate-set solver with logical techniques only. */
class Logic {
  readonly v: Int8Array;
  readonly cand: Uint16Array;
  blanks = 0;

  constructor(
    readonly g: Geometry,
    puzzle: Grid,
  ) {
    this.v = new Int8Array(g.cells);
    this.cand = new Uint16Array(g.cells).fill(g.full);
    for (let c = 0; c < g.cells; c++) if (puzzle[c] === 0) this.blanks++;
    for (let c = 0; c < g.cells; c++) {
      const d = puzzle[c];
      if (d === 0) continue;
      if ((this.cand[c] & (1 << (d - 1))) === 0) throw new SudokuError(`grade: the givens conflict at ${cellName(c, g.n as SudokuSize)} (${d})`);
      this.set(c, d);
    }
  }

  private set(c: number, d: number): void {
    const bit = 1 << (d - 1);
    this.v[c] = d;
    this.cand[c] = 0;
    for (const p of this.g.peers[c]) this.cand[p] &= ~bit;
  }

  private contradiction(): never {
    throw new SudokuError('grade: the puzzle has no solution (its candidates ran out)');
  }

  place(c: number, d: number): void {
    this.set(c, d);
    this.blanks--;
    for (const p of this.g.peers[c]) if (this.v[p] === 0 && this.cand[p] === 0) this.contradiction();
  }

  nakedSingle(): boolean {
    for (let c = 0; c < this.g.cells; c++) {
      if (this.v[c] !== 0) continue;
      const m = this.cand[c];
      if (m === 0) this.contradiction();
      if ((m & (m - 1)) === 0) {
        this.place(c, digitOf(m));
        return true;
      }
    }
    return false;
  }

  hiddenSingle(): boolean {
    const { units, full } = this.g;
    for (const unit of units) {
      let once = 0;
      let twice = 0;
      let have = 0;
      for (const c of unit) {
        if (this.v[c] !== 0) have |= 1 << (this.v[c] - 1);
        else {
          twice |= once & this.cand[c];
          once |= this.cand[c];
        }
      }
      if ((once | have) !== full) this.contradiction();
      const singles = once & ~twice;
      if (singles === 0) continue;
      const bit = singles & -singles;
      for (const c of unit) {
        if (this.v[c] === 0 && (this.cand[c] & bit) !== 0) {
          this.place(c, digitOf(bit));
          return true;
        }
      }
    }
    return false;
  }

  /** Removes `mask` from the candidates of `c`; true if that changed anything. */
  private eliminate(c: number, mask: number): boolean {
    if (this.v[c] !== 0 || (this.cand[c] & mask) === 0) return false;
    this.cand[c] &= ~mask;
    if (this.cand[c] === 0) this.contradiction();
    return true;
  }

  /** One round of naked pairs, pointing pairs and box-line reduction; true if any eliminated. */
  pairs(): boolean {
    const g = this.g;
    const { n, units, boxOf, rowOf, colOf } = g;
    // Naked pairs.
    for (const unit of units) {
      for (let i = 0; i < n; i++) {
        const a = unit[i];
        const m = this.cand[a];
        if (this.v[a] !== 0 || POPCOUNT[m] !== 2) continue;
        for (let j = i + 1; j < n; j++) {
          const b = unit[j];
          if (this.v[b] !== 0 || this.cand[b] !== m) continue;
          let any = false;
          for (const c of unit) if (c !== a && c !== b) any = this.eliminate(c, m) || any;
          if (any) return true;
        }
      }
    }
    // Pointing pairs: inside a box, a digit confined to one line leaves the rest of that line.
    // Box-line reduction: inside a line, a digit confined to one box leaves the rest of that box.
    for (let u = 0; u < units.length; u++) {
      const unit = units[u];
      const isBox = u >= 2 * n;
      for (let d = 1; d <= n; d++) {
        const bit = 1 << (d - 1);
        let first = -1;
        let sameRow = true;
        let sameCol = true;
        let sameBox = true;
        for (const c of unit) {
          if (this.v[c] !== 0 || (this.cand[c] & bit) === 0) continue;
          if (first < 0) first = c;
          else {
            sameRow &&= rowOf[c] === rowOf[first];
            sameCol &&= colOf[c] === colOf[first];
            sameBox &&= boxOf[c] === boxOf[first];
          }
        }
        if (first < 0) continue;
        const targets: Uint8Array[] = [];
        if (isBox) {
          if (sameRow) targets.push(units[rowOf[first]]);
          if (sameCol) targets.push(units[n + colOf[first]]);
        } else if (sameBox) targets.push(units[2 * n + boxOf[first]]);
        let any = false;
        for (const target of targets) for (const c of target) if (!unit.includes(c)) any = this.eliminate(c, bit) || any;
        if (any) return true;
      }
    }
    return false;
  }
}

/**
 * Grades a puzzle by the hardest logical technique its solution needs (see the module comment
 * for the techniques and the difficulty mapping). Throws if the givens conflict or the
 * deductions reach a contradiction (the puzzle has no solution).
 */
export function grade(puzzle: GridInput): Grade {
  const grid = toGrid(puzzle, 'puzzle');
  const g = geometry(gridSize(grid));
  const logic = new Logic(g, grid);
  const blanks = countBlanks(grid);
  const steps = { nakedSingles: 0, hiddenSingles: 0, pairs: 0 };
  let level = 0;
  while (logic.blanks > 0) {
    if (logic.nakedSingle()) steps.nakedSingles++;
    else if (logic.hiddenSingle()) {
      steps.hiddenSingles++;
      level = Math.max(level, 1);
    } else if (logic.pairs()) {
      steps.pairs++;
      level = Math.max(level, 2);
    } else {
      level = 3;
      break;
    }
  }
  const technique = TECHNIQUES[level];
  return { technique, blanks, difficulty: DIFFICULTY[technique], steps, stuckAt: logic.blanks };
}

// ---------------------------------------------------------------------------------------------
// Generator

function shuffle<T>(a: T[] | Uint8Array, rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

/** A random permutation of 0..k−1. */
function permutation(k: number, rng: Rng): number[] {
  const p = Array.from({ length: k }, (_, i) => i);
  shuffle(p, rng);
  return p;
}

/**
 * A random valid full grid: a randomized backtracking fill, then a uniformly random
 * validity-preserving transformation (digit relabelling, rows within bands, columns within
 * stacks, bands, stacks, transpose). See the module comment for what "random" means here.
 */
export function randomSolution(rng: Rng, size: SudokuSize = 9): Grid {
  const g = geometry(size);
  const s = new Search(g, 1, rng);
  s.search();
  const filled = s.first;
  if (!filled) throw new Error('randomSolution: the fill found no grid (a bug)');
  const { n, box } = g;
  // Row order: a band permutation, then a permutation of rows within each band (same for columns).
  const lineOrder = (): number[] => {
    const bands = permutation(box, rng);
    const order: number[] = [];
    for (const b of bands) for (const i of permutation(box, rng)) order.push(b * box + i);
    return order;
  };
  const rows = lineOrder();
  const cols = lineOrder();
  const relabel = permutation(n, rng).map((d) => d + 1);
  const transpose = rng.nextInt(2) === 1;
  const out = new Int8Array(g.cells);
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < n; k++) {
      const src = transpose ? cols[k] * n + rows[r] : rows[r] * n + cols[k];
      out[r * n + k] = relabel[filled[src] - 1];
    }
  }
  return out;
}

export interface GenerateOptions {
  /** The number of blanks, or a range [min, max] from which the target is drawn uniformly. */
  blanks: number | [number, number];
  /** Fresh grids to try before giving up (default 100). */
  maxTries?: number;
  /** 9 (default) or 4. */
  size?: SudokuSize;
}

export interface GeneratedPuzzle {
  puzzle: Grid;
  solution: Grid;
  blanks: number;
  grade: Grade;
  /** Grids drawn before one reached the target (1 = the first). */
  tries: number;
}

/**
 * A puzzle with a unique solution and exactly the target number of blanks (see the module
 * comment). Throws a SudokuError if `maxTries` grids all get stuck short of the target.
 */
export function generatePuzzle(rng: Rng, opts: GenerateOptions): GeneratedPuzzle {
  const size = opts.size ?? 9;
  const g = geometry(size);
  const maxTries = opts.maxTries ?? 100;
  const [lo, hi] = typeof opts.blanks === 'number' ? [opts.blanks, opts.blanks] : opts.blanks;
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || hi < lo || hi > g.cells) {
    throw new SudokuError(`generatePuzzle: blanks must be an integer or [min, max] within 0..${g.cells}, got ${JSON.stringify(opts.blanks)}`);
  }
  if (!Number.isInteger(maxTries) || maxTries < 1) throw new SudokuError(`generatePuzzle: maxTries must be a positive integer, got ${maxTries}`);
  const target = lo + rng.nextInt(hi - lo + 1);
  const order = Uint8Array.from({ length: g.cells }, (_, i) => i);
  let best = 0;
  for (let attempt = 1; attempt <= maxTries; attempt++) {
    const solution = randomSolution(rng, size);
    const puzzle = solution.slice();
    shuffle(order, rng);
    let removed = 0;
    for (let i = 0; i < order.length && removed < target; i++) {
      const c = order[i];
      const d = puzzle[c];
      puzzle[c] = 0;
      if (uniqueAfterRemoval(g, puzzle, c, d)) removed++;
      else puzzle[c] = d;
    }
    best = Math.max(best, removed);
    if (removed === target) return { puzzle, solution, blanks: target, grade: grade(puzzle), tries: attempt };
  }
  throw new SudokuError(
    `generatePuzzle: no ${size}×${size} grid reached ${target} blanks with a unique solution in ${maxTries} tries (most: ${best}); ask for fewer blanks or raise maxTries`,
  );
}

/**
 * Whether `puzzle` (which has the solution it came from, with digit `d` at cell `c` removed)
 * still has only that solution: the same test as `countSolutions(puzzle, 2) === 1`, run as a
 * search for a solution with a different digit at `c` (none may exist).
 */
function uniqueAfterRemoval(g: Geometry, puzzle: Grid, c: number, d: number): boolean {
  const s = new Search(g, 1, null);
  s.load(puzzle);
  // Any other solution differs somewhere; the solution set with c ≠ d is empty iff unique.
  const others = s.free(c) & ~(1 << (d - 1));
  for (let m = others; m !== 0; m &= m - 1) {
    const mark = s.tlen;
    s.place(c, digitOf(m & -m));
    s.search();
    s.undo(mark);
    if (s.count > 0) return false;
  }
  return true;
}

/** n generated puzzles; example i comes from `new Rng(seed).fork(i)` alone. */
export function generateSet(seed: number, n: number, opts: GenerateOptions): GeneratedPuzzle[] {
  if (!Number.isInteger(n) || n < 0) throw new SudokuError(`generateSet: n must be a non-negative integer, got ${n}`);
  const root = new Rng(seed);
  const out: GeneratedPuzzle[] = [];
  for (let i = 0; i < n; i++) out.push(generatePuzzle(root.fork(i), opts));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Checker

export interface CheckResult {
  correct: boolean;
  /** The first problem found, when not correct. */
  reason?: string;
}

/**
 * Whether `candidate` solves `puzzle` by the rules. Problems are looked for in this order, and
 * the first one is reported: a size mismatch; then cell by cell, row-major, a blank
 * ("cell r2c2 is blank"), a value that is not a digit ("cell r2c2 holds 12, not a digit 1..9"),
 * a changed given ("given at r1c4 changed from 5 to 2"); then rows ("row 3 repeats 7"),
 * columns ("column 5 repeats 1"), boxes ("box 9 repeats 4"). A candidate given as text that does
 * not parse is reported as such; a malformed puzzle throws.
 */
export function checkSolution(puzzle: GridInput, candidate: GridInput): CheckResult {
  const p = toGrid(puzzle, 'puzzle');
  const n = gridSize(p);
  let cand: ArrayLike<number>;
  if (typeof candidate === 'string') {
    try {
      cand = parseGrid(candidate);
    } catch (e) {
      return { correct: false, reason: `candidate does not parse: ${(e as Error).message}` };
    }
  } else cand = candidate;
  if (cand.length !== p.length) return { correct: false, reason: `candidate has ${cand.length} cells, the puzzle ${p.length}` };
  for (let c = 0; c < p.length; c++) {
    const v = cand[c];
    if (v === 0) return { correct: false, reason: `cell ${cellName(c, n)} is blank` };
    if (!Number.isInteger(v) || v < 1 || v > n) return { correct: false, reason: `cell ${cellName(c, n)} holds ${v}, not a digit 1..${n}` };
    if (p[c] !== 0 && v !== p[c]) return { correct: false, reason: `given at ${cellName(c, n)} changed from ${p[c]} to ${v}` };
  }
  const g = geometry(n);
  const kinds = ['row', 'column', 'box'];
  for (let u = 0; u < g.units.length; u++) {
    let seen = 0;
    for (const c of g.units[u]) {
      const bit = 1 << (cand[c] - 1);
      if (seen & bit) return { correct: false, reason: `${kinds[Math.floor(u / n)]} ${(u % n) + 1} repeats ${cand[c]}` };
      seen |= bit;
    }
  }
  return { correct: true };
}

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
