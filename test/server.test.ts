/**
 * `infogain serve` over loopback with the official `openai` client: completions and chat,
 * streamed and not (the same text), the library's output for the same request, stop sequences,
 * the streaming extension, bad requests (each a 400 naming its field, the server still up),
 * slots, 429, disconnects and timeouts, metrics.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listSupportedBackends } from 'onnxruntime-node';
import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, loadModel, serve, type ListeningServer } from '../src/node.js';
import { sendableLength, stopIndex } from '../src/server/completion.js';
import { CHAT_FIELDS, COMPLETION_FIELDS } from '../src/server/schema.js';
import { cli } from './helpers/cli.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

let text: ListeningServer;
let oracle: ListeningServer;
const clientOf = (server: ListeningServer) => new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });

beforeAll(async () => {
  [text, oracle] = await Promise.all([serve({ model: 'text', port: 0, threads: 1 }), serve({ model: 'hmm-demo', port: 0 })]);
});
afterAll(async () => {
  await Promise.all([text?.close(), oracle?.close()]);
});

/** Everything a stream carried: its chunks, and each choice's text put together. */
async function collect<T extends { choices: { index: number }[] }>(stream: AsyncIterable<T>, textOf: (choice: T['choices'][number]) => string) {
  const chunks: T[] = [];
  const texts: string[] = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
    for (const c of chunk.choices) texts[c.index] = (texts[c.index] ?? '') + textOf(c);
  }
  return { chunks, texts };
}

/** The infogain fields of a request, which the OpenAI types do not declare (the client sends them as given). */
const extra = (fields: Record<string, unknown>) => fields;

