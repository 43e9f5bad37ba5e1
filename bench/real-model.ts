/**
 * `npm run bench:real`: the Qwen3-0.6B diffusion exports at their real size, on the full-size
 * BD3LM stand-in (training/qwen3_standin.py: the real geometry, layout and operators, random
 * weights; generated here when missing). One run measures
 *
 *   load    each graph (fp32, fp16, 4-bit) loaded in a child process of its own: load time and
 *           peak resident memory (so the precisions do not pollute each other's figures);
 *   forward in the same child, the forward `npm run bench:web` times (web/src/bench-request.ts)
 *           at `--length` positions with 1 and 8 rows (the first call and a second one apart),
 *           with the statistics from infogain's statistics graph (the default for these
 *           head-less graphs: a second onnxruntime session on the logits) and again, on the same
 *           session, reduced in JavaScript; and each path's statistics of one row on its own;
 *   decode  a chat prompt + `--tokens` masks (block length 32) with confidence and Info-Gain
 *           (N = 8) at steps = tokens and tokens / 2, with and without threshold decoding, in s per
 *           token (the chat prompt padded to whole blocks); a cell stops after its share of
 *           `--cell-seconds` and is reported per token over what it
 *           decoded (n steps, n tokens: every step costs the same, the canvas being whole each time);
 *   web     the same forward in Chromium (onnxruntime-web, wasm) on the page's main thread and in
 *           a worker as the app's (bench/real-model-web.ts).
 *
 *   npm run bench:real -- [--dir tmp/qwen3-bd3lm-full] [--size full|small] [--only load,forward,decode,web]
 *       [--precision fp32,fp16,q4] [--decode-precision fp16] [--threads 1] [--length 256] [--rows 1,8]
 *       [--web-rows 1] [--tokens 128] [--cell-seconds 240] [--until HH:MM] [--out out/real-model]
 *       [--device cuda] [--web-device wasm|webgpu] [--web-timeout 300] [--web-stats graph,js] [--web-where main,worker]
 *
 *   npm run bench:real -- --report out/real-model/<run>.json   (a run's figures as Markdown tables)
 *
 * --cell-seconds: an Info-Gain cell's time (a confidence cell gets a quarter); --until: the decode
 * cells share the time left until then (UTC) in those proportions, each at most its own.
 *
 * A benchmark, never a test: its figures depend on the machine and its load (recorded with them).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Table from 'cli-table3';
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { decode, loadModel, type Model } from '../src/node.js';
import { reduceLogits } from '../src/models/denoiser.js';
import { hubGraphPath, loadHubDir } from '../src/models/hub-dir.js';
import { OnnxDenoiser, type OrtRuntime } from '../src/models/onnx.js';
import { benchRequest } from '../web/src/bench-request.js';
import { markdownReport } from './real-model-report.js';
import { webBench, type WebCell } from './real-model-web.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const GRAPHS: Record<string, string> = { fp32: 'model_fp32.onnx', fp16: 'model_fp16_fused.onnx', q4: 'model_q4f16_rtn_sym.onnx' };
const PARTS = ['load', 'forward', 'decode', 'web'] as const;
const GIB = 2 ** 30;

interface Options {
  dir: string; size: 'full' | 'small'; only: Set<string>; precisions: string[]; decodePrecision: string; threads: number;
  length: number; rows: number[]; webRows: number[]; tokens: number; cellSeconds: number; out: string;
  /** onnxruntime-node's execution provider (`--device cuda` on a GPU machine), and the page's (`wasm` or `webgpu`). */
  device: string | undefined; webDevice: string; webTimeoutS: number;
  /** The page's statistics paths (--web-stats graph,js) and where it runs (--web-where main,worker). */
  webStats: string[]; webWhere: ('main' | 'worker')[];
  /** Decode cells share the time left until then (ms since the epoch), at most cellSeconds each. */
  until: number | null;
}

