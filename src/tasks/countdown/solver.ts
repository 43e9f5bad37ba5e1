/**
 * The exhaustive Countdown solver and the strict checker of an answer.
 *
 * The reference checker (spec §6.2) accepts a formula if its last *valid* step's result equals
 * the target: it skips wrong steps and never checks the numbers against the inputs. Ours is
 * stricter: every step must be right and every operand must be available (see
 * {@link checkSolution}).
 */
import { apply, stepsOf, stepText, type CountdownCheck, type CountdownOp, type CountdownProblem, type CountdownStep } from './problem.js';

// ---------------------------------------------------------------------------------------------
// Solver
// ---------------------------------------------------------------------------------------------

export interface SolveOptions {
  /** Skip steps whose result exceeds this (e.g. the canvas's maxTarget). Default: no bound. */
  maxResult?: number;
}

/**
 * One solution (a string {@link checkSolution} accepts) or null. Exhaustive search over step
 * sequences on the available numbers, each input used at most once, by iterative deepening: the
 * solution returned has the fewest steps (1 to n−1), and among those the first in a fixed order
 * (pairs in pool order, then + - * /). Trivial steps are allowed. For 4 inputs the full search
 * is at most 6·6 · 3·6 · 1·6 ≈ 3,900 leaves.
 */
export function solve(problem: CountdownProblem, opts: SolveOptions = {}): string | null {
  const maxResult = opts.maxResult ?? Infinity;
  const { numbers, target } = problem;
  const steps: string[] = [];
  const search = (pool: number[], depth: number): boolean => {
    for (let i = 0; i < pool.length; i++) {
      for (let j = i + 1; j < pool.length; j++) {
        for (const [a, op, b] of stepsOf(pool[i], pool[j])) {
          const r = apply(a, op, b);
          if (!('value' in r)) continue;
          const c = r.value;
          if (c <= 0 || c > maxResult || !Number.isSafeInteger(c)) continue;
          steps.push(stepText(a, op, b, c));
          if (depth === 1) {
            if (c === target) return true;
          } else {
            const rest = pool.filter((_, k) => k !== i && k !== j);
            rest.push(c);
            if (search(rest, depth - 1)) return true;
          }
          steps.pop();
        }
      }
    }
    return false;
  };
  for (let depth = 1; depth < numbers.length; depth++) {
    if (search(numbers.slice(), depth)) return steps.join(',');
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Checker
// ---------------------------------------------------------------------------------------------

const STEP_RE = /^(\d+)([+\-*/])(\d+)=(\d+)$/;

/**
 * Whether `text` solves `problem`. Whitespace is removed, the text is split on `,` or `;` (empty
 * pieces, e.g. a trailing comma, are skipped), and every piece must be `a op b=c` with
 * non-negative decimal integers (the reference also accepted a bare `a op b`; we do not). Then,
 * step by step, the first failure is reported:
 * - `step k: cannot parse "…"`;
 * - `step k: a/b is not exact`, `step k: a/b divides by zero`, `step k: a*b is too large` (beyond 2^53);
 * - `step k: a op b is v, not c` (wrong arithmetic);
 * - `step k: result v is not positive`;
 * - `step k: x is not available (already used)` — an input used more times than it occurs among
 *   the inputs, or a result used twice — or `(not given)` — neither an input nor an earlier result;
 * - `last result r is not the target t`; `no equations found` (no `=` in the text).
 * Availability is a multiset of values: unused inputs plus unused results. Which copy an operand
 * consumes does not matter, since copies of one value are interchangeable.
 *
 * Stricter than the reference checker (spec §6.2), which skips wrong steps and does not check the
 * numbers against the input multiset at all.
 */
export function checkSolution(problem: CountdownProblem, text: string): CountdownCheck {
  const steps: CountdownStep[] = [];
  const clean = text.replace(/\s+/g, '');
  if (!clean.includes('=')) return { correct: false, reason: 'no equations found', steps };
  const pieces = clean.split(/[,;]/).filter((s) => s.length > 0);
  for (let k = 0; k < pieces.length; k++) {
    const m = STEP_RE.exec(pieces[k]);
    const nums = m ? [m[1], m[3], m[4]].map(Number) : [];
    if (!m || !nums.every((x) => Number.isSafeInteger(x)))
      return { correct: false, reason: `step ${k + 1}: cannot parse ${JSON.stringify(pieces[k])}`, steps };
    steps.push({ a: nums[0], op: m[2] as CountdownOp, b: nums[1], result: nums[2], text: pieces[k] });
  }
  if (steps.length === 0) return { correct: false, reason: 'no equations found', steps };

  const available = new Map<number, number>();
  const given = new Set<number>(problem.numbers);
  const produced = new Set<number>();
  const add = (x: number): void => void available.set(x, (available.get(x) ?? 0) + 1);
  for (const x of problem.numbers) add(x);

  for (let k = 0; k < steps.length; k++) {
    const { a, op, b, result } = steps[k];
    const fail = (why: string): CountdownCheck => ({ correct: false, reason: `step ${k + 1}: ${why}`, steps });
    const r = apply(a, op, b);
    if (!('value' in r)) return fail(r.error);
    if (r.value !== result) return fail(`${a}${op}${b} is ${r.value}, not ${result}`);
    if (result <= 0) return fail(`result ${result} is not positive`);
    for (const x of [a, b]) {
      const n = available.get(x) ?? 0;
      if (n === 0) return fail(`${x} is not available (${given.has(x) || produced.has(x) ? 'already used' : 'not given'})`);
      available.set(x, n - 1);
    }
    add(result);
    produced.add(result);
  }
  const last = steps[steps.length - 1].result;
  if (last !== problem.target) return { correct: false, reason: `last result ${last} is not the target ${problem.target}`, steps };
  return { correct: true, steps };
}
