/**
 * Continuous batching on the real ONNX text model: 32 concurrent clients (the official openai
 * client, streamed and not, several samplers, temperatures and prompt lengths) all complete, share
 * model calls, and get exactly what each gets alone.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ListeningServer } from '../src/node.js';

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
    max_tokens: 8,
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
    for (const t of together) expect(t.text).toHaveLength(8);
    const calls = server.batcher.calls - soloCalls;
    const rows = server.batcher.rows - soloRows;
    expect(rows).toBe(soloRows); // the same work ...
    // ... in far fewer model calls (requests of different prompt lengths, temperatures or draws per position cannot share one)
    expect(calls).toBeLessThan(soloCalls / 2);
    const health = await (await fetch(`${server.url}/health`)).json();
    expect(health).toMatchObject({ active: 0, queued: 0 });
  });
});