function parseOptions(argv: string[]): Options {
  const value = (name: string, fallback: string): string => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return fallback;
    if (i + 1 >= argv.length) throw new Error(`--${name}: expected a value after it`);
    return argv[i + 1];
  };
  const int = (name: string, fallback: number, min: number): number => {
    const n = Number(value(name, String(fallback)));
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} ${value(name, '')}: expected an integer ≥ ${min}`);
    return n;
  };
  const list = (name: string, fallback: string, allowed?: readonly string[]): string[] => {
    const items = value(name, fallback).split(',').filter((s) => s !== '');
    const bad = allowed ? items.filter((s) => !allowed.includes(s)) : [];
    if (bad.length > 0 || items.length === 0) throw new Error(`--${name} ${value(name, '')}: expected a comma-separated list of ${allowed?.join(', ') ?? 'values'}`);
    return items;
  };
  const size = value('size', 'full');
  if (size !== 'full' && size !== 'small') throw new Error(`--size ${size}: expected full or small (the stand-in generated when --dir has none)`);
  const rowsOf = (name: string, fallback: string) => list(name, fallback).map((r) => {
    const n = Number(r);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} ${r}: expected integers ≥ 1`);
    return n;
  });
  const until = value('until', '');
  const untilMs = until === '' ? null : Date.parse(`${new Date().toISOString().slice(0, 10)}T${until}:00Z`);
  if (untilMs !== null && !(untilMs > Date.now())) throw new Error(`--until ${until}: expected a later UTC time of today, HH:MM`);
  const webDevice = value('web-device', 'wasm');
  if (webDevice !== 'wasm' && webDevice !== 'webgpu') throw new Error(`--web-device ${webDevice}: expected wasm or webgpu (onnxruntime-web's devices)`);
  const decodePrecision = value('decode-precision', 'fp16');
  if (!(decodePrecision in GRAPHS)) throw new Error(`--decode-precision ${decodePrecision}: expected one of ${Object.keys(GRAPHS).join(', ')}`);
  return {
    dir: value('dir', size === 'full' ? 'tmp/qwen3-bd3lm-full' : 'tmp/qwen3-bd3lm-small'), size, only: new Set(list('only', PARTS.join(','), PARTS)),
    precisions: list('precision', 'fp32,fp16,q4', Object.keys(GRAPHS)), decodePrecision, threads: int('threads', 1, 1), length: int('length', 256, 2),
    rows: rowsOf('rows', '1,8'), webRows: rowsOf('web-rows', '1'), tokens: int('tokens', 128, 2), cellSeconds: int('cell-seconds', 240, 1), out: value('out', 'out/real-model'),
    device: argv.includes('--device') ? value('device', '') : undefined, webDevice, webTimeoutS: int('web-timeout', 300, 1), until: untilMs,
    webStats: list('web-stats', 'graph', ['graph', 'js']), webWhere: list('web-where', 'main,worker', ['main', 'worker']) as ('main' | 'worker')[],
  };
}

/** Writes the graphs the folder lacks (the same seed, so the same weights in every precision). */
function ensureStandIn(o: Options, log: (s: string) => void): void {
  const missing = Object.entries(GRAPHS).filter(([, g]) => !existsSync(join(o.dir, 'onnx', g))).map(([p]) => p);
  if (missing.length === 0) return;
  const args = ['training/qwen3_standin.py', '--size', o.size, '--convention', 'bd3lm', '--out', o.dir];
  if (!missing.includes('fp16')) args.push('--no-fp16');
  if (missing.includes('q4')) args.push('--q4');
  if (missing.includes('fp32')) args.push('--fp32');
  log(`writing the stand-in's ${missing.join(', ')} graph(s): /usr/bin/python3 ${args.join(' ')}`);
  execFileSync('/usr/bin/python3', args, { cwd: ROOT, stdio: 'inherit' });
}

// ---- load and forward, in a child process per graph ----

