/**
 * `npm run bench`: decoding speed against this machine's own limits, four ratios in one run
 * (issue 13 §5; the figures and the machine go into docs/performance.md):
 *
 *  1. forward efficiency: each built-in model's forward at 1 and 8 rows ÷ a graph of only its
 *     matrix products with its own weights (bench/make_matmul_graph.py): the share of the forward
 *     that runs at the machine's MatMul speed (goal ≥ 70%); plus the session options tried;
 *  2. cache: continuation of the text model in blocks of 32, greedy confidence, use_cache
 *     prefix / dual ÷ none: wall time per example, and the judge score with its 95% CI (goal ≥ 3×
 *     faster, score within the no-cache CI);
 *  3. Info-Gain (N = 8, no bypass) ÷ greedy confidence per example, same cell, same cache mode
 *     (goal ≤ 2.0×);
 *  4. statistics head ÷ logits reduced in JavaScript, V = 32,000, 8 rows (goal ≥ 5×), each path
 *     on its own graph (bench/models/v32000: model.onnx has the head, plain.onnx has none).
 *
 *   npm run bench [-- --json] [-- --quick] [-- --only forward,cache,head]
 *   BENCH_THREADS (default 2; 1 while a training run holds the other core), BENCH_N (examples, default 12)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import Table from 'cli-table3';
import { Rng } from '../src/core/rng.js';
import { resolveEntry } from '../src/decode/entry.js';
import { decodeAndGrade } from '../src/eval/task-run.js';
import { loadModel as loadCliModel } from '../src/models/builtin.js';
import { parseCard } from '../src/models/card.js';
import type { ForwardRequest } from '../src/models/denoiser.js';
import { OnnxDenoiser, type OrtRuntime } from '../src/models/onnx.js';
import { textTask } from '../src/tasks/index.js';

const QUICK = process.argv.includes('--quick');
const REPEATS = QUICK ? 5 : 15;
const THREADS = Number(process.env.BENCH_THREADS ?? 2);
const N = Number(process.env.BENCH_N ?? (QUICK ? 4 : 12));
const runtime: OrtRuntime = ort;
const onlyAt = process.argv.indexOf('--only');
const SECTIONS = new Set(onlyAt >= 0 ? (process.argv[onlyAt + 1] ?? '').split(',') : ['forward', 'cache', 'head']);
for (const s of SECTIONS) if (!['forward', 'cache', 'head'].includes(s)) throw new Error(`--only ${s}: expected forward, cache or head (comma-separated)`);

async function median(f: () => Promise<unknown>, repeats = REPEATS): Promise<number> {
  await f();
  const ms: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    await f();
    ms.push(performance.now() - t);
  }
  return ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)];
}

const randomFloats = (n: number, rng: Rng) => Float32Array.from({ length: n }, () => rng.nextFloat64() - 0.5);

// ---------------------------------------------------------------- 1. forward efficiency
interface ForwardRow { model: string; rows: number; length: number; forwardMs: number; matmulMs: number; share: number }

/** Share of node time per operator type in `runs` profiled forwards (onnxruntime's own profiler):
 * where a forward's time outside the matrix products goes. */
async function opShares(model: Uint8Array, feeds: Record<string, ort.Tensor>, dir: string, runs = 10): Promise<Record<string, number>> {
  const prefix = join(dir, `profile-${Math.random().toString(36).slice(2)}`);
  const s = await ort.InferenceSession.create(model, { intraOpNumThreads: THREADS, graphOptimizationLevel: 'all', enableProfiling: true, profileFilePrefix: prefix });
  for (let i = 0; i < runs; i++) await s.run(feeds);
  s.endProfiling();
  await s.release();
  const file = readdirSync(dir).find((f) => join(dir, f).startsWith(prefix));
  if (!file) throw new Error(`onnxruntime wrote no profile under ${prefix}`);
  const events = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { cat?: string; name: string; dur: number; args?: { op_name?: string } }[];
  const byOp: Record<string, number> = {};
  let total = 0;
  for (const e of events)
    if (e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.args?.op_name) {
      byOp[e.args.op_name] = (byOp[e.args.op_name] ?? 0) + e.dur;
      total += e.dur;
    }
  return Object.fromEntries(Object.entries(byOp).map(([op, us]): [string, number] => [op, us / total]).sort((a, b) => b[1] - a[1]));
}

