import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cli } from './helpers/cli.js';
import { parseTrace } from '../src/decode/trace.js';
import { SAMPLERS } from '../src/samplers/index.js';

const dir = mkdtempSync(join(tmpdir(), 'infogain-cli-'));


afterEach(() => vi.restoreAllMocks());

describe('infogain generate', () => {
  it('decodes the default model, prints the sequence and a summary, writes a trace', async () => {
    const tracePath = join(dir, 'trace.json');
    const r = await cli('generate', '--sampler', 'info-gain', '--seed', '4', '--trace', tracePath);
    expect(r.code).toBe(0);
    const [text, summary] = r.stdout.split('\n');
    expect(text).toMatch(/^[a-l]{8}\|[a-l]{24}$/);
    expect(summary).toMatch(/^info-gain: 24 tokens in \d+ steps, \d+ forward calls, \d+ row-forwards, cumulative uncertainty [\d.]+ nats, log p -[\d.]+, [\d.]+ ms$/);
    const trace = parseTrace(JSON.parse(readFileSync(tracePath, 'utf8')), tracePath);
    expect(trace.sampler).toBe('info-gain');
    expect(trace.sequences[0].output.length).toBe(32);
    expect(trace.sequences[0].steps.some((s) => s.kind === 'lookahead' && s.candidates!.length > 1)).toBe(true);
    const again = await cli('generate', '--sampler', 'info-gain', '--seed', '4');
    expect(again.stdout.split('\n')[0]).toBe(text);
  });

  it('takes a text prompt with masks to infill and --set parameters', async () => {
    const r = await cli('generate', '--model', 'markov-shakespeare', '--prompt', 'ROMEO: wh__ light', '--gen-length', '0', '--sampler', 'confidence', '--set', 'temperature=0.5');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^ROMEO: wh[^_]{2} light$/);
  });

  it.each([
    [['generate', '--sampler', 'nope'], /unknown sampler "nope"; available: info-gain, lookum/],
    [['generate', '--set', 'candidates=0'], /info-gain: bad value for "candidates": "0", expected an integer in \[1, 256\]/],
    [['generate', '--set', 'bogus=1'], /--set bogus: unknown parameter for info-gain; valid: steps, .*candidates/],
    [['generate', '--set', 'novalue'], /--set "novalue": expected key=value/],
    [['generate', '--set', 'schedule=zigzag'], /bad value for "schedule": "zigzag", expected one of llada, dllm, dream, cosine/],
    [['generate', '--model', join(dir, 'missing.json')], /no such file or directory, and not a built-in model/],
    [['generate', '--model', 'BADJSON'], /invalid JSON/],
    [['generate', '--model', 'BADFIELD'], /field "maskId" is 7, expected V = 2/],
    [['generate', '--model', 'markov-shakespeare', '--prompt', 'ROMEO€'], /character "€" at index 5 is not in the model's alphabet/],
    [['generate', '--gen-length', '-3'], /--gen-length must be an integer ≥ 0/],
    [['compare', '--samplers', 'info-gain,nope'], /unknown sampler "nope"/],
    [['compare', '--set', 'margin.gamma=2', '--samplers', 'info-gain'], /"margin" is not one of the chosen samplers/],
  ])('%j fails with one clear line', async (args, message) => {
    writeFileSync(join(dir, 'bad.json'), '{"type": "hmm", ');
    writeFileSync(join(dir, 'badfield.json'), JSON.stringify({ type: 'markov', maskId: 7, initial: [0.5, 0.5], transition: [[1, 0], [0, 1]] }));
    const mapped = args.map((a) => (a === 'BADJSON' ? join(dir, 'bad.json') : a === 'BADFIELD' ? join(dir, 'badfield.json') : a));
    const r = await cli(...mapped);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('infogain:') || l.startsWith('error:')).length).toBe(1);
  });
});