interface ChildResult {
  loadS: number; rssBeforeLoad: number; rssAfterLoad: number; peakRssLoad: number; peakRss: number;
  /** Forwards with the statistics from the statistics graph (the default here), then the same forwards reduced in JavaScript. */
  forwards: { rows: number; length: number; s: number[] }[]; forwardsJs: { rows: number; length: number; s: number[] }[]; top1: number[];
  /** Entropies (nats) of the first forward's first row: with random weights the top-1 is a near-tie (p ≤ 0.25), so precisions are compared by these. */
  entropy: number[];
  /** The largest top-1 probability at a masked position of the first forward: whether a threshold of 0.9 can commit anything. */
  maxMaskedTop1: number;
  /**
   * Seconds the library spends in JavaScript reducing one row's logits (length × V floats: softmax,
   * entropy, top-1/2, draws), the part of a forward that stays on the CPU whatever runs the graph
   * (these exports have no statistics head); the fastest of two.
   */
  reduceRowS: number;
  /**
   * Seconds the statistics graph's session takes for the same row's logits (given as the model
   * returns them: `statsLogits`), the fastest of two after the forwards ran it at this shape.
   */
  statsRowS: number; statsLogits: string;
  /** The largest |ΔH| (nats) and the top-1 agreement between the two paths' first forwards. */
  pathsMaxDH: number; pathsTop1: number;
}

const maxRss = () => process.resourceUsage().maxRSS * 1024;

