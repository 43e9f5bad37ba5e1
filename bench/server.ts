/**
 * `infogain serve` under load: 1, 8 and 32 concurrent clients (the official openai client, each
 * sending its next request as soon as the last one is answered) against the built-in text model
 * in a server process of its own. Per level: requests/s, completion tokens/s, p50/p99 latency,
 * mean rows per model call, model time per row and the share of time the model was busy (from the
 * server's /metrics), and the server's peak RSS.
 *
 *   npm run bench:server [-- --sampler confidence --max-tokens 32 --requests 4 --threads 1 --json]
 *
 * `--requests` is per client (at least 16 per level in all). Prompts all have 12 characters, so
 * every request's canvas has one length and the requests can share model calls.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import OpenAI from 'openai';

const { values: args } = parseArgs({
  options: {
    sampler: { type: 'string', default: 'confidence' },
    'max-tokens': { type: 'string', default: '32' },
    requests: { type: 'string', default: '4' },
    threads: { type: 'string', default: '1' },
    levels: { type: 'string', default: '1,8,32' },
    json: { type: 'boolean', default: false },
  },
});
const maxTokens = Number(args['max-tokens']);
const perClient = Number(args.requests);
const levels = args.levels.split(',').map(Number);
const PROMPTS = ['ROMEO: O, she', 'JULIET: Ay me', 'KING: Now is ', 'HAMLET: To be', 'First Lord: I', 'MENENIUS: Wha', 'GLOUCESTER: ', 'LADY ANNE: Se'].map((p) => p.slice(0, 12));

const root = join(import.meta.dirname, '..');
const server = spawn(process.execPath, [join(root, 'bin/infogain.js'), 'serve', '--model', 'text', '--port', '0', '--threads', args.threads], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise<string>((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    const m = /at (http:\/\/\S+)\/v1 /.exec(out);
    if (m) resolve(m[1]);
  });
  server.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening`)));
});
const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 600_000 });

/** The server's peak resident set (VmHWM), MiB. */
const peakRssMiB = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1]) / 1024;

/** Rows and calls so far, from the rows-per-forward histogram of /metrics. */
async function forwardTotals(): Promise<{ rows: number; calls: number; seconds: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { rows: value('infogain_forward_rows_sum'), calls: value('infogain_forward_rows_count'), seconds: value('infogain_forward_seconds_sum') };
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

let seed = 0;
async function level(clients: number) {
  const requests = Math.max(16, clients * perClient);
  let next = 0;
  const latencies: number[] = [];
  let tokens = 0;
  const before = await forwardTotals();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < requests) {
        const i = next++;
        const t0 = performance.now();
        const r = await client.completions.create({ model: 'text', prompt: PROMPTS[i % PROMPTS.length], max_tokens: maxTokens, temperature: 0.8, seed: seed++, ...{ sampler: args.sampler } });
        latencies.push(performance.now() - t0);
        tokens += r.usage?.completion_tokens ?? 0;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const after = await forwardTotals();
  latencies.sort((a, b) => a - b);
  return {
    clients, requests, seconds,
    requestsPerSecond: requests / seconds,
    tokensPerSecond: tokens / seconds,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    rowsPerForward: (after.rows - before.rows) / (after.calls - before.calls),
    /** The share of the wall time the model was running a call: near 1, the model (not the server around it) sets the pace. */
    modelBusy: (after.seconds - before.seconds) / seconds,
    msPerRow: ((after.seconds - before.seconds) * 1000) / (after.rows - before.rows),
    peakRssMiB: peakRssMiB(),
  };
}

try {
  await level(2); // warm-up: the graph's first runs, the JIT
  const results = [];
  for (const c of levels) results.push(await level(c));
  if (args.json) console.log(JSON.stringify({ sampler: args.sampler, maxTokens, threads: Number(args.threads), results }, null, 2));
  else {
    const table = new Table({ head: ['clients', 'requests', 'req/s', 'tokens/s', 'p50 ms', 'p99 ms', 'p99/p50', 'rows/forward', 'ms/row', 'model busy', 'peak RSS MiB'] });
    for (const r of results)
      table.push([r.clients, r.requests, r.requestsPerSecond.toFixed(2), r.tokensPerSecond.toFixed(1), r.p50Ms.toFixed(0), r.p99Ms.toFixed(0), (r.p99Ms / r.p50Ms).toFixed(2), r.rowsPerForward.toFixed(1), r.msPerRow.toFixed(2), `${(100 * r.modelBusy).toFixed(0)}%`, r.peakRssMiB.toFixed(0)]);
    console.log(table.toString());
    const first = results.find((r) => r.clients === 1);
    const last = results.at(-1);
    if (first && last && last !== first) console.log(`throughput ${last.clients} clients / 1 client: ${(last.tokensPerSecond / first.tokensPerSecond).toFixed(2)}×`);
    console.log(`text model, sampler ${args.sampler}, ${maxTokens} tokens per request, τ_tok = 0.8, prompts of 12 characters, server threads ${args.threads}`);
  }
} finally {
  server.kill('SIGTERM');
}
