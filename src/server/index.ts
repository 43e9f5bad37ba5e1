/**
 * infogain's OpenAI-compatible HTTP server (docs/server.md): `createServer` builds the request
 * handler around a loaded model, `serve` loads a model and listens. Node only.
 */
import { serve as listen } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Model } from '../api/model.js';
import { loadModel } from '../api/node-load.js';
import { BatchingDenoiser } from '../decode/batcher.js';
import { canvasLimit } from '../decode/limits.js';
import { isOracle } from '../models/oracle.js';
import { Admission } from './admission.js';
import { createApp } from './app.js';
import { checkExposure } from './auth.js';
import { Lifecycle, type DrainResult } from './lifecycle.js';
import { ServerMetrics } from './metrics.js';

export interface ServerOptions {
  /** Requests decoding at once; their forward calls share model calls (default 64). */
  maxActive?: number;
  /** Requests waiting for a slot; beyond it a request gets 429 with Retry-After (default 256). */
  maxQueued?: number;
  /** Rows (canvases) in one model call, all requests merged (default 256). */
  maxBatchRows?: number;
  /** A request is cancelled after this many ms, queueing included (default 120,000). */
  timeoutMs?: number;
  /** Largest request body in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** Most tokens one request may generate, below the model's context (default 1,024). */
  maxTokens?: number;
  /** The model id clients send; default the model's name. */
  modelId?: string;
  /** Other names `model` may carry (the CLI adds the --model argument). */
  aliases?: string[];
  /** Origins whose web pages may call the server (CORS), `*` for any; default none. */
  corsOrigins?: string[];
  /**
   * The onnxruntime execution provider (cpu, cuda, …; `infogain inspect` lists them): `serve`
   * loads a model it is given by name on it; GET /v1/models reports it as `infogain.device`.
   * Default: the runtime's (onnxruntime-node's is cpu). An oracle runs in JavaScript: reported null.
   */
  device?: string;
  /**
   * Requests to /v1/* must carry `Authorization: Bearer <apiKey>` (others get OpenAI's 401);
   * /health and /metrics stay open. Letters, digits and `._~+/-` only (a bearer token's). Default: none.
   */
  apiKey?: string;
}

export interface InfogainServer {
  /** The Hono app: `app.fetch(request)` answers a `Request` without a socket. */
  app: Hono;
  model: Model;
  /** The batching wrapper every request decodes through (its `calls` and `rows` count model calls). */
  batcher: BatchingDenoiser;
  /** The execution provider reported by GET /v1/models (`ServerOptions.device`); null for an oracle or when not stated. */
  device: string | null;
  /** Requests held now, and whether the server is draining (`ListeningServer.drain`). */
  lifecycle: Lifecycle;
}

export interface ListeningServer extends InfogainServer {
  /** `http://host:port`. */
  url: string;
  port: number;
  /** Stops accepting connections, closes open ones, and releases the model. */
  close(): Promise<void>;
  /**
   * A graceful shutdown: stop listening (a load balancer's next connection is refused, and it
   * tries another replica), answer requests on connections still open with 503, let the requests
   * held finish for up to `deadlineMs`, cancel the rest with 503, then `close()`.
   */
  drain(deadlineMs: number): Promise<DrainResult>;
}

/** How long a drained server waits for its last answers to leave before it cuts the connections (ms). */
const WRITE_GRACE_MS = 2_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`server option ${name} is ${v}, expected an integer ≥ 1`);
  return v;
}