/** The child: `--child '{"graph", "threads", "rows", "length"}'` (rows [] = load only). */
async function childMain({ graph, threads, rows, length, device }: { graph: string; threads: number; rows: number[]; length: number; device?: string }): Promise<void> {
  const rssBeforeLoad = process.memoryUsage().rss;
  const t0 = performance.now();
  const hub = hubGraphPath(graph);
  const ort = (await import('onnxruntime-node')) as unknown as OrtRuntime;
  // statsGraph true: the statistics graph's path at any vocabulary (the small stand-in's too), as at the real one's by default.
  const loaded = hub ? await loadHubDir(hub.dir, { graph: hub.graph, threads, device, ort, statsGraph: true }) : null;
  const model = loaded ? null : await loadModel(graph, { threads, device });
  const denoiser = (loaded?.model ?? model!.denoiser) as OnnxDenoiser;
  const card = denoiser.card;
  const loadS = (performance.now() - t0) / 1000;
  const [rssAfterLoad, peakRssLoad] = [process.memoryUsage().rss, maxRss()];
  // The JavaScript path on the same session (no second copy of the weights).
  const js = OnnxDenoiser.fromSession(ort, denoiser.session, card, { source: denoiser.source, threads, device, statsGraph: false });
  const forwards: ChildResult['forwards'] = [];
  const forwardsJs: ChildResult['forwards'] = [];
  let top1: number[] = [];
  let entropy: number[] = [];
  let maxMaskedTop1 = NaN;
  let pathsMaxDH = NaN;
  let pathsTop1 = NaN;
  for (const [path, list] of [[denoiser, forwards], [js, forwardsJs]] as const)
    for (const n of rows) {
      const request = benchRequest(card, n, length);
      const s: number[] = [];
      // One row twice (the first call allocates and prepacks), more rows once: the cost is linear in rows.
      for (let i = 0; i < (n === 1 ? 2 : 1); i++) {
        const t = performance.now();
        const p = await path.forward(request);
        s.push((performance.now() - t) / 1000);
        if (path === denoiser && top1.length === 0) {
          top1 = Array.from(p.top1Id.subarray(0, length));
          entropy = Array.from(p.entropy.subarray(0, length));
          const masked = Array.from(request.rows[0].canvas).flatMap((id, t) => (id === card.maskId ? [p.top1Prob[t]] : []));
          maxMaskedTop1 = Math.max(...masked);
        }
        if (path === js && n === rows[0] && i === 0) {
          pathsMaxDH = entropy.reduce((m, h, t) => Math.max(m, Math.abs(h - p.entropy[t])), 0);
          pathsTop1 = top1.filter((id, t) => id === p.top1Id[t]).length / length;
        }
      }
      list.push({ rows: n, length, s });
    }
  const logitsType = denoiser.io.logitsType;
  const statsRowS = denoiser.statistics === 'graph' ? await statsGraphTime(ort, await denoiser.statsGraphSession(logitsType), logitsType, card.vocabSize, length) : NaN;
  await denoiser.dispose();
  const peakRss = maxRss(); // before the reduction's own made-up logits
  const result: ChildResult = {
    loadS, rssBeforeLoad, rssAfterLoad, peakRssLoad, peakRss, forwards, forwardsJs, top1, entropy, maxMaskedTop1,
    reduceRowS: reductionTime(card, length), statsRowS, statsLogits: logitsType, pathsMaxDH, pathsTop1,
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

/** Made-up logits of one row (spread over a few nats, as the stand-in's), length × V. */
function madeUpLogits(V: number, length: number): Float32Array {
  const logits = new Float32Array(length * V);
  for (let i = 0; i < logits.length; i++) logits[i] = 3 * Math.sin(i * 0.7071);
  return logits;
}

/**
 * The statistics graph's session on one row of the made-up logits, given as `type` (as the
 * model returns them), greedy (no draws, as benchRequest), fastest of two after one warm-up, s.
 */
async function statsGraphTime(ort: OrtRuntime, session: InferenceSession, type: string, V: number, length: number): Promise<number> {
  const values = madeUpLogits(V, length);
  const Ort = ort.Tensor;
  let logits: Tensor;
  if (type === 'float16') {
    const bits = new Uint16Array(values.length);
    const f = new Float32Array(1);
    const u = new Uint32Array(f.buffer);
    for (let i = 0; i < values.length; i++) {
      f[0] = values[i]; // |x| ≤ 3: a normal half, rounded by truncation (a benchmark's input)
      const x = u[0];
      const e = ((x >>> 23) & 0xff) - 112;
      bits[i] = ((x >>> 16) & 0x8000) | (e > 0 ? (e << 10) | ((x >>> 13) & 0x3ff) : 0);
    }
    logits = new Ort('float16', bits, [1, length, V]);
  } else logits = new Ort('float32', values, [1, length, V]);
  const feeds = {
    logits,
    input_ids: new Ort('int64', new BigInt64Array(length), [1, length]),
    logit_bias: new Ort('float32', new Float32Array(V), [V]),
    shift: new Ort('int64', new BigInt64Array(1), [1]),
    sample_positions: new Ort('int64', new BigInt64Array(0), [1, 0]),
    sample_uniforms: new Ort('float32', new Float32Array(0), [1, 0, 0]),
    temperature: new Ort('float32', Float32Array.from([1]), [1]),
  };
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await session.run(feeds);
    if (i > 0) best = Math.min(best, (performance.now() - t) / 1000);
  }
  return best;
}

/** reduceLogits on one row of made-up logits (spread over a few nats, as the stand-in's), fastest of two, s. */
function reductionTime(card: Model['card'], length: number): number {
  const logits = madeUpLogits(card.vocabSize, length);
  const request = benchRequest(card, 1, length);
  let best = Infinity;
  for (let i = 0; i < 2; i++) {
    const t = performance.now();
    reduceLogits(card, logits.slice(), request);
    best = Math.min(best, (performance.now() - t) / 1000);
  }
  return best;
}

function runChild(graph: string, o: Options, rows: number[]): Promise<ChildResult> {
  const args = [...process.execArgv, fileURLToPath(import.meta.url), '--child', JSON.stringify({ graph, threads: o.threads, rows, length: o.length, device: o.device })];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) reject(new Error(`${graph}: the load child exited with ${code}: ${out.slice(-500)}`));
      else resolvePromise(JSON.parse(line.slice('RESULT '.length)) as ChildResult);
    });
  });
}

