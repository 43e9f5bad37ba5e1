/**
 * Draining (SIGTERM): `infogain serve` in a child process stops listening, lets the requests it
 * holds finish (streamed and not), exits 0; past --drain-timeout the rest are cancelled with a 503
 * the openai client can retry. In-process: a request on a connection still open gets 503 with
 * Retry-After, /health turns 503, and drain() reports what finished.
 */
import OpenAI from 'openai';
import { afterAll, describe, expect, it } from 'vitest';
import { serve } from '../src/node.js';
import { killServeChildren, startServeChild } from './helpers/serve-child.js';

afterAll(killServeChildren);

/** `infogain serve --model hmm-demo` in a process of its own, once it listens. */
const startServer = (...args: string[]) => startServeChild(['--model', 'hmm-demo', ...args]);

const clientOf = (url: string) => new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });

/** A stream's text and finish_reason, read to its end; `started` resolves at its first chunk. */
function readStream(stream: AsyncIterable<OpenAI.Completion>): { started: Promise<void>; done: Promise<{ text: string; finish: string | null }> } {
  let markStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const done = (async () => {
    let text = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      markStarted();
      text += chunk.choices[0]?.text ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    return { text, finish };
  })();
  return { started, done };
}

const activeRequests = async (url: string) => ((await (await fetch(`${url}/health`)).json()) as { active: number }).active;

describe('SIGTERM drains a server process', () => {
  it('requests in flight finish, streamed and not; new connections are refused; the process exits 0', async () => {
    const server = await startServer('--drain-timeout', '60');
    const client = clientOf(server.url);
    const body = { model: 'hmm-demo', prompt: 'abcab', max_tokens: 300, seed: 3, temperature: 0.5 };
    const stream = readStream(await client.completions.create({ ...body, stream: true }));
    const plain = client.completions.create({ ...body, seed: 4 });
    await stream.started;
    await expect.poll(() => activeRequests(server.url)).toBe(2);
    server.process.kill('SIGTERM');
    await expect.poll(() => server.stderr()).toContain('SIGTERM: draining: new requests get 503, 2 in flight');
    // The listener is closed: a new connection is refused, so a load balancer sends it elsewhere.
    const refused = await fetch(`${server.url}/health`).catch((e: unknown) => e);
    expect((refused as { cause?: { code?: string } }).cause?.code).toBe('ECONNREFUSED');
    const [streamed, answered, exit] = await Promise.all([stream.done, plain, server.exited]);
    expect(streamed).toMatchObject({ finish: 'length' });
    expect(streamed.text).toHaveLength(300);
    expect(answered.choices[0].text).toHaveLength(300);
    expect(exit).toMatchObject({ code: 0, signal: null });
    // Both were answered in full before the deadline (none cancelled), however slow the machine.
    expect(server.stderr()).toContain('stopped: 2 requests finished while draining, 0 cancelled at the deadline');
  });

  it('past --drain-timeout the requests left are cancelled with a retryable 503 (a stream: an error event), and the process exits 0', async () => {
    const server = await startServer('--drain-timeout', '1');
    const client = clientOf(server.url);
    // 1000 tokens, one per step: several seconds, far past the 1 s deadline.
    const body = { model: 'hmm-demo', prompt: 'abcab', max_tokens: 1000 };
    const stream = readStream(await client.completions.create({ ...body, stream: true }));
    const streamOutcome = stream.done.catch((e: unknown) => e);
    const plain = fetch(`${server.url}/v1/completions`, { method: 'POST', body: JSON.stringify(body) });
    await stream.started;
    await expect.poll(() => activeRequests(server.url)).toBe(2);
    const signalledAt = Date.now();
    server.process.kill('SIGTERM');
    const cut = await plain;
    expect(cut.status).toBe(503);
    expect(cut.headers.get('retry-after')).toBe('1');
    expect(await cut.json()).toEqual({
      error: { message: 'the server is shutting down and its drain deadline cancelled this request; retry it (another replica, or this one once restarted)', type: 'server_error', param: null, code: 'server_shutting_down' },
    });
    const streamError = await streamOutcome;
    expect(streamError).toBeInstanceOf(OpenAI.APIError);
    expect(String((streamError as Error).message)).toMatch(/drain deadline cancelled this request/);
    const exit = await server.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    // It waited for the deadline before cancelling (the 503s and the count below say it did cancel).
    expect(exit.at - signalledAt).toBeGreaterThanOrEqual(1_000);
    expect(server.stderr()).toContain('stopped: 0 requests finished while draining, 2 cancelled at the deadline');
  });
});

describe('drain() in process', () => {
  it('a request on a connection still open gets 503 with Retry-After and Connection: close; /health is 503 draining; what was held finishes', async () => {
    const server = await serve({ model: 'hmm-demo', port: 0 });
    const stream = readStream(await clientOf(server.url).completions.create({ model: 'hmm-demo', prompt: 'ab', max_tokens: 200, stream: true }));
    await stream.started;
    const drained = server.drain(60_000);
    expect(server.lifecycle.draining).toBe(true);
    // app.fetch stands for a request arriving on a kept-alive connection after the listener closed.
    const late = await server.app.fetch(new Request('http://replica/v1/completions', { method: 'POST', body: JSON.stringify({ model: 'hmm-demo', prompt: 'ab', max_tokens: 2 }) }));
    expect(late.status).toBe(503);
    expect(late.headers.get('retry-after')).toBe('1');
    expect(late.headers.get('connection')).toBe('close');
    expect((await late.json()).error).toMatchObject({ type: 'server_error', code: 'server_shutting_down', param: null });
    const health = await server.app.fetch(new Request('http://replica/health'));
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'draining', active: 1 });
    expect(await stream.done).toMatchObject({ finish: 'length' });
    expect(await drained).toEqual({ finished: 1, cancelled: 0 });
  });
});
