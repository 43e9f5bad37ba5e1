/**
 * The Countdown arithmetic task: problems, a generator, an exhaustive solver, the character-level
 * text format the model reads and writes, a strict checker, and the common JSONL format.
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
 *
 * The reference checker (spec §6.2) accepts a formula if its last *valid* step's result equals
 * the target: it skips wrong steps and never checks the numbers against the inputs. Ours is
 * stricter: every step must be right and every operand must be available (see
 * {@link checkSolution}).
 */
import { Rng } from '../core/rng.js';
import { checkColumnFields, DataFileError, extrasOf, resolveColumns, rowFilter, type DataSelection, type Extras, type FieldSpec } from './data.js';

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

const DEFAULT_MAX_NUMBER = 99;
const DEFAULT_MAX_TARGET = 999;
const MAX_ATTEMPTS = 10000;

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
function apply(a: number, op: CountdownOp, b: number): { value: number } | { error: string } {
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

const stepText = (a: number, op: CountdownOp, b: number, c: number): string => `${a}${op}${b}=${c}`;

/** A step is trivial when it multiplies or divides by 1 (x*1, 1*x, x/1); x-0 cannot occur. */
function isTrivial(a: number, op: CountdownOp, b: number): boolean {
  return (op === '*' && (a === 1 || b === 1)) || (op === '/' && b === 1);
}

// ---------------------------------------------------------------------------------------------
// Generator
// ---------------------------------------------------------------------------------------------

function checkOptions(opts: GenerateOptions): { count: number; maxNumber: number; maxTarget: number } {
  const count = opts.count;
  const maxNumber = opts.maxNumber ?? DEFAULT_MAX_NUMBER;
  const maxTarget = opts.maxTarget ?? DEFAULT_MAX_TARGET;
  if (count !== 3 && count !== 4) throw new CountdownError(`countdown: count must be 3 or 4, got ${count}`);
  if (!Number.isSafeInteger(maxNumber) || maxNumber < 2)
    throw new CountdownError(`countdown: maxNumber must be an integer >= 2, got ${maxNumber}`);
  if (!Number.isSafeInteger(maxTarget) || maxTarget < 2)
    throw new CountdownError(`countdown: maxTarget must be an integer >= 2, got ${maxTarget}`);
  return { count, maxNumber, maxTarget };
}

/** The four ways to combine two numbers, written larger first for − and ÷. */
function stepsOf(x: number, y: number): [number, CountdownOp, number][] {
  const hi = Math.max(x, y);
  const lo = Math.min(x, y);
  return [
    [x, '+', y],
    [hi, '-', lo],
    [x, '*', y],
    [hi, '/', lo],
  ];
}

/**
 * One random problem with a solution that uses every input exactly once (n−1 steps), as the
 * reference Countdown-3 data does (`a op b = r1, r1 op c = target`); with 4 inputs the steps
 * may also combine two results (`a op b = r1, c op d = r2, r1 op r2 = target`).
 *
 * Procedure: draw the inputs uniformly from 1..maxNumber; then, while more than one number is
 * available, list every valid step on two available numbers and pick one uniformly. A step is
 * valid when its result is a positive integer ≤ maxTarget and it is not trivial (x*1, 1*x, x/1).
 * Subtraction is written larger-first, division dividend-first; `+` and `*` operands are written
 * in a random order. If no valid step exists, or the final result equals one of the inputs (an
 * answer that needs no arithmetic), the whole problem is redrawn. With the defaults the
 * operator mix is about 44% `+`, 45% `-`, 9% `*`, 2% `/` (products soon exceed maxTarget and few
 * divisions are exact).
 */
export function generateProblem(rng: Rng, opts: GenerateOptions): CountdownExample {
  const { count, maxNumber, maxTarget } = checkOptions(opts);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const numbers = Array.from({ length: count }, () => 1 + rng.nextInt(maxNumber));
    const pool = numbers.slice();
    const steps: string[] = [];
    let ok = true;
    while (pool.length > 1) {
      const candidates: { i: number; j: number; a: number; op: CountdownOp; b: number; c: number }[] = [];
      for (let i = 0; i < pool.length; i++) {
        for (let j = i + 1; j < pool.length; j++) {
          for (const [a, op, b] of stepsOf(pool[i], pool[j])) {
            if (isTrivial(a, op, b)) continue;
            const r = apply(a, op, b);
            if (!('value' in r)) continue;
            if (r.value <= 0 || r.value > maxTarget || !Number.isInteger(r.value)) continue;
            candidates.push({ i, j, a, op, b, c: r.value });
          }
        }
      }
      if (candidates.length === 0) {
        ok = false;
        break;
      }
      const pick = candidates[rng.nextInt(candidates.length)];
      let { a, b } = pick;
      if ((pick.op === '+' || pick.op === '*') && rng.nextInt(2) === 1) [a, b] = [b, a];
      steps.push(stepText(a, pick.op, b, pick.c));
      pool.splice(pick.j, 1);
      pool.splice(pick.i, 1);
      pool.push(pick.c);
    }
    if (!ok) continue;
    const target = pool[0];
    if (numbers.includes(target)) continue;
    return { numbers, target, solution: steps.join(',') };
  }
  throw new CountdownError(
    `countdown: no valid problem in ${MAX_ATTEMPTS} attempts (count ${count}, maxNumber ${maxNumber}, maxTarget ${maxTarget})`,
  );
}

