import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.js';
import { parseGradeOption, sudokuTask } from '../src/tasks/sudoku/task.js';
import {
  DIFFICULTY,
  MAX_BLANKS,
  SudokuError,
  TECHNIQUES,
  checkSolution,
  countBlanks,
  countSolutions,
  emptyGrid,
  formatGrid,
  generatePuzzle,
  generateSet,
  grade,
  parseGrid,
  parseSudokuCsv,
  prettyGrid,
  randomSolution,
  solve,
  type Grid,
} from '../src/tasks/sudoku.js';

// Project Euler 96, grid 01 (solvable by naked singles).
const EULER = '003020600900305001001806400008102900700000008006708200002609500800203009005010300';
const EULER_SOL = '483921657967345821251876493548132976729564138136798245372689514814253769695417382';
// Arto Inkala's "world's hardest" (2012).
const INKALA = '8..........36......7..9.2...5...7.......457.....1...3...1....68..85...1..9....4..';
const INKALA_SOL = '812753649943682175675491283154237896369845721287169534521974368438526917796318452';
// Norvig's "hardest1" (hard for plain search, yields to singles and pairs).
const NORVIG = '4.....8.5.3..........7......2.....6.....8.4......1.......6.3.7.5..2.....1.4......';
const NORVIG_SOL = '417369825632158947958724316825437169791586432346912758289643571573291684164875293';
// SudokuWiki's X-Wing example 1: singles and pairs get stuck; a hidden pair and an X-wing finish it.
const XWING = '1.....569492.561.8.561.924...964.8.1.64.1....218.356.4.4.5...169.5.614.2621.....5';
// Easter Monster (needs far more than pairs).
const EASTER = '1.......2.9.4...5...6...7...5.9.3.......7.......85..4.7.....6...3...9.8...2.....1';
// EULER_SOL with a deadly rectangle blanked (r1c2=8, r1c7=6, r2c2=6, r2c7=8) and all of row 9:
// exactly two solutions, the second with 8 and 6 swapped in the rectangle.
const TWO = '4.3921.57' + '9.7345.21' + EULER_SOL.slice(18, 72) + '.........';
const TWO_ALT = '463921857' + '987345621' + EULER_SOL.slice(18);

const SHARED_4X4 = fileURLToPath(new URL('../../shared/data/sudoku-4x4.csv', import.meta.url));

/** The error's message, checked to be a one-line SudokuError. */
function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SudokuError);
    const message = (e as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected an error');
}

/** An independent solution counter: plain backtracking on the cell with fewest candidates. */
function bruteCount(grid: ArrayLike<number>, limit: number): number {
  const n = grid.length === 81 ? 9 : 4;
  const b = n === 9 ? 3 : 2;
  const g = Array.from(grid);
  const options = (cell: number): number[] => {
    const r = Math.floor(cell / n);
    const c = cell % n;
    const used = new Set<number>();
    for (let i = 0; i < n; i++) {
      used.add(g[r * n + i]);
      used.add(g[i * n + c]);
      used.add(g[(r - (r % b) + Math.floor(i / b)) * n + c - (c % b) + (i % b)]);
    }
    return Array.from({ length: n }, (_, i) => i + 1).filter((d) => !used.has(d));
  };
  let count = 0;
  const rec = (): void => {
    let best = -1;
    let bestOpts: number[] = [];
    for (let cell = 0; cell < g.length; cell++) {
      if (g[cell] !== 0) continue;
      const o = options(cell);
      if (best < 0 || o.length < bestOpts.length) {
        best = cell;
        bestOpts = o;
      }
      if (o.length === 0) return;
    }
    if (best < 0) {
      count++;
      return;
    }
    for (const d of bestOpts) {
      g[best] = d;
      rec();
      g[best] = 0;
      if (count >= limit) return;
    }
  };
  rec();
  return count;
}