async function forwardEfficiency(): Promise<{ rows: ForwardRow[]; options: { level: string; threads: number; ms: number }[]; ops: Record<string, Record<string, number>> }> {
  const out: ForwardRow[] = [];
  const tmp = mkdtempSync(join(tmpdir(), 'infogain-bench-'));
  let sweep: { level: string; threads: number; ms: number }[] = [];
  const ops: Record<string, Record<string, number>> = {};
  for (const name of ['sudoku', 'countdown', 'text', 'text-long', 'digits']) {
    const dir = join('models', name);
    if (!existsSync(join(dir, 'model.onnx'))) continue;
    const card = parseCard(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')), join(dir, 'model.json'));
    const mm = join(tmp, `${name}.onnx`);
    execFileSync('/usr/bin/python3', ['bench/make_matmul_graph.py', dir, mm], { stdio: 'ignore' });
    const options = { intraOpNumThreads: THREADS, graphOptimizationLevel: 'all' as const };
    const model = await ort.InferenceSession.create(readFileSync(join(dir, 'model.onnx')), options);
    const matmuls = await ort.InferenceSession.create(readFileSync(mm), options);
    const T = card.contextLimit;
    // Widths from the MatMul graph's own inputs: x_row [1, d], h_row [1, m·d], q_row [1, 1, 1, hd].
    const width = (input: string, axis: number): number => {
      const meta = matmuls.inputMetadata.find((m) => m.name === input);
      const n = meta?.isTensor ? meta.shape[axis] : undefined;
      if (typeof n !== 'number') throw new Error(`${mm}: input ${input} has no static axis ${axis}`);
      return n;
    };
    const [d, mlp, hd] = [width('x_row', 1), width('h_row', 1), width('q_row', 3)];
    const H = d / hd;
    const rng = new Rng(3);
    for (const B of [1, 8]) {
      const ids = new ort.Tensor('int64', BigInt64Array.from({ length: B * T }, (_, i) => BigInt(i % 3 === 0 ? card.maskId : 4 + (i % 9))), [B, T]);
      const forwardMs = await median(() => model.run({ input_ids: ids }));
      const row = (n: number, dims: number[]) => new ort.Tensor('float32', randomFloats(n, rng), dims);
      const shape = (dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(dims, BigInt), [dims.length]);
      const feeds = {
        x_row: row(d, [1, d]), h_row: row(mlp, [1, mlp]), q_row: row(hd, [1, 1, 1, hd]), kt_row: row(hd, [1, 1, hd, 1]), a_row: row(1, [1, 1, 1, 1]),
        x_shape: shape([B * T, d]), h_shape: shape([B * T, mlp]), q_shape: shape([B, H, T, hd]), kt_shape: shape([B, H, hd, T]), a_shape: shape([B, H, T, T]),
      };
      const matmulMs = await median(() => matmuls.run(feeds));
      out.push({ model: name, rows: B, length: T, forwardMs, matmulMs, share: matmulMs / forwardMs });
      if (B === 8) ops[name] = await opShares(readFileSync(join(dir, 'model.onnx')), { input_ids: ids }, tmp);
    }
    if (name === 'sudoku') {
      // Session options tried on the Info-Gain shape (8 rows): what the backend's defaults are chosen from.
      const ids = new ort.Tensor('int64', new BigInt64Array(8 * T).fill(BigInt(card.maskId)), [8, T]);
      for (const level of ['basic', 'extended', 'all'] as const)
        for (const threads of [1, THREADS].filter((t, i, a) => a.indexOf(t) === i)) {
          const s = await ort.InferenceSession.create(readFileSync(join(dir, 'model.onnx')), { intraOpNumThreads: threads, graphOptimizationLevel: level });
          sweep.push({ level, threads, ms: await median(() => s.run({ input_ids: ids })) });
          await s.release();
        }
    }
    await model.release();
    await matmuls.release();
  }
  sweep = sweep.sort((a, b) => a.ms - b.ms);
  return { rows: out, options: sweep, ops };
}

// ---------------------------------------------------------------- 2 and 3. cache modes, Info-Gain's cost
interface CellRow { sampler: string; cache: string; msPerExample: number; score: number; ci: [number, number]; rowForwards: number }

async function cacheCell(): Promise<{ model: string; generated: number; rows: CellRow[]; batching: Awaited<ReturnType<typeof windowBatching>> }> {
  const name = existsSync('models/text-long/model.onnx') ? 'text-long' : 'text';
  const { model, tokenizer } = await loadCliModel(name, { threads: THREADS });
  if (!tokenizer) throw new Error(`${name}: no tokenizer`);
  const view = { card: model.card, tokenizer };
  const length = name === 'text-long' ? 288 : 128;
  const examples = textTask.generate(0, N, { kind: 'unconditional', promptLength: 32, length });
  const configs = (['none', 'prefix', 'dual'] as const).flatMap((cache) =>
    (['confidence', 'info-gain'] as const).map((sampler) => ({
      sampler, cache, entry: resolveEntry(sampler, sampler === 'info-gain' ? { candidates: 8 } : {}, { block_length: 32, use_cache: cache, threshold: null }),
      ms: 0, scores: [] as number[], rowForwards: 0,
    })),
  );
  // Untimed first: a cache mode's graph is opened on its first use, which is not decoding time.
  for (const c of configs) await decodeAndGrade(textTask, model, view, examples, [0], 0, c.entry, { batchSize: 1 });
  // Example by example, every configuration in turn: a slow spell of a shared machine then falls
  // on all six alike instead of on whichever ran during it (the ratios are what is reported).
  for (let i = 0; i < examples.length; i++)
    for (const c of configs) {
      const run = await decodeAndGrade(textTask, model, view, examples, [i], 0, c.entry, { batchSize: 1 });
      c.ms += run.decodeMs;
      c.scores.push(run.outcomes[0].score ?? NaN);
      c.rowForwards += run.traces[0].totals.rowForwards;
    }
  const rows: CellRow[] = configs.map(({ sampler, cache, ms, scores, rowForwards }) => {
    const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
    const sd = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, scores.length - 1));
    const half = (1.96 * sd) / Math.sqrt(scores.length); // normal approximation
    return { sampler, cache, msPerExample: ms / examples.length, score: mean, ci: [mean - half, mean + half], rowForwards: rowForwards / examples.length };
  });
  return { model: name, generated: length - 32, rows, batching: await windowBatching(name, length) };
}

