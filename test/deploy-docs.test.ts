/** docs/deploy.md shows each file of docs/deploy/ as it is, so the page and the tested files cannot drift apart. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const page = readFileSync(join(root, 'docs/deploy.md'), 'utf8');

/** The bodies of the page's fenced blocks. */
const blocks = [...page.matchAll(/^```\S*\n([\s\S]*?)^```$/gm)].map((m) => m[1]);

describe('docs/deploy.md', () => {
  for (const file of readdirSync(join(root, 'docs/deploy')))
    it(`shows docs/deploy/${file} whole, in a block of its own, and links it`, () => {
      const text = readFileSync(join(root, 'docs/deploy', file), 'utf8');
      expect(blocks).toContain(text.endsWith('\n') ? text : `${text}\n`);
      expect(page).toContain(`](deploy/${file})`);
    });
});
