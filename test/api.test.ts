/**
 * The library's core calls on real built-in models: loadModel (built-in names, bytes with a passed
 * runtime), decode's stream, generate, batches sharing forwards, cancellation, typed parameters.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';
import * as neutral from '../src/index.js';
import { decode, decodeBatch, generate, loadModel, prepareEntry, resolveEntry, SAMPLER_NAMES, SAMPLERS, sudokuTask, type DecodeEvent, type Model } from '../src/node.js';

const PUZZLE = '53..7....6..195....98....6.8...6...34..8.3..17...2...6.6....28....419..5....8..79';

let hmm: Model;
let sudoku: Model;
beforeAll(async () => {
  hmm = await loadModel('hmm-demo');
  sudoku = await loadModel('sudoku');
});
afterAll(async () => {
  await sudoku.dispose();
});

async function collect(events: AsyncIterable<DecodeEvent>): Promise<DecodeEvent[]> {
  const all: DecodeEvent[] = [];
  for await (const e of events) all.push(e);
  return all;
}

describe('decode and generate', () => {
  it('stream every step, candidates with C, H_next and J, a running uncertainty, and end with the trace', async () => {
    const events = await collect(decode(hmm, [3, 1, 4, 1, 5], { sampler: 'info-gain', params: { candidates: 3 }, genLength: 10, seed: 7 }));
    const done = events.at(-1);
    if (done?.type !== 'done') throw new Error('the last event is not done');
    const steps = events.filter((e) => e.type === 'step');
    const [sequence] = done.trace.sequences;
    expect(steps.map((s) => s.step)).toEqual(sequence.steps);
    expect(steps.at(-1)!.cumulativeUncertainty).toBeCloseTo(sequence.totals.cumulativeUncertainty, 12);
    expect(Array.from(steps.at(-1)!.canvas)).toEqual(sequence.output);
    const scored = sequence.steps.find((s) => s.candidates !== undefined)!;
    for (const c of scored.candidates!) expect(c.objective).toBeCloseTo(-c.cost - c.hNext, 12);
    expect(events.filter((e) => e.type === 'sequence')).toHaveLength(1);
    expect(done.trace.samplerParams.candidates).toBe(3);
  });

  it('generate gives the CLI driver’s output for the same entry and seed', async () => {
    const { text, trace } = await generate(hmm, [3, 1, 4, 1, 5], { sampler: 'confidence', genLength: 10, seed: 11 });
    const canvas = Int32Array.from([3, 1, 4, 1, 5, ...new Array(10).fill(hmm.card.maskId)]);
    const entry = await prepareEntry(resolveEntry('confidence'), { vocabSize: hmm.card.vocabSize });
    const { traces } = await decodeBatch(hmm.denoiser, [{ canvas, promptLength: 5, seed: 11 }], entry);
    expect(trace.sequences[0].output).toEqual(traces[0].output);
    expect(text).toHaveLength(10);
    expect(text).not.toContain('_');
  });

  it('several prompts share model calls and decode as they would alone (seed + i)', async () => {
    const prompts = [[2, 2, 2], [5, 6]];
    const together = await generate(hmm, prompts, { genLength: 8, seed: 3 });
    const alone = await Promise.all(prompts.map((p, i) => generate(hmm, p, { genLength: 8, seed: 3 + i })));
    expect(together.trace.sequences.map((s) => s.output)).toEqual(alone.map((a) => a.trace.sequences[0].output));
    expect(together.texts).toEqual(alone.map((a) => a.text));
  });

  it('an AbortSignal stops the run between model calls with an AbortError', async () => {
    const controller = new AbortController();
    const seen: DecodeEvent[] = [];
    const run = async () => {
      for await (const e of decode(sudoku, PUZZLE, { signal: controller.signal })) {
        seen.push(e);
        if (seen.length === 2) controller.abort();
      }
    };
    await expect(run()).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen.every((e) => e.type === 'step')).toBe(true);
    expect(seen.length).toBeLessThan(49); // the puzzle has 51 blanks, one per step
    const aborted = AbortSignal.abort();
    await expect(generate(hmm, [1], { genLength: 4, signal: aborted })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('sampler parameters are typed by the sampler’s declaration', async () => {
    // @ts-expect-error: "candidate" is not an info-gain parameter
    await expect(generate(hmm, [1], { sampler: 'info-gain', params: { candidate: 2 }, genLength: 4 })).rejects.toThrow(/unknown option params\.candidate for sampler info-gain; did you mean params\.candidates\?/);
    // @ts-expect-error: candidates is a number
    await expect(generate(hmm, [1], { sampler: 'info-gain', params: { candidates: 'two' }, genLength: 4 })).rejects.toThrow(/candidates/);
    expect([...SAMPLER_NAMES].sort()).toEqual(SAMPLERS.map((s) => s.name).sort());
  });
});

describe('options a JavaScript caller misplaces or misspells', () => {
  // What a caller without the types writes: keys from other APIs, or a key one level off.
  const cases: [what: string, options: Record<string, unknown>, call: 'generate' | 'decode', expected: RegExp][] = [
    ['temperature at the top level', { temperature: 0.7 }, 'generate', /^generate: unknown option temperature; did you mean decode\.temperature\?/],
    ['OpenAI\'s max_tokens', { max_tokens: 5 }, 'generate', /^generate: unknown option max_tokens; did you mean genLength\?/],
    ['Hugging Face\'s max_new_tokens', { max_new_tokens: 5 }, 'generate', /did you mean genLength\?/],
    ['gen_length in snake case', { gen_length: 5 }, 'decode', /^decode: unknown option gen_length; did you mean genLength\?/],
    ['a transposition', { genLenght: 5 }, 'generate', /did you mean genLength\?/],
    ['useCache in camel case', { useCache: 'dual' }, 'generate', /did you mean decode\.use_cache\?/],
    ['a sampler parameter in decode', { decode: { candidates: 3 } }, 'generate', /unknown option decode\.candidates; did you mean params\.candidates\?/],
    ['a decode parameter in params', { params: { temperature: 1 } }, 'generate', /unknown option params\.temperature for sampler info-gain; did you mean decode\.temperature\?/],
    ['genLength inside decode', { decode: { genLength: 3 } }, 'generate', /unknown option decode\.genLength; did you mean genLength\?/],
    ['another sampler\'s parameter', { sampler: 'confidence', params: { candidates: 4 } }, 'generate', /params\.candidates for sampler confidence; "candidates" is a parameter of info-gain, lookum, info-gain-beam, not of confidence/],
    ['nothing like any key', { colour: 'red' }, 'generate', /unknown option colour; no option is named like it \(valid in options: sampler, params, decode, genLength, seed, signal, batchSize, readText\)$/],
    ['decode that is not an object', { decode: 3 }, 'generate', /options\.decode is a number, expected an object of options/],
  ];
  it.each(cases)('%s: a TypeError that says where the key belongs', async (_what, options, call, expected) => {
    const run = call === 'generate' ? generate(hmm, [1, 2], options) : collect(decode(hmm, [1, 2], options));
    const error = await run.then(() => null, (e: unknown) => e);
    if (!(error instanceof TypeError)) throw new Error(`expected a TypeError, got ${String(error)}`);
    expect(error.message).toMatch(expected);
  });

  it('loadModel: the nearest option, or the call a decode option belongs to', async () => {
    // @ts-expect-error: what a JavaScript caller can write
    await expect(loadModel('hmm-demo', { thread: 2 })).rejects.toThrow(/^loadModel: unknown option thread; did you mean threads\? \(valid: runtime, threads, device, task, genLength, statsHead, statsGraph\)$/);
    // @ts-expect-error: a decode option given to loadModel
    await expect(neutral.loadModel({ oracle: {} }, { sampler: 'confidence' })).rejects.toThrow(/"sampler" is an option of decode and generate, not of loadModel/);
    await expect(loadModel('hmm-demo', { threads: 1, genLength: 3 })).resolves.toMatchObject({ genLength: 3 });
  });

  it('every documented key is accepted, at every level', async () => {
    const { text } = await generate(hmm, [1, 2], {
      sampler: 'confidence', params: { alg_temp: 0 }, decode: { steps: 2, temperature: 0 }, genLength: 4, seed: 1,
      signal: new AbortController().signal, batchSize: 1, readText: async () => '',
    });
    expect(text).toHaveLength(4);
  });
});

describe('genLength on a built-in task model', () => {
  const PROMPT = 'ROMEO: What say you, my lord?';
  it('text-long decodes the prompt plus genLength characters, the canvas of the CLI\'s --gen-length', async () => {
    const textLong = await loadModel('text-long');
    try {
      const { text, trace } = await generate(textLong, PROMPT, { sampler: 'confidence', genLength: 256, decode: { steps: 32 } });
      const [sequence] = trace.sequences;
      expect(sequence.output).toHaveLength(PROMPT.length + 256);
      expect(sequence.steps.reduce((n, s) => n + s.commits.length, 0)).toBe(256);
      expect(text).toHaveLength(256);
      const file = join(mkdtempSync(join(tmpdir(), 'infogain-api-')), 't.json');
      const r = await cli('generate', '--model', 'text-long', '--prompt', PROMPT, '--gen-length', '256', '--sampler', 'confidence', '--set', 'steps=32', '--trace', file);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(readFileSync(file, 'utf8')).sequences[0].output).toEqual(sequence.output);
      // Without genLength the task sets the canvas (a 128-character window), as the CLI without --gen-length.
      const window = await generate(textLong, PROMPT, { sampler: 'confidence', decode: { steps: 8 } });
      expect(window.trace.sequences[0].output).toHaveLength(128);
      await expect(generate(textLong, PROMPT, { genLength: 500 })).rejects.toThrow(/genLength 500: the canvas would hold 529 tokens \(prompt 29 \+ 500 to generate\), over the context limit of model text-long \(512\)/);
    } finally {
      await textLong.dispose();
    }
  });

  it('a task that sets its own canvas (Sudoku) takes genLength 0 and refuses more', async () => {
    const { trace } = await generate(sudoku, PUZZLE, { sampler: 'confidence', genLength: 0 });
    expect(trace.sequences[0].output).toHaveLength(81);
    await expect(generate(sudoku, PUZZLE, { genLength: 5 })).rejects.toThrow(/^genLength 5: the sudoku task sets the canvas of model sudoku itself/);
  });
});

describe('loadModel', () => {
  it('a built-in task model reads prompts in its task format and solves the puzzle', async () => {
    const { text, trace } = await generate(sudoku, PUZZLE);
    expect(text).toMatch(/^[1-9]{81}$/);
    expect(sudoku.task).toBe(sudokuTask);
    const outcome = await sudokuTask.grade(sudokuTask.fromPrompt(PUZZLE, {}), Int32Array.from(trace.sequences[0].output), { card: sudoku.card, tokenizer: sudoku.tokenizer! });
    expect(outcome.correct).toBe(true);
  });

  it('the neutral loadModel builds the same model from bytes and parsed JSON with the runtime passed in', async () => {
    const dir = 'models/sudoku';
    const fromBytes = await neutral.loadModel(
      {
        onnx: await readFile(`${dir}/model.onnx`),
        card: JSON.parse(await readFile(`${dir}/model.json`, 'utf8')),
        tokenizer: new Uint8Array(await readFile(`${dir}/tokenizer.json`)),
        tokenizerConfig: JSON.parse(await readFile(`${dir}/tokenizer_config.json`, 'utf8')),
        source: dir,
      },
      { runtime: ort, task: sudokuTask },
    );
    try {
      expect(fromBytes.card).toEqual(sudoku.card);
      const a = await neutral.generate(fromBytes, PUZZLE, { sampler: 'margin', seed: 5 });
      const b = await generate(sudoku, PUZZLE, { sampler: 'margin', seed: 5 });
      expect(a.trace.sequences[0].output).toEqual(b.trace.sequences[0].output);
    } finally {
      await fromBytes.dispose();
    }
    await expect(neutral.loadModel({ onnx: new Uint8Array(0), card: {} })).rejects.toThrow(/needs an onnxruntime module/);
  });

  it('refuses a name that is neither built in, a path nor a URL', async () => {
    await expect(loadModel('sudok')).rejects.toThrow(/"sudok" is not a built-in model \(hmm-demo, markov-shakespeare, sudoku, sudoku-hard, countdown, countdown-64, text, text-long, digits\)/);
    await expect(loadModel('llada')).rejects.toThrow(/"llada" is not a built-in model .*; a real MDM \(LLaDA, Dream, SDAR, MMaDA\) runs from a model directory exported to ONNX: see docs\/onnx-models\.md$/);
  });
});

// Both runtimes' modules are what `{ runtime }` takes, without a cast (checked by tsc).
type RuntimeFits<M> = M extends neutral.OrtRuntime ? true : false;
const webRuntimeFits: RuntimeFits<typeof import('onnxruntime-web')> = true;
const nodeRuntimeFits: RuntimeFits<typeof import('onnxruntime-node')> = true;
it('onnxruntime-web and onnxruntime-node fit OrtRuntime', () => expect([webRuntimeFits, nodeRuntimeFits]).toEqual([true, true]));
