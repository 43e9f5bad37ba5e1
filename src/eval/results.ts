/**
 * results.jsonl: one line per (example, sampler), appended the moment it is finished, so a run
 * killed at any point (kill -9 included) loses at most the line being written. On resume a
 * partial last line is cut off and every finished pair is skipped.
 */
import { existsSync, readFileSync, truncateSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';

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

/** Read finished lines; a torn last line (no newline) is removed from the file. */
export function readResults(path: string): ResultLine[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  const end = text.lastIndexOf('\n') + 1;
  if (end < text.length) truncateSync(path, Buffer.byteLength(text.slice(0, end)));
  const out: ResultLine[] = [];
  text
    .slice(0, end)
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      try {
        out.push(JSON.parse(line) as ResultLine);
      } catch (e) {
        throw new Error(`${path}:${i + 1}: not a JSON line (${(e as Error).message}); remove it to resume`);
      }
    });
  return out;
}

export async function appendResult(path: string, line: ResultLine): Promise<void> {
  await appendFile(path, JSON.stringify(line) + '\n');
}
