/**
 * Countdown problems and solutions: their types, the arithmetic of a step, and the character-level
 * text format the model reads and writes.
 *
 * A problem is a list of input numbers and a target. A solution is a sequence of binary steps,
 * `a op b=c` separated by commas, e.g. `44-15=29,79-29=50`:
 * - `op` is one of `+ - * /`; division only when exact; every result is a positive integer;
 * - each step combines two *available* numbers: an input not used yet, or the result of an
 *   earlier step not used yet (each input and each result is used at most once; equal inputs are
 *   a multiset, so `[5, 5]` allows `5*5`);
 * - the last step's result equals the target.
 *
 * Text format (alphabet {@link COUNTDOWN_ALPHABET} = `0123456789+-*\/=,:`, 17 characters):
 * - prompt  = the inputs in decimal joined by `,`, then `:`, then the target, then `=`;
 *   e.g. `44,15,79:50=`. `:` occurs exactly once and `=` ends the prompt, so the prompt can be
 *   parsed back ({@link parsePrompt}) and nothing in it looks like an equation.
 * - solution = the steps `a op b=c` joined by `,`, no spaces, e.g. `44-15=29,79-29=50` (the
 *   reference's own style, spec §6.2). The model's output region is {@link maxSolutionLength}
 *   characters followed by EOS padding; strip the padding before calling {@link checkSolution}.
 */
import type { Extras } from '../data.js';

export interface CountdownProblem {
  numbers: number[];
  target: number;
}

export interface CountdownExample extends CountdownProblem {
  solution: string;
}

/** A JSONL record: a problem and, where the file has an `output`, its solution. */
export interface CountdownRecord extends CountdownProblem {
  solution?: string;
  /** The file's other keys (`data.<key>`). */
  extra?: Extras;
}

export type CountdownOp = '+' | '-' | '*' | '/';

export interface CountdownStep {
  a: number;
  op: CountdownOp;
  b: number;
  /** The result the text states (`c` of `a op b=c`). */
  result: number;
  /** The step as written, whitespace removed. */
  text: string;
}

export interface CountdownCheck {
  correct: boolean;
  /** Why the answer is wrong (absent when correct); names the first failing step. */
  reason?: string;
  /** The steps parsed, in order (up to the first one that cannot be parsed). */
  steps: CountdownStep[];
}

/** Every character a prompt or a solution may contain. */
export const COUNTDOWN_ALPHABET = '0123456789+-*/=,:';

export interface GenerateOptions {
  count: 3 | 4;
  /** Inputs are drawn uniformly from 1..maxNumber. Default 99. */
  maxNumber?: number;
  /** Every step result, the target included, is at most maxTarget. Default 999. */
  maxTarget?: number;
}

export const DEFAULT_MAX_NUMBER = 99;
export const DEFAULT_MAX_TARGET = 999;

export class CountdownError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CountdownError';
  }
}

// ---------------------------------------------------------------------------------------------
// Arithmetic
// ---------------------------------------------------------------------------------------------

/** The exact value of `a op b`, or a reason it has none (non-exact division, division by 0). */
export function apply(a: number, op: CountdownOp, b: number): { value: number } | { error: string } {
  switch (op) {
    case '+':
    case '*': {
      const value = op === '+' ? a + b : a * b;
      // Operands are safe integers; a result beyond 2^53 could be rounded, so it is refused.
      return Number.isSafeInteger(value) ? { value } : { error: `${a}${op}${b} is too large` };
    }
    case '-':
      return { value: a - b };
    case '/':
      if (b === 0) return { error: `${a}/${b} divides by zero` };
      if (a % b !== 0) return { error: `${a}/${b} is not exact` };
      return { value: a / b };
  }
}

export const stepText = (a: number, op: CountdownOp, b: number, c: number): string => `${a}${op}${b}=${c}`;

/** The four ways to combine two numbers, written larger first for − and ÷. */
export function stepsOf(x: number, y: number): [number, CountdownOp, number][] {
  const hi = Math.max(x, y);
  const lo = Math.min(x, y);
  return [
    [x, '+', y],
    [hi, '-', lo],
    [x, '*', y],
    [hi, '/', lo],
  ];
}

