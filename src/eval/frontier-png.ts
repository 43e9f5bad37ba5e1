/**
 * The frontier's charts as PNG files: frontier.html opened in headless Chromium (playwright-core,
 * as the report's browser test does) and each chart's element screenshot. The PNG is the page's
 * own Chart.js drawing, so the figure in docs/ is the chart a reader sees in frontier.html; no
 * second plotting library and no rasterizer of our own.
 *
 * playwright-core is a development dependency: a checkout has it after `npm ci`, an installed
 * package does not, and the error says so.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { FrontierError } from './frontier.js';

export interface PngOptions {
  /** The Chromium (or Chrome) executable. */
  chromium: string;
  /** Device pixels per CSS pixel (2: sharp figures in docs). */
  scale?: number;
}

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

export async function screenshotCharts(htmlPath: string, shots: readonly { element: string; path: string }[], options: PngOptions): Promise<void> {
  if (!existsSync(options.chromium)) throw new FrontierError(`frontier --png: no Chromium at ${options.chromium} (install chromium, or name one with --chromium <path>)`);
  let playwright: typeof import('playwright-core');
  try {
    playwright = await import('playwright-core');
  } catch {
    throw new FrontierError('frontier --png: needs the playwright-core package (a development dependency of infogain: run `npm ci` in a checkout)');
  }
  const browser = await playwright.chromium.launch({
    executablePath: options.chromium,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 }, deviceScaleFactor: options.scale ?? 2 });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(htmlPath).href);
    await page.waitForFunction(() => (window as unknown as { __frontierReady?: boolean }).__frontierReady === true, null, { timeout: 20_000 }).catch(() => {
      throw new FrontierError(`frontier --png: ${htmlPath} did not finish drawing its charts${errors.length ? ` (${errors.join('; ')})` : ''}`);
    });
    if (errors.length) throw new FrontierError(`frontier --png: ${htmlPath}: ${errors.join('; ')}`);
    for (const shot of shots) {
      // The element's box, moved to whole CSS pixels: text above it can leave it at a fractional
      // offset, which an element screenshot would round out to one more row of pixels.
      const box = await page.locator(shot.element).boundingBox();
      if (!box) throw new FrontierError(`frontier --png: ${htmlPath} has no ${shot.element}`);
      await page.screenshot({ path: shot.path, fullPage: true, clip: { x: Math.round(box.x), y: Math.round(box.y), width: Math.round(box.width), height: Math.round(box.height) } });
    }
  } finally {
    await browser.close();
  }
}
