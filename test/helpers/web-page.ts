import type { Page } from 'playwright-core';

/**
 * Click Decode, then wait until the previous decode's panels are gone. Until the new decode's first
 * step arrives the old panels stay on the page, and their data-state (done) is not this decode's.
 */
export async function clickDecode(page: Page): Promise<void> {
  const previous = await page.$$('.panel');
  await page.click('#decode');
  for (const panel of previous) await page.waitForFunction((el) => !el.isConnected, panel, { timeout: 60_000 });
}
