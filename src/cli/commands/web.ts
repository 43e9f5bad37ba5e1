/** `infogain web`: serve the browser app, which decodes in the page with onnxruntime-web (docs/web.md). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { buildWebApp } from '../../web/build.js';
import { APP_DIR, startWebServer } from '../../web/serve.js';

export function registerWeb(program: Command): void {
  program
    .command('web')
    .description('serve the browser app on loopback: watch the built-in models decode in the page (onnxruntime-web), compare samplers side by side, replay traces')
    .option('--port <n>', 'port to listen on (0 = any free port; 8090 leaves infogain serve its 8080)', '8090')
    .option('--host <host>', 'address to listen on; the default serves this machine only', '127.0.0.1')
    .option('--build', 'rebuild the app (web/ → dist/web) before serving')
    .option('--check', 'start, fetch the page and the model list from itself over HTTP, print what came back, stop')
    .action(async (opts: { port: string; host: string; build?: boolean; check?: boolean }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: ${JSON.stringify(opts.port)}, expected an integer port in 0..65535`);
      const appDir = APP_DIR();
      if (opts.build || !existsSync(join(appDir, 'index.html'))) {
        console.error(opts.build ? 'building the web app…' : `${appDir} is missing: building the web app (npm run build:web)…`);
        await buildWebApp();
      }
      const server = await startWebServer({ appDir, port: opts.check ? 0 : port, host: opts.host });
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