/** An independent logical solver: naked singles only, or naked and hidden singles. */
function singlesSolve(puzzle: Grid, hidden: boolean): boolean {
  const g = Array.from(puzzle);
  const peerLists = Array.from({ length: 81 }, (_, cell) => {
    const r = Math.floor(cell / 9);
    const c = cell % 9;
    const out: number[] = [];
    for (let i = 0; i < 81; i++) {
      const ri = Math.floor(i / 9);
      const ci = i % 9;
      if (i !== cell && (ri === r || ci === c || (Math.floor(ri / 3) === Math.floor(r / 3) && Math.floor(ci / 3) === Math.floor(c / 3)))) out.push(i);
    }
    return out;
  });
  const cands = (cell: number) => [1, 2, 3, 4, 5, 6, 7, 8, 9].filter((d) => !peerLists[cell].some((p) => g[p] === d));
  const units: number[][] = [];
  for (let k = 0; k < 9; k++) {
    units.push(Array.from({ length: 9 }, (_, i) => k * 9 + i));
    units.push(Array.from({ length: 9 }, (_, i) => i * 9 + k));
    units.push(Array.from({ length: 9 }, (_, i) => (Math.floor(k / 3) * 3 + Math.floor(i / 3)) * 9 + (k % 3) * 3 + (i % 3)));
  }
  for (;;) {
    let progress = false;
    for (let cell = 0; cell < 81; cell++) {
      if (g[cell] !== 0) continue;
      const c = cands(cell);
      if (c.length === 1) {
        g[cell] = c[0];
        progress = true;
      }
    }
    if (!progress && hidden) {
      for (const unit of units) {
        for (let d = 1; d <= 9; d++) {
          if (unit.some((cell) => g[cell] === d)) continue;
          const places = unit.filter((cell) => g[cell] === 0 && cands(cell).includes(d));
          if (places.length === 1) {
            g[places[0]] = d;
            progress = true;
          }
        }
      }
    }
    if (!progress) return !g.includes(0);
  }
}

describe('grid text', () => {
  it('parses "." and "0" as blanks and formats back', () => {
    const a = parseGrid(EULER);
    const b = parseGrid(EULER.replace(/0/g, '.'));
    expect(a).toBeInstanceOf(Int8Array);
    expect(a.length).toBe(81);
    expect([...a]).toEqual([...b]);
    expect(a[0]).toBe(0);
    expect(a[2]).toBe(3);
    expect(countBlanks(a)).toBe(49);
    expect(formatGrid(a, { blank: '0' })).toBe(EULER);
    expect(formatGrid(a)).toBe(EULER.replace(/0/g, '.'));
    expect(formatGrid(parseGrid(INKALA))).toBe(INKALA);
  });

  it('pretty-prints with box separators, and the pretty form parses back', () => {
    const g = parseGrid(INKALA);
    const pretty = prettyGrid(g);
    const lines = pretty.split('\n');
    expect(lines).toHaveLength(11);
    expect(lines[0]).toBe('8 . . | . . . | . . .');
    expect(lines[3]).toBe('------+-------+------');
    expect(lines[7]).toBe('------+-------+------');
    expect(new Set(lines.map((l) => l.length))).toEqual(new Set([21]));
    expect(formatGrid(parseGrid(pretty))).toBe(INKALA);
    const four = prettyGrid(parseGrid('1.34341221434321'));
    expect(four).toBe('1 . | 3 4\n3 4 | 1 2\n----+----\n2 1 | 4 3\n4 3 | 2 1');
    expect(formatGrid(parseGrid(four))).toBe('1.34341221434321');
  });

  it('ignores whitespace, newlines, |, - and + between cells', () => {
    const spaced = EULER.match(/.{9}/g)!.map((row) => `|${row.slice(0, 3)}|${row.slice(3, 6)}|${row.slice(6)}|`).join('\n+---+---+---+\n');
    expect(formatGrid(parseGrid(`  ${spaced}\r\n`), { blank: '0' })).toBe(EULER);
  });

  it('names the problem in parse errors', () => {
    expect(errorOf(() => parseGrid(EULER.slice(0, 80)))).toMatch(/expected 81 \(9×9\) or 16 \(4×4\) cells, got 80/);
    expect(errorOf(() => parseGrid(EULER + '1'))).toMatch(/got 82/);
    expect(errorOf(() => parseGrid('x' + EULER.slice(1)))).toMatch(/unexpected character "x" at offset 0/);
    expect(errorOf(() => parseGrid(EULER.slice(0, 40) + '_' + EULER.slice(41)))).toMatch(/"_" at offset 40/);
    expect(errorOf(() => parseGrid('1234341221434325'))).toMatch(/cell r4c4 holds 5, but a 4×4 grid has digits 1-4/);
    expect(errorOf(() => parseGrid('1234341221434321', { size: 9 }))).toMatch(/expected 81 \(9×9\) cells, got 16/);
  });
});

