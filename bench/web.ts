/**
 * `npm run bench:web`: forward time of each built-in model in Chromium (onnxruntime-web, wasm with
 * threads, in a worker as the app decodes; WebGPU when the browser exposes an adapter) against
 * onnxruntime-node, on this machine in the same run, at 1 and 8 rows; the same calls on the
 * page's main thread (what the worker costs); the Sudoku forward's MatMuls alone in both runtimes
 * (bench/make_matmul_graph.py: how much of the gap is the matrix kernels'); and the page's time to
 * its first decode step (cold: a fresh browser profile, the built-in Sudoku model). A benchmark,
 * never a test: figures depend on load.
 *
 *   npm run bench:web                         (builds the app first)
 *   BENCH_THREADS=1,2 BENCH_REPEATS=15 BENCH_WEBGPU=0 tsx bench/web.ts [--json]   (BENCH_WEBGPU=0: no WebGPU attempt)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { chromium, type Browser, type Page } from 'playwright-core';
import Table from 'cli-table3';
import { BUILTIN_MODELS, loadModel } from '../src/node.js';
import { startWebServer } from '../src/web/serve.js';
import { benchLength, benchRequest, timeForward, type GraphCase } from '../web/src/bench-request.js';
import type { BenchRequest, BenchResult, ForwardTiming } from '../web/src/bench.js';

const CHROMIUM = '/usr/bin/chromium';
const REPEATS = Number(process.env.BENCH_REPEATS ?? 10);
const ROWS = [1, 8];
const THREADS = (process.env.BENCH_THREADS ?? [...new Set([1, Math.min(4, cpus().length)])].join(',')).split(',').map(Number);
const json = process.argv.includes('--json');


async function nodeTimings(threads: number): Promise<ForwardTiming[]> {
  const out: ForwardTiming[] = [];
  for (const b of BUILTIN_MODELS.filter((m) => m.kind === 'onnx')) {
    const model = await loadModel(b.name, { threads });
    const length = benchLength(b.task ?? null, model.card.contextLimit);
    for (const rows of ROWS) {
      const req = benchRequest(model.card, rows, length);
      await model.denoiser.forward(req);
      out.push({ model: b.name, rows, length, ...(await timeForward(model.denoiser, req, REPEATS)) });
    }
    await model.dispose();
  }
  return out;
}

/** Session options tried in the page: the library's defaults, and worker threads that sleep instead of spinning while idle. */
const WASM_VARIANTS: { label: string; session: object | null }[] = [
  { label: 'wasm', session: null },
  { label: 'wasm, no spinning', session: { extra: { session: { intra_op: { allow_spinning: '0' } } } } },
];

const ARGS = ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
/** Lets headless Chromium expose WebGPU: here a SwiftShader (software, fallback) adapter, where there is no GPU. */
const GPU_ARGS = ['--enable-unsafe-webgpu'];

/** The bench page with `query` (?threads=, ?device=, ?session=), given `prepare` (routes) before it loads, running `request`. */
async function onBenchPage<T>(browser: Browser, url: string, query: string, request: BenchRequest, prepare?: (page: Page) => Promise<void>): Promise<T> {
  const page = await browser.newPage();
  try {
    await prepare?.(page);
    await page.goto(`${url}bench.html?${query}`);
    await page.waitForSelector('body[data-ready=true]');
    return (await page.evaluate((r) => window.runBench!(r), request)) as T;
  } finally {
    await page.close();
  }
}

const pageTimings = (browser: Browser, url: string, query: string, where: 'worker' | 'main' = 'worker'): Promise<BenchResult> =>
  onBenchPage(browser, url, query, { op: 'forward', rows: ROWS, repeats: REPEATS, where });

/**
 * The Sudoku forward's matrix products alone (bench/make_matmul_graph.py: every MatMul with the
 * model's own weights, operands broadcast in-graph from one row), timed on one thread in
 * onnxruntime-node and in the page's worker with the same feeds: if their ratio is the forward's,
 * the gap is the matrix kernels' (native AVX-512 against wasm's 128-bit SIMD), not the library's
 * calls around them.
 */
