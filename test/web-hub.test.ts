/**
 * A Hugging Face ONNX folder in the web app (docs/real-models.md, docs/web.md "Your own model"):
 * the committed BD3LM stand-in (fp16 graph with its weights in `.onnx.data`, a 4-bit graph, the
 * tokenizer files, no model.json) picked as a folder, picked as files, and served by URL
 * (?model=…/onnx/<file>.onnx), decoded in Chromium's worker with onnxruntime-web and compared
 * with the same folder decoded in Node (onnxruntime-node reads the external data from disk).
 * Needs /usr/bin/chromium, like test/web.test.ts; skipped without it.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, loadModel, parseTrace, type Trace } from '../src/node.js';
import { buildWebApp } from '../src/web/build.js';
import { startWebServer, type WebServer } from '../src/web/serve.js';
import { clickDecode } from './helpers/web-page.js';

const HAS_CHROMIUM = existsSync('/usr/bin/chromium');
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FOLDER = join(ROOT, 'models', 'tiny', 'qwen3-bd3lm-tiny');
const FP16 = 'model_fp16_fused.onnx';
const Q4 = 'model_q4f16_rtn_sym.onnx';
const PROMPT = 'ROMEO:';
const GEN = 40;
const tmp = mkdtempSync(join(tmpdir(), 'infogain-web-hub-'));

let server: WebServer;
let browser: Browser;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  const appDir = await buildWebApp(ROOT, join(tmp, 'app'));
  // Served beside the app, as a folder on any static host (or huggingface.co/…/resolve/main/) would be.
  mkdirSync(join(appDir, 'hub'));
  cpSync(FOLDER, join(appDir, 'hub', 'qwen3-bd3lm-tiny'), { recursive: true });
  server = await startWebServer({ appDir, port: 0, models: ['hmm-demo'] });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  page = await browser.newPage();
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith(server.url) && !/^(blob|data):/.test(r.url())) problems.push(`off-machine request: ${r.url()}`);
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function open(query: string): Promise<void> {
  await page.goto(`${server.url}?device=wasm&${query}`);
  await page.waitForSelector('body[data-ready=true]', { timeout: 60_000 });
}

/** Decode the prompt with Info-Gain (N = 4) in the page and return the saved trace. */
async function decodeInPage(): Promise<Trace> {
  expect(await page.isHidden('#error'), await page.textContent('#error') ?? '').toBe(true);
  await page.fill('#prompt', PROMPT);
  await page.fill('#gen-length', String(GEN));
  await page.selectOption('#sampler-a', 'info-gain');
  await page.setChecked('#side-by-side', false);
  await page.fill('#a-candidates', '4');
  await page.$eval('#speed', (input) => {
    (input as HTMLInputElement).value = '0';
    input.dispatchEvent(new Event('input'));
  });
  await clickDecode(page);
  await page.waitForSelector('#panel-a[data-state=done]', { timeout: 120_000 });
  const text = await page.evaluate(async () => (await fetch(document.querySelector<HTMLAnchorElement>('#panel-a a.save-trace')!.href)).text());
  return parseTrace(JSON.parse(text), 'page');
}

/** The same decode in Node, from the folder on disk (`graph`: which of its graphs). */
async function decodeInNode(graph: string): Promise<Trace> {
  const model = await loadModel(graph === FP16 ? FOLDER : join(FOLDER, 'onnx', graph));
  try {
    return (await generate(model, PROMPT, { sampler: 'info-gain', params: { candidates: 4 }, genLength: GEN, seed: 0 })).trace;
  } finally {
    await model.dispose();
  }
}

/**
 * Same tokens, order and candidates; entropies and scores within `tolerance` (relative): onnxruntime-web's
 * wasm kernels against native ones. 1e-3 for the fp16 graph; the 4-bit graph's MatMulNBits
 * accumulates its fp16 activations differently in the two builds (measured on this stand-in: 1.1e-4 for fp16, 2.1e-3 for 4-bit).
 */
function expectSameDecode(page: Trace, node: Trace, tolerance = 1e-3): void {
  const [p, n] = [page.sequences[0], node.sequences[0]];
  expect(p.initial).toEqual(n.initial);
  expect(p.output).toEqual(n.output);
  expect(p.steps.map((s) => s.commits.map((c) => [c.position, c.token]))).toEqual(n.steps.map((s) => s.commits.map((c) => [c.position, c.token])));
  expect(p.steps.map((s) => s.winner)).toEqual(n.steps.map((s) => s.winner));
  const close = (a: number, b: number, what: string) => expect(Math.abs(a - b), `${what}: page ${a}, node ${b}`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(b)));
  p.steps.forEach((s, i) => {
    s.commits.forEach((c, j) => close(c.entropy, n.steps[i].commits[j].entropy, `step ${i} commit ${j} entropy`));
    s.candidates?.forEach((c, j) => close(c.objective, n.steps[i].candidates![j].objective, `step ${i} candidate ${j} objective`));
  });
  expect({ sampler: page.sampler, params: page.samplerParams, decode: page.decode }).toEqual({ sampler: node.sampler, params: node.samplerParams, decode: node.decode });
  expect(n.steps.length).toBeGreaterThan(GEN / 4); // a real decode: many steps, each with candidates scored
  expect(n.steps.some((s) => (s.candidates?.length ?? 0) > 1)).toBe(true);
}

