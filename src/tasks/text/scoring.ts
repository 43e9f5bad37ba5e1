/**
 * How the text task scores an output: its diversity, whether it is degenerate, and its score
 * under the judge (mean log-probability per character).
 *
 * Diversity (`distinctN`): distinct-n of Li et al. (2016) on characters: unique n-grams / total
 * n-grams, pooled over all the texts given (0 when there are none).
 *
 * Degeneracy (`degeneracy`, `isDegenerate`): a text is degenerate when it is empty, when one
 * character repeats more than `maxRun` = 8 times in a row (the training text never repeats a
 * character more than 3 times), or when it has at least `minNgrams` = 24 character 4-grams and
 * distinct-4 below `minDistinct4` = 0.3 (a 128-character text that cycles with a period under
 * ~37 characters; real 128-character held-out windows have distinct-4 ≥ 0.69, the most
 * repetitive 128-character stretch of the whole training text 0.48).
 */
import { TextTaskError } from './error.js';
import type { LogProbOptions, NgramJudge } from './judge.js';

/** Character distinct-n: unique n-grams / total n-grams, pooled over the texts; 0 if none. */
export function distinctN(texts: string | readonly string[], n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new TextTaskError(`distinctN: n must be an integer ≥ 1, got ${n}`);
  const list = typeof texts === 'string' ? [texts] : texts;
  const seen = new Set<string>();
  let total = 0;
  for (const t of list) {
    const chars = Array.from(t);
    for (let i = 0; i + n <= chars.length; i++) {
      seen.add(chars.slice(i, i + n).join(''));
      total++;
    }
  }
  return total === 0 ? 0 : seen.size / total;
}

export interface DegeneracyOptions {
  /** Longest allowed run of one character (default 8). */
  maxRun?: number;
  /** Distinct-4 below this is degenerate (default 0.3)… */
  minDistinct4?: number;
  /** …when the text has at least this many 4-grams (default 24). */
  minNgrams?: number;
}

/** Why `text` is degenerate (see the file comment), or null when it is not. */
export function degeneracy(text: string, options: DegeneracyOptions = {}): string | null {
  const maxRun = options.maxRun ?? 8;
  const minDistinct4 = options.minDistinct4 ?? 0.3;
  const minNgrams = options.minNgrams ?? 24;
  const chars = Array.from(text);
  if (chars.length === 0) return 'empty';
  let run = 1;
  for (let i = 1; i < chars.length; i++) {
    run = chars[i] === chars[i - 1] ? run + 1 : 1;
    if (run > maxRun) return `${JSON.stringify(chars[i])} repeated more than ${maxRun} times`;
  }
  if (chars.length - 3 >= minNgrams) {
    const d4 = distinctN(text, 4);
    if (d4 < minDistinct4) return `distinct-4 ${d4.toFixed(3)} < ${minDistinct4}`;
  }
  return null;
}

export function isDegenerate(text: string, options: DegeneracyOptions = {}): boolean {
  return degeneracy(text, options) !== null;
}

export interface TextScore {
  /** The judge's mean log-probability per character (nats); higher is better. */
  meanLogProb: number;
  degenerate: boolean;
}

/** A text's score under the judge; an empty text is degenerate with −∞. */
export function scoreText(judge: NgramJudge, text: string, options: LogProbOptions & DegeneracyOptions = {}): TextScore {
  const degenerate = isDegenerate(text, options);
  if (text.length === 0) return { meanLogProb: -Infinity, degenerate };
  return { meanLogProb: judge.meanLogProb(text, options), degenerate };
}
