/**
 * `npm run build`'s second half: tsc compiles src/ to dist/src/ but copies no other file, so the
 * files that modules read beside themselves at run time (the report page's page.js and page.css,
 * see src/eval/report/html.ts) are copied here, every non-TypeScript file under src/ to the same
 * path under dist/src/.
 */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const from = join(root, 'src');
const to = join(root, 'dist', 'src');

function* assets(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) yield* assets(path);
    else if (e.isFile() && !e.name.endsWith('.ts')) yield path;
  }
}

for (const path of assets(from)) {
  const dest = join(to, relative(from, path));
  mkdirSync(dirname(dest), { recursive: true });
  copyFileSync(path, dest);
  console.log(`copied ${relative(root, path)} → ${relative(root, dest)}`);
}