async function matmulTimings(browser: Browser, url: string): Promise<{ label: string; nodeMs: number; pageMs: number }[]> {
  const graph = join(mkdtempSync(join(tmpdir(), 'infogain-bench-web-')), 'sudoku-matmuls.onnx');
  execFileSync('/usr/bin/python3', ['bench/make_matmul_graph.py', 'models/sudoku', graph], { stdio: 'ignore' });
  const session = await ort.InferenceSession.create(readFileSync(graph), { intraOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const width = (input: string, axis: number): number => {
    const meta = session.inputMetadata.find((m) => m.name === input);
    const n = meta?.isTensor ? meta.shape[axis] : undefined;
    if (typeof n !== 'number') throw new Error(`${graph}: input ${input} has no static axis ${axis}`);
    return n;
  };
  const [d, mlp, hd] = [width('x_row', 1), width('h_row', 1), width('q_row', 3)];
  const H = d / hd;
  const T = 81;
  const floats = (n: number) => Array.from({ length: n }, (_, i) => Math.sin(i + 1) / 2);
  const cases: GraphCase[] = [1, 8].map((B) => ({
    label: `sudoku MatMuls ×${B}`,
    feeds: [
      { name: 'x_row', type: 'float32', dims: [1, d], data: floats(d) }, { name: 'h_row', type: 'float32', dims: [1, mlp], data: floats(mlp) },
      { name: 'q_row', type: 'float32', dims: [1, 1, 1, hd], data: floats(hd) }, { name: 'kt_row', type: 'float32', dims: [1, 1, hd, 1], data: floats(hd) },
      { name: 'a_row', type: 'float32', dims: [1, 1, 1, 1], data: [0.5] },
      ...([['x_shape', [B * T, d]], ['h_shape', [B * T, mlp]], ['q_shape', [B, H, T, hd]], ['kt_shape', [B, H, hd, T]], ['a_shape', [B, H, T, T]]] as const)
        .map(([name, dims]) => ({ name, type: 'int64' as const, dims: [dims.length], data: [...dims] })),
    ],
  }));
  const nodeMs: number[] = [];
  for (const c of cases) {
    const feeds = Object.fromEntries(c.feeds.map((f) => [f.name, f.type === 'int64' ? new ort.Tensor('int64', BigInt64Array.from(f.data, BigInt), f.dims) : new ort.Tensor('float32', Float32Array.from(f.data), f.dims)]));
    for (let i = 0; i < 8; i++) await session.run(feeds);
    const ms: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      const t0 = performance.now();
      await session.run(feeds);
      ms.push(performance.now() - t0);
    }
    nodeMs.push(ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)]);
  }
  await session.release();
  const route = async (page: Page) => { await page.route('**/bench-graph/sudoku-matmuls.onnx', (r) => r.fulfill({ path: graph, contentType: 'application/octet-stream' })); };
  const web = await onBenchPage<{ label: string; medianMs: number }[]>(browser, url, 'device=wasm&threads=1', { op: 'graph', url: 'bench-graph/sudoku-matmuls.onnx', cases, repeats: REPEATS, where: 'worker' }, route);
  return cases.map((c, i) => ({ label: c.label, nodeMs: nodeMs[i], pageMs: web[i].medianMs }));
}

const progress = (what: string) => process.stderr.write(`bench:web: ${what}\n`);

/**
 * WebGPU in its own browser, bounded in time: on a software adapter the first session and calls
 * of one model took over 2 minutes here (shader compilation on the CPU).
 */
async function webgpuTimings(url: string): Promise<BenchResult> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...ARGS, ...GPU_ARGS] });
  let timer: NodeJS.Timeout | undefined;
  try {
    const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no result within 60 s; a software adapter compiles its shaders on the CPU')), 60_000)));
    return await Promise.race([pageTimings(browser, url, 'device=webgpu&threads=1'), limit]);
  } finally {
    clearTimeout(timer);
    await browser.close();
  }
}

