/**
 * The Sudoku solver.
 *
 * Solver (`solve`, `countSolutions`). Bitmask candidates per row/column/box, constraint
 * propagation to a fixpoint (naked singles, then hidden singles in every unit), then
 * backtracking on a cell with the fewest candidates (MRV), undoing placements from a trail.
 * Hard 9×9 puzzles (Arto Inkala's, Norvig's "hardest") take well under a millisecond.
 */
import type { Rng } from '../../core/rng.js';
import { digitOf, geometry, gridSize, POPCOUNT, SudokuError, toGrid, type Geometry, type Grid, type GridInput } from './grid.js';

// ---------------------------------------------------------------------------------------------
// Solver

/** Fisher–Yates shuffle in place (the randomized fill and the generator). */
export function shuffle<T>(a: T[] | Uint8Array, rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

/** Backtracking search with propagation over row/column/box digit masks. */
export class Search {
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
