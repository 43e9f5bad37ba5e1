/**
 * The Sudoku grader (the difficulty of a puzzle) and checker (whether an answer solves it).
 *
 * Grader (`grade`). Works on candidate sets and always applies the simplest technique that makes
 * progress, until the grid is full or nothing applies:
 *   1. naked single   — a cell with one candidate;
 *   2. hidden single  — a digit with one place left in a row, column or box;
 *   3. pairs          — eliminations by naked pairs (two cells of a unit with the same two
 *                       candidates), pointing pairs (a digit confined to one row/column inside a
 *                       box leaves the rest of that line) and box-line reduction (a digit
 *                       confined to one box inside a line leaves the rest of that box);
 *   4. advanced       — eliminations by hidden pairs (two digits with the same two places in a
 *                       unit: those cells hold nothing else), naked triples (three cells of a
 *                       unit whose candidates together are three digits: the rest of the unit
 *                       loses them), hidden triples (three digits confined to the same three cells
 *                       of a unit: those cells lose every other digit) and X-wings (a digit with
 *                       exactly two places in each of two rows, in the same two columns, leaves
 *                       the rest of those columns; the same with rows and columns swapped);
 *   5. guess          — the techniques above get stuck: solving needs search (trial and error,
 *                       or techniques not implemented here: chains, swordfish, uniqueness …).
 * The reported technique is the hardest one used. Difficulty mapping:
 *   naked-single → easy, hidden-single → medium, pairs → hard, advanced and guess → expert
 * (`advanced` split off `guess` later; the difficulty of every puzzle stayed what it was).
 * A grid with no blanks grades naked-single/easy. A contradiction found by these (sound)
 * deductions means the puzzle has no solution and throws.
 *
 * Checker (`checkSolution`). Rule-based: a candidate is correct iff it is complete, every row,
 * column and box is a permutation of 1..n, and every given of the puzzle is kept. It does not
 * compare against a stored solution, so any valid solution of a multi-solution puzzle counts.
 */
import { cellName, countBlanks, digitOf, geometry, gridSize, parseGrid, POPCOUNT, SudokuError, toGrid, type Geometry, type Grid, type GridInput, type SudokuSize } from './grid.js';

// ---------------------------------------------------------------------------------------------
// Grader

export type Technique = 'naked-single' | 'hidden-single' | 'pairs' | 'advanced' | 'guess';
export type Difficulty = 'easy' | 'medium' | 'hard' | 'expert';
/** The eliminations of the `advanced` level. */
export type AdvancedKind = 'hidden-pair' | 'naked-triple' | 'hidden-triple' | 'x-wing';

export const TECHNIQUES: readonly Technique[] = ['naked-single', 'hidden-single', 'pairs', 'advanced', 'guess'];
/** The documented mapping from the hardest technique needed to a difficulty label. */
export const DIFFICULTY: Readonly<Record<Technique, Difficulty>> = {
  'naked-single': 'easy',
  'hidden-single': 'medium',
  pairs: 'hard',
  advanced: 'expert',
  guess: 'expert',
};

export interface Grade {
  /** The hardest technique needed ('guess': the logical techniques alone get stuck). */
  technique: Technique;
  blanks: number;
  difficulty: Difficulty;
  /** How many times each technique made progress (placements for singles, eliminating steps for pairs and advanced). */
  steps: { nakedSingles: number; hiddenSingles: number; pairs: number; advanced: number };
  /** The `advanced` steps by kind (each step is the first elimination found, looked for in this order). */
  advanced: Record<AdvancedKind, number>;
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