describe.skipIf(!HAS_CHROMIUM)('a Hugging Face ONNX folder in the web app', () => {
  it('picked as a folder (onnx/ with two graphs and their .onnx.data, tokenizer files, README): the fp16 graph runs, equal to Node', async () => {
    await open('model=hmm-demo');
    await page.setInputFiles('#model-folder', FOLDER);
    await page.waitForFunction(() => document.querySelector<HTMLElement>('#model-info')?.dataset.loaded === 'qwen3-bd3lm-tiny', null, { timeout: 60_000 });
    expect(await page.inputValue('#model')).toBe('your model: qwen3-bd3lm-tiny');
    expect(await page.textContent('#model-info')).toMatch(/vocabulary 512, mask id \d+; on wasm$/);
    const trace = await decodeInPage();
    expect(trace.model).toBe('qwen3-bd3lm-tiny');
    expectSameDecode(trace, await decodeInNode(FP16));
  }, 180_000);

  it('picked as files (the 4-bit graph, its .onnx.data, the tokenizer files): equal to Node on that graph', async () => {
    const files = [join(FOLDER, 'onnx', Q4), join(FOLDER, 'onnx', `${Q4}.data`), join(FOLDER, 'tokenizer.json'), join(FOLDER, 'tokenizer_config.json')];
    await page.setInputFiles('#model-files', files);
    await page.waitForFunction(() => document.querySelector<HTMLElement>('#model-info')?.dataset.loaded === 'model', null, { timeout: 60_000 });
    expect(await page.inputValue('#model')).toBe('your model: model');
    const q4 = await decodeInNode(Q4);
    const fp16 = await decodeInNode(FP16);
    // The two graphs' logits differ (4-bit weights): the page ran the one picked.
    expect(q4.sequences[0].steps.flatMap((s) => s.commits.map((c) => c.entropy))).not.toEqual(fp16.sequences[0].steps.flatMap((s) => s.commits.map((c) => c.entropy)));
    expectSameDecode(await decodeInPage(), q4, 1e-2);
  }, 180_000);

  it('a graph picked without its .onnx.data is refused naming the file, before onnxruntime reads anything', async () => {
    await page.setInputFiles('#model-files', [join(FOLDER, 'onnx', FP16), join(FOLDER, 'tokenizer.json'), join(FOLDER, 'tokenizer_config.json')]);
    await page.waitForSelector('#error:not([hidden])', { timeout: 30_000 });
    expect(await page.textContent('#error')).toBe(
      `model/onnx/${FP16}: its weights are in the external data file ${FP16}.data, which was not picked, expected it picked with the graph (the .onnx.data file downloaded beside it in onnx/)`,
    );
    expect(readdirSync(join(FOLDER, 'onnx'))).toContain(`${FP16}.data`); // it exists: the page asked for it by the graph's record
  }, 60_000);

  it('served by URL (?model=<folder>/onnx/<graph>.onnx): the external data and tokenizer files fetched beside it, equal to Node', async () => {
    const graphUrl = `hub/qwen3-bd3lm-tiny/onnx/${FP16}`;
    const fetched: string[] = [];
    page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
    await open(`model=${graphUrl}`);
    await page.waitForFunction(() => document.querySelector<HTMLElement>('#model-info')?.dataset.loaded !== undefined, null, { timeout: 60_000 });
    expect(await page.inputValue('#model')).toBe(`your model: ${graphUrl}`);
    expect(fetched).toEqual(expect.arrayContaining([`/${graphUrl}`, `/${graphUrl}.data`, '/hub/qwen3-bd3lm-tiny/tokenizer.json', '/hub/qwen3-bd3lm-tiny/tokenizer_config.json']));
    const trace = await decodeInPage();
    expect(trace.model).toBe('qwen3-bd3lm-tiny'); // the folder's name, as on disk
    expectSameDecode(trace, await decodeInNode(FP16));
    // Choosing a device reloads the page with ?device=: the URL model goes with it.
    await Promise.all([page.waitForURL((u) => u.searchParams.get('model') === graphUrl && u.searchParams.get('device') === 'wasm'), page.$eval('#device', (select) => select.dispatchEvent(new Event('change')))]);
    await page.waitForSelector('body[data-ready=true]', { timeout: 60_000 });
    expect(await page.inputValue('#model')).toBe(`your model: ${graphUrl}`);
  }, 180_000);

  it('a folder URL without model.json names the graph URL to give instead; the page stays usable', async () => {
    await open('model=hub/qwen3-bd3lm-tiny/');
    expect(await page.textContent('#error')).toBe(
      `hub/qwen3-bd3lm-tiny/: ${server.url}hub/qwen3-bd3lm-tiny/model.json answered HTTP 404, expected a model directory (model.json, model.onnx); for a Hugging Face ONNX folder give the URL of its graph, hub/qwen3-bd3lm-tiny/onnx/<file>.onnx (e.g. model_q4f16_rtn_sym.onnx)`,
    );
    expect(await page.inputValue('#model')).toBe('hmm-demo');
  }, 60_000);

  it('had no page errors or off-machine requests', () => {
    expect(problems).toEqual([]);
  });
});
