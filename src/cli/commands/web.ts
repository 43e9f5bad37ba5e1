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
    .option('--port <n>', 'port to listen on (0 = any free port)', '8080')
    .option('--host <host>', 'address to listen on; the default serves this machine only', '127.0.0.1')
    .option('--build', 'rebuild the app (web/ → dist/web) before serving')
    .action(async (opts: { port: string; host: string; build?: boolean }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: ${JSON.stringify(opts.port)}, expected an integer port in 0..65535`);
      const appDir = APP_DIR();
      if (opts.build || !existsSync(join(appDir, 'index.html'))) {
        console.error(opts.build ? 'building the web app…' : `${appDir} is missing: building the web app (npm run build:web)…`);
        await buildWebApp();
      }
      const server = await startWebServer({ appDir, port, host: opts.host });
      console.log(`infogain web: ${server.url}  (Ctrl-C stops it)`);
      await new Promise<void>((resolve) => {
        const stop = () => void server.close().finally(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
