/** `infogain serve`: the OpenAI-compatible HTTP server (docs/server.md). */
import { Command } from 'commander';
import { BUILTIN_MODELS } from '../../models/builtin.js';
import { serve, type ListeningServer } from '../../server/index.js';
import { collect, intInRange, nonNegativeInt } from '../common.js';

/** One request of each kind to the server itself, over HTTP: what `--check` prints. */
async function selfCheck(server: ListeningServer): Promise<void> {
  const get = async (path: string) => {
    const r = await fetch(`${server.url}${path}`);
    if (!r.ok) throw new Error(`--check: GET ${path} answered ${r.status}: ${await r.text()}`);
    return r;
  };
  console.log(`GET /health → ${await (await get('/health')).text()}`);
  const models: { data: { id: string; infogain: { device: string | null } }[] } = await (await get('/v1/models')).json();
  console.log(`GET /v1/models → ${models.data.map((m) => `${m.id}${m.infogain.device === null ? '' : ` on device ${m.infogain.device}`}`).join(', ')}`);
  const model = models.data[0].id;
  // A prompt each kind of model can read: an oracle's alphabet, Shakespeare, nothing for a task model (Sudoku digits, …).
  const prompt = server.model.tokenizer === null ? 'abcab' : server.model.task ? '' : 'ROMEO:';
  const body = { model, prompt, max_tokens: 16, seed: 0, sampler: 'confidence' };
  const r = await fetch(`${server.url}/v1/completions`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
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
    .option('--check', 'start, answer one request of each kind to itself over HTTP, print them and stop')
    .action(async (opts) => {
      const server = await serve({
        model: opts.model, host: opts.host, port: opts.check ? 0 : opts.port, threads: opts.threads, device: opts.device,
        maxActive: opts.maxActive, maxQueued: opts.maxQueued, maxBatchRows: opts.maxBatchRows, maxTokens: opts.maxTokens,
        timeoutMs: opts.timeout * 1000, maxBodyBytes: opts.maxBodyBytes, corsOrigins: opts.cors,
      });
      try {
        if (opts.check) return await selfCheck(server);
        console.log(`infogain serve: model ${server.model.name}${server.device === null ? '' : ` on device ${server.device}`} at ${server.url}/v1 (completions, chat/completions, models), ${server.url}/health, ${server.url}/metrics; Ctrl-C stops`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
      } finally {
        await server.close();
      }
    });
}