/**
 * `n` problems; example i is `generateProblem(new Rng(seed).fork(i), opts)`, so every example
 * depends only on (seed, i, opts): a longer set extends a shorter one with the same seed.
 */
export function generateSet(seed: number, n: number, opts: GenerateOptions): CountdownExample[] {
  if (!Number.isSafeInteger(n) || n < 0) throw new CountdownError(`countdown: n must be a non-negative integer, got ${n}`);
  const root = new Rng(seed);
  return Array.from({ length: n }, (_, i) => generateProblem(root.fork(i), opts));
}

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

// ---------------------------------------------------------------------------------------------
// JSONL
// ---------------------------------------------------------------------------------------------

/**
 * How a JSONL file lays a problem out (decided per file; every line must agree):
 * - `solution`: `input` holds the numbers and then the target, `output` (optional) a solution,
 *   `{"input":"44,15,79,50","output":"44-15=29,79-29=50"}` (ours, and the reference's);
 * - `target`: `input` holds only the numbers, `output` the target, `{"input":"30,100,93","output":"23"}`
 *   (a common layout of public CD3 test sets).
 */
export type CountdownLayout = 'solution' | 'target';

export const LAYOUT_TEXT: Readonly<Record<CountdownLayout, string>> = {
  solution: 'numbers and target in "input", solution in "output"',
  target: 'numbers in "input", target in "output"',
};

/** What a JSONL file held besides its records, for the one line that says what was read. */
export interface CountdownJsonl {
  records: CountdownRecord[];
  /** null for a file without a problem line. */
  layout: CountdownLayout | null;
  /** Problem lines before the filter. */
  rows: number;
  /** The 1-based line of each record. */
  lines: number[];
}

/** Parses a JSONL file; see {@link readCountdownJsonl}. */
export function parseCountdownJsonl(text: string, source: string, selection?: DataSelection): CountdownRecord[] {
  return readCountdownJsonl(text, source, selection).records;
}

type OutputKind = { kind: 'none' } | { kind: 'target'; value: number } | { kind: 'solution'; text: string; last: number };

const COUNTDOWN_FIELDS: readonly FieldSpec[] = [
  // Not required here: a line without it gets the one-line error below.
  { name: 'input', required: false, defaults: ['input'] },
  { name: 'output', required: false, defaults: ['output'] },
];

/**
 * Reads the common Countdown JSONL format: one object per line, the problem in `input` (a string
 * of comma-separated positive integers, spaces allowed, or an array of them) and, per
 * {@link CountdownLayout}, a solution or the target in `output`. The layout is read off the
 * outputs: a bare integer is a target, text with `=` a solution; a file mixing them, a target
 * equal to input's last number (input then seems to hold the target too), a solution whose last
 * result is not input's last number, or an output that is neither, is refused with the line and
 * why: a problem is never guessed. `selection.columns` renames the fields (`input=question`),
 * `selection.filter` keeps lines by other keys; other scalar keys are kept as `data.<key>`.
 * Blank lines are skipped. Errors are one line: `source:line: …`. A solution is not checked
 * against its problem beyond its last result; run {@link checkSolution} for that.
 */
