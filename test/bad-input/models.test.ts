/**
 * Bad-input matrix, model loading: model directories, model.json fields, presets, tokenizer files,
 * prompts, --threads and non-finite model outputs. Every case runs the real CLI on real files
 * (tiny ONNX graphs and tokenizers, copied or edited in temp dirs) and exits 2 with one line that
 * names the problem (file, field, value, where it came from, what was expected).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cli } from '../helpers/cli.js';

const root = mkdtempSync(join(tmpdir(), 'infogain-bad-models-'));
const TINY = 'models/tiny/llada-tiny';
const SDAR = 'models/tiny/sdar-tiny';
const FIX = 'test/fixtures/onnx';
let dirs = 0;

/**
 * A model directory in a temp folder: `files` copied from `from` (a name → its content, or
 * `true` to copy it unchanged), so each case differs from a working model in one named way.
 */
function modelDir(from: string, files: Record<string, string | true>): string {
  const dir = join(root, `m${dirs++}`);
  mkdirSync(dir);
  for (const [name, content] of Object.entries(files))
    if (content === true) copyFileSync(join(from, name), join(dir, name));
    else writeFileSync(join(dir, name), content);
  return dir;
}
const card = (over: Record<string, unknown>) => JSON.stringify({ ...JSON.parse(readFileSync(join(TINY, 'model.json'), 'utf8')), ...over });
const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');

/** The dream-like tokenizer fixture in Dream's own layout: vocab.json + merges.txt + config + added_tokens.json. */
function dreamLayout(): Record<string, string> {
  const json = JSON.parse(read('test/fixtures/tokenizers/dream-like', 'tokenizer.json'));
  const config = JSON.parse(read('test/fixtures/tokenizers/dream-like', 'tokenizer_config.json'));
  return {
    'vocab.json': JSON.stringify(json.model.vocab),
    'merges.txt': `#version: 0.2\n${json.model.merges.map((m: string[]) => m.join(' ')).join('\n')}\n`,
    'tokenizer_config.json': JSON.stringify({ ...config, tokenizer_class: 'DreamTokenizer' }),
    'added_tokens.json': JSON.stringify(Object.fromEntries(json.added_tokens.map((t: { content: string; id: number }) => [t.content, t.id]))),
  };
}

afterEach(() => vi.restoreAllMocks());

type Case = [name: string, args: () => string[], expected: RegExp];