describe('solver', () => {
  it('solves known puzzles, hard ones included, and finds them unique', () => {
    for (const [puzzle, solution] of [
      [EULER, EULER_SOL],
      [INKALA, INKALA_SOL],
      [NORVIG, NORVIG_SOL],
    ]) {
      const s = solve(puzzle);
      expect(s).not.toBeNull();
      expect(formatGrid(s!)).toBe(solution);
      expect(countSolutions(puzzle)).toBe(1);
    }
    const easter = solve(EASTER)!;
    expect(checkSolution(EASTER, easter)).toEqual({ correct: true });
    expect(countSolutions(EASTER, 5)).toBe(1);
  });

  it('accepts grids as Int8Array, string or number array, and leaves the input alone', () => {
    const g = parseGrid(EULER);
    const copy = g.slice();
    expect(formatGrid(solve(g)!)).toBe(EULER_SOL);
    expect(formatGrid(solve(Array.from(g))!)).toBe(EULER_SOL);
    expect([...g]).toEqual([...copy]);
    expect(() => solve(Array.from({ length: 81 }, () => 10))).toThrow(/r1c1 holds 10/);
    expect(() => solve([1, 2, 3])).toThrow(/81 cells .* or 16/);
  });

  it('counts two solutions where there are two, up to the limit', () => {
    expect(countSolutions(TWO)).toBe(2);
    expect(countSolutions(TWO, 10)).toBe(2);
    expect(countSolutions(TWO, 1)).toBe(1);
    expect(bruteCount(parseGrid(TWO), 10)).toBe(2);
    expect([EULER_SOL, TWO_ALT]).toContain(formatGrid(solve(TWO)!));
    expect(countSolutions(emptyGrid(), 5)).toBe(5);
    // Every 4×4 grid: 288 of them.
    expect(countSolutions(emptyGrid(4), 1000)).toBe(288);
    expect(bruteCount(emptyGrid(4), 1000)).toBe(288);
  });

  it('returns null / 0 for puzzles without a solution', () => {
    // Two 5s in row 1.
    const clash = '55' + '.'.repeat(79);
    expect(solve(clash)).toBeNull();
    expect(countSolutions(clash)).toBe(0);
    // No conflicting givens, but r1c9 has no candidate: row 1 holds 1..8, column 9 holds 9.
    const stuck = '12345678.' + '........9' + '.'.repeat(63);
    expect(solve(stuck)).toBeNull();
    expect(countSolutions(stuck)).toBe(0);
    expect(bruteCount(parseGrid(stuck), 2)).toBe(0);
  });
});

