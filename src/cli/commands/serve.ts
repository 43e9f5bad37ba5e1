/** `infogain serve`: the OpenAI-compatible HTTP server (docs/server.md). */
import { Command, Option } from 'commander';
import { BUILTIN_MODELS } from '../../models/builtin.js';
import { API_KEY_ENV } from '../../server/auth.js';
import { serve, type ListeningServer } from '../../server/index.js';
import { collect, intInRange, nonNegativeInt } from '../common.js';

/** One request of each kind to the server itself, over HTTP: what `--check` prints. */
async function selfCheck(server: ListeningServer, apiKey: string | undefined): Promise<void> {
  const auth: Record<string, string> = apiKey === undefined ? {} : { Authorization: `Bearer ${apiKey}` };
  const get = async (path: string) => {
    const r = await fetch(`${server.url}${path}`, { headers: auth });
    if (!r.ok) throw new Error(`--check: GET ${path} answered ${r.status}: ${await r.text()}`);
    return r;
  };
  console.log(`GET /health → ${await (await get('/health')).text()}`);
  if (apiKey !== undefined) {
    const r = await fetch(`${server.url}/v1/models`);
    const code = r.status === 401 ? ((await r.json()) as { error?: { code?: string } }).error?.code : undefined;
    if (code !== 'invalid_api_key') throw new Error(`--check: GET /v1/models without the API key answered ${r.status}, expected 401 invalid_api_key`);
    console.log(`GET /v1/models without the API key → 401 ${code}`);
  }
  const models: { data: { id: string; infogain: { device: string | null } }[] } = await (await get('/v1/models')).json();
  console.log(`GET /v1/models → ${models.data.map((m) => `${m.id}${m.infogain.device === null ? '' : ` on device ${m.infogain.device}`}`).join(', ')}`);
  const model = models.data[0].id;
  // A prompt each kind of model can read: an oracle's alphabet, Shakespeare, nothing for a task model (Sudoku digits, …).
  const prompt = server.model.tokenizer === null ? 'abcab' : server.model.task ? '' : 'ROMEO:';
  const body = { model, prompt, max_tokens: 16, seed: 0, sampler: 'confidence' };
  const r = await fetch(`${server.url}/v1/completions`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...auth }, body: JSON.stringify(body) });
  const answer: { choices?: { text: string }[]; usage?: unknown } = await r.json();
  if (!r.ok || !answer.choices) throw new Error(`--check: POST /v1/completions answered ${r.status}: ${JSON.stringify(answer)}`);
  console.log(`POST /v1/completions ${JSON.stringify(body)} → ${JSON.stringify(answer.choices[0].text)}; usage ${JSON.stringify(answer.usage)}`);
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve a model over an OpenAI-compatible HTTP API (docs/server.md)')
    .requiredOption('--model <ref>', `built-in model (${BUILTIN_MODELS.map((m) => m.name).join(', ')}), a model directory or an oracle JSON file`)
    .option('--host <address>', 'address to listen on (127.0.0.1: this machine only; 0.0.0.0: every interface)', '127.0.0.1')
    .option('--port <n>', 'TCP port (0: any free port)', intInRange('--port', 0, 65535), 8080)
    .option('--threads <n>', 'onnxruntime intra-op threads', nonNegativeInt('--threads'))
    .option('--device <name>', 'onnxruntime execution provider (cpu, cuda, …; `infogain inspect` lists this runtime\'s)')
    .option('--max-active <n>', 'requests decoding at once (their forward calls are batched together)', intInRange('--max-active', 1, 1 << 20), 64)
    .option('--max-queued <n>', 'requests waiting for a slot; beyond it 429 with Retry-After', intInRange('--max-queued', 0, 1 << 20), 256)
    .option('--max-batch-rows <n>', 'rows (canvases) per model call, all requests merged', intInRange('--max-batch-rows', 1, 1 << 20), 256)
    .option('--max-tokens <n>', 'most tokens one request may generate', intInRange('--max-tokens', 1, 1 << 20), 1024)
    .option('--timeout <seconds>', 'cancel a request after this long, queueing included', intInRange('--timeout', 1, 86_400), 120)
    .option('--max-body-bytes <n>', 'largest request body', intInRange('--max-body-bytes', 1, 1 << 30), 1 << 20)
    .option('--cors <origin>', 'let web pages from this origin call the server (repeatable; * for any)', collect, [])
    .addOption(new Option('--api-key <key>', 'requests to /v1/* must send "Authorization: Bearer <key>" (/health and /metrics stay open)').env(API_KEY_ENV))
    .option('--allow-unauthenticated', 'listen on a host beyond loopback without an API key (refused otherwise)')
    .option('--drain-timeout <seconds>', 'on SIGTERM or Ctrl-C: stop taking requests and let those running finish for this long, then cancel the rest (503) and exit', intInRange('--drain-timeout', 0, 86_400), 30)
    .option('--check', 'start, answer one request of each kind to itself over HTTP, print them and stop')
    .action(async (opts) => {
      const apiKey: string | undefined = opts.apiKey;
      if (apiKey !== undefined && apiKey.trim() === '') throw new Error(`serve: the API key (--api-key or ${API_KEY_ENV}) is empty; give a key, or leave both unset`);
      const server = await serve({
        model: opts.model, host: opts.host, port: opts.check ? 0 : opts.port, threads: opts.threads, device: opts.device,
        maxActive: opts.maxActive, maxQueued: opts.maxQueued, maxBatchRows: opts.maxBatchRows, maxTokens: opts.maxTokens,
        timeoutMs: opts.timeout * 1000, maxBodyBytes: opts.maxBodyBytes, corsOrigins: opts.cors,
        apiKey, allowUnauthenticated: opts.allowUnauthenticated === true,
      });
      if (opts.check) {
        try {
          return await selfCheck(server, apiKey);
        } finally {
          await server.close();
        }
      }
      const auth = apiKey === undefined ? 'no API key' : 'API key required on /v1/*';
      console.log(`infogain serve: model ${server.model.name}${server.device === null ? '' : ` on device ${server.device}`} at ${server.url}/v1 (completions, chat/completions, models), ${server.url}/health, ${server.url}/metrics; ${auth}; Ctrl-C or SIGTERM drains and stops`);
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      // A second signal means now: exit at once, without waiting for the requests still running.
      const force = (second: NodeJS.Signals) => {
        console.error(`infogain serve: ${second} while draining: exiting without waiting for ${server.lifecycle.inFlight} requests`);
        process.exit(1);
      };
      process.once('SIGINT', force);
      process.once('SIGTERM', force);
      console.error(`infogain serve: ${signal}: draining: new requests get 503, ${server.lifecycle.inFlight} in flight get up to ${opts.drainTimeout} s`);
      const drained = await server.drain(opts.drainTimeout * 1000);
      process.off('SIGINT', force);
      process.off('SIGTERM', force);
      console.error(`infogain serve: stopped: ${drained.finished} requests finished while draining, ${drained.cancelled} cancelled at the deadline`);
    });
}