  /** One elimination by hidden pairs, naked triples, hidden triples or an X-wing: which one, or null if none applies. */
  advanced(): AdvancedKind | null {
    const g = this.g;
    const { n, units } = g;
    for (const unit of units) {
      const blanks: number[] = [];
      for (const c of unit) if (this.v[c] === 0) blanks.push(c);
      // where[d]: the blanks of the unit (as bits of `blanks`) that can take digit d.
      const where: number[] = [];
      let open = 0;
      for (let d = 0; d < n; d++) {
        let w = 0;
        for (let i = 0; i < blanks.length; i++) if (this.cand[blanks[i]] & (1 << d)) w |= 1 << i;
        where.push(w);
        if (w !== 0) open |= 1 << d;
      }
      for (const k of [2, 3]) {
        // Hidden subsets: k digits whose places together are k cells.
        for (const digits of combinations(open, k)) {
          let cells = 0;
          for (let m = digits; m !== 0; m &= m - 1) cells |= where[digitOf(m & -m) - 1];
          if (POPCOUNT[cells] !== k) continue;
          let any = false;
          for (let i = 0; i < blanks.length; i++) if (cells & (1 << i)) any = this.eliminate(blanks[i], g.full & ~digits) || any;
          if (any) return k === 2 ? 'hidden-pair' : 'hidden-triple';
        }
        if (k === 3) {
          // Naked triples: k cells whose candidates together are k digits.
          for (const cells of combinations((1 << blanks.length) - 1, k)) {
            let digits = 0;
            for (let i = 0; i < blanks.length; i++) if (cells & (1 << i)) digits |= this.cand[blanks[i]];
            if (POPCOUNT[digits] !== k) continue;
            let any = false;
            for (let i = 0; i < blanks.length; i++) if (!(cells & (1 << i))) any = this.eliminate(blanks[i], digits) || any;
            if (any) return 'naked-triple';
          }
        }
      }
    }
    // X-wings: in two rows a digit has the same two columns (or in two columns the same two rows).
    for (const byRow of [true, false]) {
      for (let d = 0; d < n; d++) {
        const bit = 1 << d;
        const lines: number[] = []; // per line, the cross positions that can take d
        for (let a = 0; a < n; a++) {
          let m = 0;
          for (let b = 0; b < n; b++) {
            const c = byRow ? a * n + b : b * n + a;
            if (this.v[c] === 0 && this.cand[c] & bit) m |= 1 << b;
          }
          lines.push(m);
        }
        for (let a1 = 0; a1 < n; a1++) {
          if (POPCOUNT[lines[a1]] !== 2) continue;
          for (let a2 = a1 + 1; a2 < n; a2++) {
            if (lines[a2] !== lines[a1]) continue;
            let any = false;
            for (let m = lines[a1]; m !== 0; m &= m - 1) {
              const b = digitOf(m & -m) - 1;
              for (let a = 0; a < n; a++) {
                if (a === a1 || a === a2) continue;
                any = this.eliminate(byRow ? a * n + b : b * n + a, bit) || any;
              }
            }
            if (any) return 'x-wing';
          }
        }
      }
    }
    return null;
  }
}

/** The k-bit subsets of `mask`, each as a mask. */
function* combinations(mask: number, k: number): Generator<number> {
  const bits: number[] = [];
  for (let m = mask; m !== 0; m &= m - 1) bits.push(m & -m);
  const rec = function* (from: number, left: number, acc: number): Generator<number> {
    if (left === 0) {
      yield acc;
      return;
    }
    for (let i = from; i <= bits.length - left; i++) yield* rec(i + 1, left - 1, acc | bits[i]);
  };
  yield* rec(0, k, 0);
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
  const steps = { nakedSingles: 0, hiddenSingles: 0, pairs: 0, advanced: 0 };
  const advanced: Record<AdvancedKind, number> = { 'hidden-pair': 0, 'naked-triple': 0, 'hidden-triple': 0, 'x-wing': 0 };
  let kind: AdvancedKind | null;
  let level = 0;
  while (logic.blanks > 0) {
    if (logic.nakedSingle()) steps.nakedSingles++;
    else if (logic.hiddenSingle()) {
      steps.hiddenSingles++;
      level = Math.max(level, 1);
    } else if (logic.pairs()) {
      steps.pairs++;
      level = Math.max(level, 2);
    } else if ((kind = logic.advanced()) !== null) {
      steps.advanced++;
      advanced[kind]++;
      level = Math.max(level, 3);
    } else {
      level = 4;
      break;
    }
  }
  const technique = TECHNIQUES[level];
  return { technique, blanks, difficulty: DIFFICULTY[technique], steps, advanced, stuckAt: logic.blanks };
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