describe('grader', () => {
  it('grades a naked-singles puzzle easy', () => {
    // One blank per row, column and box: every blank is a naked single.
    const p = parseGrid(EULER_SOL);
    for (let r = 0; r < 9; r++) p[r * 9 + ((3 * r + Math.floor(r / 3)) % 9)] = 0;
    expect(grade(p)).toMatchObject({ technique: 'naked-single', difficulty: 'easy', blanks: 9, stuckAt: 0 });
    expect(grade(EULER)).toMatchObject({ technique: 'naked-single', difficulty: 'easy', blanks: 49 });
    expect(grade(EULER_SOL)).toMatchObject({ technique: 'naked-single', difficulty: 'easy', blanks: 0 });
  });

  it('grades known hard puzzles expert, and one that pairs crack hard', () => {
    for (const hard of [INKALA, EASTER]) {
      const g = grade(hard);
      expect(g).toMatchObject({ technique: 'guess', difficulty: 'expert' });
      // no naked or hidden single on the start grid (checked independently), and no pair elimination
      expect(g).toMatchObject({ blanks: 60, stuckAt: 60, steps: { nakedSingles: 0, hiddenSingles: 0, pairs: 0 } });
    }
    expect(grade(INKALA).blanks).toBe(60);
    // Singles alone get stuck on Norvig's puzzle (checked independently); pairs finish it.
    expect(singlesSolve(parseGrid(NORVIG), true)).toBe(false);
    const norvig = grade(NORVIG);
    expect(norvig).toMatchObject({ technique: 'pairs', difficulty: 'hard', stuckAt: 0 });
    // every one of the 64 blanks placed by a single (53 + 11), after 8 rounds of pair eliminations
    expect(norvig).toMatchObject({ blanks: 64, steps: { nakedSingles: 53, hiddenSingles: 11, pairs: 8 } });
  });

  it('agrees with an independent singles solver on generated puzzles', () => {
    const seen = new Set<string>();
    for (const ex of generateSet(11, 30, { blanks: [45, 56] })) {
      const g = ex.grade;
      seen.add(g.technique);
      expect(g.difficulty).toBe(DIFFICULTY[g.technique]);
      expect(singlesSolve(ex.puzzle, false)).toBe(g.technique === 'naked-single');
      expect(singlesSolve(ex.puzzle, true)).toBe(g.technique === 'naked-single' || g.technique === 'hidden-single');
    }
    expect(seen.has('naked-single')).toBe(true);
    expect(seen.has('hidden-single')).toBe(true);
  });

  it('grades a puzzle that needs an X-wing advanced', () => {
    const g = grade(XWING);
    expect(countSolutions(XWING)).toBe(1);
    expect(singlesSolve(parseGrid(XWING), true)).toBe(false);
    // advanced runs only when singles and pairs are stuck; here it is needed twice, and the grid is then finished by singles
    expect(g).toMatchObject({ technique: 'advanced', difficulty: 'expert', blanks: 35, stuckAt: 0 });
    expect(g.steps).toEqual({ nakedSingles: 34, hiddenSingles: 1, pairs: 2, advanced: 2 });
    expect(g.advanced).toEqual({ 'hidden-pair': 1, 'naked-triple': 0, 'hidden-triple': 0, 'x-wing': 1 });
    // the hard puzzles stay beyond every implemented technique
    for (const hard of [INKALA, EASTER]) expect(grade(hard)).toMatchObject({ technique: 'guess', advanced: { 'x-wing': 0 } });
  });

  it('grades generated puzzles soundly: logic finishes every non-guess puzzle, guess ones stall', () => {
    const seen = new Set<string>();
    for (const ex of generateSet(12, 40, { blanks: [55, 58] })) {
      const g = ex.grade;
      seen.add(g.technique);
      expect(g.stuckAt === 0).toBe(g.technique !== 'guess');
      if (g.technique === 'advanced') expect(g.steps.advanced).toBeGreaterThan(0);
      if (g.technique !== 'advanced' && g.technique !== 'guess') expect(g.steps.advanced).toBe(0);
    }
    expect(seen.has('guess')).toBe(true);
    expect(seen.has('pairs') || seen.has('advanced')).toBe(true);
  });

  it('documents the difficulty mapping and rejects conflicting givens', () => {
    expect(TECHNIQUES).toEqual(['naked-single', 'hidden-single', 'pairs', 'advanced', 'guess']);
    expect(DIFFICULTY).toEqual({ 'naked-single': 'easy', 'hidden-single': 'medium', pairs: 'hard', advanced: 'expert', guess: 'expert' });
    expect(errorOf(() => grade('55' + '.'.repeat(79)))).toMatch(/givens conflict at r1c2/);
    expect(errorOf(() => grade('12345678.' + '........9' + '.'.repeat(63)))).toMatch(/no solution/);
  });
});