describe('completions', () => {
  it('answers the openai client, streamed and not with the same text, and as the library decodes it', async () => {
    const client = clientOf(text);
    const body = { model: 'text', prompt: 'ROMEO: But soft, what light', max_tokens: 12, seed: 5, temperature: 0.7, ...extra({ sampler: 'info-gain', sampler_params: { candidates: 4 } }) };
    const plain = await client.completions.create(body);
    expect(plain.object).toBe('text_completion');
    expect((await client.models.list()).data.map((m) => m.id)).toEqual(['text']);
    expect((await client.models.retrieve('text')).id).toBe('text');
    await expect(client.models.retrieve('gpt-4')).rejects.toMatchObject({ status: 404, param: 'model' });
    expect(plain.choices).toHaveLength(1);
    expect(plain.choices[0].text.length).toBeGreaterThan(0);
    expect(plain.usage).toMatchObject({ prompt_tokens: 27, completion_tokens: plain.choices[0].text.length });
    // infogain's usage fields, which the OpenAI types do not declare.
    const usage = (key: string) => Number(Reflect.get(plain.usage ?? {}, key));
    expect(usage('forward_calls')).toBeGreaterThanOrEqual(12);
    expect(usage('row_forwards')).toBeGreaterThan(usage('forward_calls')); // the lookahead's candidates are rows
    expect(usage('cumulative_uncertainty')).toBeGreaterThan(0);

    const { chunks, texts } = await collect(await client.completions.create({ ...body, stream: true, stream_options: { include_usage: true } }), (c) => c.text);
    expect(texts[0]).toBe(plain.choices[0].text);
    expect(chunks.at(-1)?.usage).toEqual(plain.usage);
    expect(chunks.filter((c) => c.choices[0]?.finish_reason).map((c) => c.choices[0].finish_reason)).toEqual([plain.choices[0].finish_reason]);

    const model = await loadModel('text');
    try {
      const library = await generate(model, model.tokenizer!.encode(body.prompt), { genLength: 12, seed: 5, sampler: 'info-gain', params: { candidates: 4 }, decode: { temperature: 0.7 } });
      expect(library.text).toBe(plain.choices[0].text);
      expect(usage('cumulative_uncertainty')).toBeCloseTo(library.trace.sequences[0].totals.cumulativeUncertainty, 10);
      expect(usage('row_forwards')).toBe(library.trace.sequences[0].totals.rowForwards);
    } finally {
      await model.dispose();
    }
  });

  it('use_cache: a dual-cache decode equals the library\'s; a model without a cache graph gets a 400 naming the field', async () => {
    const body = { model: 'text', prompt: 'ROMEO: But soft', max_tokens: 16, seed: 3, ...extra({ sampler: 'info-gain', sampler_params: { candidates: 4 }, block_length: 8, use_cache: 'dual' }) };
    const [plain, streamed] = await Promise.all([
      clientOf(text).completions.create(body),
      collect(await clientOf(text).completions.create({ ...body, stream: true }), (c) => c.text),
    ]);
    expect(streamed.texts[0]).toBe(plain.choices[0].text);
    const model = await loadModel('text');
    try {
      const library = await generate(model, model.tokenizer!.encode(body.prompt), { genLength: 16, seed: 3, sampler: 'info-gain', params: { candidates: 4 }, decode: { block_length: 8, use_cache: 'dual' } });
      expect(plain.choices[0].text).toBe(library.text);
    } finally {
      await model.dispose();
    }
    const refused = await clientOf(oracle).completions.create({ model: 'hmm-demo', prompt: 'abcab', max_tokens: 4, ...extra({ use_cache: 'prefix' }) }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 400, param: 'use_cache' });
    expect(String((refused as APIError).message)).toMatch(/model hmm-demo has no cache graph/);
    const bad = await clientOf(text).completions.create({ ...body, ...extra({ use_cache: 'full' }) }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ status: 400, param: 'use_cache' });
    const badShift = await clientOf(text).completions.create({ ...body, ...extra({ shifted_first: 'first' }) }).catch((e: unknown) => e);
    expect(badShift).toMatchObject({ status: 400, param: 'shifted_first' });
    expect(String((badShift as APIError).message)).toMatch(/overlap, forced/);
  });

  it('streams each step: its commits with entropies and candidate scores, and the committed prefix as it grows', async () => {
    const client = clientOf(text);
    const stream = await client.completions.create({ model: 'text', prompt: 'KING:', max_tokens: 10, seed: 1, stream: true, ...extra({ sampler: 'left-to-right' }) });
    const { chunks, texts } = await collect(stream, (c) => c.text);
    const steps = chunks.flatMap((c) => {
      const ext: unknown = Reflect.get(c, 'infogain');
      return typeof ext === 'object' && ext !== null && 'step' in ext ? [{ text: c.choices[0].text, ext: ext as { step: { commits: { position: number; token: number; entropy: number; text: string }[] } } }] : [];
    });
    expect(steps).toHaveLength(10);
    // Left to right: every step commits the next position, so every step makes one more character final.
    steps.forEach((s, i) => {
      expect(s.ext.step.commits.map((c) => c.position)).toEqual([5 + i]);
      expect(s.ext.step.commits[0].entropy).toBeGreaterThan(0);
      expect(s.text).toBe(s.ext.step.commits[0].text);
    });
    expect(texts[0]).toHaveLength(10);

    const ig = await client.completions.create({ model: 'text', prompt: 'KING:', max_tokens: 6, seed: 1, stream: true, ...extra({ sampler: 'info-gain' }) });
    const igChunks = (await collect(ig, (c) => c.text)).chunks;
    const withCandidates = igChunks.filter((c) => {
      const ext: unknown = Reflect.get(c, 'infogain');
      return typeof ext === 'object' && ext !== null && 'step' in ext && JSON.stringify(ext).includes('"hNext"');
    });
    expect(withCandidates.length).toBeGreaterThan(0);
  });

  it('several prompts and n choices: choice i decodes with seed + i, as it does alone', async () => {
    const client = clientOf(oracle);
    const both = await client.completions.create({ model: 'hmm-demo', prompt: ['abcab', 'ccc'], n: 2, max_tokens: 6, seed: 10, temperature: 1 });
    expect(both.choices.map((c) => c.index)).toEqual([0, 1, 2, 3]);
    const alone = await Promise.all(
      [['abcab', 10], ['abcab', 11], ['ccc', 12], ['ccc', 13]].map(([prompt, seed]) =>
        client.completions.create({ model: 'hmm-demo', prompt: String(prompt), max_tokens: 6, seed: Number(seed), temperature: 1 }),
      ),
    );
    expect(both.choices.map((c) => c.text)).toEqual(alone.map((a) => a.choices[0].text));
  });

  it('trace: true returns the decode trace, in the response and as a last chunk of a stream', async () => {
    const client = clientOf(oracle);
    const body = { model: 'hmm-demo', prompt: 'abcab', max_tokens: 5, seed: 2, ...extra({ trace: true, sampler: 'info-gain' }) };
    const plain = await client.completions.create(body);
    const trace: unknown = Reflect.get(Reflect.get(plain, 'infogain') ?? {}, 'trace');
    expect(trace).toMatchObject({ format: 'infogain-trace', version: 3, model: 'hmm-demo', sampler: 'info-gain' });
    const sequences: { steps: unknown[]; totals: { rowForwards: number } }[] = Reflect.get(trace ?? {}, 'sequences');
    expect(sequences[0].steps).toHaveLength(5);
    expect(sequences[0].totals.rowForwards).toBe(Reflect.get(plain.usage ?? {}, 'row_forwards'));
    const { chunks } = await collect(await client.completions.create({ ...body, stream: true }), (c) => c.text);
    const streamed = chunks.map((c) => Reflect.get(Reflect.get(c, 'infogain') ?? {}, 'trace')).filter(Boolean);
    // The same decode, but for its timings.
    const untimed = (t: unknown) => JSON.stringify(t, (key, value) => (key === 'wallMs' ? undefined : value));
    expect(streamed.map(untimed)).toEqual([untimed(trace)]);
  });

  it('stop sequences end the text where the first one completes, streamed and not alike', async () => {
    const client = clientOf(text);
    const body = { model: 'text', prompt: 'ROMEO:', max_tokens: 40, seed: 3, ...extra({ sampler: 'confidence' }) };
    const full = (await client.completions.create(body)).choices[0].text;
    const stop = full.slice(12, 14);
    const cut = full.indexOf(stop);
    const stopped = await client.completions.create({ ...body, stop: [stop] });
    expect(stopped.choices[0]).toMatchObject({ text: full.slice(0, cut), finish_reason: 'stop' });
    const streamed = await collect(await client.completions.create({ ...body, stop: [stop], stream: true, stream_options: { include_usage: true } }), (c) => c.text);
    expect(streamed.texts[0]).toBe(full.slice(0, cut));
    expect(streamed.chunks.at(-1)?.usage).toEqual(stopped.usage);

    // Left to right, the stop sequence is final as soon as it is written: the decode stops there.
    const ltr = { ...body, ...extra({ sampler: 'left-to-right' }) };
    const ltrFull = (await client.completions.create(ltr)).choices[0].text;
    const ltrStop = ltrFull.slice(8, 10);
    const early = await client.completions.create({ ...ltr, stop: ltrStop });
    expect(early.choices[0]).toMatchObject({ text: ltrFull.slice(0, ltrFull.indexOf(ltrStop)), finish_reason: 'stop' });
    expect(Number(Reflect.get(early.usage ?? {}, 'forward_calls'))).toBe(ltrFull.indexOf(ltrStop) + ltrStop.length);
  });
});

