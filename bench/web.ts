/**
 * `npm run bench:web`: forward time of each built-in model in Chromium (onnxruntime-web, wasm with
 * threads; WebGPU when the browser exposes an adapter) against onnxruntime-node, on this machine
 * in the same run, at 1 and 8 rows; and the page's time to its first decode step (cold: a fresh
 * browser profile, the built-in Sudoku model). A benchmark, never a test: figures depend on load.
 *
 *   npm run bench:web                         (builds the app first)
 *   BENCH_THREADS=1,2 BENCH_REPEATS=15 tsx bench/web.ts [--json]
 */
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { chromium, type Browser } from 'playwright-core';
import Table from 'cli-table3';
import { BUILTIN_MODELS, loadModel } from '../src/node.js';
import { startWebServer } from '../src/web/serve.js';
import { benchLength, benchRequest, timeForward } from '../web/src/bench-request.js';
import type { BenchResult, ForwardTiming } from '../web/src/bench.js';

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

async function pageTimings(browser: Browser, url: string, query: string): Promise<BenchResult> {
  const page = await browser.newPage();
  try {
    await page.goto(`${url}bench.html?${query}`);
    await page.waitForSelector('body[data-ready=true]');
    return await page.evaluate(([rows, repeats]) => window.runForwardBench!(rows, repeats), [ROWS, REPEATS] as [number[], number]);
  } finally {
    await page.close();
  }
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
    return await Promise.race([pageTimings(browser, url, 'backend=webgpu&threads=1'), limit]);
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
    await page.goto(`${url}?backend=wasm&model=sudoku`);
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
        const web = await pageTimings(browser, server.url, `backend=wasm&threads=${threads}${session}`);
        if (!web.settings.crossOriginIsolated) notes.push('the page was not cross-origin isolated: wasm ran on one thread');
        rows.push({ runtime: `chromium ${variant.label}`, threads: web.settings.threads, timings: web.timings });
      }
    }
    progress('cold start…');
    const cold = await firstStep(browser, server.url);
    progress('WebGPU (a separate browser with WebGPU enabled)…');
    const probe = await webgpuTimings(server.url).catch((e: Error) => {
      notes.push(`WebGPU: not measured (${e.message.split('\n')[0]})`);
      return null;
    });
    if (probe && probe.settings.backend === 'webgpu') {
      rows.push({ runtime: `chromium webgpu (${probe.settings.gpu})`, threads: '-', timings: probe.timings });
    } else if (probe) notes.push(`WebGPU: not measured (${probe.settings.reason}; adapter ${probe.settings.gpu})`);
    if (json) {
      console.log(JSON.stringify({ repeats: REPEATS, rows, cold, notes }, null, 2));
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
        const ratios = node.timings.map((t) => `${t.model}×${t.rows} ${(web.timings.find((w) => w.model === t.model && w.rows === t.rows)!.medianMs / t.medianMs).toFixed(1)}×`);
        console.log(`${web.runtime} / node at ${threads} thread${threads === 1 ? '' : 's'}: ${ratios.join(', ')}`);
      }
    }
    console.log(`cold start (fresh profile, built-in sudoku, wasm): page ready ${cold.readyMs.toFixed(0)} ms after navigation, first step ${cold.firstStepMs.toFixed(0)} ms after navigation (${cold.fromClickMs.toFixed(0)} ms after clicking decode)`);
    for (const n of notes) console.log(n);
  } finally {
    await browser.close();
    await server.close();
  }
}

await main();
