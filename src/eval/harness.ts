/**
 * The evaluation harness: every sampler on the same examples with the same seeds, results
 * written incrementally, resumable, shardable.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SequenceTrace } from '../decode/trace.js';
import type { Denoiser } from '../models/denoiser.js';
import type { Params } from '../samplers/params.js';
import type { ModelView, Outcome, Task } from '../tasks/index.js';
import { decodeAndGrade, type TaskDecodeEntry } from './task-run.js';
import { appendResult, key, readResults, type ResultLine } from './results.js';

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
}

export interface EvalOptions {
  out: string;
  shard?: Shard;
  batchSize?: number;
  onLine?: (line: ResultLine, done: number, total: number) => void;
}

/** A sampler with its parameters and its own decode settings. */
export type EvalEntry = TaskDecodeEntry;

/**
 * Why two metas describe different evaluations, or null. `n` may differ (generator runs only):
 * example i depends only on (seed, i, options), so a larger --n extends a run and a smaller one
 * is a prefix of it.
 */
function sameMeta(a: RunMeta, b: RunMeta): string | null {
  for (const k of Object.keys(a) as (keyof RunMeta)[]) {
    if (k === 'n' && a.data === null && b.data === null) continue;
    if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) return `${k} is ${JSON.stringify(b[k])} here but ${JSON.stringify(a[k])} in the existing run`;
  }
  return null;
}

/** Write or check <out>/meta.json; a generator run resumed with a larger n records the larger n. */
export function claimOutDir(out: string, meta: RunMeta): void {
  mkdirSync(out, { recursive: true });
  const path = join(out, 'meta.json');
  if (existsSync(path)) {
    const old = JSON.parse(readFileSync(path, 'utf8')) as RunMeta;
    const diff = sameMeta(old, meta);
    if (diff) throw new Error(`${out}: holds a different evaluation (${diff}); use another --out`);
    if (meta.n > old.n) writeFileSync(path, JSON.stringify({ ...old, n: meta.n }, null, 2) + '\n');
  } else writeFileSync(path, JSON.stringify(meta, null, 2) + '\n');
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

function resultLine(example: number, sampler: string, seed: number, outcome: Outcome, info: ResultLine['info'], cost: Cost): ResultLine {
  return {
    example, sampler, seed,
    correct: outcome.correct,
    score: outcome.score,
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
  claimOutDir(options.out, meta);
  const resultsPath = join(options.out, 'results.jsonl');
  const done = new Set(readResults(resultsPath).map(key));
  const shard = options.shard ?? { index: 0, count: 1 };
  const mine = examples.map((_, i) => i).filter((i) => i % shard.count === shard.index);
  // The task's reference (if any) is graded on every example like one more sampler.
  const reference = task.reference;
  const names = [...entries.map((e) => e.spec.name), ...(reference ? [reference.name] : [])];
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
    for (const { spec, params, decode } of entries) {
      const todo = ids.filter((i) => !done.has(key({ example: i, sampler: spec.name })));
      if (todo.length === 0) continue;
      await decodeAndGrade(task, model, view, examples, todo, seed, { spec, params, decode }, {
        batchSize: chunk,
        onGraded: async (i, trace, outcome) => {
          const t = trace.totals;
          // The todo sequences decode together, so each step's wall time is shared among them.
          const wallMs = t.wallMs / todo.length;
          const cost = { cumulativeUncertainty: t.cumulativeUncertainty, forwardCalls: t.forwardCalls, rowForwards: t.rowForwards, wallMs, order: orderOf(trace) };
          await record(resultLine(i, spec.name, seed + i, outcome, task.describe(examples[i]), cost));
        },
      });
    }
  }
  return { written, skipped };
}

/** Join shard directories into one: lines deduplicated by (example, sampler), metas must agree. */
export function mergeRuns(dirs: readonly string[], out: string): { lines: number; duplicates: number } {
  if (dirs.length === 0) throw new Error('eval merge: name at least one run directory');
  const metas = dirs.map((d) => {
    const p = join(d, 'meta.json');
    if (!existsSync(p)) throw new Error(`${d}: no meta.json; not an evaluation directory`);
    return JSON.parse(readFileSync(p, 'utf8')) as RunMeta;
  });
  for (let i = 1; i < metas.length; i++) {
    const diff = sameMeta(metas[0], metas[i]);
    if (diff) throw new Error(`eval merge: ${dirs[i]} differs from ${dirs[0]}: ${diff}`);
  }
  claimOutDir(out, metas[0]);
  const seen = new Map<string, ResultLine>();
  for (const r of readResults(join(out, 'results.jsonl'))) seen.set(key(r), r);
  let duplicates = 0;
  for (const d of dirs)
    for (const r of readResults(join(d, 'results.jsonl'))) {
      if (seen.has(key(r))) duplicates++;
      else seen.set(key(r), r);
    }
  const lines = [...seen.values()].sort((a, b) => a.example - b.example || a.sampler.localeCompare(b.sampler));
  writeFileSync(join(out, 'results.jsonl'), lines.map((l) => JSON.stringify(l) + '\n').join(''));
  return { lines: lines.length, duplicates };
}
