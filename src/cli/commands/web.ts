/** `infogain web`: serve the browser app, which decodes in the page with onnxruntime-web, or export it as a static site (docs/web.md). */
import { join } from 'node:path';
import { Command } from 'commander';
import { packageRoot } from '../../node/paths.js';
import { prepareWebApp } from '../../web/build.js';
import { exportSite } from '../../web/export.js';
import { startWebServer } from '../../web/serve.js';
import { siteModels } from '../../web/site.js';

interface WebOptions {
  port: string;
  host: string;
  build?: boolean;
  check?: boolean;
  export?: string;
  models?: string;
}

/** `--models a,b` as names; an empty name is an error naming the option. */
function modelList(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const names = text.split(',').map((n) => n.trim());
  if (names.some((n) => n === '')) throw new Error(`--models ${JSON.stringify(text)}: expected built-in model names separated by commas (e.g. sudoku,digits)`);
  return names;
}

export function registerWeb(program: Command): void {
  program
    .command('web')
    .description('serve the browser app on loopback (watch the built-in models decode in the page with onnxruntime-web, compare samplers side by side, replay traces), or export it as a static site')
    .option('--port <n>', 'port to listen on (0 = any free port; 8090 leaves infogain serve its 8080)', '8090')
    .option('--host <host>', 'address to listen on; the default serves this machine only', '127.0.0.1')
    .option('--build', 'rebuild the app (web/ → dist/web) first; needs a checkout with its devDependencies')
    .option('--check', 'start, fetch the page and the model list from itself over HTTP, print what came back, stop')
    .option('--export <dir>', 'write the app as a static site into <dir> (new or empty): page, assets, onnxruntime-web wasm, the models; runs from any static host')
    .option('--models <names>', 'the built-in models to serve or export, comma-separated (default: every built-in present)')
    .action(async (opts: WebOptions) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: ${JSON.stringify(opts.port)}, expected an integer port in 0..65535`);
      const models = modelList(opts.models);
      const modelsDir = join(packageRoot(), 'models');
      siteModels(modelsDir, models); // names checked before any build
      const appDir = await prepareWebApp(packageRoot(), { rebuild: opts.build, log: (line) => console.error(line) });
      if (opts.export !== undefined) {
        const site = exportSite({ appDir, modelsDir, outDir: opts.export, models });
        console.log(`infogain web: wrote a static site to ${site.outDir}: ${site.files} files, ${(site.bytes / 1e6).toFixed(1)} MB; models ${site.models.join(', ')}`);
        console.log('  serve the folder from any static host; with the headers Cross-Origin-Opener-Policy: same-origin and');
        console.log('  Cross-Origin-Embedder-Policy: require-corp the page runs onnxruntime-web on wasm threads (its _headers file');
        console.log('  asks Netlify and Cloudflare Pages for them), without them on one thread, and the page says so');
        return;
      }
      const server = await startWebServer({ appDir, modelsDir, models, port: opts.check ? 0 : port, host: opts.host });
      if (opts.check) {
        try {
          await checkServer(server.url);
        } finally {
          await server.close();
        }
        return;
      }
      console.log(`infogain web: ${server.url}  (Ctrl-C stops it)`);
      await new Promise<void>((resolve) => {
        const stop = () => void server.close().finally(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}

/** What a browser would get first: the page with its isolation headers, and the model list. */
async function checkServer(url: string): Promise<void> {
  const page = await fetch(url);
  const coop = page.headers.get('cross-origin-opener-policy');
  const coep = page.headers.get('cross-origin-embedder-policy');
  if (!page.ok || coop !== 'same-origin' || coep !== 'require-corp')
    throw new Error(`${url}: HTTP ${page.status}, COOP ${coop}, COEP ${coep}; expected 200 with same-origin / require-corp`);
  const models: unknown = await (await fetch(new URL('models/index.json', url))).json();
  if (!Array.isArray(models)) throw new Error(`${url}models/index.json: expected a list of models`);
  console.log(`infogain web: ${url} serves the app (HTTP ${page.status}, ${(await page.text()).length} bytes; COOP ${coop}, COEP ${coep})`);
  for (const m of models) console.log(`  ${String(Reflect.get(m, 'name'))}: ${String(Reflect.get(m, 'kind'))}, loaded by the page from /${String(Reflect.get(m, 'url'))}`);
}
