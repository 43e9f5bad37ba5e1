/** The Countdown problem generator. */
import { Rng } from '../../core/rng.js';
import { apply, CountdownError, DEFAULT_MAX_NUMBER, DEFAULT_MAX_TARGET, isTrivial, stepsOf, stepText, type CountdownExample, type CountdownOp, type GenerateOptions } from './problem.js';

const MAX_ATTEMPTS = 10000;

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
