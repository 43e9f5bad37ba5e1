/**
 * The browser half of `npm run bench:real` (bench/real-model.ts): each graph of a Hugging Face
 * ONNX folder loaded in Chromium by URL, as the web app's `?model=<folder>/onnx/<file>.onnx` loads it
 * (onnxruntime-web, wasm, fetching the `.onnx.data` beside the graph), and the bench forward timed
 * on the page's main thread and in a module worker set up as the app's decode worker
 * (web/src/bench-worker.ts: the same configureRuntime, loadModel and forward call). Peak memory is
 * the largest resident size of any of the browser's processes while it runs (the renderer holds the
 * page, its workers and their wasm heaps), sampled from /proc.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { buildWebApp } from '../src/web/build.js';
import { startWebServer } from '../src/web/serve.js';
import type { BenchRequest, ModelForwardResult } from '../web/src/bench.js';

export interface WebCell {
  precision: string;
  /** The statistics path asked for: graph (the app's default at this vocabulary) or js. */
  stats?: string;
  where: 'main' | 'worker';
  /** The page's result, or the error it reported (verbatim). */
  result: ModelForwardResult | null;
  error: string | null;
  /** Largest resident size of one browser process during the cell, bytes. */
  peakRss: number;
  wallS: number;
}

const ARGS = ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
/** WebGPU in headless Chromium (a GPU machine's adapter; here there is none). */
const WEBGPU_ARGS = ['--enable-unsafe-webgpu', '--enable-features=Vulkan'];

/** Every process below `root` (its children, theirs, …), from /proc. */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so read after its last ')'.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended between readdir and read
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    for (const [child, p] of parent) if (p === pid) (out.push(child), walk(child));
  };
  walk(root);
  return out;
}

const rssOf = (pid: number): number => {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
};

/** Samples the largest single browser process's resident size every `ms` until stopped. */
function peakRssSampler(ms = 250): { stop: () => number } {
  let peak = 0;
  const sample = () => {
    for (const pid of descendants(process.pid)) peak = Math.max(peak, rssOf(pid));
  };
  const timer = setInterval(sample, ms);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

export interface WebBenchOptions {
  root: string;
  /** The model folder and the graphs to load from its onnx/, by precision label. */
  dir: string;
  graphs: { precision: string; graph: string }[];
  rows: number[];
  length: number;
  repeats: number;
  threads: number;
  /** Where the app is built (a private copy: `npm run build` may rebuild dist/web meanwhile). */
  workDir: string;
  log: (line: string) => void;
  /** Called with the cells so far after each. */
  onCell: (cells: WebCell[]) => void;
  /** A cell that takes longer is reported as timed out. */
  timeoutS: number;
  /** onnxruntime-web's device: wasm, or webgpu where the browser has an adapter. */
  device: string;
  /** The statistics paths to run each graph with: graph (the statistics graph, the default) and/or js. */
  stats: string[];
  /** Where to run: the page's main thread and/or the worker. */
  where: ('main' | 'worker')[];
}

/** Every graph, on the main thread and then in the worker; a fresh browser context (renderer process) for each. */
export async function webBench(o: WebBenchOptions): Promise<WebCell[]> {
  const appDir = await buildWebApp(o.root, join(o.workDir, 'app'));
  const name = basename(resolve(o.dir));
  rmSync(join(appDir, 'hub'), { recursive: true, force: true });
  mkdirSync(join(appDir, 'hub'));
  // Served beside the app (same origin, so no CORS under the page's COEP), as a static host would serve the folder.
  symlinkSync(resolve(o.dir), join(appDir, 'hub', name));
  // One small built-in (the server serves at least one); the bench page loads only the folder.
  const server = await startWebServer({ appDir, port: 0, models: ['hmm-demo'] });
  let browser: Browser | null = null;
  const cells: WebCell[] = [];
  try {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: o.device === 'webgpu' ? [...ARGS, ...WEBGPU_ARGS] : [...ARGS, '--disable-gpu'] });
    for (const { precision, graph } of o.graphs)
      for (const stats of o.stats)
      for (const where of o.where) {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        const sampler = peakRssSampler();
        const t0 = performance.now();
        let result: ModelForwardResult | null = null;
        let error: string | null = null;
        try {
          await page.goto(`${server.url}bench.html?device=${o.device}&threads=${o.threads}&stats=${stats}`);
          await page.waitForSelector('body[data-ready=true]');
          const request: BenchRequest = { op: 'model', url: `hub/${name}/onnx/${graph}`, rows: o.rows, length: o.length, repeats: o.repeats, where };
          const limit = o.timeoutS;
          let timer: NodeJS.Timeout | undefined;
          const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${limit} s`)), limit * 1000)));
          result = (await Promise.race([page.evaluate((r) => window.runBench!(r), request), timeout]).finally(() => clearTimeout(timer))) as ModelForwardResult;
        } catch (e) {
          // The page's own words (an allocation failure, an operator without a wasm kernel), first line only.
          error = (e instanceof Error ? e.message : String(e)).replace(/^page\.evaluate: (Error: )?/, '').split('\n')[0];
        }
        const cell: WebCell = { precision, stats, where, result, error: error ?? (errors.length > 0 ? errors.join('; ') : null), peakRss: sampler.stop(), wallS: (performance.now() - t0) / 1000 };
        cells.push(cell);
        o.onCell(cells);
        o.log(`web ${precision} ${where}, statistics ${result?.statistics ?? stats}: ${cell.error ? `failed: ${cell.error}` : `on ${result!.settings.backend} (${result!.threadsInUse} thread), load ${(result!.loadMs / 1000).toFixed(1)} s, forwards ${result!.timings.map((t) => `${t.rows}×${t.length}: ${t.ms.map((m) => (m / 1000).toFixed(1)).join(' / ')} s`).join('; ')}`}; peak renderer RSS ${(cell.peakRss / 2 ** 30).toFixed(2)} GiB`);
        await page.close();
      }
  } finally {
    await browser?.close();
    await server.close();
  }
  return cells;
}