// ---- decode cells, in this process ----

interface DecodeCell {
  sampler: string; steps: number; threshold: number | null; complete: boolean;
  /** Seconds of decoding after which the cell stopped (it ends at the step that passes it). */
  budgetS: number;
  stepsRun: number; tokens: number; rowForwards: number; forwardCalls: number; s: number; sPerToken: number; projectedS: number;
}

async function decodeCell(model: Model, prompt: Int32Array, o: Options, sampler: 'confidence' | 'info-gain', steps: number, threshold: number | null, budgetS: number): Promise<DecodeCell> {
  const cell: DecodeCell = { sampler, steps, threshold, complete: false, budgetS, stepsRun: 0, tokens: 0, rowForwards: 0, forwardCalls: 0, s: 0, sPerToken: 0, projectedS: 0 };
  const run = decode(model, prompt, {
    sampler, params: sampler === 'info-gain' ? { candidates: 8 } : {}, genLength: o.tokens, seed: 0,
    // eos_fill off: with random weights an early EOS would fill the rest and end the decode after a few steps; a cost per token needs every token decoded.
    decode: { steps, block_length: model.card.attention.kind === 'block-causal' ? model.card.attention.blockSize : null, threshold, eos_fill: false },
  });
  for await (const event of run) {
    if (event.type === 'done') cell.complete = true;
    if (event.type !== 'step') continue;
    cell.stepsRun++;
    cell.tokens += event.step.commits.length;
    cell.rowForwards += event.step.rowForwards;
    cell.forwardCalls += event.step.forwardCalls;
    cell.s += event.step.wallMs / 1000;
    if (cell.s > budgetS) break; // leaving the loop aborts the run before its next model call
  }
  cell.sPerToken = cell.s / cell.tokens;
  cell.projectedS = cell.sPerToken * o.tokens;
  return cell;
}

type DecodeResult = { promptText: string; promptTokens: number; canvas: number; cells: DecodeCell[] };

/**
 * A chat prompt that fills whole blocks (BD3LM blocks are on absolute positions), padded with '!':
 * then every block of the generation holds 32 masks, each block's steps are alike, and a cell
 * stopped partway measures what the whole decode costs per token (a prompt ending mid-block would
 * make the first block short and cheap).
 */
function blockAlignedPrompt(model: Model): { text: string; prompt: Int32Array } {
  const tokenizer = model.tokenizer!;
  const block = model.card.attention.kind === 'block-causal' ? model.card.attention.blockSize : 1;
  const encode = (text: string) => Int32Array.from(tokenizer.encode(tokenizer.applyChatTemplate([{ role: 'user', content: text }])));
  for (let pad = 0; pad < 4 * block; pad++) {
    const text = `What is 7 * 8?${'!'.repeat(pad)}`;
    const prompt = encode(text);
    if (prompt.length % block === 0) return { text, prompt };
  }
  throw new Error(`no padding of the prompt with '!' makes it a multiple of ${block} tokens with this tokenizer`);
}

/** Every cell in turn (cheapest first); `onCell` sees the result so far after each. */
/**
 * Seconds cell `index` (of 8: four confidence, then four Info-Gain) may decode: a confidence step is
 * one row-forward, an Info-Gain step up to N + 1, so a confidence cell gets a quarter of an
 * Info-Gain cell's time (--cell-seconds). With --until, the cells left share the time left in those
 * proportions, keeping 30 s each for the model call under way when one stops.
 */
function cellBudget(o: Options, index: number): number {
  const weight = (i: number) => (i < 4 ? 0.25 : 1);
  const own = weight(index) * o.cellSeconds;
  if (o.until === null) return own;
  const weights = Array.from({ length: 8 - index }, (_, k) => weight(index + k)).reduce((a, b) => a + b, 0);
  const share = ((o.until - Date.now()) / 1000 - 30 * (8 - index)) * (weight(index) / weights);
  return Math.max(10, Math.min(own, share));
}

