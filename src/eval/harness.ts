/**
 * The evaluation harness: every sampler on the same examples with the same seeds, results
 * written incrementally, resumable, shardable.
 */
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringifyFinite } from '../core/finite-json.js';
import type { SequenceTrace } from '../decode/trace.js';
import type { Denoiser } from '../models/denoiser.js';
import { resolveParams, type Params } from '../samplers/params.js';
import { DECODE_PARAMS } from '../decode/config.js';
import type { ModelView, Outcome, Task } from '../tasks/index.js';
import type { DecodeEntry } from '../decode/entry.js';
import { decodeAndGrade } from './task-run.js';
import { lockDir } from './lock.js';
import { appendResult, key, readResultsFile, repairResults, resultJson, type ResultLine } from './results.js';

export interface Shard {
  index: number;
  count: number;
}

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count) throw new Error(`--shard ${JSON.stringify(text)}: expected i/n with 0 ≤ i < n, e.g. 0/4`);
  return { index, count };
}

/** What defines a run; a resumed or merged run must match it exactly. */
export interface RunMeta {
  task: string;
  model: string;
  n: number;
  seed: number;
  data: string | null;
  taskOptions: Record<string, unknown>;
  samplers: { name: string; params: Params; decode: Params }[];
  /** SHA-256 of the files the model was built from (graph, external data, card, tokenizer), by path relative to the model. */
  modelFiles?: Record<string, string>;
}

export interface EvalOptions {
  out: string;
  shard?: Shard;
  batchSize?: number;
  onLine?: (line: ResultLine, done: number, total: number) => void;
  /** Things the run repaired or took over on its way (a torn last line, a stale lock). */
  onNote?: (message: string) => void;
}

/** A sampler with its parameters and its own decode settings. */
export type EvalEntry = DecodeEntry;

/**
 * Why two metas describe different evaluations, or null. `n` may differ (generator runs only):
 * example i depends only on (seed, i, options), so a larger --n extends a run and a smaller one
 * is a prefix of it.
 */
function sameMeta(a: RunMeta, b: RunMeta): string | null {
  for (const k of Object.keys(a) as (keyof RunMeta)[]) {
    if (k === 'n' && a.data === null && b.data === null) continue;
    if (k === 'modelFiles' && b.modelFiles && JSON.stringify(a.modelFiles) !== JSON.stringify(b.modelFiles)) {
      const changed = Object.keys({ ...a.modelFiles, ...b.modelFiles }).filter((f) => a.modelFiles?.[f] !== b.modelFiles?.[f]);
      return `the model's files differ from the existing run's (${changed.join(', ')}): the model changed since that run`;
    }
    if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) return `${k} is ${JSON.stringify(b[k])} here but ${JSON.stringify(a[k])} in the existing run`;
  }
  return null;
}

/**
 * Write a file atomically: a temporary file in the same directory, then rename over the target,
 * so a reader (or a run killed mid-write) sees the old content or the new, never a torn one.
 */
function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** Read and check an evaluation's meta.json; an empty, torn or foreign one is named with its path. */
export function readMeta(path: string): RunMeta {
  const text = readFileSync(path, 'utf8');
  if (text.trim() === '') throw new Error(`${path}: empty; the run that wrote it was interrupted (remove the directory, or restore the file)`);
  let meta: RunMeta;
  try {
    meta = JSON.parse(text) as RunMeta;
  } catch (e) {
    throw new Error(`${path}: not valid JSON, perhaps torn by an interrupted write (${(e as Error).message})`);
  }
  const bad = (field: string, expected: string) => new Error(`${path}: field "${field}" is ${JSON.stringify((meta as unknown as Record<string, unknown>)?.[field])}, expected ${expected}; not an evaluation meta.json`);
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw new Error(`${path}: expected a JSON object; not an evaluation meta.json`);
  if (typeof meta.task !== 'string') throw bad('task', 'a task name');
  if (!Array.isArray(meta.samplers)) throw bad('samplers', 'a list of samplers');
  if (!Number.isInteger(meta.n) || meta.n < 0) throw bad('n', 'an integer ≥ 0');
  if (!Number.isInteger(meta.seed) || meta.seed < 0) throw bad('seed', 'an integer ≥ 0');
  // A decode parameter added after the run was written is absent there; its default is the
  // behaviour the run had, so an older run still resumes and merges.
  const defaults = resolveParams(DECODE_PARAMS, {}, 'decode');
  meta.samplers = meta.samplers.map((s) => ({ ...s, decode: { ...defaults, ...s.decode } }));
  return meta;
}

