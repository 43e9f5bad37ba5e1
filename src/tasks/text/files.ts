/**
 * The text task's files (Node only): the committed judge table and held-out text, reading and
 * writing judge tables, and the evaluation-set generators bound to the held-out text.
 */
import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Rng } from '../../core/rng.js';
import { packageRoot } from '../../node/paths.js';
import { TextTaskError } from './error.js';
import { NgramJudge, type NgramJudgeJSON } from './judge.js';
import * as sets from './sets.js';
import type { InfillingExample, InfillingOptions, TextExample, TextSetOptions, UnconditionalExample, UnconditionalOptions } from './sets.js';

/** The committed judge table (gzipped JSON). */
export const JUDGE_PATH = join(packageRoot(), 'models', 'judge', 'shakespeare-5gram.json.gz');
/** The committed held-out text: the last 5% of the training file, from a line start. */
export const HELDOUT_PATH = join(packageRoot(), 'data', 'text', 'heldout.txt');

const heldoutCache = new Map<string, string>();

/** The committed held-out text (read once per path). */
export function loadHeldout(path = HELDOUT_PATH): string {
  let text = heldoutCache.get(path);
  if (text === undefined) {
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new TextTaskError(`${path}: cannot read the held-out text (${(e as Error).message.split('\n')[0]})`);
    }
    heldoutCache.set(path, text);
  }
  return text;
}

/** Reads a table written by `writeJudgeFile` (gzipped when the file starts with the gzip magic bytes). */
export async function readJudgeFile(path: string): Promise<NgramJudge> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new TextTaskError(`${path}: cannot read the judge table (${(e as Error).message.split('\n')[0]})`);
  }
  const gz = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  let json: NgramJudgeJSON;
  try {
    json = JSON.parse((gz ? gunzipSync(bytes) : bytes).toString('utf8')) as NgramJudgeJSON;
  } catch (e) {
    throw new TextTaskError(`${path}: not a judge table (${(e as Error).message.split('\n')[0]})`);
  }
  return NgramJudge.fromJSON(json, path);
}

/** Writes the table as JSON, gzipped when `path` ends in `.gz` (deterministic bytes). */
export async function writeJudgeFile(judge: NgramJudge, path: string): Promise<void> {
  const text = JSON.stringify(judge.toJSON()) + '\n';
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, path.endsWith('.gz') ? gzipSync(Buffer.from(text, 'utf8'), { level: 9 }) : text);
}

let defaultJudge: Promise<NgramJudge> | null = null;

/** The committed Shakespeare judge (loaded once). */
export function loadShakespeareJudge(): Promise<NgramJudge> {
  defaultJudge ??= readJudgeFile(JUDGE_PATH);
  return defaultJudge;
}

const heldoutPassages = (): readonly string[] => [loadHeldout()];

/** An unconditional example (sets.ts), its window from the committed held-out text unless `options.passages` names others. */
export function generateUnconditional(rng: Rng, options: UnconditionalOptions = {}): UnconditionalExample {
  return sets.generateUnconditional(rng, options, heldoutPassages);
}

/** n examples (sets.ts), windows from the committed held-out text unless `options.passages` names others. */
export function generateSet(seed: number, n: number, options: { kind: 'infilling'; passages?: readonly string[] } & InfillingOptions): InfillingExample[];
export function generateSet(seed: number, n: number, options: { kind: 'unconditional' } & UnconditionalOptions): UnconditionalExample[];
export function generateSet(seed: number, n: number, options: TextSetOptions): TextExample[];
export function generateSet(seed: number, n: number, options: TextSetOptions): TextExample[] {
  return sets.generateSet(seed, n, options, heldoutPassages);
}
