/**
 * The browser app in a real browser: Debian's chromium (playwright-core) against the real
 * `infogain web` server on loopback, decoding with onnxruntime-web in the page. What the page
 * decodes is checked against the same decode in Node (onnxruntime-node via src/node.ts).
 *
 * The app is built once for this file into a private folder: `npm run build` (test/package.test.ts
 * runs it) rebuilds dist/web, and a server reading dist/web meanwhile would see it emptied.
 * Needs /usr/bin/chromium (`.ci/run` installs it); without it these tests are skipped, like the
 * report's browser test.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, loadModel, parseTrace, type Model, type Trace } from '../src/node.js';
import { buildWebApp } from '../src/web/build.js';
import { startWebServer, type WebServer } from '../src/web/serve.js';
import { cli } from './helpers/cli.js';
import { clickDecode } from './helpers/web-page.js';

const HAS_CHROMIUM = existsSync('/usr/bin/chromium');
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ARTIFACTS = join(ROOT, 'out', 'test-artifacts');
const tmp = mkdtempSync(join(tmpdir(), 'infogain-web-'));

let server: WebServer;
let browser: Browser;
let page: Page;
let sudoku: Model;
/** Console errors, page errors, failed and off-machine requests, over the whole file. */
const problems: string[] = [];

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  const appDir = await buildWebApp(ROOT, join(tmp, 'app'));
  server = await startWebServer({ appDir, port: 0 });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('request', (r) => {
    if (!r.url().startsWith(server.url) && !/^(blob|data):/.test(r.url())) problems.push(`off-machine request: ${r.url()}`);
  });
  sudoku = await loadModel('sudoku');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await sudoku?.dispose();
});

/** The trace behind a panel's "save trace" link. */
async function panelTrace(id: string): Promise<Trace> {
  const text = await page.evaluate(async (sel) => {
    const link = document.querySelector<HTMLAnchorElement>(sel);
    if (!link) throw new Error(`no ${sel}`);
    return (await fetch(link.href)).text();
  }, `#${id} a.save-trace`);
  return parseTrace(JSON.parse(text), id);
}

const FLOAT_KEYS = new Set(['prob', 'entropy', 'cost', 'hNext', 'objective', 'cumulativeUncertainty']);

/** Equal but for timings: tokens, positions, order and counts exactly, probabilities and entropies within 1e-4. */
function expectSameTrace(page: unknown, node: unknown, path = 'trace'): void {
  if (Array.isArray(node)) {
    expect(Array.isArray(page), path).toBe(true);
    expect((page as unknown[]).length, `${path}.length`).toBe(node.length);
    node.forEach((n, i) => expectSameTrace((page as unknown[])[i], n, `${path}[${i}]`));
  } else if (typeof node === 'object' && node !== null) {
    const p = page as Record<string, unknown>;
    expect(Object.keys(p).filter((k) => k !== 'wallMs').sort(), path).toEqual(Object.keys(node).filter((k) => k !== 'wallMs').sort());
    for (const [k, v] of Object.entries(node)) if (k !== 'wallMs') expectSameTrace(p[k], v, `${path}.${k}`);
  } else if (typeof node === 'number' && FLOAT_KEYS.has(path.split('.').at(-1)!)) {
    expect(typeof page, path).toBe('number');
    expect(Math.abs((page as number) - node), `${path}: page ${page}, node ${node}`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(node)));
  } else expect(page, path).toEqual(node);
}

async function choose(sampler: string, options: { sideBySide?: string; delayMs?: number } = {}): Promise<void> {
  await page.selectOption('#sampler-a', sampler);
  await page.setChecked('#side-by-side', options.sideBySide !== undefined);
  if (options.sideBySide) await page.selectOption('#sampler-b', options.sideBySide);
  await setSpeed(options.delayMs ?? 0);
}

/** The speed slider's value: ms between shown steps (a range input, set as a user's drag would). */
async function setSpeed(delayMs: number): Promise<void> {
  await page.$eval('#speed', (input, v) => {
    (input as HTMLInputElement).value = String(v);
    input.dispatchEvent(new Event('input'));
  }, delayMs);
}