describe('what a stream may send', () => {
  it('the first stop sequence to complete wins; text that may start one, or a partial character, is held back', () => {
    expect(stopIndex('abcdef', ['cd', 'bcdef'])).toBe(2);
    expect(stopIndex('abcdef', ['def', 'b'])).toBe(1);
    expect(stopIndex('abcdef', ['bcd', 'cd'])).toBe(1); // both end at 4: the longer, earlier one
    expect(stopIndex('abc', ['x'])).toBe(-1);
    expect(sendableLength('hello wo', ['world'])).toBe(6);
    expect(sendableLength('hello w', ['xyz'])).toBe(7);
    expect(sendableLength('caf\uFFFD', [])).toBe(3);
    expect(sendableLength('ab', ['abc', 'b'])).toBe(0);
  });

  it('no empty delta but OpenAI\'s own (a chat\'s role chunk, each choice\'s last chunk with its finish_reason); a step with no new text sends its record with no choice', async () => {
    const client = clientOf(text);
    // Info-Gain commits out of order, so many of its steps make no text final.
    const body = { model: 'text', prompt: 'ROMEO: But soft', max_tokens: 16, n: 2, seed: 4, temperature: 0.8, ...extra({ sampler: 'info-gain', sampler_params: { candidates: 4 } }) };
    const stepChoice = (chunk: object): unknown => Reflect.get(Reflect.get(chunk, 'infogain') ?? {}, 'choice');

    const completion = await collect(await client.completions.create({ ...body, stream: true, stream_options: { include_usage: true } }), (c) => c.text);
    const recordsAlone = completion.chunks.filter((c) => c.choices.length === 0 && !c.usage);
    expect(recordsAlone.length).toBeGreaterThan(0);
    for (const c of recordsAlone) expect([0, 1]).toContain(stepChoice(c));
    for (const index of [0, 1]) {
      const mine = completion.chunks.flatMap((c) => c.choices.filter((x) => x.index === index));
      expect(mine.at(-1)).toEqual({ index, text: '', finish_reason: 'length', logprobs: null });
      for (const x of mine.slice(0, -1)) expect(x.text.length, JSON.stringify(x)).toBeGreaterThan(0);
    }
    const plainCompletion = await client.completions.create(body);
    expect(completion.texts).toEqual(plainCompletion.choices.map((c) => c.text));

    const chatBody = { model: 'text', messages: [{ role: 'user' as const, content: 'Who comes here?' }], max_tokens: 12, n: 2, seed: 4, temperature: 0.8, ...extra({ sampler: 'info-gain', sampler_params: { candidates: 4 } }) };
    const chat = await client.chat.completions.create({ ...chatBody, stream: true });
    const chatChunks = (await collect(chat, (c) => c.delta.content ?? '')).chunks;
    for (const index of [0, 1]) {
      const mine = chatChunks.flatMap((c) => c.choices.filter((x) => x.index === index));
      expect(mine[0].delta).toEqual({ role: 'assistant', content: '', refusal: null });
      expect(mine.at(-1)).toMatchObject({ delta: {}, finish_reason: 'length' });
      expect(Object.keys(mine.at(-1)?.delta ?? { x: 1 })).toEqual([]);
      for (const x of mine.slice(1, -1)) expect(Object.keys(x.delta).length === 1 && (x.delta.content ?? '').length > 0, JSON.stringify(x)).toBe(true);
    }
    expect(chatChunks.some((c) => c.choices.length === 0 && stepChoice(c) !== undefined)).toBe(true);
    // The official client's stream helper puts the chunks together into the non-streamed answer.
    const plainChat = await client.chat.completions.create(chatBody);
    const helped = await client.chat.completions.stream(chatBody).finalChatCompletion();
    expect(helped.choices.map((c) => [c.message.content, c.finish_reason])).toEqual(plainChat.choices.map((c) => [c.message.content, c.finish_reason]));
  });

  it('samplers that remask (ReMDM) and best-of-N send their text in the last chunk; it equals the non-streamed text', async () => {
    const client = clientOf(oracle);
    for (const sampler of ['remdm', 'best-of-n']) {
      const body = { model: 'hmm-demo', prompt: 'abcab', max_tokens: 6, seed: 7, temperature: 0.8, ...extra({ sampler, sampler_params: sampler === 'remdm' ? { loop_steps: 3 } : { n: 3 } }) };
      const plain = await client.completions.create(body);
      const { chunks, texts } = await collect(await client.completions.create({ ...body, stream: true }), (c) => c.text);
      expect(texts[0], sampler).toBe(plain.choices[0].text);
      const withText = chunks.filter((c) => c.choices[0]?.text);
      expect(withText, sampler).toHaveLength(1);
      // The text, then the choice's last chunk: nothing but its finish_reason.
      const next = chunks[chunks.indexOf(withText[0]) + 1];
      expect(next.choices, sampler).toEqual([{ index: 0, text: '', finish_reason: 'length', logprobs: null }]);
      expect(chunks.filter((c) => Reflect.has(c, 'infogain')).length, sampler).toBeGreaterThan(5);
    }
    const remdm = await client.completions.create({ model: 'hmm-demo', prompt: 'abcab', max_tokens: 6, stream: true, ...extra({ sampler: 'remdm', sampler_params: { loop_steps: 3 } }) });
    const steps = (await collect(remdm, (c) => c.text)).chunks.map((c) => JSON.stringify(Reflect.get(c, 'infogain') ?? {}));
    expect(steps.some((s) => s.includes('"remasked"'))).toBe(true);
  });
});

