import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cli } from './helpers/cli.js';
import { parseTrace } from '../src/decode/trace.js';
import { readResults } from '../src/eval/results.js';
import { SAMPLERS } from '../src/samplers/index.js';

const dir = mkdtempSync(join(tmpdir(), 'infogain-cli-'));


afterEach(() => vi.restoreAllMocks());

describe('infogain generate', () => {
  it('with no arguments solves a generated puzzle with the default Sudoku model and prints the board', async () => {
    const r = await cli('generate');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^board\s+fill order/);
    expect(lines.filter((l) => /^[1-9?] /.test(l))).toHaveLength(9);
    // The generator's default puzzles have 40–50 blanks; confidence-style decoding fills one per step.
    const m = /^info-gain: (correct|wrong: .+); (\d+) steps, (\d+) forward calls, \d+ row-forwards, cumulative uncertainty [\d.]+ nats, [\d.]+ ms$/.exec(lines.at(-1)!);
    expect(m, lines.at(-1)).not.toBeNull();
    expect(Number(m![2])).toBeGreaterThanOrEqual(40);
    expect(Number(m![2])).toBeLessThanOrEqual(50);
    expect(Number(m![3])).toBe(Number(m![2]));
  });

  it('decodes an oracle, prints the sequence and a summary, writes a trace', async () => {
    const tracePath = join(dir, 'trace.json');
    const r = await cli('generate', '--model', 'hmm-demo', '--sampler', 'info-gain', '--seed', '4', '--trace', tracePath);
    expect(r.code).toBe(0);
    const [text, summary] = r.stdout.split('\n');
    // Golden (seed 4); log p(gen | prompt) = −21.393 also by an independent forward algorithm over
    // models/hmm-demo.json. One commit per step: 24 steps, 24 forward calls; the extra rows are the
    // candidates Info-Gain scores.
    expect(text).toBe('fiffffff|ffffffffffffffffffffffff');
    expect(summary).toMatch(/^info-gain: 24 tokens in 24 steps, 24 forward calls, 98 row-forwards, cumulative uncertainty 43\.728 nats, log p -21\.393, [\d.]+ ms$/);
    const trace = parseTrace(JSON.parse(readFileSync(tracePath, 'utf8')), tracePath);
    expect(trace.sampler).toBe('info-gain');
    expect(trace.sequences[0].output.length).toBe(32);
    expect(trace.sequences[0].steps.some((s) => s.kind === 'lookahead' && s.candidates!.length > 1)).toBe(true);
    const again = await cli('generate', '--model', 'hmm-demo', '--sampler', 'info-gain', '--seed', '4');
    expect(again.stdout.split('\n')[0]).toBe(text);
  });

  it('takes a text prompt with masks to infill and --set parameters', async () => {
    const r = await cli('generate', '--model', 'markov-shakespeare', '--prompt', 'ROMEO: wh__ light', '--gen-length', '0', '--sampler', 'confidence', '--set', 'temperature=0.5');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('ROMEO: whe, light'); // golden (seed 0)
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
    // margin is not chosen, so margin.* would be skipped, but its key is still checked.
    [['compare', '--set', 'margin.gamma=2', '--samplers', 'info-gain'], /--set margin\.gamma: unknown parameter "gamma" for margin; valid: steps/],
    [['compare', '--model', 'sudoku', '--task-option', 'bogus=1'], /--task-option bogus: unknown option for task sudoku; valid: blanks, grade$/],
    [['compare', '--model', 'sudoku', '--task-option', 'blanks=100'], /blanks must be an integer or \[min, max\] within 0\.\.81, got 100/],
    [['compare', '--model', 'sudoku', '--task-option', 'blanks'], /--task-option "blanks": expected key=value/],
    [['compare', '--model', 'sudoku', '--gen-length', '5'], /--gen-length is for oracle models; the sudoku task sets the canvas/],
    [['compare', '--model', 'hmm-demo', '--task-option', 'blanks=20'], /--task-option needs a task/],
    [['compare', '--model', 'hmm-demo', '--task', 'sudoku'], /model hmm-demo has no tokenizer/],
    [['compare', '--task', 'chess'], /unknown task "chess"; available: sudoku, countdown, text/],
    [['eval', '--task', 'countdown', '--task-option', 'blanks=3', '--out', join(dir, 'never')], /--task-option blanks: unknown option for task countdown; valid: count$/],
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
    expect((await cli('generate', '--model', 'hmm-demo', '--chat', 'hi')).stderr).toMatch(/--chat needs a model directory with tokenizer files/);
    expect((await cli('generate', '--chat', 'hi')).stderr).toMatch(/--chat is for chat models; the sudoku task reads its example from --prompt/);
    expect((await cli('generate', '--model', 'test/fixtures/tokenizers/bpe-chat')).stderr).toMatch(/a model directory needs model\.onnx and model\.json/);
    expect((await cli('inspect', 'test/fixtures/onnx/needs-past-kv')).stderr).toMatch(/graph inputs "past_key_values\.0\.key", "past_key_values\.0\.value" cannot be provided/);
  });
});