const CASES: Case[] = [
  // A real MDM's name: not downloaded, so the message points to the export guide.
  ...(['generate', 'compare', 'inspect'] as const).map((command): Case => [
    `${command} --model llada (a name that is neither built in nor a path)`,
    () => (command === 'inspect' ? ['inspect', 'llada'] : [command, '--model', 'llada']),
    /"llada": no such file or directory, and not a built-in model \(hmm-demo, .*digits\); a real MDM \(LLaDA, Dream, SDAR, MMaDA\) runs from a model directory exported to ONNX: see docs\/onnx-models\.md$/,
  ]),
  ['eval --model llada', () => ['eval', '--task', 'text', '--model', 'llada', '--n', '1', '--out', join(root, 'eval-llada')], /see docs\/onnx-models\.md$/],
  // Model directories and model.json.
  ['a directory without model.onnx', () => ['inspect', modelDir(TINY, { 'model.json': true })], /m\d+: model\.onnx is missing; a model directory needs model\.onnx and model\.json/],
  ['model.json that is not JSON', () => ['inspect', modelDir(TINY, { 'model.onnx': true, 'model.json': '{"vocabSize": 70,' })], /model\.json: invalid JSON: /],
  ['a misspelt model.json field', () => ['inspect', modelDir(TINY, { 'model.onnx': true, 'model.json': card({ vocabsize: 70 }) })], /model\.json: field "vocabsize" is 70, expected one of name, vocabSize, maskId/],
  ['an unknown preset', () => ['inspect', modelDir(TINY, { 'model.onnx': true, 'model.json': '{"preset": "qwen3"}' })], /model\.json: field "preset" is "qwen3", expected one of llada, dream, sdar, mmada, mdlm, bd3lm$/],
  ['a bad unknownTokens value', () => ['inspect', modelDir(TINY, { 'model.onnx': true, 'model.json': card({ unknownTokens: 'ignore' }) })], /model\.json: field "unknownTokens" is "ignore", expected one of "error", "warn"$/],
  // Where a bad value came from: the preset's mask id, checked against model.json's vocabulary.
  [
    'a preset mask id outside model.json\'s vocabulary',
    () => ['inspect', modelDir(SDAR, {
      'model.onnx': true,
      'model.json': JSON.stringify({ preset: 'sdar', vocabSize: 70 }),
      'tokenizer.json': read(SDAR, 'tokenizer.json').replaceAll('<|MASK|>', '<|blank|>'), // no mask token of its own
      'tokenizer_config.json': JSON.stringify({ ...JSON.parse(read(SDAR, 'tokenizer_config.json').replaceAll('<|MASK|>', '<|blank|>')), mask_token: undefined }),
    })],
    /model\.json: field "maskId" is 151669 \(from preset "sdar"\), expected an id below vocabSize 70 \(from model\.json\)$/,
  ],
  [
    'a preset vocabulary that the graph does not have',
    () => ['inspect', modelDir(SDAR, { 'model.onnx': true, 'model.json': '{"preset": "sdar"}', 'tokenizer.json': true, 'tokenizer_config.json': true })],
    /model\.onnx: output "logits" has shape \[batch, length, 70\], expected \[batch, length, 151936\] \(vocabSize in the model card, from preset "sdar"\)$/,
  ],
  [
    'a tokenizer larger than the card\'s vocabulary',
    () => ['inspect', modelDir(TINY, { 'model.onnx': true, 'model.json': card({ vocabSize: 60 }), 'tokenizer.json': true })],
    /tokenizer\.json: the tokenizer has 70 ids, more than the card's vocabSize 60 \(from model\.json\)/,
  ],
  // Tokenizer files.
  [
    'tokenizer_config.json without tokenizer.json',
    () => ['inspect', modelDir(TINY, { 'model.onnx': true, 'model.json': true, 'tokenizer_config.json': true })],
    /m\d+: tokenizer_config\.json is here but tokenizer\.json is missing; expected tokenizer\.json \(a Hugging Face fast tokenizer\), or vocab\.json \+ merges\.txt/,
  ],
  [
    'no tokenizer files and no vocabSize in model.json',
    () => ['inspect', modelDir(TINY, { 'model.onnx': true, 'model.json': '{"maskId": 1}' })],
    /model\.json: field "vocabSize" is missing; model\.json does not give it, no preset is named, and .*m\d+ has no tokenizer files to read it from \(tokenizer\.json, or vocab\.json \+ merges\.txt, is missing\)/,
  ],
  [
    'a text prompt for a directory without tokenizer files',
    () => ['generate', '--model', modelDir(TINY, { 'model.onnx': true, 'model.json': true }), '--prompt', 'ROMEO:', '--gen-length', '4'],
    /prompt: token 0 is "ROMEO:", expected an id .* \(.*m\d+ has no tokenizer files \(tokenizer\.json .*\), so --prompt is read as token ids\)$/,
  ],
  [
    'vocab.json without merges.txt',
    () => ['inspect', modelDir(`${FIX}/vocab-268`, { 'model.onnx': true, 'model.json': true, 'vocab.json': dreamLayout()['vocab.json'], 'tokenizer_config.json': dreamLayout()['tokenizer_config.json'] })],
    /m\d+: vocab\.json, tokenizer_config\.json are here but merges\.txt is missing; expected tokenizer\.json/,
  ],
  [
    'merges.txt from another tokenizer',
    () => ['inspect', modelDir(`${FIX}/vocab-268`, { 'model.onnx': true, 'model.json': true, ...dreamLayout(), 'merges.txt': 'Ġ t\nzz q\n' })],
    /merges\.txt: line 2 \("zz q"\) needs "zz", which is not in .*vocab\.json, expected merges of the same tokenizer as vocab\.json$/,
  ],
  // Prompts outside a character-level tokenizer's alphabet (its <|unk|> was never trained).
  [
    'prompt characters outside the alphabet',
    () => ['generate', '--model', TINY, '--prompt', 'ROMEO: café — ok', '--gen-length', '4'],
    /prompt: characters outside the tokenizer's alphabet: "é" \(U\+00E9\) at 10; "—" \(U\+2014\) at 12 \(character index in the prompt text\); they would become <\|unk\|> \(id 69\).*"unknownTokens" is "error" \(the default for a character-level tokenizer\)/,
  ],
  [
    'a chat message outside the alphabet',
    () => ['generate', '--model', TINY, '--chat', 'naïve?', '--gen-length', '4'],
    /prompt: characters outside the tokenizer's alphabet: "ï" \(U\+00EF\) at 10/,
  ],
  // Graphs.
  [
    'a causal LM export with a KV cache',
    () => ['inspect', `${FIX}/causal-lm-kv`],
    /graph inputs "position_ids", "past_key_values\.0\.key", "past_key_values\.0\.value" cannot be provided; .*this looks like a causal LM export with a KV cache/,
  ],
  // --threads.
  ['--threads 0', () => ['generate', '--model', TINY, '--threads', '0', '--gen-length', '4'], /threads \(--threads\) is 0, expected an integer from 1 to \d+/],
  ['--threads above the machine', () => ['generate', '--model', TINY, '--threads', String(availableParallelism() + 1), '--gen-length', '4'], new RegExp(`threads \\(--threads\\) is ${availableParallelism() + 1}, expected an integer from 1 to ${availableParallelism()} \\(the CPUs`)],
  // Non-finite model outputs: W[3, 5] is NaN and W[4, 2] is +Inf in these graphs.
  [
    'a NaN logit',
    () => ['generate', '--model', `${FIX}/nan-logits`, '--prompt', '0 3 _ _', '--gen-length', '0', '--sampler', 'confidence'],
    /model "fixture-nan-logits": the logit of token id 5 at row 0 \(batch index\), position 1 is NaN; expected finite logits/,
  ],
  [
    'a +Inf logit',
    () => ['generate', '--model', `${FIX}/nan-logits`, '--prompt', '4 _', '--gen-length', '0', '--sampler', 'info-gain'],
    /model "fixture-nan-logits": the logit of token id 2 at row \d+ \(batch index\), position 0 is Infinity/,
  ],
  [
    'a NaN logit behind the statistics head',
    () => ['generate', '--model', `${FIX}/nan-logits-head`, '--prompt', '_ 3 _', '--gen-length', '0', '--sampler', 'entropy'],
    /model "fixture-nan-logits-head" \(.*model\.onnx, statistics head\): row 0 \(batch index\), position 1 has entropy NaN/,
  ],
];