async function decodeBench(o: Options, log: (s: string) => void, onCell: (so: DecodeResult) => void): Promise<DecodeResult> {
  const model = await loadModel(join(o.dir, 'onnx', GRAPHS[o.decodePrecision]), { threads: o.threads, device: o.device });
  try {
    const { text, prompt } = blockAlignedPrompt(model);
    const cells: DecodeCell[] = [];
    const result = { promptText: text, promptTokens: prompt.length, canvas: prompt.length + o.tokens, cells };
    for (const sampler of ['confidence', 'info-gain'] as const)
      for (const steps of [o.tokens, o.tokens / 2].map(Math.floor))
        for (const threshold of [null, 0.9]) {
          const budget = cellBudget(o, cells.length);
          const cell = await decodeCell(model, prompt, o, sampler, steps, threshold, budget);
          log(`decode ${sampler} steps ${steps} threshold ${threshold ?? 'none'}: ${cell.stepsRun} steps, ${cell.tokens} tokens, ${cell.rowForwards} row-forwards in ${cell.s.toFixed(1)} s: ${cell.sPerToken.toFixed(2)} s/token${cell.complete ? '' : ` (stopped; ${o.tokens} tokens ≈ ${cell.projectedS.toFixed(0)} s)`}`);
          cells.push(cell);
          onCell(result);
        }
    return result;
  } finally {
    await model.dispose();
  }
}

// ---- the run ----

const gib = (b: number) => (b / GIB).toFixed(2);
const machine = () => ({
  cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version,
  onnxruntimeNode: (JSON.parse(readFileSync(join(ROOT, 'node_modules/onnxruntime-node/package.json'), 'utf8')) as { version: string }).version,
});
const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim();

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') return childMain(JSON.parse(argv[1]));
  if (argv[0] === '--report') return void console.log(markdownReport(argv[1]));
  const o = parseOptions(argv);
  const log = (s: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`);
  ensureStandIn(o, log);
  const started = { at: new Date().toISOString(), uptime: uptime() };
  log(`${o.dir}, ${o.threads} thread(s); ${started.uptime}`);
  const report: Record<string, unknown> = { command: `npm run bench:real -- ${argv.join(' ')}`.trim(), options: { ...o, only: [...o.only] }, machine: machine(), started };
  mkdirSync(o.out, { recursive: true });
  const file = join(o.out, `real-model-${started.at.replace(/[:.]/g, '-')}.json`);
  // Written after every part, so a run stopped midway keeps what it measured.
  const save = () => writeFileSync(file, `${JSON.stringify(report, null, 1)}\n`);
  const loads: Record<string, ChildResult> = {};
  if (o.only.has('load') || o.only.has('forward')) {
    for (const p of o.precisions) {
      const r = await runChild(join(o.dir, 'onnx', GRAPHS[p]), o, o.only.has('forward') ? o.rows : []);
      loads[p] = r;
      const fwd = (list: ChildResult['forwards']) => list.map((f) => `${f.rows}×${f.length}: ${f.s.map((s) => s.toFixed(1)).join(' / ')} s`).join('; ');
      log(`${p}: load ${r.loadS.toFixed(1)} s, peak RSS ${gib(r.peakRssLoad)} GiB after load, ${gib(r.peakRss)} GiB with forwards; statistics graph ${fwd(r.forwards)}; JavaScript ${fwd(r.forwardsJs)}; one row's statistics: graph ${r.statsRowS?.toFixed(2)} s (${r.statsLogits} logits), JavaScript ${r.reduceRowS.toFixed(2)} s; paths agree: top-1 ${(r.pathsTop1 * 100).toFixed(0)} %, max |ΔH| ${r.pathsMaxDH?.toExponential(1)}`);
      report.load = loads;
      save();
    }
  }
  let web: WebCell[] = [];
  if (o.only.has('web')) {
    web = await webBench({ root: ROOT, dir: o.dir, graphs: o.precisions.map((p) => ({ precision: p, graph: GRAPHS[p] })), rows: o.webRows, length: o.length, repeats: 2, threads: o.threads, device: o.webDevice, stats: o.webStats, where: o.webWhere, timeoutS: o.webTimeoutS, workDir: resolve(o.out), log, onCell: (cells) => ((report.web = cells), save()) });
  }
  const decodeResult = o.only.has('decode') ? await decodeBench(o, log, (d) => ((report.decode = d), save())) : null;
  const finished = { at: new Date().toISOString(), uptime: uptime() };
  report.finished = finished;
  save();
  printTables(o, loads, decodeResult, web);
  log(`written ${file}; ${finished.uptime}`);
}

