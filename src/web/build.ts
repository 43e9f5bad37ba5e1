/**
 * Building the web app (web/ → dist/web) with vite's JS API, and telling whether a build is
 * stale. Only a checkout has web/ and vite (a devDependency); `infogain web` builds when the app
 * is missing, and says `npm run build:web` when it cannot.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../node/paths.js';

const SOURCES = ['web', 'src'];

/** Newest modification time (ms) under `dir`, 0 when it does not exist. */
function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  let latest = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** The app is missing, or older than a file of web/ or src/ (the library it bundles). */
export function webAppStale(root = packageRoot()): boolean {
  const built = join(root, 'dist', 'web', 'index.html');
  if (!existsSync(built)) return true;
  const sources = Math.max(...SOURCES.map((d) => newest(join(root, d))));
  return sources > statSync(built).mtimeMs;
}

/**
 * Build the app into dist/web (or `outDir`); throws a one-line error naming `npm run build:web`
 * when vite or web/ is absent.
 */
export async function buildWebApp(root = packageRoot(), outDir = join(root, 'dist', 'web')): Promise<string> {
  const config = join(root, 'web', 'vite.config.ts');
  if (!existsSync(config)) throw new Error(`${config}: missing, so the web app cannot be built here; in a checkout run \`npm run build:web\``);
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch {
    throw new Error('the web app is not built and vite (a devDependency) is not installed: run `npm ci` and `npm run build:web` in the checkout');
  }
  await vite.build({ configFile: config, logLevel: 'error', build: { outDir, emptyOutDir: true } });
  return outDir;
}
