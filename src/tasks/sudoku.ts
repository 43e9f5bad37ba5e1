/**
 * The Sudoku task: grids, a fast solver, a logical grader, a puzzle generator, a rule-based
 * checker and the common CSV format. Pure TypeScript; all randomness comes from `core/rng`.
 *
 * The parts, under sudoku/ (each file's comment describes its part in full): grid.ts (sizes,
 * geometry, parsing and formatting), solver.ts, grader.ts (the difficulty grade and the answer
 * checker), generator.ts and csv.ts (the data file format). The task adapter (encoding, grading a
 * decoded canvas) is in index.ts.
 */
export { randomSolution, generatePuzzle, generateSet, MAX_BLANKS, SEARCH_ADD, type GenerateOptions, type GeneratedPuzzle } from './sudoku/generator.js';
export { checkSolution, DIFFICULTY, grade, TECHNIQUES, type AdvancedKind, type CheckResult, type Difficulty, type Grade, type Technique } from './sudoku/grader.js';
export {
  cellName,
  countBlanks,
  emptyGrid,
  formatGrid,
  gridSize,
  parseGrid,
  prettyGrid,
  sizeOfLength,
  SudokuError,
  toGrid,
  type Grid,
  type GridInput,
  type SudokuSize,
} from './sudoku/grid.js';
export { parseSudokuCsv, readSudokuCsv, type SudokuCsv, type SudokuRecord } from './sudoku/csv.js';
export { countSolutions, solve } from './sudoku/solver.js';
