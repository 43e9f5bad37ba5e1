/**
 * `infogain web --export <dir>`: the web app as a static site that runs from any static host
 * (GitHub Pages, an S3 bucket, `python3 -m http.server`): the built page and its assets, the
 * onnxruntime-web wasm files, the chosen built-in models' files and models/index.json, all
 * addressed relative to the page so the site may live under any path. A host that sends the
 * COOP/COEP headers gives the page wasm threads; `_headers` asks for them on hosts that read that
 * file (Netlify, Cloudflare Pages). Without them the page runs on one thread and says so.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { ISOLATION_HEADERS } from './serve.js';
import { siteModels } from './site.js';

export interface ExportOptions {
  /** The built app (dist/web). */
  appDir: string;
  modelsDir: string;
  /** A new or empty folder. */
  outDir: string;
  /** Built-in model names; default every one present. */
  models?: readonly string[];
}

export interface ExportedSite {
  outDir: string;
  models: string[];
  files: number;
  bytes: number;
}

/** The bench page (web/bench.html) and its chunks are `npm run bench:web`'s, not the app's. */
const isBenchFile = (path: string): boolean => /^bench(\.html$|[-.])/.test(basename(path));

function sizeOf(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const inner = entry.isDirectory() ? sizeOf(path) : { files: 1, bytes: statSync(path).size };
    files += inner.files;
    bytes += inner.bytes;
  }
  return { files, bytes };
}

/** Write the site; throws naming the problem when the app is not built, a model is unknown or `outDir` holds files. */
export function exportSite(options: ExportOptions): ExportedSite {
  const { appDir, modelsDir, outDir } = options;
  if (!existsSync(join(appDir, 'index.html'))) throw new Error(`${appDir}: the web app is not built (no index.html), expected the output of \`npm run build:web\``);
  const { index, files } = siteModels(modelsDir, options.models);
  if (existsSync(outDir) && (!statSync(outDir).isDirectory() || readdirSync(outDir).length > 0))
    throw new Error(`--export ${outDir}: ${statSync(outDir).isDirectory() ? 'the folder is not empty' : 'not a folder'}; the site is written into a new or empty folder`);
  mkdirSync(outDir, { recursive: true });
  cpSync(appDir, outDir, { recursive: true, filter: (src) => !isBenchFile(relative(appDir, src)) });
  for (const [url, path] of files) {
    const target = join(outDir, ...url.split('/'));
    mkdirSync(dirname(target), { recursive: true });
    cpSync(path, target);
  }
  writeFileSync(join(outDir, 'models', 'index.json'), `${JSON.stringify(index, null, 1)}\n`);
  const headers = Object.entries(ISOLATION_HEADERS).map(([k, v]) => `  ${k}: ${v}`).join('\n');
  writeFileSync(join(outDir, '_headers'), `# Cross-origin isolation, so the page can run onnxruntime-web on wasm threads (Netlify, Cloudflare Pages).\n/*\n${headers}\n`);
  return { outDir, models: index.map((m) => m.name), ...sizeOf(outDir) };
}