describe('generator', () => {
  it('randomSolution: valid full grids, deterministic per seed, different across seeds', () => {
    const grids = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      const s = randomSolution(new Rng(seed));
      expect(checkSolution(emptyGrid(), s)).toEqual({ correct: true });
      expect(formatGrid(randomSolution(new Rng(seed)))).toBe(formatGrid(s));
      grids.add(formatGrid(s));
      const four = randomSolution(new Rng(seed), 4);
      expect(checkSolution(emptyGrid(4), four)).toEqual({ correct: true });
    }
    expect(grids.size).toBe(20);
    // The top-left cell takes every digit across seeds (relabelling is random).
    const corner = new Set<number>();
    for (let seed = 0; seed < 100; seed++) corner.add(randomSolution(new Rng(seed))[0]);
    expect(corner.size).toBe(9);
  });

  it('generates unique puzzles with the requested blanks, consistent with their solution', () => {
    const set = generateSet(5, 12, { blanks: [40, 50] });
    expect(set).toHaveLength(12);
    const blankCounts = new Set<number>();
    for (const ex of set) {
      expect(ex.blanks).toBeGreaterThanOrEqual(40);
      expect(ex.blanks).toBeLessThanOrEqual(50);
      expect(countBlanks(ex.puzzle)).toBe(ex.blanks);
      expect(ex.grade.blanks).toBe(ex.blanks);
      blankCounts.add(ex.blanks);
      expect(checkSolution(ex.puzzle, ex.solution)).toEqual({ correct: true });
      expect(countSolutions(ex.puzzle, 2)).toBe(1);
      expect(bruteCount(ex.puzzle, 2)).toBe(1);
      expect(formatGrid(solve(ex.puzzle)!)).toBe(formatGrid(ex.solution));
    }
    expect(blankCounts.size).toBeGreaterThan(1); // the target is drawn from the range
  });

  it('honours an exact blank count, 55 included, and works at 4×4', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 4; i++) {
      const ex = generatePuzzle(rng, { blanks: 55 });
      expect(countBlanks(ex.puzzle)).toBe(55);
      expect(countSolutions(ex.puzzle)).toBe(1);
      expect(bruteCount(ex.puzzle, 2)).toBe(1);
    }
    for (const ex of generateSet(9, 10, { blanks: 10, size: 4 })) {
      expect(ex.puzzle.length).toBe(16);
      expect(countBlanks(ex.puzzle)).toBe(10);
      expect(bruteCount(ex.puzzle, 2)).toBe(1);
      expect(checkSolution(ex.puzzle, ex.solution).correct).toBe(true);
    }
  });

  it('is deterministic from the seed; example i depends on fork(i) alone', () => {
    const key = (xs: { puzzle: Grid; solution: Grid }[]) => xs.map((x) => formatGrid(x.puzzle) + formatGrid(x.solution));
    const a = generateSet(42, 4, { blanks: [40, 50] });
    expect(key(generateSet(42, 4, { blanks: [40, 50] }))).toEqual(key(a));
    expect(key(generateSet(42, 2, { blanks: [40, 50] }))).toEqual(key(a.slice(0, 2)));
    expect(key([generatePuzzle(new Rng(42).fork(3), { blanks: [40, 50] })])).toEqual(key(a.slice(3)));
  });

  it('makes distinct puzzles across seeds and across examples', () => {
    const all = new Set<string>();
    for (let seed = 1; seed <= 4; seed++) for (const ex of generateSet(seed, 5, { blanks: 45 })) all.add(formatGrid(ex.puzzle));
    expect(all.size).toBe(20);
  });

  it('makes the same puzzles as before the local search existed (the first phase is unchanged)', () => {
    // sha256 of the puzzles and solutions of the generator before the second phase was added
    const hash = (seed: number, n: number, blanks: [number, number]) =>
      createHash('sha256')
        .update(generateSet(seed, n, { blanks }).map((p) => formatGrid(p.puzzle) + formatGrid(p.solution)).join('\n'))
        .digest('hex')
        .slice(0, 16);
    expect(hash(0, 100, [51, 56])).toBe('fea88e0d2f29c9df'); // the demo's and docs/results.md's 51–56 cell
    expect(hash(3, 30, [57, 59])).toBe('3898d9a4f7d3d14d');
  });

  it('reaches 60–62 blanks by local search: unique solutions (independent count), deterministic per seed', { tags: ['slow'] }, () => {
    for (const [seed, blanks] of [
      [1, 60],
      [2, 61],
      [5, 62],
    ] as const) {
      const ex = generatePuzzle(new Rng(seed), { blanks });
      expect(countBlanks(ex.puzzle)).toBe(blanks);
      expect(ex.tries).toBeGreaterThan(100); // found by the second phase
      expect(countSolutions(ex.puzzle, 3)).toBe(1);
      expect(bruteCount(ex.puzzle, 2)).toBe(1);
      expect(checkSolution(ex.puzzle, ex.solution)).toEqual({ correct: true });
      expect(ex.grade).toEqual(grade(ex.puzzle));
      const again = generatePuzzle(new Rng(seed), { blanks });
      expect(formatGrid(again.puzzle) + formatGrid(again.solution)).toBe(formatGrid(ex.puzzle) + formatGrid(ex.solution));
    }
    const key = (xs: { puzzle: Grid }[]) => xs.map((x) => formatGrid(x.puzzle));
    const a = generateSet(7, 3, { blanks: [59, 60] });
    expect(key(generateSet(7, 3, { blanks: [59, 60] }))).toEqual(key(a));
    expect(key([generatePuzzle(new Rng(7).fork(2), { blanks: [59, 60] })])).toEqual(key(a.slice(2)));
  });

  it('filters by grade, deterministically, and parses the grade= task option', () => {
    const hard = generateSet(4, 6, { blanks: [55, 57], grades: ['advanced', 'guess'] });
    for (const ex of hard) expect(['advanced', 'guess']).toContain(ex.grade.technique);
    expect(generateSet(4, 6, { blanks: [55, 57], grades: ['advanced', 'guess'] }).map((x) => formatGrid(x.puzzle))).toEqual(hard.map((x) => formatGrid(x.puzzle)));
    expect(errorOf(() => generatePuzzle(new Rng(1), { blanks: 0, grades: ['guess'], gradeTries: 3 }))).toMatch(/no puzzle graded guess in 3 draws of 0 blanks/);
    expect(parseGradeOption('guess')).toEqual(['guess']);
    expect(parseGradeOption('pairs+')).toEqual(['pairs', 'advanced', 'guess']);
    expect(parseGradeOption('expert')).toEqual(['advanced', 'guess']);
    expect(parseGradeOption('hidden-single,expert')).toEqual(['hidden-single', 'advanced', 'guess']);
    expect(parseGradeOption(['easy', 'hard'])).toEqual(['naked-single', 'pairs']);
    expect(parseGradeOption('hardest')).toBeNull();
    expect(parseGradeOption(3)).toBeNull();
  });

  it('fails clearly when uniqueness blocks the target, and rejects bad options', () => {
    expect(errorOf(() => generatePuzzle(new Rng(1), { blanks: 64, maxTries: 2, searchTries: 1, moves: 5 }))).toMatch(
      /no 9×9 grid reached 64 blanks with a unique solution in 2 tries and 1 of local search \(5 moves each\) \(most: \d+\)/,
    );
    // below 17 clues no 9×9 puzzle is unique (and below 4 no 4×4 one): refused at once
    expect(MAX_BLANKS).toEqual({ 9: 64, 4: 12 });
    expect(errorOf(() => generatePuzzle(new Rng(1), { blanks: 70 }))).toMatch(/at most 64 blanks: no 9×9 puzzle with fewer than 17 clues/);
    expect(errorOf(() => generatePuzzle(new Rng(1), { blanks: [55, 65] }))).toMatch(/at most 64 blanks/);
    expect(errorOf(() => generatePuzzle(new Rng(1), { blanks: 13, size: 4 }))).toMatch(/at most 12 blanks: no 4×4 puzzle with fewer than 4 clues/);
    // the task (CLI) refuses 63–64 at once rather than search for minutes and fail
    expect(errorOf(() => sudokuTask.generate(0, 1, { blanks: [55, 64] }))).toMatch(/reaches at most 62 blanks in reasonable time \(64 blanks = 17 clues/);
    expect(errorOf(() => sudokuTask.generate(0, 1, { blanks: 70 }))).toMatch(/at most 64 blanks/);
    expect(errorOf(() => generatePuzzle(new Rng(1), { blanks: 82 }))).toMatch(/blanks must be/);
    expect(errorOf(() => generatePuzzle(new Rng(1), { blanks: [50, 40] }))).toMatch(/blanks must be/);
    expect(errorOf(() => generatePuzzle(new Rng(1), { blanks: 40, maxTries: 0 }))).toMatch(/maxTries/);
  });
});