export function readCountdownJsonl(text: string, source: string, selection?: DataSelection): CountdownJsonl {
  const lines = text.split(/\r?\n/);
  const filter = rowFilter(source, selection);
  const parsed: { line: number; where: string; values: number[]; raw: string; output: OutputKind; extra: Extras }[] = [];
  let rows = 0;
  try {
    checkColumnFields(source, COUNTDOWN_FIELDS, selection);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (line === '') continue;
      const where = `${source}:${i + 1}`;
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch (e) {
        throw new CountdownError(`${where}: invalid JSON: ${(e as Error).message.replace(/\s*\n\s*/g, ' ')}`);
      }
      if (typeof json !== 'object' || json === null || Array.isArray(json))
        throw new CountdownError(`${where}: expected a JSON object with "input" and optional "output"`);
      rows++;
      const row = new Map(Object.entries(json));
      if (!filter.keep(row, i + 1)) continue;
      const cols = resolveColumns(where, COUNTDOWN_FIELDS, selection, [...row.keys()]);
      const inKey = cols.get('input');
      if (inKey === undefined) throw new CountdownError(`${where}: field "input" is missing`);
      const outKey = cols.get('output');
      const { values, raw } = inputValues(row.get(inKey), `${where}: field "${inKey}"`);
      const output = outputKind(outKey === undefined ? undefined : row.get(outKey), `${where}: field "${outKey}"`);
      parsed.push({ line: i + 1, where, values, raw, output, extra: extrasOf(row, new Set(cols.values())) });
    }
    filter.finish();
  } catch (e) {
    throw e instanceof DataFileError ? new CountdownError(e.message) : e;
  }

  // The layout: the first line with an output decides; every other line must agree.
  const first = parsed.find((p) => p.output.kind !== 'none');
  const layout: CountdownLayout | null = parsed.length === 0 ? null : first?.output.kind === 'target' ? 'target' : 'solution';
  const outKey = selection?.columns?.output ?? 'output';
  const firstLine = first ? `line ${first.line}` : '';
  const records = parsed.map(({ where, values, raw, output, extra }): CountdownRecord => {
    if (layout === 'target') {
      if (output.kind === 'none')
        throw new CountdownError(`${where}: no "${outKey}", but ${firstLine} holds the target there (layout: ${LAYOUT_TEXT.target}): this problem has no target`);
      if (output.kind === 'solution')
        throw new CountdownError(`${where}: field "${outKey}" is a solution, but ${firstLine}'s is a target: one layout per file`);
      if (values.length < 2) throw new CountdownError(`${where}: field "input" must be two or more positive integers (the numbers; the target is in "${outKey}"), got ${raw}`);
      if (values[values.length - 1] === output.value)
        throw new CountdownError(
          `${where}: ambiguous: the target ${output.value} in "${outKey}" is also input's last number, so input may hold the numbers and the target; make "${outKey}" a solution or drop the target from input`,
        );
      return withExtra({ numbers: values, target: output.value }, extra);
    }
    if (output.kind === 'target') throw new CountdownError(`${where}: field "${outKey}" is a target (${output.value}), but ${firstLine}'s is a solution: one layout per file`);
    if (values.length < 3)
      throw new CountdownError(`${where}: field "input" must be two or more positive integers and the target, comma-separated, got ${raw}`);
    const record: CountdownRecord = { numbers: values.slice(0, -1), target: values[values.length - 1] };
    if (output.kind === 'solution') {
      if (output.last !== record.target)
        throw new CountdownError(
          `${where}: ambiguous: the solution in "${outKey}" ends at ${output.last}, but input's last number (read as the target) is ${record.target}; does input hold only the numbers?`,
        );
      record.solution = output.text;
    }
    return withExtra(record, extra);
  });
  return { records, layout, rows, lines: parsed.map((p) => p.line) };
}

function withExtra(record: CountdownRecord, extra: Extras): CountdownRecord {
  return Object.keys(extra).length ? { ...record, extra } : record;
}

/** `input`: "44, 15, 79" or [44, 15, 79], positive integers. */
function inputValues(v: unknown, what: string): { values: number[]; raw: string } {
  const raw = JSON.stringify(v);
  let parts: unknown[];
  if (typeof v === 'string') parts = v.split(',').map((s) => s.trim());
  else if (Array.isArray(v)) parts = v;
  else throw new CountdownError(`${what} must be a string like "44,15,79,50", got ${raw}`);
  const values = parts.map((s) => (typeof s === 'number' ? s : typeof s === 'string' && /^\d+$/.test(s) ? Number(s) : NaN));
  if (values.length === 0 || values.some((x) => !Number.isSafeInteger(x) || x <= 0))
    throw new CountdownError(`${what} must be positive integers, comma-separated (two or more numbers, then the target unless "output" holds it), got ${raw}`);
  return { values, raw };
}

/** `output`: absent, a target (an integer) or a solution (text with `=`). */
function outputKind(v: unknown, what: string): OutputKind {
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) return { kind: 'none' };
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return { kind: 'target', value: v };
  if (typeof v === 'string' && /^\s*\d+\s*$/.test(v) && Number.isSafeInteger(Number(v)) && Number(v) > 0) return { kind: 'target', value: Number(v) };
  if (typeof v === 'string' && v.includes('=')) {
    const m = /=\s*(\d+)\s*[,;.]?\s*$/.exec(v);
    if (!m) throw new CountdownError(`${what} must end with a step's result ("…=50"), got ${JSON.stringify(v)}`);
    return { kind: 'solution', text: v, last: Number(m[1]) };
  }
  throw new CountdownError(`${what} must be a solution like "44-15=29,79-29=50" or a target (a positive integer), got ${JSON.stringify(v)}`);
}
