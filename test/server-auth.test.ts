/**
 * API keys over loopback with the official openai client: the right key decodes (streamed and
 * not), a wrong or missing one gets OpenAI's 401 body on every /v1 route, /health and /metrics stay
 * open; a host beyond loopback without a key is refused at start-up, naming the way out; the CLI
 * reads the key from INFOGAIN_API_KEY.
 */
import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { serve, type ListeningServer } from '../src/node.js';
import { apiKeyAuth, isLoopbackHost, sameKey } from '../src/server/auth.js';
import { cli } from './helpers/cli.js';

const KEY = 'sk-test.0123456789abcdef';
let server: ListeningServer;

beforeAll(async () => {
  server = await serve({ model: 'hmm-demo', port: 0, apiKey: KEY });
});
afterAll(async () => {
  await server?.close();
});

const clientWith = (apiKey: string) => new OpenAI({ baseURL: `${server.url}/v1`, apiKey, maxRetries: 0 });
const unauthorized = (message: string) => ({ error: { message, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });

describe('--api-key', () => {
  it('the right key decodes, streamed and not; a wrong one is the openai client\'s AuthenticationError with OpenAI\'s body', async () => {
    const body = { model: 'hmm-demo', prompt: 'abcab', max_tokens: 4, seed: 1 };
    const plain = await clientWith(KEY).completions.create(body);
    expect(plain.choices[0].text).toHaveLength(4);
    let streamed = '';
    for await (const chunk of await clientWith(KEY).completions.create({ ...body, stream: true })) streamed += chunk.choices[0]?.text ?? '';
    expect(streamed).toBe(plain.choices[0].text);

    const wrong = await clientWith(`${KEY}x`).completions.create(body).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(wrong).toMatchObject({ status: 401, code: 'invalid_api_key', type: 'invalid_request_error', param: null });
    expect((wrong as APIError).error).toEqual(unauthorized('incorrect API key provided').error);
  });

  it('every /v1 route answers 401 without the key (no header, another scheme, a wrong key); /health and /metrics stay open', async () => {
    const missing = 'no API key: send it in the Authorization header as "Bearer <key>" (the openai client\'s apiKey)';
    const routes: [string, string][] = [['GET', '/v1/models'], ['GET', '/v1/models/hmm-demo'], ['POST', '/v1/completions'], ['POST', '/v1/chat/completions'], ['GET', '/v1/nothing']];
    for (const [method, path] of routes) {
      const send = (headers: Record<string, string>) =>
        fetch(`${server.url}${path}`, { method, headers, body: method === 'POST' ? JSON.stringify({ model: 'hmm-demo', prompt: 'ab' }) : undefined });
      for (const [headers, message] of [
        [{}, missing],
        [{ Authorization: `Basic ${btoa(`user:${KEY}`)}` }, `${missing}; the header given is not of that form`],
        [{ Authorization: `Bearer ${KEY.slice(0, -1)}` }, 'incorrect API key provided'],
      ] as const) {
        const r = await send(headers);
        expect(r.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(r.headers.get('content-type')).toMatch(/^application\/json/);
        expect(await r.json()).toEqual(unauthorized(message));
      }
      // The key opens the route: then an unknown route is a 404, chat on a model without a chat template a 400.
      const expected = path === '/v1/nothing' ? 404 : path === '/v1/chat/completions' ? 400 : 200;
      expect((await send({ Authorization: `Bearer ${KEY}` })).status, `${method} ${path}`).toBe(expected);
    }
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^infogain_requests_total\{endpoint="\/v1\/completions",status="401"\} [1-9]/m);
  });

  it('keys are compared by SHA-256 digest in constant time; a key a bearer header cannot carry is refused when the server is made', () => {
    expect(sameKey(KEY, KEY)).toBe(true);
    expect(sameKey(KEY, `${KEY} `)).toBe(false);
    expect(sameKey(KEY, '')).toBe(false);
    expect(sameKey('a'.repeat(1000), 'a')).toBe(false);
    expect(() => apiKeyAuth('')).toThrow(/the API key is empty/);
    expect(() => apiKeyAuth('has space')).toThrow(/holds a character a bearer token cannot carry/);
  });
});

describe('exposure', () => {
  it('loopback hosts are 127.0.0.0/8, ::1 and localhost; nothing else', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'example.com', '128.0.0.1', 'localhost.example.com']) expect(isLoopbackHost(host), host).toBe(false);
  });

  it('a host beyond loopback without a key is refused before the model loads, naming --api-key, INFOGAIN_API_KEY and --allow-unauthenticated; with either it serves', async () => {
    await expect(serve({ model: 'hmm-demo', host: '0.0.0.0', port: 0 })).rejects.toThrow(
      /--host 0\.0\.0\.0 accepts connections from other machines, and there is no API key.*--api-key or the INFOGAIN_API_KEY environment variable, or pass --allow-unauthenticated/,
    );
    const refused = await cli('serve', '--model', 'hmm-demo', '--host', '0.0.0.0', '--check');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^infogain: serve: --host 0\.0\.0\.0 accepts connections from other machines.*--allow-unauthenticated/);

    const open = await cli('serve', '--model', 'hmm-demo', '--host', '0.0.0.0', '--allow-unauthenticated', '--check');
    expect(open.code, open.stderr).toBe(0);
    expect(open.stdout).toMatch(/POST \/v1\/completions .* → ".+"/);
    expect(open.stdout).not.toContain('without the API key');
    // The key from the environment: the self-check sends it, and the server asks for it.
    vi.stubEnv('INFOGAIN_API_KEY', KEY);
    try {
      const keyed = await cli('serve', '--model', 'hmm-demo', '--host', '0.0.0.0', '--check');
      expect(keyed.code, keyed.stderr).toBe(0);
      expect(keyed.stdout).toContain('GET /v1/models without the API key → 401 invalid_api_key');
      expect(keyed.stdout).toMatch(/POST \/v1\/completions .* → ".+"/);
      vi.stubEnv('INFOGAIN_API_KEY', ' ');
      expect((await cli('serve', '--model', 'hmm-demo', '--check')).stderr).toMatch(/the API key \(--api-key or INFOGAIN_API_KEY\) is empty/);
    } finally {
      vi.unstubAllEnvs();
    }
    const exposed = await serve({ model: 'hmm-demo', host: '0.0.0.0', port: 0, apiKey: KEY });
    try {
      const r = await fetch(`http://127.0.0.1:${exposed.port}/v1/models`);
      expect(r.status).toBe(401);
    } finally {
      await exposed.close();
    }
  });
});
