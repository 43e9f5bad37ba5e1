/**
 * The Countdown arithmetic task: problems, a generator, an exhaustive solver, the character-level
 * text format the model reads and writes, a strict checker, and the common JSONL format.
 *
 * The parts, under countdown/ (each file's comment describes its part in full): problem.ts (the
 * problem and solution types, step arithmetic and the text format), generator.ts, solver.ts (the
 * solver and the checker) and jsonl.ts (the data file format). The task adapter (encoding,
 * grading a decoded canvas) is in index.ts.
 */
export { generateProblem, generateSet } from './countdown/generator.js';
export { LAYOUT_TEXT, parseCountdownJsonl, readCountdownJsonl, type CountdownJsonl, type CountdownLayout } from './countdown/jsonl.js';
export {
  COUNTDOWN_ALPHABET,
  CountdownError,
  formatPrompt,
  formatSolution,
  maxPromptLength,
  maxSolutionLength,
  parsePrompt,
  type CountdownCheck,
  type CountdownExample,
  type CountdownOp,
  type CountdownProblem,
  type CountdownRecord,
  type CountdownStep,
  type GenerateOptions,
} from './countdown/problem.js';
export { checkSolution, solve, type SolveOptions } from './countdown/solver.js';
