/**
 * The cells of the reproduction report (`npm run results`, scripts/results.ts): which evaluation
 * each runs (config, model, example count, options) and how docs/results.md shows it.
 */

export interface Cell {
  id: string;
  title: string;
  config: string;
  model: string;
  n: number;
  options: string[];
  /** The sampler the cell's paired tests are against (default: confidence). */
  baseline?: string;
  /** False: the cell has no column in the overview table (a sweep or a confirmation of one comparison). */
  overview?: false;
}

// n: the example counts of the committed docs/results.md, so a plain run reproduces (or resumes) it.
export const CELLS: Cell[] = [
  { id: 'sudoku-40-50', title: 'Sudoku 9×9, 40–50 blanks', config: 'configs/sudoku.yaml', model: 'sudoku', n: 200, options: ['--task-option', 'blanks=[40,50]'] },
  { id: 'sudoku-51-56', title: 'Sudoku 9×9, 51–56 blanks (harder)', config: 'configs/sudoku.yaml', model: 'sudoku', n: 200, options: ['--task-option', 'blanks=[51,56]'] },
  {
    // One comparison fixed in advance (configs/confirm-sudoku-51-56.yaml), on 1,000 puzzles no other cell uses.
    id: 'confirm-sudoku-51-56',
    title: 'Sudoku 9×9, 51–56 blanks: the 4× frontier comparison again, on 1,000 fresh puzzles',
    config: 'configs/confirm-sudoku-51-56.yaml',
    model: 'sudoku',
    n: 1000,
    options: [],
    baseline: 'best-of-n:n4',
    overview: false,
  },
  { id: 'sudoku-hard-55-62', title: 'Sudoku 9×9, 55–62 blanks (the sudoku-hard model)', config: 'configs/sudoku-hard.yaml', model: 'sudoku-hard', n: 200, options: [] },
  { id: 'countdown-3', title: 'Countdown, 3 numbers', config: 'configs/countdown.yaml', model: 'countdown', n: 200, options: ['--task-option', 'count=3'] },
  { id: 'countdown-4', title: 'Countdown, 4 numbers', config: 'configs/countdown.yaml', model: 'countdown', n: 200, options: ['--task-option', 'count=4'] },
  {
    // One comparison fixed in advance (configs/confirm-countdown-4.yaml), on 1,000 problems no other cell uses.
    id: 'confirm-countdown-4',
    title: 'Countdown, 4 numbers: the 8× frontier comparison again, on 1,000 fresh problems',
    config: 'configs/confirm-countdown-4.yaml',
    model: 'countdown',
    n: 1000,
    options: [],
    baseline: 'best-of-n:n8',
    overview: false,
  },
  { id: 'text-infilling', title: 'Text infilling (128 chars, 25% masked), judge win-rate', config: 'configs/text.yaml', model: 'text', n: 200, options: [] },
  { id: 'digits', title: 'Image generation: class-conditional 14×14 digits, independent CNN judge', config: 'configs/digits.yaml', model: 'digits', n: 200, options: [] },
  {
    // One comparison fixed in advance (configs/confirm-digits.yaml), on 1,000 draws no other cell makes.
    id: 'confirm-digits',
    title: 'Digits: the 4× frontier comparison again, on 1,000 fresh draws',
    config: 'configs/confirm-digits.yaml',
    model: 'digits',
    n: 1000,
    options: [],
    baseline: 'best-of-n:n1',
    overview: false,
  },
  {
    id: 'sudoku-sweep',
    title: 'Sudoku 51–56 blanks: where the gain comes from (N, τ_pos, bypass) and compute-matched best-of-N',
    config: 'configs/sudoku-sweep.yaml',
    model: 'sudoku',
    n: 60,
    options: [],
    overview: false,
  },
];

/**
 * The compute-matched frontier's cells: every family swept over its knob on one task cell
 * (configs/frontier-*.yaml; docs/decisions.md D14). Their n: 200.
 */