describe('byte-level BPE', () => {
  it('a character split over several byte tokens is sent once all of them are committed; streamed equals not streamed', async () => {
    // A model directory of test fixtures: the 268-id ONNX graph with the Qwen-style byte-level BPE tokenizer.
    const dir = mkdtempSync(join(tmpdir(), 'infogain-bpe-'));
    cpSync(join(FIXTURES, 'onnx/vocab-268/model.onnx'), join(dir, 'model.onnx'));
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) cpSync(join(FIXTURES, 'tokenizers/dream-like', f), join(dir, f));
    writeFileSync(join(dir, 'model.json'), '{"name": "bpe", "preset": "dream", "vocabSize": 268}');
    const server = await serve({ model: dir, port: 0 });
    try {
      const client = clientOf(server);
      let split = 0;
      for (let seed = 0; seed < 6; seed++) {
        const body = { model: 'bpe', prompt: 'héllo wörld', max_tokens: 10, seed, temperature: 1, ...extra({ sampler: 'left-to-right' }) };
        const plain = (await client.completions.create(body)).choices[0].text;
        const { chunks, texts } = await collect(await client.completions.create({ ...body, stream: true }), (c) => c.text);
        expect(texts[0], `seed ${seed}`).toBe(plain);
        // Left to right one token per step: a step whose token completes no character sends its record, with no choice.
        const steps = chunks.filter((c) => Reflect.has(c, 'infogain'));
        expect(steps).toHaveLength(10);
        split += steps.filter((c) => c.choices.length === 0).length;
        for (const c of steps) if (c.choices.length > 0) expect(c.choices[0].text).toMatch(/[^\uFFFD]$/);
      }
      expect(split).toBeGreaterThan(0);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('chat completions', () => {
  it('formats messages with the model directory\'s chat template; streamed equals not streamed', async () => {
    const client = clientOf(text);
    const body = { model: 'text', messages: [{ role: 'user' as const, content: 'Who comes here?' }], max_tokens: 10, seed: 2, ...extra({ sampler: 'confidence' }) };
    const plain = await client.chat.completions.create(body);
    expect(plain.object).toBe('chat.completion');
    expect(plain.choices[0].message.role).toBe('assistant');
    // <|user|>Who comes here?\n<|assistant|>: the template's text, each marker one token.
    expect(plain.usage?.prompt_tokens).toBe(1 + 'Who comes here?\n'.length + 1);
    const { chunks, texts } = await collect(await client.chat.completions.create({ ...body, stream: true }), (c) => c.delta.content ?? '');
    expect(texts[0]).toBe(plain.choices[0].message.content);
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
  });

  it('n choices stream side by side, each equal to its non-streamed text', async () => {
    const client = clientOf(text);
    const body = { model: 'text', messages: [{ role: 'user' as const, content: 'Speak.' }], max_tokens: 6, n: 2, seed: 9, temperature: 0.9, ...extra({ sampler: 'confidence' }) };
    const plain = await client.chat.completions.create(body);
    const { texts } = await collect(await client.chat.completions.create({ ...body, stream: true }), (c) => c.delta.content ?? '');
    expect(texts).toEqual(plain.choices.map((c) => c.message.content));
    expect(texts[0]).not.toBe(texts[1]);
  });

  it('a model without a chat template gets a 400 that says so', async () => {
    const error = await clientOf(oracle).chat.completions.create({ model: 'hmm-demo', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect(error).toMatchObject({ status: 400, param: 'messages' });
    expect(String((error as APIError).message)).toMatch(/no chat template/);
  });
});

describe('bad requests', () => {
  const post = (server: ListeningServer, path: string, body: string) => fetch(`${server.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  const cases: [string, string, unknown, string | null, RegExp][] = [
    ['malformed JSON', '/v1/completions', '{"model": "text", "prompt": ', '(body)', /not valid JSON/],
    ['not an object', '/v1/completions', [1, 2], '(body)', /expected a JSON object/],
    ['missing model', '/v1/completions', { prompt: 'a' }, 'model', /is missing/],
    ['unknown sampler', '/v1/completions', { model: 'text', prompt: 'a', sampler: 'nucleus' }, 'sampler', /unknown sampler "nucleus"; available: info-gain/],
    ['max_tokens beyond the context', '/v1/completions', { model: 'text', prompt: 'ROMEO:', max_tokens: 500 }, 'max_tokens', /over the context limit of model text \(128 tokens\); expected at most 122/],
    ['negative temperature', '/v1/completions', { model: 'text', prompt: 'a', temperature: -1 }, 'temperature', /is -1, expected a number ≥ 0/],
    ['wrong type', '/v1/completions', { model: 'text', prompt: 'a', max_tokens: 'ten' }, 'max_tokens', /is "ten", expected an integer ≥ 0/],
    ['wrong prompt type', '/v1/completions', { model: 'text', prompt: { text: 'a' } }, 'prompt', /expected a string, a list of strings/],
    ['unknown field', '/v1/completions', { model: 'text', prompt: 'a', sampler_param: {} }, 'sampler_param', /unknown field "sampler_param"; known fields: model/],
    ['bad sampler parameter', '/v1/completions', { model: 'text', prompt: 'a', sampler_params: { candidates: 'many' } }, 'sampler_params', /candidates/],
    ['unknown sampler parameter', '/v1/completions', { model: 'text', prompt: 'a', sampler: 'confidence', sampler_params: { candidates: 4 } }, 'sampler_params', /unknown parameter "candidates"/],
    ['a file for PC-sampler', '/v1/completions', { model: 'text', prompt: 'a', sampler: 'pc', sampler_params: { background: '/etc/passwd' } }, 'sampler_params', /reads no file/],
    ['a character outside the alphabet', '/v1/completions', { model: 'text', prompt: 'naïve €' }, 'prompt', /outside the tokenizer's alphabet/],
    ['a token id outside the vocabulary', '/v1/completions', { model: 'text', prompt: [5, 900] }, 'prompt', /token 1 is 900, expected an id in \[0, 70\)/],
    ['unsupported top_p', '/v1/completions', { model: 'text', prompt: 'a', top_p: 0.5 }, 'top_p', /nucleus sampling is not supported/],
    ['nothing to decode', '/v1/completions', { model: 'text', prompt: 'a', max_tokens: 0 }, 'prompt', /nothing to decode: the canvas has no masks/],
    ['seed out of range', '/v1/completions', { model: 'text', prompt: 'a', seed: -3 }, 'seed', /expected an integer in \[0, 4294967295\]/],
    ['too many choices', '/v1/completions', { model: 'text', prompt: ['a', 'b'], n: 40 }, 'n', /80 choices, expected at most 64/],
    ['threshold above 1', '/v1/completions', { model: 'text', prompt: 'a', threshold: 2 }, 'threshold', /expected a number in \[0, 1\]/],
    ['empty messages', '/v1/chat/completions', { model: 'text', messages: [] }, 'messages', /expected a non-empty list of messages/],
    ['bad role', '/v1/chat/completions', { model: 'text', messages: [{ role: 'robot', content: 'x' }] }, 'messages[0].role', /"robot", expected one of system, user/],
  ];
  for (const [name, path, body, param, message] of cases)
    it(`${name}: 400 naming ${param}`, async () => {
      const r = await post(text, path, typeof body === 'string' ? body : JSON.stringify(body));
      expect(r.status).toBe(400);
      const answer: { error: { message: string; type: string; param: string | null } } = await r.json();
      expect(answer.error).toMatchObject({ type: 'invalid_request_error', param });
      expect(answer.error.message).toMatch(message);
    });

  it('any odd value in any field gets a 200 or a 400 naming that field, never a 500', async () => {
    const odd: unknown[] = [null, true, -1, 0, 1e300, 2.5, 'x', '', [], {}, [[]], [1, 'a'], { a: 1 }];
    const fields = [...new Set([...COMPLETION_FIELDS, ...CHAT_FIELDS])];
    const statuses = new Set<number>();
    for (const field of fields)
      await Promise.all(
        odd.map(async (value) => {
          const chat = CHAT_FIELDS.includes(field) && !COMPLETION_FIELDS.includes(field);
          const base = chat ? { model: 'hmm-demo', messages: [{ role: 'user', content: 'ab' }] } : { model: 'hmm-demo', prompt: 'ab' };
          const r = await post(oracle, chat ? '/v1/chat/completions' : '/v1/completions', JSON.stringify({ max_tokens: 2, sampler: 'confidence', ...base, [field]: value }));
          statuses.add(r.status);
          const body = await r.text(); // JSON, or a stream's events (stream: true)
          if (r.status === 200 && body.startsWith('data:')) expect(body.trimEnd().endsWith('data: [DONE]'), `${field}: ${JSON.stringify(value)}`).toBe(true);
          if (r.status !== 200) {
            const answer = JSON.parse(body);
            // A string naming another model is OpenAI's 404 model_not_found; anything else a 400.
            expect(r.status, `${field}: ${JSON.stringify(value)}`).toBe(field === 'model' && typeof value === 'string' ? 404 : 400);
            expect(typeof answer.error.param, `${field}: ${JSON.stringify(value)}`).toBe('string');
          }
        }),
      );
    expect([...statuses].sort()).toEqual([200, 400, 404]);
    expect((await fetch(`${oracle.url}/health`)).status).toBe(200);
  });

  it('an unknown model is OpenAI\'s 404 model_not_found, in completions, chat and GET /v1/models/{id}', async () => {
    const expected = (name: string) => ({
      error: { message: `field "model" is "${name}", expected "text" (the model this server serves; GET /v1/models)`, type: 'invalid_request_error', param: 'model', code: 'model_not_found' },
    });
    for (const [path, body] of [['/v1/completions', { model: 'gpt-4', prompt: 'a' }], ['/v1/chat/completions', { model: 'gpt-4', messages: [{ role: 'user', content: 'hi' }], stream: true }]] as const) {
      const r = await post(text, path, JSON.stringify(body));
      expect(r.status, path).toBe(404);
      expect(await r.json(), path).toEqual(expected('gpt-4'));
    }
    const viaClient = await clientOf(text).completions.create({ model: 'gpt-4', prompt: 'a' }).catch((e: unknown) => e);
    expect(viaClient).toBeInstanceOf(OpenAI.NotFoundError);
    expect(viaClient).toMatchObject({ status: 404, code: 'model_not_found', param: 'model', type: 'invalid_request_error' });
    const retrieve = await fetch(`${text.url}/v1/models/gpt-4`);
    expect(retrieve.status).toBe(404);
    expect(await retrieve.json()).toEqual({ error: { ...expected('gpt-4').error, message: 'no model "gpt-4", expected "text" (the model this server serves; GET /v1/models)' } });
  });

  it('a body over the limit gets 413, an unknown route 404; the server still answers /health and decodes', async () => {
    const big = await post(text, '/v1/completions', JSON.stringify({ model: 'text', prompt: 'a'.repeat(2 << 20) }));
    expect(big.status).toBe(413);
    expect((await big.json()).error.code).toBe('body_too_large');
    const missing = await fetch(`${text.url}/v2/nothing`);
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.type).toBe('not_found_error');
    const health = await fetch(`${text.url}/health`);
    expect(await health.json()).toMatchObject({ status: 'ok', model: 'text', active: 0, queued: 0 });
    const ok = await clientOf(text).completions.create({ model: 'text', prompt: 'a', max_tokens: 2, ...extra({ sampler: 'confidence' }) });
    expect(ok.choices[0].text).toHaveLength(2);
  });
});

describe('slots, disconnects, timeouts, metrics', () => {
  it('a client leaving mid-stream frees its slot: the queued request starts, and one more is refused with 429', async () => {
    const server = await serve({ model: 'hmm-demo', port: 0, maxActive: 1, maxQueued: 1 });
    try {
      const client = clientOf(server);
      // Long enough to be mid-decode when the client leaves: 400 tokens, one per step, 8 lookahead rows each.
      const first = await client.completions.create({ model: 'hmm-demo', prompt: 'abc', max_tokens: 400, stream: true });
      const iterator = first[Symbol.asyncIterator]();
      await iterator.next();
      const queued = client.completions.create({ model: 'hmm-demo', prompt: 'abc', max_tokens: 3, seed: 4 });
      await expect.poll(async () => (await (await fetch(`${server.url}/health`)).json()).queued).toBe(1);
      const refused = await fetch(`${server.url}/v1/completions`, { method: 'POST', body: JSON.stringify({ model: 'hmm-demo', prompt: 'a', max_tokens: 2 }) });
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect((await refused.json()).error).toMatchObject({ type: 'rate_limit_error', code: 'server_busy' });
      first.controller.abort();
      const answer = await queued;
      expect(answer.choices[0].text).toHaveLength(3);
      const health = await (await fetch(`${server.url}/health`)).json();
      expect(health).toMatchObject({ active: 0, queued: 0 });
      // The abandoned decode stopped long before its 400 steps.
      expect(server.batcher.calls).toBeLessThan(200);
    } finally {
      await server.close();
    }
  });

  it('a client leaving a non-streamed request cancels its decode too', async () => {
    const server = await serve({ model: 'hmm-demo', port: 0, maxActive: 1 });
    try {
      const leaving = new AbortController();
      const first = fetch(`${server.url}/v1/completions`, { method: 'POST', body: JSON.stringify({ model: 'hmm-demo', prompt: 'abc', max_tokens: 400 }), signal: leaving.signal });
      await expect.poll(() => server.batcher.calls).toBeGreaterThan(2);
      leaving.abort();
      await expect(first).rejects.toThrow();
      const next = await clientOf(server).completions.create({ model: 'hmm-demo', prompt: 'abc', max_tokens: 2 });
      expect(next.choices[0].text).toHaveLength(2);
      expect(server.batcher.calls).toBeLessThan(200);
    } finally {
      await server.close();
    }
  });

  it('a request the model fails on (NaN logits) gets a 500; the requests decoding beside it are unharmed', async () => {
    const server = await serve({ model: join(FIXTURES, 'onnx/nan-logits'), port: 0 });
    try {
      const post = (prompt: number[]) =>
        fetch(`${server.url}/v1/completions`, { method: 'POST', body: JSON.stringify({ model: 'fixture-nan-logits', prompt, max_tokens: 3, sampler: 'left-to-right' }) });
      const alone = await (await post([1])).json();
      // Token 3's logits hold a NaN (test/fixtures/onnx/README.md); the other prompts never meet it.
      const answers = await Promise.all([post([1]), post([3]), post([2]), post([1])]);
      expect(answers.map((r) => r.status)).toEqual([200, 500, 200, 200]);
      const bodies = await Promise.all(answers.map((r) => r.json()));
      expect(bodies[1].error).toMatchObject({ type: 'server_error' });
      expect(bodies[1].error.message).toMatch(/the logit of token id 5 at row \d+ \(batch index\), position 0 is NaN/);
      for (const i of [0, 2, 3]) expect(bodies[i].choices[0].text).toBe(alone.choices[0].text);
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('CORS headers only for the origins given', async () => {
    const preflight = (server: ListeningServer) =>
      fetch(`${server.url}/v1/completions`, { method: 'OPTIONS', headers: { Origin: 'http://localhost:5173', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' } });
    const open = await serve({ model: 'hmm-demo', port: 0, corsOrigins: ['http://localhost:5173'] });
    try {
      const r = await preflight(open);
      expect(r.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
      expect(r.headers.get('access-control-allow-headers')).toMatch(/Content-Type/i);
    } finally {
      await open.close();
    }
    expect((await preflight(oracle)).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('a request over the timeout is cancelled with 504; the server goes on', async () => {
    const server = await serve({ model: 'hmm-demo', port: 0, timeoutMs: 30 });
    try {
      const error = await clientOf(server).completions.create({ model: 'hmm-demo', prompt: 'abc', max_tokens: 1000 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 504 });
      // Streamed: the stream ends with an error event, which the client raises.
      const stream = await clientOf(server).completions.create({ model: 'hmm-demo', prompt: 'abc', max_tokens: 1000, stream: true });
      const streamed = await collect(stream, (c) => c.text).catch((e: unknown) => e);
      expect(streamed).toBeInstanceOf(APIError);
      expect(String((streamed as APIError).message)).toMatch(/timeout of 0.03 s/);
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('/metrics: Prometheus text with requests, queue depth, rows per forward, forward latency, tokens/s', async () => {
    await clientOf(oracle).completions.create({ model: 'hmm-demo', prompt: 'ab', max_tokens: 4, ...extra({ sampler: 'confidence' }) });
    const r = await fetch(`${oracle.url}/metrics`);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    const body = await r.text();
    expect(body).toMatch(/^infogain_requests_total\{endpoint="\/v1\/completions",status="200"\} [1-9]/m);
    for (const name of ['infogain_queue_depth 0', 'infogain_requests_active 0', 'infogain_forward_rows_bucket', 'infogain_forward_seconds_sum', 'infogain_generated_tokens_total', 'infogain_tokens_per_second'])
      expect(body).toContain(name);
    expect(Number(/^infogain_tokens_per_second (\S+)/m.exec(body)?.[1])).toBeGreaterThan(0);
  });
});

describe('--device (onnxruntime execution provider)', () => {
  const modelInfo = async (server: ListeningServer): Promise<Record<string, unknown>> => {
    const list: { data: { infogain: Record<string, unknown> }[] } = await (await fetch(`${server.url}/v1/models`)).json();
    return list.data[0].infogain;
  };

  it('serve({ device: "cpu" }) decodes and GET /v1/models reports the device; without one, onnxruntime-node\'s cpu; an oracle, none', async () => {
    const server = await serve({ model: 'text', port: 0, threads: 1, device: 'cpu' });
    try {
      expect(server.device).toBe('cpu');
      expect((await modelInfo(server)).device).toBe('cpu');
      const body = { model: 'text', prompt: 'ROMEO:', max_tokens: 8, seed: 1, ...extra({ sampler: 'confidence' }) };
      const [onCpu, onDefault] = await Promise.all([clientOf(server).completions.create(body), clientOf(text).completions.create(body)]);
      expect(onCpu.choices[0].text).toBe(onDefault.choices[0].text);
    } finally {
      await server.close();
    }
    expect((await modelInfo(text)).device).toBe('cpu');
    expect((await modelInfo(oracle)).device).toBeNull();
  });

  it('infogain serve --device cpu answers over loopback (--check); an unknown device stops start-up naming the value and the providers this runtime has', async () => {
    const ok = await cli('serve', '--model', 'text', '--device', 'cpu', '--check');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('GET /v1/models → text on device cpu');
    expect(ok.stdout).toMatch(/POST \/v1\/completions .* → ".+"; usage /);
    const bad = await cli('serve', '--model', 'text', '--device', 'tpu', '--check');
    expect(bad.code).toBe(2);
    const names = listSupportedBackends().map((b) => b.name);
    // The message generate/compare/eval give (test/device.test.ts), from the same loader.
    expect(bad.stderr).toBe(`infogain: ${process.cwd()}/models/text/model.onnx: device (--device) is "tpu", expected one of ${names.join(', ')} (the execution providers of this onnxruntime)`);
  });

  const cuda = listSupportedBackends().find((b) => b.name === 'cuda');
  it.runIf(cuda && !cuda.bundled)('the device reaches the session: cuda without its binaries fails at start-up, saying they are a separate install', async () => {
    await expect(serve({ model: 'text', port: 0, device: 'cuda' })).rejects.toThrow(/cannot load the graph on device cuda: .*its binaries are a separate install/);
  });
});