describe.skipIf(!HAS_CHROMIUM)('the web app in Chromium', () => {
  it('loads cross-origin isolated, lists the built-in models and generates a puzzle', async () => {
    await page.goto(`${server.url}?backend=wasm`);
    await page.waitForSelector('body[data-ready=true]', { timeout: 60_000 });
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.textContent('#runtime')).toMatch(/on wasm .*cross-origin isolated: yes/);
    const models = await page.$$eval('#model option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(models).toEqual(expect.arrayContaining(['sudoku', 'countdown', 'text', 'hmm-demo', 'markov-shakespeare']));
    expect(await page.getAttribute('#model-info', 'data-loaded')).toBe('sudoku');
    expect(await page.inputValue('#prompt')).toMatch(/^[1-9.]{81}$/);
  });

  it('decodes a Sudoku puzzle with Info-Gain in the page, equal to the same decode in Node', async () => {
    const prompt = await page.inputValue('#prompt');
    await choose('info-gain');
    await page.fill('#a-candidates', '4'); // N = 4: half the lookahead rows of the default, the same code path
    await clickDecode(page);
    await page.waitForSelector('#panel-a[data-state=done]', { timeout: 120_000 });
    const trace = await panelTrace('panel-a');
    const node = await generate(sudoku, prompt, { sampler: 'info-gain', params: { candidates: 4 }, seed: 0 });
    expect(trace.samplerParams.candidates).toBe(4);
    expectSameTrace(trace, node.trace);
    // What the page shows is that trace: every blank holds its token, numbered by its step.
    const cells = await page.$$eval('#panel-a .cell', (cs) => cs.map((c) => ({ tok: c.querySelector('.tok')!.textContent, order: c.querySelector('.order')!.textContent })));
    expect(cells.map((c) => c.tok).join('')).toBe(node.text);
    const steps = trace.sequences[0].steps;
    for (const [i, step] of steps.entries()) for (const c of step.commits) expect(cells[c.position].order).toBe(String(i + 1));
    expect(await page.textContent('#panel-a .verdict')).toMatch(/^(correct|wrong)/);
    const table = await page.$$eval('#panel-a .candidates tbody tr', (rows) => rows.map((r) => [r.className, ...Array.from(r.children, (c) => c.textContent)]));
    const lastScored = [...steps].reverse().find((s) => s.candidates !== undefined)!;
    expect(table).toHaveLength(lastScored.candidates!.length);
    expect(table.findIndex((r) => r[0] === 'winner')).toBe(lastScored.winner);
    expect(Number(table[0][5])).toBeCloseTo(lastScored.candidates![0].objective, 3);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'web-sudoku.png'), fullPage: true });
  }, 180_000);

  it('stays responsive while Info-Gain decodes a Sudoku in the worker: no main-thread task over 50 ms (PerformanceObserver longtask)', async () => {
    await page.evaluate(() => {
      const seen: number[] = [];
      Reflect.set(window, 'longTasks', seen);
      new PerformanceObserver((list) => seen.push(...list.getEntries().map((e) => e.duration))).observe({ type: 'longtask' });
    });
    const longTasks = () => page.evaluate(() => Reflect.get(window, 'longTasks') as number[]);
    // The observer sees long tasks when there are some: an 80 ms task of the page's own (a timer's, as a forward call on the main thread would be).
    await page.evaluate(() =>
      setTimeout(() => {
        const t0 = performance.now();
        while (performance.now() - t0 < 80);
      }, 0),
    );
    await page.waitForFunction(() => (Reflect.get(window, 'longTasks') as number[]).length > 0);
    expect((await longTasks())[0]).toBeGreaterThanOrEqual(80);
    await page.evaluate(() => (Reflect.get(window, 'longTasks') as number[]).splice(0));
    await choose('info-gain'); // N = 8: lookahead calls of 8 rows, 84 ms each in wasm on one thread
    await page.fill('#a-candidates', '8');
    await clickDecode(page);
    await page.waitForSelector('#panel-a[data-state=done]', { timeout: 180_000 });
    await page.waitForTimeout(200); // entries are delivered after the task that ends
    const trace = await panelTrace('panel-a');
    // The decode ran long enough for main-thread forwards to have shown up: several seconds of model calls.
    expect(trace.sequences[0].totals.wallMs).toBeGreaterThan(1000);
    expect(await longTasks()).toEqual([]);
  }, 240_000);

  it('decodes two samplers side by side in lockstep (pause, single step, play), each equal to Node', async () => {
    await choose('confidence', { sideBySide: 'margin', delayMs: 150 });
    await clickDecode(page);
    await page.waitForFunction(() => document.querySelectorAll('#panel-b .cell.committed').length >= 2, null, { timeout: 60_000 });
    await page.click('#play'); // pause
    await page.waitForFunction(() => document.querySelector('#play')?.textContent === 'play');
    await page.waitForTimeout(400); // the tick under way when Pause was clicked ends
    const shown = () => page.$$eval('.panel .status', (s) => s.map((x) => Number(/step (\d+)/.exec(x.textContent ?? '')?.[1])));
    const [a, b] = await shown();
    expect(a).toBe(b); // lockstep: both panels at the same step
    await page.waitForTimeout(400); // paused: nothing moves
    expect(await shown()).toEqual([a, b]);
    await page.click('#step');
    await page.waitForFunction((n) => Array.from(document.querySelectorAll('.panel .status')).every((s) => s.textContent?.startsWith(`step ${n}`)), a + 1);
    await setSpeed(0);
    await page.click('#play');
    await page.waitForSelector('#panel-b[data-state=done]', { timeout: 60_000 });
    await page.waitForSelector('#panel-a[data-state=done]');
    const prompt = await page.inputValue('#prompt');
    for (const [id, sampler] of [['panel-a', 'confidence'], ['panel-b', 'margin']] as const)
      expectSameTrace(await panelTrace(id), (await generate(sudoku, prompt, { sampler, seed: 0 })).trace, sampler);
    expect(await page.textContent('#comparison')).toMatch(/^confidence: (solved|not solved), cumulative uncertainty [\d.]+ nats.* · margin: /);
  }, 120_000);

  it('Abort stops a running decode before its next model call', async () => {
    await choose('best-of-n', { delayMs: 0 });
    await clickDecode(page);
    await page.waitForSelector('#panel-a .cell.committed', { timeout: 60_000 });
    await page.click('#abort');
    await page.waitForSelector('#panel-a[data-state=aborted]', { timeout: 30_000 });
    expect(await page.textContent('#panel-a .status')).toMatch(/^aborted: the decode stopped before its next model call/);
    expect(await page.$('#panel-a a.save-trace')).toBeNull(); // no trace: the run did not finish
    expect(await page.isEnabled('#decode')).toBe(true);
    const calls = await page.textContent('#panel-a [data-stat=calls]');
    await page.waitForTimeout(300);
    expect(await page.textContent('#panel-a [data-stat=calls]')).toBe(calls);
  }, 90_000);

  it('replays a trace written by infogain generate --trace, without a model', async () => {
    const file = join(tmp, 'hmm-trace.json');
    const run = await cli('generate', '--model', 'hmm-demo', '--sampler', 'info-gain', '--seed', '3', '--trace', file);
    expect(run.code, run.stderr).toBe(0);
    const trace = parseTrace(JSON.parse(readFileSync(file, 'utf8')), file);
    const [sequence] = trace.sequences;
    await setSpeed(0);
    await page.setInputFiles('#trace-file', file);
    await page.waitForSelector('#panel-a[data-state=done]', { timeout: 30_000 });
    expect(await page.textContent('#panel-a h2')).toContain('replay hmm-trace.json: info-gain · hmm-demo · seed 3');
    const cells = await page.$$eval('#panel-a .cell .tok', (ts) => ts.map((t) => t.textContent).join(''));
    expect(cells).toBe(sequence.output.map((id) => 'abcdefghijkl'[id]).join(''));
    expect(await page.textContent('#panel-a .status')).toBe(`done after ${sequence.steps.length} steps`);
    expect(await page.textContent('#panel-a [data-stat=cu]')).toBe(`${sequence.totals.cumulativeUncertainty.toFixed(3)} nats cumulative uncertainty`);
  }, 60_000);

  it('a malformed model.json picked from disk shows the CLI’s error', async () => {
    const dir = join(tmp, 'bad-model');
    mkdirSync(dir);
    for (const f of ['model.onnx', 'tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(ROOT, 'models', 'sudoku', f), join(dir, f));
    const card = JSON.parse(readFileSync(join(ROOT, 'models', 'sudoku', 'model.json'), 'utf8'));
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ ...card, maskId: 'one' }));
    const run = await cli('generate', '--model', dir, '--prompt', '1');
    expect(run.code).not.toBe(0);
    const cliMessage = run.stderr.replace(/^infogain: /, '').split(dir).join('model');
    expect(cliMessage).toMatch(/^model\/model\.json: .*maskId/);
    await page.setInputFiles('#model-files', ['model.onnx', 'model.json', 'tokenizer.json', 'tokenizer_config.json'].map((f) => join(dir, f)));
    await page.waitForSelector('#error:not([hidden])', { timeout: 30_000 });
    expect(await page.textContent('#error')).toBe(cliMessage);
    // The same directory picked as a folder: the messages name it as the CLI does.
    await page.setInputFiles('#model-folder', dir);
    await page.waitForFunction((m) => document.querySelector('#error')?.textContent === m, cliMessage.replace(/^model\//, 'bad-model/'), { timeout: 30_000 });
  }, 60_000);

  it('decodes with a model folder picked from disk (model, card, tokenizer; other files ignored), equal to Node', async () => {
    const dir = join(ROOT, 'models', 'tiny', 'llada-tiny');
    await page.setInputFiles('#model-folder', dir);
    await page.waitForFunction(() => document.querySelector<HTMLElement>('#model-info')?.dataset.loaded === 'llada-tiny', null, { timeout: 30_000 });
    expect(await page.isHidden('#error')).toBe(true);
    await page.fill('#prompt', 'ROMEO:');
    await page.fill('#gen-length', '12');
    await choose('confidence');
    await clickDecode(page);
    await page.waitForSelector('#panel-a[data-state=done]', { timeout: 60_000 });
    const tiny = await loadModel(dir);
    try {
      expectSameTrace(await panelTrace('panel-a'), (await generate(tiny, 'ROMEO:', { sampler: 'confidence', genLength: 12, seed: 0 })).trace);
    } finally {
      await tiny.dispose();
    }
  }, 60_000);

  it('?device= picks the execution provider (shown, and offered in the select); a cache-mode decode (use_cache dual, prefix) equals Node\'s', async () => {
    await page.goto(`${server.url}?device=wasm&model=text`);
    await page.waitForSelector('body[data-ready=true]', { timeout: 60_000 });
    expect(await page.textContent('#runtime')).toMatch(/^onnxruntime-web on wasm \(asked for in the URL\)/);
    // Headless Chromium without a GPU has no hardware WebGPU adapter: wasm is the one device offered.
    expect(await page.$$eval('#device option', (os) => os.map((o) => [(o as HTMLOptionElement).value, o.textContent]))).toEqual([['wasm', 'wasm (CPU)']]);
    expect(await page.getAttribute('#model-info', 'data-loaded')).toBe('text');
    expect(await page.textContent('#model-info')).toMatch(/; on wasm$/);

    await page.fill('#prompt', 'ROMEO:');
    await page.fill('#gen-length', '16');
    await choose('info-gain');
    await page.fill('#a-candidates', '3');
    await page.click('#controls details summary');
    await page.fill('#decode-block_length', '8');
    const text = await loadModel('text');
    try {
      const ids = text.tokenizer!.encode('ROMEO:');
      const nodeTrace = async (use_cache: 'none' | 'prefix' | 'dual') =>
        (await generate(text, ids, { sampler: 'info-gain', params: { candidates: 3 }, genLength: 16, seed: 0, decode: { block_length: 8, use_cache } })).trace;
      const entropies = (t: Trace) => t.sequences[0].steps.flatMap((s) => s.commits.map((c) => c.entropy));
      const none = entropies(await nodeTrace('none'));
      for (const mode of ['dual', 'prefix'] as const) {
        await page.selectOption('#decode-use_cache', mode);
        await clickDecode(page);
        await page.waitForSelector('#panel-a[data-state=done]', { timeout: 60_000 });
        const node = await nodeTrace(mode);
        // The approximate cache changes what the model sees: equal traces mean the page ran the cache graph.
        expect(entropies(node).some((e, i) => !(Math.abs(e - none[i]) <= 1e-3)), `${mode} differs from use_cache none`).toBe(true);
        expectSameTrace(await panelTrace('panel-a'), node, mode);
      }
    } finally {
      await text.dispose();
    }
  }, 90_000);

  it('?device=cpu is wasm; an unknown ?device= falls back to the page\'s own choice, naming the value and the devices it has', async () => {
    await page.goto(`${server.url}?device=cpu&model=hmm-demo`);
    await page.waitForSelector('body[data-ready=true]', { timeout: 60_000 });
    expect(await page.textContent('#runtime')).toMatch(/^onnxruntime-web on wasm \(asked for in the URL\)/);
    expect(await page.textContent('#model-info')).toMatch(/; runs in JavaScript \(an exact oracle\)$/);
    // Choosing a device in the select reloads the page with it, keeping the model (here the same device, as a user's change event).
    await Promise.all([page.waitForURL(/\?device=wasm&model=hmm-demo$/), page.$eval('#device', (select) => select.dispatchEvent(new Event('change')))]);
    await page.waitForSelector('body[data-ready=true]', { timeout: 60_000 });
    expect(await page.inputValue('#model')).toBe('hmm-demo');
    await page.goto(`${server.url}?device=tpu&model=hmm-demo`);
    await page.waitForSelector('body[data-ready=true]', { timeout: 60_000 });
    expect(await page.textContent('#runtime')).toMatch(/^onnxruntime-web on wasm \(\?device=tpu is not a device of onnxruntime-web in this browser, expected one of wasm; the browser offers no WebGPU adapter\)/);
    expect(await page.inputValue('#device')).toBe('wasm');
  }, 60_000);

  it('had no console errors, page errors or off-machine requests', () => {
    expect(problems).toEqual([]);
  });
});