/** A dual-cache window forward through the cache graph at 1 row and at `rows` rows sharing one
 * cache (Info-Gain's lookahead shape): how much a batched row costs next to a lone one. */
async function windowBatching(name: string, length: number, rows = 8, window = 32): Promise<{ oneRowMs: number; batchMs: number; rows: number }> {
  const dir = join('models', name);
  const card = parseCard(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')), join(dir, 'model.json'));
  if (!card.cache) throw new Error(`${dir}: no cache graph`);
  const { layers: L, heads: H, headDim: hd } = card.cache;
  const session = await ort.InferenceSession.create(readFileSync(join(dir, card.cache.graph)), { intraOpNumThreads: THREADS, graphOptimizationLevel: 'all' });
  const P = length - window;
  const rng = new Rng(5);
  const int64 = (values: number[], dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), dims);
  const past = () => new ort.Tensor('float32', randomFloats(L * H * P * hd, rng), [L, 1, H, P, hd]);
  const feeds = (B: number) => ({
    input_ids: int64(Array.from({ length: B * window }, (_, i) => (i % 4 === 0 ? card.maskId : 4 + (i % 9))), [B, window]),
    position_ids: int64(Array.from({ length: B * window }, (_, i) => P + (i % window)), [B, window]),
    cache_index: int64(new Array(B).fill(0), [B]), past_key: past(), past_value: past(),
    past_position_ids: int64(Array.from({ length: P }, (_, i) => i), [1, P]),
  });
  const one = feeds(1), batch = feeds(rows);
  // Logits only, as the decoder fetches them for a lookahead (its rows need no keys/values).
  const result = { oneRowMs: await median(() => session.run(one, ['logits'])), batchMs: await median(() => session.run(batch, ['logits'])), rows };
  await session.release();
  return result;
}