function printTables(o: Options, loads: Record<string, ChildResult>, decoded: { canvas: number; cells: DecodeCell[] } | null, web: WebCell[]): void {
  if (Object.keys(loads).length > 0) {
    const t = new Table({ head: ['graph', 'load s', 'RSS after load GiB', 'peak RSS GiB', ...o.rows.map((r) => `forward ${r}×${o.length} s (graph)`), ...o.rows.map((r) => `forward ${r}×${o.length} s (JS)`), 'stats 1 row: graph s', 'JS s', 'top-1 = fp32', 'max p(top-1) at a mask'] });
    const ref = loads.fp32?.top1;
    for (const [p, r] of Object.entries(loads)) {
      const agree = ref && r.top1.length ? `${((r.top1.filter((id, i) => id === ref[i]).length / ref.length) * 100).toFixed(0)} %` : '';
      const secs = (list: ChildResult['forwards'], n: number) => list.find((f) => f.rows === n)?.s.map((s) => s.toFixed(1)).join(' / ') ?? '';
      t.push([GRAPHS[p], r.loadS.toFixed(1), gib(r.rssAfterLoad), gib(r.peakRss), ...o.rows.map((n) => secs(r.forwards, n)), ...o.rows.map((n) => secs(r.forwardsJs, n)), r.statsRowS?.toFixed(2) ?? '', r.reduceRowS.toFixed(2), agree, r.maxMaskedTop1.toFixed(3)]);
    }
    console.log(t.toString());
  }
  if (decoded) {
    const t = new Table({ head: [`decode (${o.decodePrecision}, canvas ${decoded.canvas})`, 'steps', 'threshold', 'ran', 'tokens', 'row-fwd', 's', 's/token', `${o.tokens} tokens ≈ s`] });
    for (const c of decoded.cells) t.push([c.sampler, c.steps, c.threshold ?? '-', `${c.stepsRun}${c.complete ? ' (done)' : ''}`, c.tokens, c.rowForwards, c.s.toFixed(1), c.sPerToken.toFixed(2), c.projectedS.toFixed(0)]);
    console.log(t.toString());
  }
  if (web.length > 0) {
    const t = new Table({ head: ['Chromium wasm', 'where', 'statistics', 'load s', ...o.webRows.map((r) => `forward ${r}×${o.length} s`), 'peak renderer RSS GiB', 'top-1 = node'] });
    for (const c of web) {
      const node = loads[c.precision]?.top1;
      const agree = node && c.result ? `${((c.result.top1.filter((id, i) => id === node[i]).length / node.length) * 100).toFixed(0)} %` : '';
      t.push([GRAPHS[c.precision], c.where, c.result?.statistics ?? c.stats ?? '', c.result ? (c.result.loadMs / 1000).toFixed(1) : c.error!.slice(0, 60), ...o.webRows.map((n) => c.result?.timings.find((f) => f.rows === n)?.ms.map((m) => (m / 1000).toFixed(1)).join(' / ') ?? ''), gib(c.peakRss), agree]);
    }
    console.log(t.toString());
  }
}

await main();