describe('checker', () => {
  const sol = () => parseGrid(EULER_SOL);

  it('accepts the solution, as a grid or as text', () => {
    expect(checkSolution(EULER, sol())).toEqual({ correct: true });
    expect(checkSolution(parseGrid(EULER), EULER_SOL)).toEqual({ correct: true });
    expect(checkSolution(INKALA, INKALA_SOL)).toEqual({ correct: true });
  });

  it('rejects every kind of mistake with the first problem named', () => {
    const blank = sol();
    blank[10] = 0;
    blank[30] = 0;
    expect(checkSolution(EULER, blank)).toEqual({ correct: false, reason: 'cell r2c2 is blank' });

    const changed = sol();
    changed[2] = 2; // r1c3 is a given 3
    expect(checkSolution(EULER, changed)).toEqual({ correct: false, reason: 'given at r1c3 changed from 3 to 2' });

    const rowRepeat = sol();
    rowRepeat[0] = 8; // r1c1 (not a given) 4 → 8; r1c2 is 8
    expect(checkSolution(EULER, rowRepeat)).toEqual({ correct: false, reason: 'row 1 repeats 8' });

    const colRepeat = sol();
    [colRepeat[0], colRepeat[1]] = [colRepeat[1], colRepeat[0]]; // rows stay permutations
    expect(checkSolution(EULER, colRepeat)).toEqual({ correct: false, reason: 'column 1 repeats 8' });

    // A Latin square: every row and column a permutation, the boxes not.
    const latin = Int8Array.from({ length: 81 }, (_, i) => ((Math.floor(i / 9) + (i % 9)) % 9) + 1);
    expect(checkSolution(emptyGrid(), latin)).toEqual({ correct: false, reason: 'box 1 repeats 2' });

    const outOfRange = Array.from(sol());
    outOfRange[80] = 10;
    expect(checkSolution(EULER, outOfRange)).toEqual({ correct: false, reason: 'cell r9c9 holds 10, not a digit 1..9' });
    outOfRange[80] = 2.5;
    expect(checkSolution(EULER, outOfRange).reason).toBe('cell r9c9 holds 2.5, not a digit 1..9');

    expect(checkSolution(EULER, sol().slice(0, 80)).reason).toBe('candidate has 80 cells, the puzzle 81');
    expect(checkSolution(EULER, EULER_SOL.slice(0, 80) + 'x').reason).toMatch(/^candidate does not parse: .*"x" at offset 80/);
    expect(checkSolution(EULER, '1234341221434321').reason).toBe('candidate has 16 cells, the puzzle 81');
  });

  it('accepts either solution of a two-solution puzzle (rule-based, no stored answer)', () => {
    expect(TWO_ALT).not.toBe(EULER_SOL);
    expect(checkSolution(TWO, EULER_SOL)).toEqual({ correct: true });
    expect(checkSolution(TWO, TWO_ALT)).toEqual({ correct: true });
    // The alternative breaks a given of the original puzzle.
    expect(checkSolution(EULER, TWO_ALT).correct).toBe(false);
  });

  it('checks 4×4 grids with 2×2 boxes', () => {
    expect(checkSolution('1.3.3.1.2.4.4.2.', '1234341221434321')).toEqual({ correct: true });
    expect(checkSolution('1...............', '1234214334124321')).toEqual({ correct: false, reason: 'box 1 repeats 2' });
    expect(checkSolution('1...............', '1234341221434312')).toEqual({ correct: false, reason: 'column 3 repeats 1' });
    expect(checkSolution('1...............', '1234341221434325').reason).toBe('candidate does not parse: parseGrid: cell r4c4 holds 5, but a 4×4 grid has digits 1-4');
  });
});