const metaJson = (meta: RunMeta) => stringifyFinite(meta, 'meta.json', 2) + '\n';

/**
 * Write or check <out>/meta.json; a generator run resumed with a larger n records the larger n.
 * True when this call wrote a new meta.json (there was none).
 */
export function claimOutDir(out: string, meta: RunMeta): boolean {
  const path = join(out, 'meta.json');
  if (existsSync(path)) {
    const old = readMeta(path);
    const diff = sameMeta(old, meta);
    if (diff) throw new Error(`${out}: holds a different evaluation (${diff}); use another --out`);
    if (meta.n > old.n) writeAtomic(path, metaJson({ ...old, n: meta.n }));
    return false;
  }
  writeAtomic(path, metaJson(meta));
  return true;
}

export function orderOf(trace: SequenceTrace): number[] {
  const order = new Array<number>(trace.output.length).fill(0);
  trace.steps.forEach((s, i) => {
    for (const c of s.commits) order[c.position] = i + 1;
  });
  return order;
}

type Cost = Pick<ResultLine, 'cumulativeUncertainty' | 'forwardCalls' | 'rowForwards' | 'wallMs' | 'order'>;
/** A reference line's cost: no decoding. */
const NO_COST: Cost & { reference: true } = { cumulativeUncertainty: 0, forwardCalls: 0, rowForwards: 0, wallMs: 0, order: [], reference: true };

/**
 * The score as results.jsonl holds it. The text judge scores an empty output −∞ and marks it
 * degenerate; JSON has no −∞, so such a line records score null with its "degenerate: empty"
 * reason (the report reads it back as −∞). Any other non-finite score is an error, raised by the
 * writer with the example, sampler and field named.
 */
function recordedScore(outcome: Outcome): number | null {
  if (outcome.score === -Infinity && outcome.reason?.startsWith('degenerate')) return null;
  return outcome.score;
}

function resultLine(example: number, sampler: string, seed: number, outcome: Outcome, info: ResultLine['info'], cost: Cost): ResultLine {
  return {
    example, sampler, seed,
    correct: outcome.correct,
    score: recordedScore(outcome),
    answer: outcome.answer,
    ...(outcome.reason ? { reason: outcome.reason } : {}),
    ...cost,
    info,
  };
}

/**
 * Run (or resume) an evaluation. Examples are processed in chunks; within a chunk every sampler
 * decodes the chunk, so partial results cover all samplers evenly.
 */
export async function runEvaluation<E>(
  task: Task<E>,
  model: Denoiser,
  view: ModelView,
  examples: readonly E[],
  seed: number,
  entries: readonly EvalEntry[],
  meta: RunMeta,
  options: EvalOptions,
): Promise<{ written: number; skipped: number }> {
  const lock = lockDir(options.out, 'eval');
  let wroteMeta = false;
  try {
    if (lock.note) options.onNote?.(lock.note);
    wroteMeta = claimOutDir(options.out, meta);
    return await evaluateLocked(task, model, view, examples, seed, entries, options);
  } catch (e) {
    lock.release();
    // A run refused before its first result (a setting the model cannot run, an example it
    // cannot read) leaves nothing of its own behind: nothing in it could be resumed.
    if (!hasResults(options.out)) discardRefusedRun(options.out, lock.created, wroteMeta);
    throw e;
  } finally {
    lock.release();
  }
}

function hasResults(out: string): boolean {
  try {
    return statSync(join(out, 'results.jsonl')).size > 0;
  } catch {
    return false;
  }
}

/** Remove the folders this run created (`created`, the topmost), or else the files it wrote in a folder that was there. */
function discardRefusedRun(out: string, created: string | null, wroteMeta: boolean): void {
  if (created !== null) return rmSync(created, { recursive: true, force: true });
  if (!wroteMeta) return;
  rmSync(join(out, 'meta.json'), { force: true });
  rmSync(join(out, 'results.jsonl'), { force: true });
}