describe('infogain compare', () => {
  it('prints one JSON object per sampler with the documented fields', async () => {
    const r = await cli('compare', '--model', 'hmm-demo', '--samplers', 'info-gain,confidence', '--n', '4', '--seed', '1', '--json');
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((x) => x.sampler)).toEqual(['info-gain', 'confidence']);
    for (const row of rows) {
      expect(Object.keys(row).sort()).toEqual(['cumulativeUncertainty', 'forwardCalls', 'logProb', 'n', 'rowForwards', 'sampler', 'timeMs']);
      expect(row.n).toBe(4);
    }
    // Golden (seed 1): both samplers decode the same texts on this sticky HMM; Info-Gain is less uncertain.
    expect(rows[0].logProb).toBeCloseTo(-19.446315261246703, 9);
    expect(rows[1].logProb).toBeCloseTo(-19.446315261246703, 9);
    expect(rows[0].cumulativeUncertainty).toBeCloseTo(39.66406817658817, 9);
    expect(rows[1].cumulativeUncertainty).toBeCloseTo(39.889635371538546, 9);
    expect(rows[0].rowForwards).toBe(97);
    expect(rows[0].rowForwards).toBeGreaterThan(rows[1].rowForwards);
    expect(rows[1].forwardCalls).toBe(24);
  });

  it('prints a table for every sampler', async () => {
    const r = await cli('compare', '--model', 'hmm-demo', '--n', '2', '--gen-length', '6');
    expect(r.code).toBe(0);
    for (const s of SAMPLERS) expect(r.stdout).toContain(s.name);
    expect(r.stdout).toContain('cum. uncertainty');
    expect(r.stdout).toContain('log p(gen | prompt)');
  });

  it('the footer names each sampler whose token temperature differs from the shared one', async () => {
    const args = ['compare', '--model', 'hmm-demo', '--n', '1', '--gen-length', '4', '--samplers', 'confidence,best-of-n'];
    expect((await cli(...args)).stdout).toMatch(/seed 0, τ_tok = 0; means over prompts/);
    expect((await cli(...args, '--set', 'best-of-n.temperature=0.7')).stdout).toMatch(/seed 0, τ_tok = 0 \(best-of-n 0\.7\); means over prompts/);
  });
});

