/**
 * Building the web app (web/ → dist/web) with vite's JS API, and telling whether a build is
 * stale. Only a checkout has web/ and vite (a devDependency): an installed package ships the built
 * app in dist/web. `infogain web` builds when the app is missing and it can; where it cannot (an
 * installed package without dist/web) it says so instead of trying.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
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

/** What building needs and is missing under `root`: web/'s vite config, and vite resolvable from there; empty when it can build. */
export function buildBlockers(root = packageRoot()): string[] {
  const blockers: string[] = [];
  if (!existsSync(join(root, 'web', 'vite.config.ts'))) blockers.push('the app\'s sources (web/)');
  try {
    createRequire(join(root, 'package.json')).resolve('vite');
  } catch {
    blockers.push('vite (a devDependency)');
  }
  return blockers;
}

/**
 * The built app's folder under `root`, built first when `rebuild` asks or it is missing and it
 * can be; where it cannot, an error saying what is missing and what to do.
 */
export async function prepareWebApp(root = packageRoot(), options: { rebuild?: boolean; log?: (line: string) => void } = {}): Promise<string> {
  const appDir = join(root, 'dist', 'web');
  const built = existsSync(join(appDir, 'index.html'));
  if (built && !options.rebuild) return appDir;
  const blockers = buildBlockers(root);
  if (blockers.length > 0) {
    const why = options.rebuild ? '--build: the web app cannot be rebuilt here' : `${appDir}: the web app is not built (no index.html) and cannot be built here`;
    throw new Error(`${why}: building needs ${blockers.join(' and ')}, missing here. An installed infogain package ships the built app in dist/web: reinstall the package; in a checkout of the repository run \`npm ci && npm run build:web\``);
  }
  options.log?.(built ? 'building the web app…' : `${appDir} is missing: building the web app (npm run build:web)…`);
  return buildWebApp(root, appDir);
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
