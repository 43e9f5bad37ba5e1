/**
 * Bad-input matrix, outputs, configs and CLI limits: YAML configs, `--set` under narrowed
 * samplers, seeds, canvas lengths, sizes, output directories, concurrent writers, torn files and
 * non-finite numbers. Every refused case exits 2 with one line naming the problem.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cli } from '../helpers/cli.js';
import { progressBar } from '../../src/cli/common.js';
import { stringifyFinite } from '../../src/core/finite-json.js';
import { checkCanvasLength, MAX_CANVAS_LENGTH } from '../../src/decode/limits.js';
import { LOCK_FILE } from '../../src/eval/lock.js';
import { appendResult, readResults, type ResultLine } from '../../src/eval/results.js';
import type { ModelCard } from '../../src/models/card.js';

const root = mkdtempSync(join(tmpdir(), 'infogain-bad-outputs-'));
let count = 0;
const fresh = () => join(root, `d${count++}`);
function file(name: string, content: string): string {
  const dir = fresh();
  mkdirSync(dir);
  writeFileSync(join(dir, name), content);
  return join(dir, name);
}

afterEach(() => vi.restoreAllMocks());

const tiny = ['eval', '--task', 'sudoku', '--samplers', 'confidence', '--task-option', 'blanks=10', '--n', '2'];
/** A long enough run for another process to meet it: 12 lines decoded one at a time. */
const slow = ['eval', '--task', 'sudoku', '--samplers', 'confidence,info-gain', '--set', 'candidates=3', '--task-option', 'blanks=20', '--n', '6', '--batch-size', '1', '--seed', '3'];
const cfg = (text: string) => file('c.yaml', text);
const pairs = (dir: string) => readResults(join(dir, 'results.jsonl')).map((r) => `${r.sampler}/${r.example}`);

type Case = [name: string, args: () => string[], expected: RegExp];

