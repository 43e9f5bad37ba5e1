import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cli } from './helpers/cli.js';
import { readResults } from '../src/eval/results.js';

const root = mkdtempSync(join(tmpdir(), 'infogain-eval-'));
let runs = 0;
const freshDir = () => join(root, `run-${runs++}`);

afterEach(() => vi.restoreAllMocks());

const base = ['eval', '--task', 'sudoku', '--model', 'sudoku', '--samplers', 'confidence,info-gain', '--task-option', 'blanks=20', '--seed', '7', '--set', 'candidates=3'];
const pairs = (dir: string) => readResults(join(dir, 'results.jsonl')).map((r) => `${r.sampler}/${r.example}`).sort();

describe('infogain eval', () => {
  it('writes one line per (example, sampler) and resumes without duplicating', async () => {
    const out = freshDir();
    const first = await cli(...base, '--n', '3', '--out', out);
    expect(first.code, first.stderr).toBe(0);
    const lines = readResults(join(out, 'results.jsonl'));
    expect(lines).toHaveLength(6);
    for (const l of lines) {
      expect(l.seed).toBe(7 + l.example);
      expect(typeof l.correct).toBe('boolean');
      expect(l.answer).toMatch(/^[1-9.]{81}$/);
      expect(l.order).toHaveLength(81);
      expect(l.order.filter((s) => s > 0)).toHaveLength(20); // the 20 blanks, each committed once
      expect(l.info.blanks).toBe(20);
      expect(l.cumulativeUncertainty).toBeGreaterThanOrEqual(0);
    }
    const again = await cli(...base, '--n', '3', '--out', out);
    expect(again.stdout).toContain('0 new lines, 6 already there');
    expect(pairs(out)).toHaveLength(6);
    // Same examples and seeds for every sampler: confidence and info-gain saw the same puzzles.
    const byExample = new Map<number, Set<string>>();
    for (const l of lines) byExample.set(l.example, (byExample.get(l.example) ?? new Set()).add(JSON.stringify(l.info)));
    for (const s of byExample.values()) expect(s.size).toBe(1);
  });

  it('extends a generator run with a larger --n and records it; a smaller --n is a prefix', async () => {
    const out = freshDir();
    expect((await cli(...base, '--n', '1', '--out', out)).code).toBe(0);
    const first = readResults(join(out, 'results.jsonl'));
    const more = await cli(...base, '--n', '2', '--out', out);
    expect(more.stdout).toContain('2 new lines, 2 already there');
    expect(JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8')).n).toBe(2);
    expect(readResults(join(out, 'results.jsonl')).slice(0, 2)).toEqual(first);
    expect((await cli(...base, '--n', '1', '--out', out)).stdout).toContain('0 new lines, 2 already there');
    expect(JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8')).n).toBe(2);
  });

  it('records the hashes of the model files in meta.json, and refuses to resume once the model changed', async () => {
    const model = join(root, 'sudoku-copy');
    cpSync('models/sudoku', model, { recursive: true });
    const args = ['eval', '--task', 'sudoku', '--model', model, '--samplers', 'confidence', '--task-option', 'blanks=20', '--n', '1'];
    const out = freshDir();
    expect((await cli(...args, '--out', out)).code).toBe(0);
    const files = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8')).modelFiles as Record<string, string>;
    expect(Object.keys(files)).toEqual(['model.onnx', 'model.json', 'tokenizer.json', 'tokenizer_config.json']);
    expect(files['model.onnx']).toBe(`sha256:${createHash('sha256').update(readFileSync(join(model, 'model.onnx'))).digest('hex')}`);
    // The same card with other bytes (a trailing newline) is another file: the run says which one changed.
    appendFileSync(join(model, 'model.json'), '\n');
    const r = await cli(...args, '--out', out, '--n', '2');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/the model's files differ from the existing run's \(model\.json\): the model changed since that run/);
  });

  it('refuses to mix a different evaluation into an existing directory', async () => {
    const out = freshDir();
    expect((await cli(...base, '--n', '1', '--out', out)).code).toBe(0);
    const r = await cli(...base, '--n', '1', '--out', out, '--set', 'temperature=0.5');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/holds a different evaluation \(samplers is/);
  });

  it('resumes a run written before a decode parameter existed (its default is what the run did)', async () => {
    const out = freshDir();
    expect((await cli(...base, '--n', '1', '--out', out)).code).toBe(0);
    const metaPath = join(out, 'meta.json');
    const meta = JSON.parse(readFileSync(metaPath, 'utf8'));
    for (const s of meta.samplers) delete s.decode.eos_refresh;
    writeFileSync(metaPath, JSON.stringify(meta));
    const more = await cli(...base, '--n', '2', '--out', out);
    expect(more.code, more.stderr).toBe(0);
    expect(more.stdout).toContain('2 new lines, 2 already there');
    // A recorded value other than the default is still a different evaluation.
    for (const s of meta.samplers) s.decode.eos_refresh = true;
    writeFileSync(metaPath, JSON.stringify(meta));
    expect((await cli(...base, '--n', '2', '--out', out)).stderr).toMatch(/holds a different evaluation/);
  });

  it('survives kill -9: a torn last line is cut, nothing is lost or duplicated on resume', async () => {
    const out = freshDir();
    const args = [...base, '--n', '6', '--batch-size', '1', '--out', out];
    const child = spawn('node', ['bin/infogain.js', ...args], { stdio: 'ignore' });
    const results = join(out, 'results.jsonl');
    await vi.waitFor(() => expect(existsSync(results) && readFileSync(results, 'utf8').split('\n').length > 3).toBe(true), { timeout: 60_000, interval: 50 });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const before = pairs(out);
    expect(before.length).toBeGreaterThan(1);
    expect(before.length).toBeLessThan(12);
    appendFileSync(results, '{"example": 5, "sampler": "confi'); // a write torn by the kill
    const r = await cli(...args);
    expect(r.code, r.stderr).toBe(0);
    const after = pairs(out);
    expect(after).toEqual([...new Set(after)]);
    expect(after).toHaveLength(12);
    for (const p of before) expect(after).toContain(p);
  });

  it('shards split the examples and merge joins them into the full run', async () => {
    const [a, b, full, merged] = [freshDir(), freshDir(), freshDir(), freshDir()];
    expect((await cli(...base, '--n', '4', '--shard', '0/2', '--out', a)).code).toBe(0);
    expect((await cli(...base, '--n', '4', '--shard', '1/2', '--out', b)).code).toBe(0);
    expect(new Set(readResults(join(a, 'results.jsonl')).map((l) => l.example))).toEqual(new Set([0, 2]));
    expect((await cli(...base, '--n', '4', '--out', full)).code).toBe(0);
    const m = await cli('eval', 'merge', a, b, '--out', merged);
    expect(m.code, m.stderr).toBe(0);
    const strip = (dir: string) =>
      readResults(join(dir, 'results.jsonl'))
        .map(({ wallMs: _w, ...rest }) => rest)
        .sort((x, y) => x.example - y.example || x.sampler.localeCompare(y.sampler));
    expect(strip(merged)).toEqual(strip(full));
    expect((await cli('eval', 'merge', a, freshDir(), '--out', freshDir())).stderr).toMatch(/no meta\.json; not an evaluation directory/);
  });

  it('reads YAML configs, and rejects unknown keys and bad shards', async () => {
    const cfg = join(root, 'c.yaml');
    writeFileSync(cfg, 'task: sudoku\nsamplers: [confidence]\nn: 1\ntask_options:\n  blanks: 10\nset:\n  confidence.temperature: 0\n');
    const out = freshDir();
    const r = await cli('eval', '--config', cfg, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(readResults(join(out, 'results.jsonl'))[0].info.blanks).toBe(10);
    writeFileSync(cfg, 'task: sudoku\nsampler: confidence\n');
    expect((await cli('eval', '--config', cfg, '--out', freshDir())).stderr).toMatch(/unknown key "sampler"; valid: task, model, samplers/);
    expect((await cli(...base, '--shard', '2/2', '--out', freshDir())).stderr).toMatch(/--shard "2\/2": expected i\/n with 0 ≤ i < n/);
    expect((await cli('eval', '--task', 'chess', '--out', freshDir())).stderr).toMatch(/unknown task "chess"; available: sudoku, countdown, text/);
  });
});