/** The request handler around `model` (no socket; see `serve`). */
export function createServer(model: Model, options: ServerOptions = {}): InfogainServer {
  const admission = new Admission(positiveInt('maxActive', options.maxActive, 64), Math.max(0, options.maxQueued ?? 256));
  const metrics = new ServerMetrics({ active: () => admission.active, queued: () => admission.queued });
  const batcher = new BatchingDenoiser(model.denoiser, {
    maxRows: positiveInt('maxBatchRows', options.maxBatchRows, 256),
    onForward: (rows, seconds) => {
      metrics.rowsPerForward.observe(rows);
      metrics.forwardSeconds.observe(seconds);
    },
  });
  const maxTokens = positiveInt('maxTokens', options.maxTokens, 1024);
  const device = isOracle(model.denoiser) ? null : (options.device ?? null);
  const lifecycle = new Lifecycle();
  const app = createApp({
    served: { model, id: options.modelId ?? model.name, aliases: options.aliases ?? [], maxTokensCap: Math.min(maxTokens, canvasLimit(model.card)) },
    batcher, admission, metrics,
    timeoutMs: positiveInt('timeoutMs', options.timeoutMs, 120_000),
    maxBodyBytes: positiveInt('maxBodyBytes', options.maxBodyBytes, 1 << 20),
    corsOrigins: options.corsOrigins ?? [],
    device,
    startedAt: Date.now(),
    apiKey: options.apiKey ?? null,
    lifecycle,
  });
  return { app, model, batcher, device, lifecycle };
}

export interface ServeOptions extends ServerOptions {
  /** A built-in name, a model directory or oracle file, or a loaded model. */
  model: string | Model;
  /** Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** onnxruntime intra-op threads. */
  threads?: number;
  /** Listen on a host beyond loopback without an `apiKey` (refused otherwise: anyone who reaches it could use it). */
  allowUnauthenticated?: boolean;
}

/** Load the model (unless given) and listen on host:port. */
export async function serve(options: ServeOptions): Promise<ListeningServer> {
  const host = options.host ?? '127.0.0.1';
  // Before the model loads: an exposed server without a key is refused at once.
  checkExposure(host, options.apiKey, options.allowUnauthenticated ?? false);
  const ref = options.model;
  // An unknown or missing device is refused by the loader, before a session is made (the CLI's message).
  const model = typeof ref === 'string' ? await loadModel(ref, { threads: options.threads, device: options.device }) : ref;
  const aliases = [...(options.aliases ?? []), ...(typeof ref === 'string' && ref !== model.name ? [ref] : [])];
  // A model loaded here without a device runs on onnxruntime-node's default provider, its CPU one.
  const device = options.device ?? (typeof ref === 'string' ? 'cpu' : undefined);
  const server = createServer(model, { ...options, aliases, device });
  const http = listen({ fetch: server.app.fetch, hostname: host, port: options.port ?? 8080 });
  await new Promise<void>((resolve, reject) => {
    http.once('listening', resolve);
    http.once('error', reject);
  });
  const address = http.address();
  const port = typeof address === 'object' && address !== null ? address.port : Number(options.port);
  // Emitted once the listener is closed and every connection has ended, whichever call closed it.
  let hasEnded = false;
  const ended = new Promise<void>((resolve) => http.once('close', resolve)).then(() => void (hasEnded = true));
  const stopListening = () => {
    if (http.listening) http.close();
  };
  let closed: Promise<void> | null = null;
  const close = () =>
    (closed ??= (async () => {
      stopListening();
      if ('closeAllConnections' in http) http.closeAllConnections();
      await ended;
      if (typeof ref === 'string') await model.dispose();
    })());
  return {
    ...server,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close,
    drain: async (deadlineMs) => {
      // The listener goes first: new connections are refused from now on (nginx's
      // proxy_next_upstream passes them to another replica); idle kept-alive ones are closed.
      stopListening();
      if ('closeIdleConnections' in http) http.closeIdleConnections();
      const result = await server.lifecycle.drain(deadlineMs);
      // A request ends when its last bytes are handed to the socket, not when they are sent: close
      // each connection once it is idle (a stream's kept alive, the others' carry Connection: close),
      // and only after a grace cut what is left.
      for (const started = Date.now(); !hasEnded && Date.now() - started < WRITE_GRACE_MS; await sleep(20))
        if ('closeIdleConnections' in http) http.closeIdleConnections();
      await close();
      return result;
    },
  };
}
