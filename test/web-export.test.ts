/**
 * `infogain web --export`: the static site, served by two plain static servers (hono's static
 * files, as any static host would) in Debian's chromium (playwright-core): one that sends no
 * special headers (the page must work on one thread and say so) and one that sends COOP/COEP
 * (wasm threads). In each, a Sudoku decode must equal Node's; in the isolated one the digits
 * model's picture must show the drawn levels and the judge's verdict must be Node's judge's.
 * The site sits in a subfolder of the server's root, as on a project page of a static host.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, loadModel, parseTrace, type Trace } from '../src/node.js';
import { DigitJudge } from '../src/tasks/digits/judge.js';
import { buildBlockers, buildWebApp, prepareWebApp } from '../src/web/build.js';
import { exportSite } from '../src/web/export.js';
import { ISOLATION_HEADERS } from '../src/web/serve.js';
import { cli } from './helpers/cli.js';
import { clickDecode } from './helpers/web-page.js';

const HAS_CHROMIUM = existsSync('/usr/bin/chromium');
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'infogain-web-export-'));
const SITE = join(tmp, 'host', 'infogain');
const ARTIFACTS = join(ROOT, 'out', 'test-artifacts');

interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/** A static file server for `root` that adds `headers` (none: a plain host). */
async function staticServer(root: string, headers: Record<string, string>): Promise<StaticServer> {
  const app = new Hono();
  app.use('*', async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(headers)) c.header(k, v);
  });
  app.use('/*', serveStatic({ root }));
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('expected a TCP address');
  return { url: `http://127.0.0.1:${address.port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

let browser: Browser;
const servers: StaticServer[] = [];

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  const appDir = await buildWebApp(ROOT, join(tmp, 'app'));
  exportSite({ appDir, modelsDir: join(ROOT, 'models'), outDir: SITE, models: ['sudoku', 'digits', 'hmm-demo'] });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  for (const s of servers) await s.close();
});

/** A page on the site with everything that went wrong recorded: console errors, page errors, failed or off-site requests. */
async function openSite(siteUrl: string, query: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  page.on('request', (r) => {
    if (!r.url().startsWith(siteUrl) && !/^(blob|data):/.test(r.url())) problems.push(`request outside the site: ${r.url()}`);
  });
  await page.goto(`${siteUrl}${query}`);
  await page.waitForSelector('body[data-ready=true]', { timeout: 90_000 });
  return { page, problems };
}

async function panelTrace(page: Page): Promise<Trace> {
  const text = await page.evaluate(async () => (await fetch(document.querySelector<HTMLAnchorElement>('#panel-a a.save-trace')!.href)).text());
  return parseTrace(JSON.parse(text), 'panel-a');
}

/** Decode the page's prompt with `sampler` (shown as fast as it decodes) and return the page's trace. */
async function decodeInPage(page: Page, sampler: string): Promise<Trace> {
  await page.selectOption('#sampler-a', sampler);
  await page.$eval('#speed', (input) => {
    (input as HTMLInputElement).value = '0';
    input.dispatchEvent(new Event('input'));
  });
  await clickDecode(page);
  await page.waitForSelector('#panel-a[data-state=done]', { timeout: 120_000 });
  return panelTrace(page);
}

/** Node's trace, timings aside, as the page's must be (entropies within 1e-4). */
function expectSameDecode(page: Trace, node: Trace): void {
  const [p, n] = [page.sequences[0], node.sequences[0]];
  expect(p.output).toEqual(n.output);
  expect(p.steps.map((s) => s.commits.map((c) => [c.position, c.token]))).toEqual(n.steps.map((s) => s.commits.map((c) => [c.position, c.token])));
  for (const [i, s] of n.steps.entries()) for (const [j, c] of s.commits.entries()) expect(Math.abs(p.steps[i].commits[j].entropy - c.entropy)).toBeLessThanOrEqual(1e-4);
}

describe('infogain web --export (no browser)', () => {
  it('names a bad --models value and a folder that is not empty, before building anything', async () => {
    const unknown = await cli('web', '--export', join(tmp, 'never'), '--models', 'sudoku,llada');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/--models: "llada" is not a built-in model present in .*; expected names from: .*sudoku/);
    const empty = await cli('web', '--export', join(tmp, 'never'), '--models', 'sudoku,');
    expect(empty.stderr).toMatch(/--models "sudoku,": expected built-in model names separated by commas/);
    expect(existsSync(join(tmp, 'never'))).toBe(false);
  });

  it('an installed package (no web/, no vite) serves its shipped dist/web, and without it says what to do instead of building', async () => {
    const installed = join(tmp, 'installed');
    mkdirSync(installed);
    writeFileSync(join(installed, 'package.json'), '{"name":"infogain","type":"module"}');
    const message = /dist\/web: the web app is not built \(no index\.html\) and cannot be built here: building needs the app's sources \(web\/\) and vite \(a devDependency\), missing here\. An installed infogain package ships the built app in dist\/web: reinstall the package; in a checkout of the repository run `npm ci && npm run build:web`/;
    await expect(prepareWebApp(installed)).rejects.toThrow(message);
    await expect(prepareWebApp(installed, { rebuild: true })).rejects.toThrow(/^--build: the web app cannot be rebuilt here: building needs/);
    mkdirSync(join(installed, 'dist', 'web'), { recursive: true });
    writeFileSync(join(installed, 'dist', 'web', 'index.html'), '<!doctype html>');
    expect(await prepareWebApp(installed)).toBe(join(installed, 'dist', 'web'));
    // A checkout has both: nothing is missing, so a missing app would be built.
    expect(buildBlockers(ROOT)).toEqual([]);
  });
});

describe.skipIf(!HAS_CHROMIUM)('the exported site in Chromium, from plain static servers', () => {
  it('holds the page, its assets, the onnxruntime wasm files and exactly the chosen models', () => {
    const index = JSON.parse(readFileSync(join(SITE, 'models', 'index.json'), 'utf8')) as { name: string; url: string; judge: string | null }[];
    expect(index.map((m) => m.name).sort()).toEqual(['digits', 'hmm-demo', 'sudoku']);
    expect(index.find((m) => m.name === 'digits')?.judge).toBe('models/digits-judge/');
    expect(readdirSync(join(SITE, 'models')).sort()).toEqual(['digits', 'digits-judge', 'hmm-demo.json', 'index.json', 'sudoku']);
    expect(readdirSync(join(SITE, 'ort'))).toEqual(expect.arrayContaining(['ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.mjs']));
    expect(existsSync(join(SITE, 'index.html'))).toBe(true);
    expect(existsSync(join(SITE, 'bench.html'))).toBe(false);
    expect(readFileSync(join(SITE, '_headers'), 'utf8')).toContain('Cross-Origin-Embedder-Policy: require-corp');
    expect(() => exportSite({ appDir: join(tmp, 'app'), modelsDir: join(ROOT, 'models'), outDir: SITE })).toThrow(/the folder is not empty/);
  });

  it('without COOP/COEP: not isolated, one thread, the page says so, and a Sudoku decode equals Node\'s', async () => {
    const server = await staticServer(join(tmp, 'host'), {});
    servers.push(server);
    const { page, problems } = await openSite(`${server.url}infogain/`, '?model=sudoku&threads=2');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
    expect(await page.isVisible('#threads-note')).toBe(true);
    expect(await page.textContent('#threads-note')).toMatch(/not cross-origin isolated.*runs on one thread/s);
    expect(await page.textContent('#runtime')).toMatch(/; 1 wasm thread; cross-origin isolated: no/);
    expect(await page.getAttribute('#runtime', 'data-threads')).toBe('1');
    const prompt = await page.inputValue('#prompt');
    const trace = await decodeInPage(page, 'confidence');
    const sudoku = await loadModel('sudoku');
    try {
      expectSameDecode(trace, (await generate(sudoku, prompt, { sampler: 'confidence', seed: 0 })).trace);
    } finally {
      await sudoku.dispose();
    }
    expect(problems).toEqual([]);
    await page.close();
  }, 180_000);

  it('with COOP/COEP: isolated, onnxruntime-web on 2 wasm threads; the digits model drawn as pixels with the judge\'s verdict, as Node judges it', async () => {
    const server = await staticServer(join(tmp, 'host'), { ...ISOLATION_HEADERS });
    servers.push(server);
    const { page, problems } = await openSite(`${server.url}infogain/`, '?model=digits&threads=2');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.isHidden('#threads-note')).toBe(true);
    expect(await page.textContent('#runtime')).toMatch(/; 2 wasm threads; cross-origin isolated: yes/);
    expect(await page.getAttribute('#runtime', 'data-threads')).toBe('2');
    await page.fill('#prompt', '7');
    await page.click('#controls details summary');
    await page.fill('#decode-temperature', '1');
    const trace = await decodeInPage(page, 'random');
    const digits = await loadModel('digits');
    const judge = await DigitJudge.load();
    try {
      const node = (await generate(digits, '7', { sampler: 'random', seed: 0, decode: { temperature: 1 } })).trace;
      expectSameDecode(trace, node);
      // The picture: one canvas pixel per image pixel, grey 85·level.
      const output = node.sequences[0].output;
      const levels = output.slice(1).map((id) => '.:+#'.indexOf(digits.tokenizer!.tokenText(id)!));
      const drawn = await page.$eval('#panel-a canvas.digit-pixels', (c) => {
        const data = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 14, 14).data;
        return Array.from({ length: 196 }, (_, i) => [data[4 * i], data[4 * i + 1], data[4 * i + 2]]);
      });
      expect(drawn).toEqual(levels.map((l) => [85 * l, 85 * l, 85 * l]));
      // The verdict: the class Node's judge (onnxruntime-node) sees in the same image, and its probability.
      const [verdict] = await judge.judge([Uint8Array.from(levels)]);
      const predicted = verdict.probs.indexOf(Math.max(...verdict.probs));
      const caption = page.locator('#panel-a figcaption.judge');
      expect(await caption.getAttribute('data-requested')).toBe('7');
      expect(await caption.getAttribute('data-predicted')).toBe(String(predicted));
      expect(await caption.textContent()).toBe(
        `judge sees ${predicted} (p ${verdict.probs[predicted].toFixed(3)}), asked for 7 (p ${verdict.probs[7].toFixed(3)}): ${predicted === 7 ? 'correct' : 'wrong'}`,
      );
      expect(await page.getAttribute('#panel-a .verdict', 'data-correct')).toBe(String(predicted === 7));
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'web-digits.png'), fullPage: true });
    } finally {
      await digits.dispose();
    }
    expect(problems).toEqual([]);
    await page.close();
  }, 180_000);
});
