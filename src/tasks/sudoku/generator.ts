/**
 * The Sudoku puzzle generator.
 *
 * Generator. `randomSolution(rng)` fills an empty grid by randomized backtracking (the solver
 * of solver.ts with the digit order shuffled at every branch; every valid grid has positive
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
 */
import { Rng } from '../../core/rng.js';
import { grade, type Grade } from './grader.js';
import { digitOf, geometry, SudokuError, type Geometry, type Grid, type SudokuSize } from './grid.js';
import { Search, shuffle } from './solver.js';

// ---------------------------------------------------------------------------------------------
// Generator

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