describe('model directories on the command line', () => {
  it('inspect prints the card, the graph and the tokenizer', async () => {
    const r = await cli('inspect', 'models/tiny/dream-tiny');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('"logitShift": true');
    expect(r.stdout).toMatch(/input_ids: int64 \[batch, length\]/);
    expect(r.stdout).toMatch(/logits: float32 \[batch, length, 70\]/);
    expect(r.stdout).toMatch(/mask "<\|mask\|>" \(1\)/);
  });
  it('generate --chat applies the chat template and prints detokenized text', async () => {
    const r = await cli('generate', '--model', 'models/tiny/llada-tiny', '--chat', 'ROMEO:', '--gen-length', '12', '--sampler', 'margin');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, -1).join('\n')).not.toContain('<|');
    expect(lines.at(-1)).toMatch(/^margin: \d+ tokens in \d+ steps/);
  });
  it('--chat without a tokenizer, and a directory without model.onnx, fail with one line', async () => {
    expect((await cli('generate', '--chat', 'hi')).stderr).toMatch(/--chat needs a model directory with tokenizer files/);
    expect((await cli('generate', '--model', 'test/fixtures/tokenizers/bpe-chat')).stderr).toMatch(/a model directory needs model\.onnx and model\.json/);
    expect((await cli('inspect', 'test/fixtures/onnx/needs-past-kv')).stderr).toMatch(/graph input "past_key_values\.0\.key" cannot be provided/);
  });
});

describe('infogain compare', () => {
  it('prints one JSON object per sampler with the documented fields', async () => {
    const r = await cli('compare', '--samplers', 'info-gain,confidence', '--n', '4', '--seed', '1', '--json');
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((x) => x.sampler)).toEqual(['info-gain', 'confidence']);
    for (const row of rows) {
      expect(Object.keys(row).sort()).toEqual(['cumulativeUncertainty', 'forwardCalls', 'logProb', 'n', 'rowForwards', 'sampler', 'timeMs']);
      expect(row.n).toBe(4);
      expect(row.logProb).toBeLessThan(0);
    }
    expect(rows[0].rowForwards).toBeGreaterThan(rows[1].rowForwards);
    expect(rows[1].forwardCalls).toBe(24);
  });

  it('prints a table for every sampler', async () => {
    const r = await cli('compare', '--n', '2', '--gen-length', '6');
    expect(r.code).toBe(0);
    for (const s of SAMPLERS) expect(r.stdout).toContain(s.name);
    expect(r.stdout).toContain('cum. uncertainty');
  });
});

describe('the installed command', () => {
  it('runs as a process: --help exits 0, an error exits non-zero with one line', async () => {
    const run = promisify(execFile);
    const help = await run('node', ['bin/infogain.js', 'generate', '--help']);
    expect(help.stdout).toContain('--sampler <name>');
    const bad = await run('node', ['bin/infogain.js', 'generate', '--sampler', 'nope']).catch((e) => e);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toMatch(/^infogain: unknown sampler "nope"/);
  });
});

describe('sampler variants', () => {
  it('name:label runs one sampler under several settings in one comparison', async () => {
    const r = await cli('compare', '--samplers', 'info-gain:n2,info-gain:n8', '--set', 'info-gain:n2.candidates=2', '--n', '3', '--json');
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((x) => x.sampler)).toEqual(['info-gain:n2', 'info-gain:n8']);
    expect(rows[0].rowForwards).toBeLessThan(rows[1].rowForwards);
    expect((await cli('compare', '--samplers', 'info-gain:a.b')).stderr).toMatch(/sampler variant "info-gain:a\.b": expected name:label/);
  });
});

describe('generate on a task model', () => {
  it('prints the Sudoku board with the step at which each blank was filled, and the verdict', async () => {
    const puzzle = '53..7....6..195....98....6.8...6...34..8.3..17...2...6.6....28....419..5....8..79';
    const r = await cli('generate', '--model', 'sudoku', '--prompt', puzzle, '--sampler', 'confidence');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^board\s+fill order/);
    const rows = lines.filter((l) => /^[1-9?] /.test(l));
    expect(rows).toHaveLength(9);
    expect(rows[0].startsWith('5 3 ')).toBe(true); // givens stay
    expect(rows[0]).toMatch(/· · [1-9a-zA-Z]/); // givens show ·, blanks their step
    expect(lines.at(-1)).toMatch(/^confidence: (correct|wrong: .+); 51 steps, 51 forward calls/);
  });
});