// ---------------------------------------------------------------- 4. statistics head
async function statsHead(): Promise<{ headMs: number; logitsMs: number }> {
  const dir = 'bench/models/v32000';
  const card = parseCard(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')), join(dir, 'model.json'));
  const rng = new Rng(1);
  const T = 64;
  const request: ForwardRequest = {
    samples: 8, temperature: 0.7,
    rows: Array.from({ length: 8 }, () => ({
      canvas: Int32Array.from({ length: T }, (_, t) => (t >= 32 ? card.maskId : rng.nextInt(card.vocabSize - 1))),
      noiseKey: rng.nextUint32(), samplePositions: Int32Array.from({ length: 16 }, (_, j) => 32 + j),
    })),
  };
  const head = await OnnxDenoiser.create(runtime, readFileSync(join(dir, 'model.onnx')), card, { source: dir, threads: THREADS });
  const plain = await OnnxDenoiser.create(runtime, readFileSync(join(dir, 'plain.onnx')), card, { source: dir, threads: THREADS, statsHead: false });
  const result = { headMs: await median(() => head.forward(request)), logitsMs: await median(() => plain.forward(request)) };
  await head.dispose();
  await plain.dispose();
  return result;
}

const forward = SECTIONS.has('forward') ? await forwardEfficiency() : null;
const cell = SECTIONS.has('cache') ? await cacheCell() : null;
const head = SECTIONS.has('head') ? await statsHead() : null;
const find = (sampler: string, cache: string) => cell?.rows.find((r) => r.sampler === sampler && r.cache === cache)?.msPerExample ?? NaN;
const ratios = {
  forwardShare: forward ? Math.min(...forward.rows.map((r) => r.share)) : null,
  cacheSpeedup: cell ? { prefix: find('confidence', 'none') / find('confidence', 'prefix'), dual: find('confidence', 'none') / find('confidence', 'dual') } : null,
  infoGainCost: cell ? Object.fromEntries(['none', 'prefix', 'dual'].map((c) => [c, find('info-gain', c) / find('confidence', c)])) : null,
  statsHead: head ? head.logitsMs / head.headMs : null,
};

if (process.argv.includes('--json')) console.log(JSON.stringify({ threads: THREADS, repeats: REPEATS, n: N, forward, cell, head, ratios }, null, 2));
else {
  const fmt = (x: number, digits = 1) => x.toFixed(digits);
  console.log(`onnxruntime-node ${ort.env.versions.node}, ${THREADS} threads, median of ${REPEATS}`);
  if (forward) {
    const t1 = new Table({ head: ['model', 'rows × length', 'forward ms', 'MatMuls only ms', 'share at MatMul speed'], style: { head: [], border: [] } });
    for (const r of forward.rows) t1.push([r.model, `${r.rows} × ${r.length}`, fmt(r.forwardMs, 2), fmt(r.matmulMs, 2), `${fmt(100 * r.share)}%`]);
    console.log('1. forward efficiency (goal ≥ 70%)\n' + t1.toString());
    const matmul = (shares: Record<string, number>) => ['MatMul', 'FusedMatMul', 'Gemm'].reduce((a, op) => a + (shares[op] ?? 0), 0);
    console.log('   node time by operator at 8 rows (onnxruntime profiler): ' + Object.entries(forward.ops).map(([name, shares]) =>
      `${name}: matrix products ${fmt(100 * matmul(shares))}%, ` + Object.entries(shares).filter(([op]) => !['MatMul', 'FusedMatMul', 'Gemm'].includes(op)).slice(0, 4)
        .map(([op, f]) => `${op} ${fmt(100 * f)}%`).join(', ')).join('; '));
    console.log('   session options, sudoku 8 rows: ' + forward.options.map((o) => `${o.level}/${o.threads}t ${fmt(o.ms, 2)} ms`).join(', '));
  }
  if (cell && ratios.cacheSpeedup && ratios.infoGainCost) {
    const t2 = new Table({ head: ['sampler', 'use_cache', 'ms / example', 'judge nats/char [95% CI]', 'row-forwards'], style: { head: [], border: [] } });
    for (const r of cell.rows) t2.push([r.sampler, r.cache, fmt(r.msPerExample, 0), `${r.score.toFixed(3)} [${r.ci[0].toFixed(3)}, ${r.ci[1].toFixed(3)}]`, fmt(r.rowForwards)]);
    console.log(`2–3. ${cell.model}: ${N} continuations of ${cell.generated} characters after 32, blocks of 32, no bypass\n` + t2.toString());
    console.log(`   cache speed-up (goal ≥ 3×): prefix ${fmt(ratios.cacheSpeedup.prefix, 2)}×, dual ${fmt(ratios.cacheSpeedup.dual, 2)}×`);
    console.log(`   Info-Gain N=8 ÷ confidence (goal ≤ 2.0×): ${Object.entries(ratios.infoGainCost).map(([c, r]) => `${c} ${fmt(r, 2)}×`).join(', ')}`);
    const b = cell.batching;
    console.log(`   a dual-cache window of 32 (Info-Gain's lookahead shape): 1 row ${fmt(b.oneRowMs, 2)} ms, ${b.rows} rows sharing its cache ${fmt(b.batchMs, 2)} ms = ${fmt(b.batchMs / b.oneRowMs, 2)}× one row`);
  }
  if (head && ratios.statsHead !== null)
    console.log(`4. statistics head ÷ logits in JS, V = 32,000, 8 rows (goal ≥ 5×): ${fmt(head.logitsMs, 1)} ms / ${fmt(head.headMs, 1)} ms = ${fmt(ratios.statsHead, 2)}×`);
}