export interface FrontierCell extends Cell {
  /** Further runs of the same examples joined into the frontier, each in out/results/<id>-<suffix>/. */
  joins?: { config: string; suffix: string }[];
}
export const FRONTIER_CELLS: FrontierCell[] = [
  {
    id: 'frontier-sudoku-51-56', title: 'Sudoku 9×9, 51–56 blanks', config: 'configs/frontier-sudoku.yaml', model: 'sudoku', n: 200, options: ['--task-option', 'blanks=[51,56]'],
    // The beam with the bypass at B = 16 and 32: that family's B = 8 (2.5×) led the first grid.
    joins: [{ config: 'configs/frontier-sudoku-beam-wide.yaml', suffix: 'beam-wide' }],
  },
  {
    id: 'frontier-sudoku-hard', title: 'Sudoku 9×9, 55–62 blanks, the sudoku-hard model', config: 'configs/frontier-sudoku-hard.yaml', model: 'sudoku-hard', n: 200, options: [],
    // The rest of the 51–56 grid (margin, Fast-dLLM's factor rule, best-of-16, Info-Gain N = 2, 16 and without the bypass).
    joins: [{ config: 'configs/frontier-sudoku-hard-rest.yaml', suffix: 'rest' }],
  },
  { id: 'frontier-sudoku-40-50', title: 'Sudoku 9×9, 40–50 blanks', config: 'configs/frontier-sudoku.yaml', model: 'sudoku', n: 200, options: ['--task-option', 'blanks=[40,50]'] },
  { id: 'frontier-countdown-3', title: 'Countdown, 3 numbers', config: 'configs/frontier-countdown.yaml', model: 'countdown', n: 200, options: ['--task-option', 'count=3'] },
  { id: 'frontier-countdown-4', title: 'Countdown, 4 numbers', config: 'configs/frontier-countdown.yaml', model: 'countdown', n: 200, options: ['--task-option', 'count=4'] },
  {
    id: 'frontier-text', title: 'Text infilling (judge score)', config: 'configs/frontier-text.yaml', model: 'text', n: 200, options: [],
    // Greedy confidence and Info-Gain at one token a step: the main grid's Fast-dLLM threshold rule commits about one.
    joins: [{ config: 'configs/frontier-text-k1.yaml', suffix: 'k1' }],
  },
  { id: 'frontier-digits', title: 'Class-conditional digits (judge accuracy)', config: 'configs/frontier-digits.yaml', model: 'digits', n: 200, options: [] },
];

/**
 * The oracle lab's cells (`infogain lab`, src/eval/lab.ts): samplers on an exact oracle, scored by
 * exact log p and against the MAP completion. "all" includes every registered sampler, so a newly
 * registered one joins on the next run; best-of-n:lik keeps the copy of highest Σ log p, which at
 * one token per step on an exact model is the exact log p(filled | given) of that copy.
 */
export interface LabCell {
  id: string;
  title: string;
  n: number;
  args: string[];
}
const LAB_SAMPLERS = [
  '--samplers', 'all,best-of-n:lik',
  '--set', 'best-of-n.temperature=0.7', '--set', 'best-of-n:lik.temperature=0.7', '--set', 'best-of-n:lik.criterion=likelihood',
];
export const LAB_CELLS: LabCell[] = [
  { id: 'oracle-hmm', title: 'Oracle lab: hmm-demo, 24 of 32 positions masked at random — exact log p and MAP agreement', n: 1000, args: ['--model', 'hmm-demo', ...LAB_SAMPLERS, '--length', '32', '--masks', '24', '--layout', 'scatter', '--k', '1,2,4'] },
  { id: 'oracle-hmm-suffix', title: 'Oracle lab: hmm-demo, 8-token prompt and 24 masks after it', n: 1000, args: ['--model', 'hmm-demo', ...LAB_SAMPLERS, '--length', '32', '--masks', '24', '--layout', 'suffix', '--k', '1,2,4'] },
  { id: 'oracle-markov', title: 'Oracle lab: markov-shakespeare (character bigrams), 24 of 32 characters masked at random', n: 200, args: ['--model', 'markov-shakespeare', ...LAB_SAMPLERS, '--length', '32', '--masks', '24', '--layout', 'scatter', '--k', '1,2,4'] },
];

export const ALL_CELLS = [...FRONTIER_CELLS, ...CELLS, ...LAB_CELLS];
