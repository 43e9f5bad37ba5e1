/**
 * Sudoku grids: sizes, geometry (units, peers), conversions, parsing and formatting.
 *
 * Sizes. Everything here is generic over n ∈ {4, 9}: a 9×9 grid has 3×3 boxes, a 4×4 grid 2×2
 * boxes. The size of a grid is read off its length (81 or 16 cells); parsing reads it off the
 * number of cells in the text. Parsing, formatting, solving, counting, grading, generating and
 * checking all work at both sizes.
 *
 * Grid. `Int8Array(n·n)`, row-major, 0 = blank, 1..n = digits. Cells are named `r{row}c{col}`,
 * boxes `box k`, all 1-based, boxes numbered row-major (box 1 top left, box 9 bottom right).
 */

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

export interface Geometry {
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

export function geometry(n: number): Geometry {
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

export const POPCOUNT = new Uint8Array(512);
for (let m = 1; m < 512; m++) POPCOUNT[m] = POPCOUNT[m >> 1] + (m & 1);

/** The digit of a one-bit mask. */
export function digitOf(bit: number): number {
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