async function evaluateLocked<E>(
  task: Task<E>,
  model: Denoiser,
  view: ModelView,
  examples: readonly E[],
  seed: number,
  entries: readonly EvalEntry[],
  options: EvalOptions,
): Promise<{ written: number; skipped: number }> {
  const resultsPath = join(options.out, 'results.jsonl');
  const repaired = repairResults(resultsPath);
  if (repaired.note) options.onNote?.(repaired.note);
  const done = new Set(repaired.lines.map(key));
  const shard = options.shard ?? { index: 0, count: 1 };
  const mine = examples.map((_, i) => i).filter((i) => i % shard.count === shard.index);
  // The task's reference (if any) is graded on every example like one more sampler.
  const reference = task.reference;
  const names = [...entries.map((e) => e.sampler.name), ...(reference ? [reference.name] : [])];
  const total = mine.length * names.length;
  let finished = mine.reduce((s, i) => s + names.filter((name) => done.has(key({ example: i, sampler: name }))).length, 0);
  const skipped = finished;
  let written = 0;
  const record = async (line: ResultLine) => {
    await appendResult(resultsPath, line);
    done.add(key(line));
    written++;
    options.onLine?.(line, ++finished, total);
  };
  const chunk = Math.max(1, options.batchSize ?? 16);
  for (let c = 0; c < mine.length; c += chunk) {
    const ids = mine.slice(c, c + chunk);
    if (reference)
      for (const i of ids.filter((i) => !done.has(key({ example: i, sampler: reference.name })))) {
        const outcome = await reference.produce(examples[i], seed + i);
        await record(resultLine(i, reference.name, seed + i, outcome, task.describe(examples[i]), NO_COST));
      }
    for (const entry of entries) {
      const name = entry.sampler.name;
      const todo = ids.filter((i) => !done.has(key({ example: i, sampler: name })));
      if (todo.length === 0) continue;
      await decodeAndGrade(task, model, view, examples, todo, seed, entry, {
        batchSize: chunk,
        onGraded: async (i, trace, outcome) => {
          const t = trace.totals;
          // The todo sequences decode together, so each step's wall time is shared among them.
          const wallMs = t.wallMs / todo.length;
          const cost = { cumulativeUncertainty: t.cumulativeUncertainty, forwardCalls: t.forwardCalls, rowForwards: t.rowForwards, wallMs, order: orderOf(trace) };
          await record(resultLine(i, name, seed + i, outcome, task.describe(examples[i]), cost));
        },
      });
    }
  }
  return { written, skipped };
}

/**
 * Join shard directories into one: lines deduplicated by (example, sampler), metas must agree.
 * A shard's torn last line (an interrupted shard) is left out and reported in `notes`.
 */
export function mergeRuns(dirs: readonly string[], out: string): { lines: number; duplicates: number; notes: string[] } {
  if (dirs.length === 0) throw new Error('eval merge: name at least one run directory');
  const metas = dirs.map((d) => {
    const p = join(d, 'meta.json');
    if (!existsSync(p)) throw new Error(`${d}: no meta.json; not an evaluation directory`);
    return readMeta(p);
  });
  for (let i = 1; i < metas.length; i++) {
    const diff = sameMeta(metas[0], metas[i]);
    if (diff) throw new Error(`eval merge: ${dirs[i]} differs from ${dirs[0]}: ${diff}`);
  }
  const lock = lockDir(out, 'eval merge');
  try {
    const notes = lock.note ? [lock.note] : [];
    claimOutDir(out, metas[0]);
    const seen = new Map<string, ResultLine>();
    let duplicates = 0;
    for (const path of [join(out, 'results.jsonl'), ...dirs.map((d) => join(d, 'results.jsonl'))]) {
      const file = readResultsFile(path);
      if (file.torn !== null) notes.push(`${path}: a torn last line (an interrupted run) is left out; resume that run to finish it`);
      for (const r of file.lines) {
        if (seen.has(key(r))) duplicates++;
        else seen.set(key(r), r);
      }
    }
    const lines = [...seen.values()].sort((a, b) => a.example - b.example || a.sampler.localeCompare(b.sampler));
    writeAtomic(join(out, 'results.jsonl'), lines.map((l) => resultJson(l) + '\n').join(''));
    return { lines: lines.length, duplicates, notes };
  } finally {
    lock.release();
  }
}
