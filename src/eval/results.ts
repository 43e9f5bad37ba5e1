/**
 * results.jsonl: one line per (example, sampler), appended the moment it is finished, so a run
 * killed at any point (kill -9 included) loses at most the line being written.
 *
 * Reading never changes the file: a torn last line (no final newline: the write a kill cut
 * short) is left out of what is returned and reported in `torn`. Only a resuming evaluation
 * (`repairResults`, under the output directory's lock) cuts it off before appending; that
 * example is then decoded again. Every other line must be a complete result: a number field
 * holding null or a non-number is an error naming file, line and field, never a silent 0.
 */
import { existsSync, readFileSync, truncateSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { stringifyFinite } from '../core/finite-json.js';

export interface ResultLine {
  example: number;
  sampler: string;
  seed: number;
  correct: boolean | null;
  score: number | null;
  answer: string;
  reason?: string;
  cumulativeUncertainty: number;
  forwardCalls: number;
  rowForwards: number;
  /** Decode wall time of the batch this example was decoded in, divided by its sequences (ms). */
  wallMs: number;
  /** Step (1-based) at which each canvas position was last committed; 0 = given. */
  order: number[];
  /** Task fields of the example (difficulty, count, …). */
  info: Record<string, string | number | boolean>;
  /**
   * A line of the task's reference (e.g. the text task's bigram chain), not of a sampler: it has
   * no decoding cost, so its uncertainty and counts are 0 and `order` is empty.
   */
  reference?: true;
}

export const key = (r: { example: number; sampler: string }) => `${r.sampler}\u0000${r.example}`;

export interface ResultsFile {
  lines: ResultLine[];
  /** The torn last line (text after the last newline), or null when the file ends cleanly. */
  torn: string | null;
  /** Byte length of the complete lines: where a repair cuts the file. */
  completeBytes: number;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Why a parsed line is not a result line (the first bad field), or null. */
export function resultLineProblem(r: unknown): string | null {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return 'not a JSON object';
  const o = r as Record<string, unknown>;
  const show = (v: unknown) => (v === undefined ? 'missing' : JSON.stringify(v));
  const expect = (field: string, ok: boolean, expected: string) => (ok ? null : `field "${field}" is ${show(o[field])}, expected ${expected}`);
  return (
    expect('example', Number.isInteger(o.example) && (o.example as number) >= 0, 'an integer ≥ 0') ??
    expect('sampler', typeof o.sampler === 'string' && o.sampler !== '', 'a sampler name') ??
    expect('seed', Number.isInteger(o.seed) && (o.seed as number) >= 0, 'an integer ≥ 0') ??
    expect('correct', o.correct === null || typeof o.correct === 'boolean', 'true, false or null') ??
    // null is "no score" (accuracy tasks); the writer refuses NaN, so null never stands for one.
    expect('score', o.score === null || isNum(o.score), 'a finite number or null') ??
    expect('answer', typeof o.answer === 'string', 'a string') ??
    expect('cumulativeUncertainty', isNum(o.cumulativeUncertainty), 'a finite number') ??
    expect('forwardCalls', isNum(o.forwardCalls), 'a finite number') ??
    expect('rowForwards', isNum(o.rowForwards), 'a finite number') ??
    expect('wallMs', isNum(o.wallMs), 'a finite number') ??
    expect('order', Array.isArray(o.order) && o.order.every((s) => Number.isInteger(s)), 'a list of integers') ??
    expect('info', typeof o.info === 'object' && o.info !== null && !Array.isArray(o.info) && Object.values(o.info).every((v) => typeof v === 'string' || typeof v === 'boolean' || isNum(v)), 'an object of strings, finite numbers and booleans')
  );
}

/** Parse results.jsonl without modifying it; a missing file has no lines. */
export function readResultsFile(path: string): ResultsFile {
  if (!existsSync(path)) return { lines: [], torn: null, completeBytes: 0 };
  const text = readFileSync(path, 'utf8');
  const end = text.lastIndexOf('\n') + 1;
  const lines: ResultLine[] = [];
  text
    .slice(0, end)
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (e) {
        throw new Error(`${path}:${i + 1}: not a JSON line (${(e as Error).message}); remove it to resume`);
      }
      const problem = resultLineProblem(parsed);
      if (problem) {
        const o = parsed as Partial<ResultLine>;
        const which = typeof o?.sampler === 'string' && Number.isInteger(o?.example) ? ` (example ${o.example}, sampler ${o.sampler})` : '';
        throw new Error(`${path}:${i + 1}: ${problem}${which}; a result line needs every number finite`);
      }
      lines.push(parsed as ResultLine);
    });
  return { lines, torn: end < text.length ? text.slice(end) : null, completeBytes: Buffer.byteLength(text.slice(0, end)) };
}

/** The finished lines of results.jsonl (a torn last line left out, the file untouched). */
export function readResults(path: string): ResultLine[] {
  return readResultsFile(path).lines;
}

/**
 * For a resuming writer that holds the directory's lock: read the finished lines and cut a torn
 * last line off the file, so the next append starts on a fresh line. Returns a note when it cut.
 */
export function repairResults(path: string): { lines: ResultLine[]; note: string | null } {
  const file = readResultsFile(path);
  if (file.torn === null) return { lines: file.lines, note: null };
  truncateSync(path, file.completeBytes);
  const shown = file.torn.length > 60 ? `${file.torn.slice(0, 60)}…` : file.torn;
  return { lines: file.lines, note: `${path}: removed a torn last line left by an interrupted run (${JSON.stringify(shown)}); its example is decoded again` };
}

/** One result line as JSON; a non-finite number anywhere is an error naming example, sampler and field. */
export function resultJson(line: ResultLine): string {
  return stringifyFinite(line, `result of example ${line.example}, sampler ${line.sampler}`);
}

export async function appendResult(path: string, line: ResultLine): Promise<void> {
  await appendFile(path, resultJson(line) + '\n');
}