describe('bad model inputs: exit 2 and one line naming the problem', () => {
  it.each(CASES)('%s', async (_name, args, expected) => {
    const r = await cli(...args());
    expect(r.code, r.stdout).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^infogain: /);
    expect(lines[0]).toMatch(expected);
  });
});

describe('what used to go wrong silently now works', () => {
  it('a Dream-layout tokenizer (vocab.json + merges.txt, no tokenizer.json) is loaded: inspect, --chat', async () => {
    const dir = modelDir(`${FIX}/vocab-268`, { 'model.onnx': true, 'model.json': '{"preset": "dream", "vocabSize": 268}', ...dreamLayout() });
    const r = await cli('inspect', dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`tokenizer: tokenizer ${join(dir, 'vocab.json')} + merges.txt: BPE, vocabulary 268 ids`);
    expect(r.stdout).toMatch(/eos "<\|endoftext\|>" \(263\), pad "<\|endoftext\|>" \(263\), bos none, mask "<\|mask\|>" \(267\)/);
    expect(r.stdout).toContain('"contextLimit": "unlimited"'); // not 9007199254740991
    const g = await cli('generate', '--model', dir, '--chat', 'Hi there', '--gen-length', '3', '--sampler', 'confidence');
    expect(g.code, g.stderr).toBe(0);
    expect(g.stdout.split('\n').at(-1)).toMatch(/^confidence: 3 tokens in 3 steps/);
  });

  it('model.json "unknownTokens": "warn" accepts an unknown character with one warning on stderr', async () => {
    const dir = modelDir(TINY, { 'model.onnx': true, 'model.json': card({ unknownTokens: 'warn' }), 'tokenizer.json': true, 'tokenizer_config.json': true });
    const r = await cli('generate', '--model', dir, '--prompt', 'ROMEO: café', '--gen-length', '4', '--sampler', 'confidence');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^infogain: warning: prompt: characters outside the tokenizer's alphabet: "é" \(U\+00E9\) at 10 .* become <\|unk\|> \(id 69\); model card field "unknownTokens" is "warn" \(set in .*model\.json\)$/);
    // The <|unk|> token written out is the token itself, not an unknown character: no error, no warning.
    const typed = await cli('generate', '--model', TINY, '--prompt', 'ROMEO<|unk|>:', '--gen-length', '2', '--sampler', 'confidence');
    expect(typed.code, typed.stderr).toBe(0);
    expect(typed.stderr).toBe('');
  });
});
