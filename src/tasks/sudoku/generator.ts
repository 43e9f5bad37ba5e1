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
 * blanks is reached. A grid whose removal order gets stuck short of the target (the puzzle is then
 * minimal: no given can go) is dropped and a new grid drawn, up to `maxTries` grids. That first
 * phase is the whole generator up to 59 blanks or so, and it is unchanged, so every puzzle made
 * before the second phase existed is made again from the same (seed, i, options).
 *
 * Second phase (targets the first one misses: most of 60 and above, since a random minimal puzzle
 * has 22–27 clues). Up to `searchTries` fresh grids, each taken through the same removal pass
 * and then a local search over its puzzles: a move puts back the solution's digit in
 * `SEARCH_ADD` (2) random blanks and runs the removal pass again over the givens in a new random
 * order; the result replaces the current puzzle when it has at least as many blanks (so the
 * search also walks across plateaus), until the target is reached or `moves` moves are spent.
 * Every puzzle it returns passed the same uniqueness test. Measured on one core (Node 20): 60
 * blanks ~0.4 s a puzzle, 61 ~1–2 s, 62 ~5–10 s; 63 and 64 blanks (18 and 17 clues) are out of
 * reach of a search from random grids (most grids have no 18- or 17-clue puzzle at all) and end
 * in the error after the search budget. More than 64 blanks is refused at once: no 9×9 puzzle
 * with fewer than 17 clues has a unique solution (McGuire, Tugemann and Civario, 2012); for
 * 4×4 the limit is 12 blanks (4 clues).
 *
 * `grades` keeps only puzzles whose hardest technique (grader.ts) is one of those listed: the
 * example's generator draws puzzles until one matches (up to `gradeTries`). `generateSet(seed, n,
 * opts)` makes example i from `new Rng(seed).fork(i)`, so each example is independent of n and
 * of the others.
 */
import { Rng } from '../../core/rng.js';
import { grade, type Grade, type Technique } from './grader.js';
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
  /** Fresh grids the first phase tries (default 100). */
  maxTries?: number;
  /** Fresh grids the second phase (local search) tries when the first misses (default 100). */
  searchTries?: number;
  /** Local-search moves per grid in the second phase (default 3000). */
  moves?: number;
  /** Keep only puzzles graded with one of these techniques (default: any). */
  grades?: readonly Technique[];
  /** Puzzles drawn per example before a `grades` filter gives up (default 1000). */
  gradeTries?: number;
  /** 9 (default) or 4. */
  size?: SudokuSize;
}

export interface GeneratedPuzzle {
  puzzle: Grid;
  solution: Grid;
  blanks: number;
  grade: Grade;
  /** Grids drawn before one reached the target (1 = the first; above maxTries: found by the local search). */
  tries: number;
}

/** The most blanks a puzzle with a unique solution can have: 64 for 9×9 (17 clues), 12 for 4×4. */
export const MAX_BLANKS: Readonly<Record<SudokuSize, number>> = { 9: 64, 4: 12 };

/** Blanks given back to the solution's digits per local-search move. */
export const SEARCH_ADD = 2;

const intOption = (name: string, v: number | undefined, dflt: number, min: number): number => {
  const x = v ?? dflt;
  if (!Number.isInteger(x) || x < min) throw new SudokuError(`generatePuzzle: ${name} must be an integer ≥ ${min}, got ${x}`);
  return x;
};

/**
 * A puzzle with a unique solution and exactly the target number of blanks (see the module
 * comment), of one of `opts.grades` when given. Throws a SudokuError if no grid reaches the
 * target within the search budget, or no puzzle of the asked grades comes in `gradeTries` draws.
 */
export function generatePuzzle(rng: Rng, opts: GenerateOptions): GeneratedPuzzle {
  const size = opts.size ?? 9;
  const g = geometry(size);
  const [lo, hi] = typeof opts.blanks === 'number' ? [opts.blanks, opts.blanks] : opts.blanks;
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || hi < lo || hi > g.cells) {
    throw new SudokuError(`generatePuzzle: blanks must be an integer or [min, max] within 0..${g.cells}, got ${JSON.stringify(opts.blanks)}`);
  }
  if (hi > MAX_BLANKS[size]) {
    throw new SudokuError(
      `generatePuzzle: at most ${MAX_BLANKS[size]} blanks: no ${size}×${size} puzzle with fewer than ${g.cells - MAX_BLANKS[size]} clues has a unique solution, got ${JSON.stringify(opts.blanks)}`,
    );
  }
  const maxTries = opts.maxTries ?? 100;
  if (!Number.isInteger(maxTries) || maxTries < 1) throw new SudokuError(`generatePuzzle: maxTries must be a positive integer, got ${maxTries}`);
  const searchTries = intOption('searchTries', opts.searchTries, 100, 0);
  const moves = intOption('moves', opts.moves, 3000, 0);
  const gradeTries = intOption('gradeTries', opts.gradeTries, 1000, 1);
  const grades = opts.grades;
  if (grades !== undefined && grades.length === 0) throw new SudokuError('generatePuzzle: grades must list at least one technique');
  const draw = (): GeneratedPuzzle => drawPuzzle(rng, g, size, lo, hi, maxTries, searchTries, moves);
  if (!grades) return draw();
  for (let k = 0; k < gradeTries; k++) {
    const p = draw();
    if (grades.includes(p.grade.technique)) return p;
  }
  throw new SudokuError(`generatePuzzle: no puzzle graded ${grades.join(' or ')} in ${gradeTries} draws of ${lo === hi ? lo : `${lo}–${hi}`} blanks; ask for other grades or blanks`);
}

/** The removal pass: givens in a random order, each removed if the solution stays unique, until `target` blanks. */
function removalPass(g: Geometry, puzzle: Grid, rng: Rng, target: number): number {
  const order: number[] = [];
  for (let c = 0; c < g.cells; c++) if (puzzle[c] !== 0) order.push(c);
  shuffle(order, rng);
  let blanks = g.cells - order.length;
  for (let i = 0; i < order.length && blanks < target; i++) {
    const c = order[i];
    const d = puzzle[c];
    puzzle[c] = 0;
    if (uniqueAfterRemoval(g, puzzle, c, d)) blanks++;
    else puzzle[c] = d;
  }
  return blanks;
}

function drawPuzzle(rng: Rng, g: Geometry, size: SudokuSize, lo: number, hi: number, maxTries: number, searchTries: number, moves: number): GeneratedPuzzle {
  const target = lo + rng.nextInt(hi - lo + 1);
  const done = (puzzle: Grid, solution: Grid, tries: number): GeneratedPuzzle => ({ puzzle, solution, blanks: target, grade: grade(puzzle), tries });
  // Phase 1: the original generator, draw for draw.
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
    if (removed === target) return done(puzzle, solution, attempt);
  }
  // Phase 2: local search from fresh grids.
  for (let attempt = 1; attempt <= searchTries; attempt++) {
    const solution = randomSolution(rng, size);
    let puzzle = solution.slice();
    let blanks = removalPass(g, puzzle, rng, target);
    const holes: number[] = [];
    for (let m = 0; m < moves && blanks < target; m++) {
      const next = puzzle.slice();
      holes.length = 0;
      for (let c = 0; c < g.cells; c++) if (next[c] === 0) holes.push(c);
      for (let k = 0; k < SEARCH_ADD && holes.length > 0; k++) {
        const j = rng.nextInt(holes.length);
        next[holes[j]] = solution[holes[j]];
        holes[j] = holes[holes.length - 1];
        holes.pop();
      }
      const b = removalPass(g, next, rng, target);
      if (b >= blanks) {
        puzzle = next;
        blanks = b;
      }
    }
    best = Math.max(best, blanks);
    if (blanks === target) return done(puzzle, solution, maxTries + attempt);
  }
  throw new SudokuError(
    `generatePuzzle: no ${size}×${size} grid reached ${target} blanks with a unique solution in ${maxTries} tries and ${searchTries} of local search (${moves} moves each) (most: ${best}); ask for fewer blanks or raise maxTries, searchTries or moves`,
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
