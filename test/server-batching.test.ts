/**
 * Continuous batching on the real ONNX text model: 32 concurrent clients (the official openai
 * client, streamed and not, several samplers, temperatures and prompt lengths) all complete, share
 * model calls, and get exactly what each gets alone.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchingDenoiser } from '../src/decode/batcher.js';
import { loadModel, serve, type Denoiser, type ListeningServer } from '../src/node.js';

let server: ListeningServer;
let client: OpenAI;

beforeAll(async () => {
  server = await serve({ model: 'text', port: 0, threads: 1 });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});
afterAll(async () => {
  await server?.close();
});

const PROMPTS = ['ROMEO:', 'JULIET:', 'First Citizen:', 'KING HENRY:'];

/** Request i of the 32: its prompt, sampler, temperature, seed and whether it streams. */
function request(i: number) {
  return {
    model: 'text',
    prompt: PROMPTS[i % PROMPTS.length],
    max_tokens: 6,
    seed: 100 + i,
    temperature: i % 3 === 0 ? 0 : 0.8,
    stream: i % 2 === 1,
    sampler: i % 4 < 2 ? 'info-gain' : 'confidence',
  };
}

async function run(i: number): Promise<{ text: string; usage: unknown }> {
  const { stream, ...body } = request(i);
  if (!stream) {
    const r = await client.completions.create(body);
    return { text: r.choices[0].text, usage: r.usage };
  }
  let text = '';
  let usage: unknown = null;
  for await (const chunk of await client.completions.create({ ...body, stream: true, stream_options: { include_usage: true } })) {
    text += chunk.choices[0]?.text ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
  return { text, usage };
}

describe('32 concurrent clients', () => {
  it('all complete, share model calls, and equal their solo runs', async () => {
    const solo: { text: string; usage: unknown }[] = [];
    for (let i = 0; i < 32; i++) solo.push(await run(i));
    const soloCalls = server.batcher.calls;
    const soloRows = server.batcher.rows;
    // Alone, every model call carries one request's rows only.
    expect(soloRows / soloCalls).toBeLessThan(8);

    const together = await Promise.all(Array.from({ length: 32 }, (_, i) => run(i)));
    expect(together).toHaveLength(32);
    together.forEach((t, i) => expect(t, `request ${i}`).toEqual(solo[i]));
    for (const t of together) expect(t.text).toHaveLength(6);
    const calls = server.batcher.calls - soloCalls;
    const rows = server.batcher.rows - soloRows;
    expect(rows).toBe(soloRows); // the same work ...
    // ... in far fewer model calls (requests of different prompt lengths, temperatures or draws per position cannot share one)
    expect(calls).toBeLessThan(soloCalls / 2);
    const health = await (await fetch(`${server.url}/health`)).json();
    expect(health).toMatchObject({ active: 0, queued: 0 });
  }, 180_000); // ~10 s alone; a loaded machine running the whole suite takes several times that
});

describe('BatchingDenoiser', () => {
  /** hmm-demo's denoiser, recording the rows of every call it gets. */
  async function recorded() {
    const model = await loadModel('hmm-demo');
    const calls: number[] = [];
    const inner: Denoiser = { card: model.card, forward: (r) => (calls.push(r.rows.length), model.denoiser.forward(r)) };
    return { model, calls, inner };
  }
  const canvas = (length: number, maskId: number) => Int32Array.from({ length }, (_, t) => (t < 2 ? t : maskId));
  const rows = (n: number, length: number, maskId: number) => Array.from({ length: n }, (_, i) => ({ canvas: canvas(length, maskId), noiseKey: i }));

  it('merges waiting calls of one shape up to maxRows, never calls of different shapes; each gets its own rows back', async () => {
    const { model, calls, inner } = await recorded();
    const batcher = new BatchingDenoiser(inner, { maxRows: 4 });
    const m = model.card.maskId;
    const client = batcher.client();
    const requests = [
      { rows: rows(2, 6, m), samples: 1, temperature: 0.5 },
      { rows: rows(2, 6, m), samples: 1, temperature: 0.5 },
      { rows: rows(2, 6, m), samples: 1, temperature: 0.5 },
      { rows: rows(1, 7, m), samples: 1, temperature: 0.5 }, // another length
      { rows: rows(1, 6, m), samples: 1, temperature: 0 }, // another temperature
      { rows: rows(2, 6, m), samples: 1, temperature: 0.5 },
    ];
    const answers = await Promise.all(requests.map((r) => client.forward(r)));
    // Oldest first: calls 0+1 (call 2 waits for room), then the oldest left, 2, with 5; then the length-7 call, the τ = 0 call.
    expect(calls).toEqual([4, 4, 1, 1]);
    for (const [i, r] of requests.entries()) {
      const alone = await model.denoiser.forward(r);
      expect(answers[i].rows).toBe(r.rows.length);
      expect(Array.from(answers[i].entropy)).toEqual(Array.from(alone.entropy));
      expect(Array.from(answers[i].sampleId)).toEqual(Array.from(alone.sampleId));
    }
  });

  it('an aborted run withdraws its waiting call; a bad row fails only its own run, not those merged with it', async () => {
    const { model, calls, inner } = await recorded();
    const batcher = new BatchingDenoiser(inner);
    const m = model.card.maskId;
    const leaving = new AbortController();
    const first = batcher.client().forward({ rows: rows(1, 6, m), samples: 1, temperature: 0 });
    const withdrawn = batcher.client(leaving.signal).forward({ rows: rows(3, 6, m), samples: 1, temperature: 0 });
    leaving.abort(new Error('gone'));
    await expect(withdrawn).rejects.toThrow('gone');
    await first;
    expect(calls).toEqual([1]);
    calls.length = 0;
    // Merged into one call, which fails on the bad row; then each runs alone.
    const bad = batcher.client().forward({ rows: [{ canvas: Int32Array.of(0, 99, m, m, m), noiseKey: 0 }], samples: 1, temperature: 0 });
    const good = batcher.client().forward({ rows: rows(1, 5, m), samples: 1, temperature: 0 });
    await expect(bad).rejects.toThrow();
    expect(Array.from((await good).entropy)).toEqual(Array.from((await model.denoiser.forward({ rows: rows(1, 5, m), samples: 1, temperature: 0 })).entropy));
    expect(calls).toEqual([2, 1, 1]);
  });
});