/** Cold start: a fresh profile opens the app, which loads the Sudoku model; then one decode's first step. */
async function firstStep(browser: Browser, url: string): Promise<{ readyMs: number; firstStepMs: number; fromClickMs: number }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(`${url}?device=wasm&model=sudoku`);
    await page.waitForSelector('body[data-ready=true]', { timeout: 120_000 });
    const readyMs = await page.evaluate(() => performance.now());
    await page.$eval('#speed', (input) => ((input as HTMLInputElement).value = '0'));
    const clicked = await page.evaluate(() => performance.now());
    await page.click('#decode');
    await page.waitForSelector('#panel-a .cell.committed', { timeout: 120_000 });
    const firstStepMs = await page.evaluate(() => performance.now());
    return { readyMs, firstStepMs, fromClickMs: firstStepMs - clicked };
  } finally {
    await context.close();
  }
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM}: not found; the browser half of this benchmark needs Debian's chromium (apt-get install chromium)`);
  const server = await startWebServer({ port: 0 });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...ARGS, '--disable-gpu'] });
  const rows: { runtime: string; threads: number | string; timings: ForwardTiming[] }[] = [];
  const notes: string[] = [];
  try {
    for (const threads of THREADS) {
      progress(`onnxruntime-node, ${threads} thread(s)…`);
      rows.push({ runtime: 'onnxruntime-node', threads, timings: await nodeTimings(threads) });
      // Spinning only matters with worker threads to spin.
      for (const variant of WASM_VARIANTS.filter((v) => threads > 1 || v.session === null)) {
        progress(`chromium ${variant.label}, ${threads} thread(s)…`);
        const session = variant.session ? `&session=${encodeURIComponent(JSON.stringify(variant.session))}` : '';
        const web = await pageTimings(browser, server.url, `device=wasm&threads=${threads}${session}`);
        if (!web.settings.crossOriginIsolated) notes.push('the page was not cross-origin isolated: wasm ran on one thread');
        rows.push({ runtime: `chromium ${variant.label}`, threads: web.threadsInUse, timings: web.timings });
      }
      if (threads === 1) {
        progress('chromium wasm on the main thread, 1 thread…');
        const main = await pageTimings(browser, server.url, 'device=wasm&threads=1', 'main');
        rows.push({ runtime: 'chromium wasm (main thread)', threads: main.threadsInUse, timings: main.timings });
      }
    }
    progress('the Sudoku forward\'s MatMuls alone, node and page, 1 thread…');
    const matmuls = await matmulTimings(browser, server.url);
    progress('cold start…');
    const cold = await firstStep(browser, server.url);
    progress('WebGPU (a separate browser with WebGPU enabled)…');
    const probe = await (process.env.BENCH_WEBGPU === '0' ? Promise.reject(new Error('skipped (BENCH_WEBGPU=0)')) : webgpuTimings(server.url)).catch((e: Error) => {
      notes.push(`WebGPU: not measured (${e.message.split('\n')[0]})`);
      return null;
    });
    if (probe && probe.settings.backend === 'webgpu') {
      rows.push({ runtime: `chromium webgpu (${probe.settings.gpu})`, threads: '-', timings: probe.timings });
    } else if (probe) notes.push(`WebGPU: not measured (${probe.settings.reason}; adapter ${probe.settings.gpu})`);
    if (json) {
      console.log(JSON.stringify({ repeats: REPEATS, rows, matmuls, cold, notes }, null, 2));
      return;
    }
    const models = [...new Set(rows[0].timings.map((t) => t.model))];
    const table = new Table({ head: ['runtime', 'threads', ...models.flatMap((m) => ROWS.map((r) => `${m} ×${r}`))] });
    for (const r of rows) table.push([r.runtime, String(r.threads), ...models.flatMap((m) => ROWS.map((n) => r.timings.find((t) => t.model === m && t.rows === n)?.medianMs.toFixed(1) ?? '-'))]);
    console.log(`forward time, median of ${REPEATS} (ms; canvas: sudoku 81, countdown 48, text 128 tokens, half masked)`);
    console.log(table.toString());
    for (const threads of THREADS) {
      const node = rows.find((r) => r.runtime === 'onnxruntime-node' && r.threads === threads)!;
      const next = rows.findIndex((r, i) => i > rows.indexOf(node) && r.runtime === 'onnxruntime-node');
      for (const web of rows.slice(rows.indexOf(node) + 1, next === -1 ? undefined : next).filter((r) => r.runtime.startsWith('chromium wasm'))) {
        // The fastest calls' ratio too: on a shared machine the medians of runs minutes apart see different loads.
        for (const key of ['medianMs', 'minMs'] as const) {
          const ratios = node.timings.map((t) => `${t.model}×${t.rows} ${(web.timings.find((w) => w.model === t.model && w.rows === t.rows)![key] / t[key]).toFixed(1)}×`);
          console.log(`${web.runtime} / node at ${threads} thread${threads === 1 ? '' : 's'}, ${key === 'minMs' ? 'fastest' : 'median'}: ${ratios.join(', ')}`);
        }
      }
    }
    for (const m of matmuls) console.log(`${m.label} (1 thread): onnxruntime-node ${m.nodeMs.toFixed(2)} ms, chromium wasm ${m.pageMs.toFixed(2)} ms: ${(m.pageMs / m.nodeMs).toFixed(1)}×`);
    console.log(`cold start (fresh profile, built-in sudoku, wasm): page ready ${cold.readyMs.toFixed(0)} ms after navigation, first step ${cold.firstStepMs.toFixed(0)} ms after navigation (${cold.fromClickMs.toFixed(0)} ms after clicking decode)`);
    for (const n of notes) console.log(n);
  } finally {
    await browser.close();
    await server.close();
  }
}

await main();