/** A step is trivial when it multiplies or divides by 1 (x*1, 1*x, x/1); x-0 cannot occur. */
export function isTrivial(a: number, op: CountdownOp, b: number): boolean {
  return (op === '*' && (a === 1 || b === 1)) || (op === '/' && b === 1);
}

// ---------------------------------------------------------------------------------------------
// Text format
// ---------------------------------------------------------------------------------------------

/** `44,15,79:50=`: inputs joined by `,`, then `:`, the target, `=`. */
export function formatPrompt(problem: CountdownProblem): string {
  for (const x of [...problem.numbers, problem.target])
    if (!Number.isSafeInteger(x) || x < 0) throw new CountdownError(`countdown: cannot format ${x}, expected a non-negative integer`);
  return `${problem.numbers.join(',')}:${problem.target}=`;
}

/** The inverse of {@link formatPrompt}. */
export function parsePrompt(prompt: string): CountdownProblem {
  const m = /^(\d+(?:,\d+)*):(\d+)=$/.exec(prompt);
  if (!m) throw new CountdownError(`countdown: not a prompt: ${JSON.stringify(prompt)} (expected like "44,15,79:50=")`);
  return { numbers: m[1].split(',').map(Number), target: Number(m[2]) };
}

/** The canonical solution text: whitespace removed, steps joined by `,` (`;` becomes `,`). */
export function formatSolution(solution: string | readonly CountdownStep[]): string {
  if (typeof solution !== 'string') return solution.map((s) => stepText(s.a, s.op, s.b, s.result)).join(',');
  return solution
    .replace(/\s+/g, '')
    .split(/[,;]/)
    .filter((s) => s.length > 0)
    .join(',');
}

const digits = (x: number): number => String(Math.max(0, Math.floor(x))).length;

/**
 * The length of the longest solution that uses at most `count` inputs ≤ maxNumber and whose step
 * results are all ≤ maxTarget: a bound for every {@link generateProblem} solution with the same
 * options, and every {@link solve} answer with `maxResult: maxTarget`. With D_n = digits(maxNumber)
 * and D_t = digits(maxTarget), a step with r operands that are earlier results is at most
 * r·D_t + (2−r)·D_n + 2 + D_t characters; the bound maximises the total, plus one comma between
 * steps, over every way of scheduling results and inputs as operands (a small search over
 * (unused inputs, unused results) states), so a solution of exactly this length exists in
 * principle. Defaults (99, 999): 20 characters for count 3 (`99+98=197,197+97=294`), 31 for
 * count 4 (`99+98=197,97+96=193,197+193=390`).
 */
export function maxSolutionLength(count: number, maxTarget = DEFAULT_MAX_TARGET, maxNumber = DEFAULT_MAX_NUMBER): number {
  if (!Number.isSafeInteger(count) || count < 2) throw new CountdownError(`countdown: count must be an integer >= 2, got ${count}`);
  const dn = digits(maxNumber);
  const dt = digits(maxTarget);
  // best(u, q): the longest continuation (steps and their leading commas) from u unused inputs
  // and q unused results; stopping is allowed once a step has been written.
  const memo = new Map<number, number>();
  const best = (u: number, q: number): number => {
    const key = u * 1024 + q;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let out = 0;
    for (let r = 0; r <= Math.min(2, q); r++) {
      if (2 - r > u) continue;
      out = Math.max(out, 1 + r * dt + (2 - r) * dn + 2 + dt + best(u - (2 - r), q - r + 1));
    }
    memo.set(key, out);
    return out;
  };
  return best(count, 0) - 1; // no comma before the first step
}

/** The longest prompt for `count` inputs ≤ maxNumber and a target ≤ maxTarget (13 / 16 by default: `99,99,99:999=`). */
export function maxPromptLength(count: number, maxTarget = DEFAULT_MAX_TARGET, maxNumber = DEFAULT_MAX_NUMBER): number {
  return count * digits(maxNumber) + (count - 1) + 1 + digits(maxTarget) + 1;
}