describe('infogain compare on a task model', () => {
  const args = ['compare', '--model', 'sudoku', '--n', '3', '--seed', '7', '--samplers', 'confidence,info-gain', '--set', 'candidates=3', '--task-option', 'blanks=20'];

  it('prints a table with an accuracy column and a row per sampler', async () => {
    const r = await cli(...args);
    expect(r.code, r.stderr).toBe(0);
    const head = r.stdout.split('\n').find((l) => l.includes('sampler'))!;
    expect(head.split('│').map((c) => c.trim()).filter(Boolean)).toEqual(['sampler', 'accuracy', 'cum. uncertainty', 'forward calls', 'row-forwards', 'ms / seq']);
    const cells = (name: string) => r.stdout.split('\n').find((l) => l.startsWith(`│ ${name} `))!.split('│').map((c) => c.trim()).filter(Boolean);
    for (const name of ['confidence', 'info-gain']) {
      const row = cells(name);
      expect(row[1]).toMatch(/^(0\.0|33\.3|66\.7|100\.0)%$/);
      expect(row[3]).toBe('20.0'); // one commit per step over the 20 blanks
    }
    // 20 blanks is easy: the model with confidence decoding solves at least 2 of 3.
    expect(parseFloat(cells('confidence')[1])).toBeGreaterThanOrEqual(66);
    expect(r.stdout).toMatch(/model sudoku, task sudoku \(blanks=20\), n = 3, seed 7/);
  });

  it('--json: one object per sampler, the same examples, seeds and outcomes as eval', async () => {
    const r = await cli(...args, '--json');
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((x) => x.sampler)).toEqual(['confidence', 'info-gain']);
    for (const row of rows) {
      expect(Object.keys(row).sort()).toEqual(['accuracy', 'cumulativeUncertainty', 'forwardCalls', 'n', 'rowForwards', 'sampler', 'score', 'task', 'timeMs']);
      expect(row).toMatchObject({ task: 'sudoku', n: 3, score: null, forwardCalls: 20 });
      expect(row.accuracy).toBeGreaterThanOrEqual(0);
      expect(row.accuracy).toBeLessThanOrEqual(1);
      expect(row.cumulativeUncertainty).toBeGreaterThanOrEqual(0);
      expect(row.timeMs).toBeGreaterThan(0);
    }
    expect(rows[0].accuracy).toBeGreaterThanOrEqual(2 / 3);
    expect(rows[0].rowForwards).toBe(20);
    expect(rows[1].rowForwards).toBeGreaterThan(20); // info-gain scores candidates with extra rows
    // eval on the same examples and seeds grades every output the same way.
    const out = join(dir, 'compare-vs-eval');
    const ev = await cli('eval', '--task', 'sudoku', ...args.slice(1).filter((a) => a !== '--json'), '--out', out);
    expect(ev.code, ev.stderr).toBe(0);
    const lines = readResults(join(out, 'results.jsonl'));
    for (const row of rows) {
      const mine = lines.filter((l) => l.sampler === row.sampler);
      expect(mine).toHaveLength(3);
      expect(row.accuracy).toBeCloseTo(mine.filter((l) => l.correct).length / 3, 12);
      expect(row.cumulativeUncertainty).toBeCloseTo(mine.reduce((s, l) => s + l.cumulativeUncertainty, 0) / 3, 9);
    }
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

  it('--version prints package.json\'s version, read at run time wherever the command is started from', async () => {
    const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8'));
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    const r = await cli('--version');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(version);
    // From another working directory, as an installed command runs: the package's file, not the cwd's.
    const run = promisify(execFile);
    const other = await run('node', [join(import.meta.dirname, '..', 'bin', 'infogain.js'), '-V'], { cwd: tmpdir() });
    expect(other.stdout.trim()).toBe(version);
  });
});

describe('--set for a sampler that is not chosen', () => {
  it('generate refuses it, naming the sampler that runs and the setting that would apply', async () => {
    const r = await cli('generate', '--model', 'hmm-demo', '--sampler', 'confidence', '--set', 'margin.alg_temp=1');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('infogain: --set margin.alg_temp=1: margin is not the sampler of this run (--sampler confidence), so it would not apply; --set alg_temp=1 sets it for confidence');
    // The chosen sampler's own prefix applies: the trace records the value set, where it records 0 without it.
    const own = await cli('generate', '--model', 'hmm-demo', '--sampler', 'confidence', '--set', 'confidence.alg_temp=1', '--trace', join(dir, 'alg.json'));
    const plain = await cli('generate', '--model', 'hmm-demo', '--sampler', 'confidence', '--trace', join(dir, 'plain.json'));
    expect(own.code, own.stderr).toBe(0);
    expect(parseTrace(JSON.parse(readFileSync(join(dir, 'alg.json'), 'utf8')), 'alg.json').samplerParams.alg_temp).toBe(1);
    expect(parseTrace(JSON.parse(readFileSync(join(dir, 'plain.json'), 'utf8')), 'plain.json').samplerParams.alg_temp).toBe(0);
    expect(plain.code).toBe(0);
  });

  it('compare runs without it and says so on stderr, one line per setting', async () => {
    const r = await cli('compare', '--model', 'hmm-demo', '--samplers', 'confidence,entropy', '--set', 'margin.alg_temp=1', '--set', 'info-gain.temperature=0.5', '--n', '2', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l).sampler)).toEqual(['confidence', 'entropy']);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning: '));
    expect(warnings).toEqual([
      'warning: --set margin.alg_temp=1 not applied: margin is not among the chosen samplers (confidence, entropy); --set alg_temp=1 sets it for confidence, entropy',
      'warning: --set info-gain.temperature=0.5 not applied: info-gain is not among the chosen samplers (confidence, entropy); --set temperature=0.5 sets it for every sampler',
    ]);
    const quiet = await cli('compare', '--model', 'hmm-demo', '--samplers', 'confidence,entropy', '--set', 'entropy.alg_temp=1', '--n', '2', '--json');
    expect(quiet.stderr).not.toMatch(/warning/);
  });
});

describe('sampler variants', () => {
  it('name:label runs one sampler under several settings in one comparison', async () => {
    const r = await cli('compare', '--model', 'hmm-demo', '--samplers', 'info-gain:n2,info-gain:n8', '--set', 'info-gain:n2.candidates=2', '--n', '3', '--json');
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((x) => x.sampler)).toEqual(['info-gain:n2', 'info-gain:n8']);
    expect(rows[0].rowForwards).toBeLessThan(rows[1].rowForwards);
    expect((await cli('compare', '--model', 'hmm-demo', '--samplers', 'info-gain:a.b')).stderr).toMatch(/sampler variant "info-gain:a\.b": expected name:label/);
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