const REFUSED: Case[] = [
  // YAML configs: syntax with its position, then the schema: key path, value, expected type or range.
  ['YAML syntax error', () => ['eval', '--config', cfg('task: sudoku\nsamplers: [confidence\nn: 2\n'), '--out', fresh()], /c\.yaml: invalid YAML at line 3, column 1: /],
  ['duplicate YAML key', () => ['eval', '--config', cfg('task: sudoku\nn: 2\nn: 3\n'), '--out', fresh()], /c\.yaml: invalid YAML at line 3, column 1: Map keys must be unique/],
  ['config n: 0', () => ['eval', '--config', cfg('task: sudoku\nn: 0\n'), '--out', fresh()], /c\.yaml: n: 0, expected an integer in \[1, 1000000\]$/],
  ['config n as text', () => ['eval', '--config', cfg('task: sudoku\nn: ten\n'), '--out', fresh()], /c\.yaml: n: "ten", expected an integer in \[1, 1000000\]$/],
  ['config seed 2^32', () => ['eval', '--config', cfg('task: sudoku\nseed: 4294967296\n'), '--out', fresh()], /c\.yaml: seed: 4294967296, expected an integer in \[0, 4294967295\] \(seeds are 32-bit\)$/],
  ['config batch_size 1.5', () => ['eval', '--config', cfg('task: sudoku\nbatch_size: 1.5\n'), '--out', fresh()], /c\.yaml: batch_size: 1\.5, expected an integer in \[1, 4096\]$/],
  ['config task unknown', () => ['eval', '--config', cfg('task: chess\n'), '--out', fresh()], /c\.yaml: task: "chess", expected one of sudoku, countdown, text, digits$/],
  ['config samplers a number', () => ['eval', '--config', cfg('task: sudoku\nsamplers: 3\n'), '--out', fresh()], /c\.yaml: samplers: 3, expected "all", "a,b,…" or a list of sampler names$/],
  ['config set value a list', () => ['eval', '--config', cfg('task: sudoku\nset:\n  temperature: [1, 2]\n'), '--out', fresh()], /c\.yaml: set\.temperature: \[1,2\], expected a string, finite number, true\/false or null$/],
  ['config set .inf', () => ['eval', '--config', cfg('task: sudoku\nset:\n  temperature: .inf\n'), '--out', fresh()], /c\.yaml: set\.temperature: Infinity, expected a string, finite number, true\/false or null$/],
  ['config not a mapping', () => ['eval', '--config', cfg('- task\n'), '--out', fresh()], /c\.yaml: expected a mapping of options/],
  ['config set for an unknown sampler', () => ['eval', '--config', cfg('task: sudoku\nsamplers: [confidence]\nset:\n  bogus.candidates: 3\n'), '--out', fresh()], /set: bogus\.candidates \(config\): "bogus" is not a sampler \(unknown sampler "bogus"/],
  ['config typo in an unchosen sampler key', () => ['eval', '--config', cfg('task: sudoku\nsamplers: [confidence]\nset:\n  best-of-n.temprature: 0.7\n'), '--out', fresh()], /unknown parameter "temprature" for best-of-n; valid: steps/],
  ['config bad value for an unchosen sampler', () => ['eval', '--config', cfg('task: sudoku\nsamplers: [confidence]\nset:\n  candidates: 0\n'), '--out', fresh()], /bad value for "candidates": "0", expected an integer in \[1, 256\]/],
  // --set on the command line: a key only unchosen samplers have was surely meant for this run.
  ['--set key of unchosen samplers only', () => [...tiny, '--set', 'candidates=8', '--out', fresh()], /--set candidates: unknown parameter for confidence \("candidates" is a parameter of info-gain, lookum, info-gain-beam, not chosen\)/],
  // Seeds: 32-bit, including the last example's seed + i.
  ['generate --seed 2^32+1', () => ['generate', '--model', 'hmm-demo', '--seed', '4294967297'], /--seed must be an integer in \[0, 4294967295\] \(seeds are 32-bit\), got "4294967297"/],
  ['eval seed + n past 2^32', () => [...tiny, '--seed', '4294967295', '--out', fresh()], /--seed 4294967295 with 2 examples: example 1 would decode with seed 4294967296, past the 32-bit limit/],
  ['config seed + n past 2^32', () => ['eval', '--config', cfg('task: sudoku\nsamplers: [confidence]\nseed: 4294967295\nn: 3\n'), '--out', fresh()], /with 3 examples: example 2 would decode with seed 4294967297/],
  ['compare seed + n past 2^32', () => ['compare', '--model', 'hmm-demo', '--samplers', 'confidence', '--seed', '4294967290', '--n', '20'], /seed 4294967290 with 20 examples: example 19 would decode with seed 4294967309/],
  ['report --seed negative', () => ['report', root, '--seed', '-1'], /--seed must be an integer in \[0, 4294967295\]/],
  // Sizes.
  ['eval --n 0', () => [...tiny, '--n', '0', '--out', fresh()], /--n must be an integer in \[1, 1000000\], got "0"/],
  ['eval --batch-size 0', () => [...tiny, '--batch-size', '0', '--out', fresh()], /--batch-size must be an integer in \[1, 4096\], got "0"/],
  ['compare --n 1e7', () => ['compare', '--model', 'hmm-demo', '--n', '10000000'], /--n must be an integer in \[1, 1000000\], got "10000000"/],
  // Canvas lengths, before any buffer is sized.
  ['generate --gen-length 1e8', () => ['generate', '--model', 'hmm-demo', '--gen-length', '100000000'], /--gen-length 100000000: the canvas would hold 100000008 tokens \(prompt 8 \+ 100000000 to generate\), over the context limit of model hmm-demo \(1000000\)/],
  ['generate --gen-length on a task that sets its canvas', () => ['generate', '--model', 'sudoku', '--prompt', '.'.repeat(81), '--gen-length', '5'], /--gen-length 5: the sudoku task sets the canvas of model sudoku itself, so nothing is appended after the prompt; leave --gen-length out$/],
  ['generate prompt + gen past a task model context', () => ['generate', '--model', 'text', '--prompt', 'ROMEO:', '--gen-length', '300'], /--gen-length 300: the canvas would hold 306 tokens \(prompt 6 \+ 300 to generate\), over the context limit of model text \(128\)/],
  ['compare --gen-length 2e6', () => ['compare', '--model', 'hmm-demo', '--samplers', 'confidence', '--gen-length', '2000000'], /--gen-length 2000000: the canvas would hold 2000008 tokens \(prompt 8 \+ 2000000 to generate\), over the context limit of model hmm-demo/],
  // Output paths, checked before the model loads or anything decodes.
  ['eval --out is a file', () => [...tiny, '--out', file('taken', 'x')], /eval --out: cannot write to .*taken: the path is a file, not a directory \(EEXIST\)$/],
  ['eval --out under a file', () => [...tiny, '--out', join(file('taken', 'x'), 'sub')], /cannot write to .*taken\/sub: a part of the path is a file, not a directory \(ENOTDIR\)$/],
  ['eval --out under /proc (Node\'s recursive mkdir never returns there)', () => [...tiny, '--out', '/proc/infogain-never/x'], /eval --out: cannot write to \/proc\/infogain-never\/x: the folder cannot be created there \(ENOENT\)$/],
  ['--trace into a missing folder', () => ['generate', '--model', 'hmm-demo', '--trace', join(root, 'missing', 't.json')], /--trace .*missing\/t\.json: the folder .*missing does not exist; create it first$/],
  ['--trace is a folder', () => ['generate', '--model', 'hmm-demo', '--trace', root], /--trace .*: is a folder; name a file$/],
];

describe('refused with one line and exit 2', () => {
  it.each(REFUSED)('%s', async (_name, args, expected) => {
    const r = await cli(...args());
    expect(r.code, r.stdout).toBe(2);
    expect(r.stderr.split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(expected);
  });

  it('eval merge into a file is refused before anything is merged', async () => {
    const run = fresh();
    expect((await cli(...tiny, '--out', run)).code).toBe(0);
    const r = await cli('eval', 'merge', run, '--out', file('merged', 'x'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/eval merge: cannot write to .*merged: the path is a file/);
  });
});

describe('a refused eval leaves nothing behind at --out', () => {
  const badCsv = () => file('bad.csv', 'not,a,sudoku\n');
  it.each([
    ['a data file without the task\'s columns', (out: string) => ['eval', '--task', 'sudoku', '--samplers', 'confidence', '--data', badCsv(), '--out', out], /bad\.csv: no puzzle column/],
    ['a shard outside its count', (out: string) => [...tiny, '--shard', '3/2', '--out', out], /--shard "3\/2": expected i\/n with 0 ≤ i < n/],
    // Refused once the run has its folder: the model cannot read the task's examples.
    ['a model without the task\'s tokens', (out: string) => [...tiny, '--model', 'models/tiny/llada-tiny', '--out', out], /the model llada-tiny has no token for "\d"/],
  ])('%s: no folder is created, not even the missing ones above it', async (_name, args, expected) => {
    const above = fresh();
    const out = join(above, 'run', 'deep');
    const r = await cli(...args(out));
    expect(r.code, r.stdout).toBe(2);
    expect(r.stderr).toMatch(expected);
    expect(existsSync(above)).toBe(false);
  });

  it('a folder that was there before stays, empty as it was', async () => {
    const out = fresh();
    mkdirSync(out);
    const r = await cli(...tiny, '--model', 'models/tiny/llada-tiny', '--out', out);
    expect(r.code).toBe(2);
    expect(readdirSync(out)).toEqual([]);
  });
});

describe('a config narrowed by --samplers', () => {
  it('runs configs/sudoku.yaml with --samplers confidence: settings of the other samplers do not apply', async () => {
    const out = fresh();
    // info-gain.candidates on the command line names an existing sampler that is not chosen: skipped.
    const r = await cli('eval', '--config', 'configs/sudoku.yaml', '--samplers', 'confidence', '--n', '2', '--task-option', 'blanks=10', '--set', 'info-gain.candidates=4', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8'));
    expect(meta.samplers.map((s: { name: string }) => s.name)).toEqual(['confidence']);
    // The shared decode setting of the config still applies.
    expect(meta.samplers[0].decode.temperature).toBe(0);
    expect(pairs(out).sort()).toEqual(['confidence/0', 'confidence/1']);
  });

  it('runs a variant of configs/sudoku-sweep.yaml with only its own settings', async () => {
    const out = fresh();
    const r = await cli('eval', '--config', 'configs/sudoku-sweep.yaml', '--samplers', 'info-gain:n2', '--n', '1', '--task-option', 'blanks=10', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8'));
    expect(meta.samplers[0].params.candidates).toBe(2);
  });
});

/** Start the CLI as a process; resolves its exit code and stderr once it ends. */
function start(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn('node', ['bin/infogain.js', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) => child.once('close', (code) => resolve({ code, stderr })));
  return { child, done };
}

describe('one writer per output directory', () => {
  it('refuses a second writer naming the directory and the holder; after kill -9 the stale lock is taken over', async () => {
    const out = fresh();
    const lock = join(out, LOCK_FILE);
    const a = start([...slow, '--out', out]);
    // The lock is created (open 'wx') and then written: wait for its content, not just the file.
    const holder = await vi.waitFor(() => JSON.parse(readFileSync(lock, 'utf8')), { timeout: 30_000, interval: 20 });
    expect(holder.pid).toBe(a.child.pid);
    const second = await cli(...slow, '--out', out);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(new RegExp(`eval: ${out} is in use by another evaluation \\(pid ${a.child.pid} on [^,]+, since \\d{4}-\\d\\d-\\d\\dT[^,]+, command "eval --task sudoku`));
    a.child.kill('SIGKILL');
    await a.done;
    expect(existsSync(lock)).toBe(true); // kill -9 leaves it behind
    const resumed = await cli(...slow, '--out', out);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(new RegExp(`note: eval: took over the stale lock ${lock} of pid ${a.child.pid} .*no longer running`));
    const lines = pairs(out);
    expect(lines).toHaveLength(12);
    expect(new Set(lines).size).toBe(12);
    expect(existsSync(lock)).toBe(false);
  });

  it('two processes started together on one --out: one runs, the other is refused, no line is duplicated', async () => {
    const out = fresh();
    const [a, b] = [start([...slow, '--out', out]), start([...slow, '--out', out])];
    const results = await Promise.all([a.done, b.done]);
    const codes = results.map((r) => r.code).sort();
    expect(codes).toEqual([0, 2]);
    expect(results.find((r) => r.code === 2)!.stderr).toMatch(/is in use by another evaluation \(pid \d+/);
    const lines = pairs(out);
    expect(lines).toHaveLength(12);
    expect(new Set(lines).size).toBe(12);
  });

  it('an interrupted writer (SIGTERM) releases its lock', async () => {
    const out = fresh();
    const a = start([...slow, '--out', out]);
    await vi.waitFor(() => expect(existsSync(join(out, LOCK_FILE))).toBe(true), { timeout: 30_000, interval: 20 });
    a.child.kill('SIGTERM');
    await a.done;
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
  });
});

describe('torn files', () => {
  it('an empty or torn meta.json is named with its path', async () => {
    const out = fresh();
    expect((await cli(...tiny, '--out', out)).code).toBe(0);
    const meta = join(out, 'meta.json');
    const good = readFileSync(meta, 'utf8');
    writeFileSync(meta, '');
    let r = await cli(...tiny, '--out', out);
    expect([r.code, r.stderr]).toEqual([2, `infogain: ${meta}: empty; the run that wrote it was interrupted (remove the directory, or restore the file)`]);
    writeFileSync(meta, good.slice(0, 20));
    r = await cli(...tiny, '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${meta}: not valid JSON, perhaps torn by an interrupted write`));
    r = await cli('eval', 'merge', out, '--out', fresh());
    expect(r.stderr).toMatch(new RegExp(`${meta}: not valid JSON`));
    // meta.json is replaced by rename: no temporary file is left next to it.
    writeFileSync(meta, good);
    expect((await cli(...tiny, '--n', '3', '--out', out)).code).toBe(0);
    expect(JSON.parse(readFileSync(meta, 'utf8')).n).toBe(3);
    expect(readdirSync(out).sort()).toEqual(['meta.json', 'results.jsonl']);
  });

  it('a torn last line of results.jsonl is left alone by readers and cut, with a note, by the resuming writer', async () => {
    const out = fresh();
    expect((await cli(...tiny, '--out', out)).code).toBe(0);
    const path = join(out, 'results.jsonl');
    const whole = readFileSync(path, 'utf8');
    const [first] = whole.split('\n');
    writeFileSync(path, `${first}\n${whole.split('\n')[1].slice(0, 30)}`);
    const torn = readFileSync(path, 'utf8');
    expect(readResults(path)).toHaveLength(1);
    expect(readFileSync(path, 'utf8')).toBe(torn); // reading never changes the file
    const r = await cli(...tiny, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`note: ${path}: removed a torn last line left by an interrupted run \\(".*example.*"\\); its example is decoded again`));
    expect(r.stdout).toContain('1 new lines, 1 already there');
    // The same lines again (wall time aside), each once.
    const strip = (text: string) => text.trim().split('\n').map((l) => ({ ...JSON.parse(l), wallMs: 0 }));
    expect(strip(readFileSync(path, 'utf8'))).toEqual(strip(whole));
  });
});

describe('no result file holds a non-finite number', () => {
  const line: ResultLine = {
    example: 4, sampler: 'confidence', seed: 11, correct: true, score: 0.5, answer: 'x', cumulativeUncertainty: 1.25,
    forwardCalls: 3, rowForwards: 3, wallMs: 2, order: [0, 1, 2], info: { blanks: 10 },
  };
  const numeric = ['score', 'cumulativeUncertainty', 'forwardCalls', 'rowForwards', 'wallMs', 'order[1]', 'info.blanks'];
  const withValue = (field: string, v: unknown): Record<string, unknown> => {
    const copy = structuredClone(line) as unknown as Record<string, unknown>;
    if (field === 'order[1]') (copy.order as unknown[])[1] = v;
    else if (field === 'info.blanks') (copy.info as Record<string, unknown>).blanks = v;
    else copy[field] = v;
    return copy;
  };

  it('write path: NaN and ±Infinity in any number field are refused, naming example, sampler and field', async () => {
    const path = join(fresh() + '.jsonl');
    for (const field of numeric)
      for (const bad of [NaN, Infinity, -Infinity]) {
        const escaped = field.replace(/[[\].]/g, (c) => `\\${c}`);
        await expect(appendResult(path, withValue(field, bad) as unknown as ResultLine)).rejects.toThrow(
          new RegExp(`^result of example 4, sampler confidence: field "${escaped}" is ${String(bad).replace('+', '')}; a non-finite number is never written`),
        );
      }
    expect(existsSync(path)).toBe(false);
    await appendResult(path, line);
    expect(readResults(path)).toEqual([line]);
    expect(() => stringifyFinite({ sequences: [{ totals: { cumulativeUncertainty: NaN } }] }, '--trace t.json')).toThrow(/--trace t\.json: field "sequences\[0\]\.totals\.cumulativeUncertainty" is NaN/);
  });

  it('read path: null (what JSON.stringify makes of NaN) where a number belongs is refused by eval and by report', async () => {
    for (const field of numeric.filter((f) => f !== 'score')) {
      const path = join(fresh() + '.jsonl');
      writeFileSync(path, `${JSON.stringify(line)}\n${JSON.stringify(withValue(field, null))}\n`);
      expect(() => readResults(path), field).toThrow(new RegExp(`^${path}:2: field "${field.split(/[[.]/)[0]}" is .*null.*, expected .*\\(example 4, sampler confidence\\)`));
    }
    const out = fresh();
    expect((await cli(...tiny, '--out', out)).code).toBe(0);
    const path = join(out, 'results.jsonl');
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[0] = lines[0].replace(/"cumulativeUncertainty":[^,]+/, '"cumulativeUncertainty":null');
    writeFileSync(path, lines.join('\n'));
    const report = await cli('report', out);
    expect(report.code).toBe(2);
    expect(report.stderr).toMatch(new RegExp(`${path}:1: field "cumulativeUncertainty" is null, expected a finite number \\(example 0, sampler confidence\\)`));
    const resume = await cli(...tiny, '--out', out);
    expect(resume.code).toBe(2);
    expect(resume.stderr).toMatch(new RegExp(`${path}:1: field "cumulativeUncertainty" is null`));
  });
});

describe('limits as data', () => {
  const card = (contextLimit: number): ModelCard => ({
    name: 'm', vocabSize: 4, maskId: 3, eosId: null, padId: null, eosPenalty: 0, logitShift: false, attention: { kind: 'full' }, contextLimit, suppressTokens: [],
  });

  it('a model without a context limit is capped at MAX_CANVAS_LENGTH; the message says which limit applied', () => {
    expect(() => checkCanvasLength(card(Number.MAX_SAFE_INTEGER), 0, MAX_CANVAS_LENGTH)).not.toThrow();
    expect(() => checkCanvasLength(card(Number.MAX_SAFE_INTEGER), 1, MAX_CANVAS_LENGTH)).toThrow(/over the decoder's cap MAX_CANVAS_LENGTH .*\(1048576\); the longest generation after this prompt is 1048575/);
    expect(() => checkCanvasLength(card(64), 60, 5)).toThrow(/over the context limit of model m \(64\); the longest generation after this prompt is 4/);
  });
});

describe('progress off a terminal', () => {
  it('eval prints plain progress lines with an ETA to stderr when stderr is not a terminal', async () => {
    const r = await cli(...tiny, '--samplers', 'confidence,margin', '--out', fresh());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^eval sudoku: 1\/4 \(25%\), \d+s elapsed, ETA \d+s$/m);
    expect(r.stderr).toMatch(/^eval sudoku: 4\/4 \(100%\), \d+s elapsed$/m);
  });

  it('a long run prints a line every 5% of the work or every 10 s, never more often', () => {
    let now = 0;
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (written.push(String(s)), true));
    const bar = progressBar(1000, 'eval text', { plain: true, now: () => now })!;
    for (let done = 1; done <= 1000; done++) {
      now += done <= 10 ? 2_000 : 100; // the first 1% slowly: ~10 s lines; then 5% steps
      bar.update(done, { sampler: 'x' });
    }
    bar.stop();
    expect(written[0]).toBe('eval text: 5/1000 (0%), 10s elapsed, ETA 33m 10s\n');
    expect(written.filter((l) => l.includes('(100%)'))).toHaveLength(1);
    expect(written.length).toBeGreaterThanOrEqual(21);
    expect(written.length).toBeLessThanOrEqual(24);
  });
});