describe('CSV', () => {
  it('parses puzzle,solution rows with an optional header, CRLF and blank lines', () => {
    const text = `puzzle,solution\r\n${EULER},${EULER_SOL}\r\n\r\n${INKALA},${INKALA_SOL}\r\n`;
    const recs = parseSudokuCsv(text, 'mini.csv');
    expect(recs).toHaveLength(2);
    expect(formatGrid(recs[0].puzzle, { blank: '0' })).toBe(EULER);
    expect(formatGrid(recs[0].solution!)).toBe(EULER_SOL);
    expect(recs[1]).toMatchObject({ size: 9, line: 4 });
    expect(formatGrid(recs[1].puzzle)).toBe(INKALA);
    // No header.
    expect(parseSudokuCsv(`${EULER},${EULER_SOL}\n`, 'x.csv')).toHaveLength(1);
  });

  it('accepts a file with only the puzzle column', () => {
    const recs = parseSudokuCsv(`quizzes\n${EULER}\n${NORVIG}`, 'p.csv');
    expect(recs.map((r) => formatGrid(r.puzzle))).toEqual([EULER.replace(/0/g, '.'), NORVIG]);
    expect(recs[0].solution).toBeUndefined();
  });

  it('detects 4×4 rows (16 characters, 2×2 boxes)', () => {
    const text = 'Puzzle,Solution\n3102200002100320,3142243142131324\n0140432014020000,2143432114323214\n';
    const recs = parseSudokuCsv(text, 'four.csv');
    expect(recs).toHaveLength(2);
    for (const r of recs) {
      expect(r.size).toBe(4);
      expect(r.puzzle.length).toBe(16);
      expect(checkSolution(r.puzzle, r.solution!)).toEqual({ correct: true });
      expect(checkSolution(r.puzzle, solve(r.puzzle)!)).toEqual({ correct: true });
    }
  });

  it('names the file and line in errors', () => {
    const ok = `${EULER},${EULER_SOL}`;
    expect(errorOf(() => parseSudokuCsv(`puzzle,solution\n${ok}\n${EULER.slice(1)},${EULER_SOL}\n`, 'a.csv'))).toBe(
      'a.csv:3: puzzle has 80 cells, expected 81 (9×9) or 16 (4×4)',
    );
    expect(errorOf(() => parseSudokuCsv(`${ok}\n${EULER},${EULER_SOL.slice(0, 80)}x`, 'b.csv'))).toMatch(/^b\.csv:2: solution has a character other than 0-9/);
    expect(errorOf(() => parseSudokuCsv(`${ok}\n${ok},extra`, 'c.csv'))).toBe('c.csv:2: expected 1 or 2 fields (puzzle[,solution]), got 3');
    expect(errorOf(() => parseSudokuCsv(`${ok}\n3102200002100320,3142243142131324`, 'd.csv'))).toBe('d.csv:2: puzzle is 4×4 but earlier rows are 9×9');
    expect(errorOf(() => parseSudokuCsv(`${EULER},${TWO_ALT}`, 'e.csv'))).toBe(
      'e.csv:1: the solution does not solve the puzzle: given at r1c7 changed from 6 to 8',
    );
    expect(errorOf(() => parseSudokuCsv(`${EULER},${EULER}`, 'f.csv'))).toBe('f.csv:1: the solution does not solve the puzzle: cell r1c1 is blank');
    expect(errorOf(() => parseSudokuCsv(`a,b\n${ok}\nc,d`, 'g.csv'))).toMatch(/^g\.csv:3: puzzle has a character other than 0-9/);
  });

  it.skipIf(!existsSync(SHARED_4X4))('reads the shared 4×4 dataset', () => {
    const recs = parseSudokuCsv(readFileSync(SHARED_4X4, 'utf8'), 'sudoku-4x4.csv');
    expect(recs.length).toBeGreaterThan(0);
    for (const r of recs) {
      expect(r.size).toBe(4);
      expect(r.solution).toBeDefined();
      expect(countSolutions(r.puzzle)).toBeGreaterThanOrEqual(1);
      expect(checkSolution(r.puzzle, solve(r.puzzle)!)).toEqual({ correct: true });
    }
  });
});
