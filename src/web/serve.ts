/**
 * The web app's static server (`infogain web`): the built app from dist/web, the built-in models'
 * files under /models/<name>/, and /models/index.json listing them. Every response carries the
 * cross-origin isolation headers: without COOP/COEP the page is not `crossOriginIsolated`, has no
 * SharedArrayBuffer, and onnxruntime-web silently falls back to one wasm thread.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { packageRoot } from '../node/paths.js';
import type { WebModelEntry } from './model-index.js';
import { siteModels } from './site.js';

export type { WebModelEntry };

export const APP_DIR = (): string => join(packageRoot(), 'dist', 'web');

/** The built-ins present in this checkout, as /models/index.json lists them. */
export const webModelIndex = (modelsDir = join(packageRoot(), 'models')): WebModelEntry[] => siteModels(modelsDir).index;

/** The isolation headers that let the page use wasm threads (SharedArrayBuffer). */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export interface WebServerOptions {
  /** The built app (index.html and its assets); default dist/web of the package. */
  appDir?: string;
  modelsDir?: string;
  /** The built-ins to serve; default every one present. */
  models?: readonly string[];
  port?: number;
  /** Default 127.0.0.1: the app is for this machine. */
  host?: string;
}

export interface WebServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The Hono app: isolation headers on everything, the models' files and index, then the built app. */
export function webApp(appDir: string, modelsDir: string, models?: readonly string[]): Hono {
  const app = new Hono();
  const { index, files } = siteModels(modelsDir, models);
  app.use('*', async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(ISOLATION_HEADERS)) c.header(name, value);
    // A rebuilt app or retrained model must not be served stale from the browser's cache.
    c.header('Cache-Control', 'no-cache');
  });
  app.get('/models/index.json', (c) => c.json(index));
  for (const [url, path] of files) app.get(`/${url}`, serveStatic({ path }));
  app.get('/models/*', (c) => c.notFound());
  app.use('/*', serveStatic({ root: appDir }));
  return app;
}

/** Serve the app on loopback; resolves once listening (port 0 picks a free port). */
export async function startWebServer(options: WebServerOptions = {}): Promise<WebServer> {
  const appDir = options.appDir ?? APP_DIR();
  if (!existsSync(join(appDir, 'index.html')))
    throw new Error(`${appDir}: the web app is not built (no index.html), expected the output of \`npm run build:web\``);
  const app = webApp(appDir, options.modelsDir ?? join(packageRoot(), 'models'), options.models);
  const host = options.host ?? '127.0.0.1';
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: host }, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error(`infogain web: the server listens on ${String(address)}, expected a TCP address`);
  const port = address.port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/`,
    port,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
