/**
 * The oracle lab (src/eval/lab.ts, lab-report.ts, `infogain lab`): prompts with masks anywhere,
 * every output's exact log p and MAP agreement against brute-force enumeration on a tiny HMM, the
 * chain rule that makes one-token-per-step likelihoods exact, the paired statistics on known
 * numbers, and the command's files and errors.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pathLogLikelihood } from '../src/decode/best-of-n.js';
import { resolveEntry } from '../src/decode/entry.js';
import { decodeBatch } from '../src/decode/run.js';
import { analyseLab, labCellTables, labTables } from '../src/eval/lab-report.js';
import { checkSetup, labInputs, runLab, type LabLine, type LabRun, type LabSetup } from '../src/eval/lab.js';
import { findNonFinite } from '../src/core/finite-json.js';
import { completionLogProb, HmmOracle } from '../src/models/oracles/index.js';
import { allSequences, hmmJoint, type HmmTables } from './helpers/brute.js';
import { cli } from './helpers/cli.js';

const oracle = HmmOracle.fromSeed(7, { states: 3, symbols: 4, concentration: 0.6, stickiness: 0.7 });
const tables = oracle.toJSON() as HmmTables;
const setup = (over: Partial<LabSetup> = {}): LabSetup => ({ n: 6, seed: 40, length: 6, masks: 4, layout: 'scatter', ks: [1, 2], maxNodes: 100_000, ...over });

describe('lab prompts', () => {
  it('scatter masks exactly `masks` positions of a joint sample, reproducibly; suffix masks the tail', () => {
    const a = labInputs(oracle, setup({ n: 20 }));
    const b = labInputs(oracle, setup({ n: 20 }));
    expect(a.map((x) => Array.from(x.canvas))).toEqual(b.map((x) => Array.from(x.canvas)));
    for (const x of a) {
      expect(x.canvas.filter((v) => v === oracle.V).length).toBe(4);
      expect(x.promptLength).toBe(6);
    }
    // Masks do not always fall in the same place.
    expect(new Set(a.map((x) => Array.from(x.canvas, (v) => (v === oracle.V ? 1 : 0)).join(''))).size).toBeGreaterThan(3);
    const s = labInputs(oracle, setup({ n: 3, layout: 'suffix' }));
    for (const x of s) {
      expect(Array.from(x.canvas.subarray(2))).toEqual([4, 4, 4, 4]);
      expect(Array.from(x.canvas.subarray(0, 2)).every((v) => v < oracle.V)).toBe(true);
      expect(x.promptLength).toBe(2);
    }
    // Prompt i depends on seed + i only: a run from seed 41 starts with prompt 1 of the run from 40.
    expect(Array.from(labInputs(oracle, setup({ n: 1, seed: 41 }))[0].canvas)).toEqual(Array.from(a[1].canvas));
  });

  it('refuses a bad setup, naming the field', () => {
    expect(() => checkSetup(setup({ masks: 7 }))).toThrow(/masks is 7, expected an integer in \[1, 6\]/);
    expect(() => checkSetup(setup({ ks: [1, 5] }))).toThrow(/k = 5: tokens per step must be an integer in \[1, 4\]/);
    expect(() => checkSetup(setup({ ks: [2, 2] }))).toThrow(/repeats a value/);
    expect(() => checkSetup(setup({ ks: [] }))).toThrow(/ks is empty/);
    expect(() => checkSetup(setup({ layout: 'middle' as never }))).toThrow(/layout is "middle", expected one of scatter, suffix/);
    expect(() => checkSetup(setup({ n: 0 }))).toThrow(/n is 0/);
  });
});

describe('runLab on a tiny HMM, against enumeration', () => {
  it('scores every output by its exact conditional log p and marks MAP agreement', async () => {
    const entries = ['confidence', 'random', 'info-gain'].map((s) => resolveEntry(s));
    const run = await runLab(oracle, entries, setup());
    expect(run.lines).toHaveLength(6 * 3 * 2);
    const inputs = labInputs(oracle, setup());
    for (const p of run.prompts) {
      const prompt = inputs[p.example].canvas;
      const all = [...allSequences(oracle.V, 6)].filter((x) => x.every((v, i) => prompt[i] === oracle.V || prompt[i] === v));
      const evidence = all.reduce((s, x) => s + hmmJoint(tables, x), 0);
      const best = Math.max(...all.map((x) => hmmJoint(tables, x)));
      expect(p.map.proven).toBe(true);
      expect(p.map.logProb).toBeCloseTo(Math.log(best / evidence), 10);
      for (const line of run.lines.filter((l) => l.example === p.example)) {
        const x = line.output.split(' ').map(Number);
        const lp = Math.log(hmmJoint(tables, x) / evidence);
        expect(line.logProb).toBeCloseTo(lp, 10);
        expect(line.isMap).toBe(lp >= Math.log(best / evidence) - 1e-9);
        expect(line.gapToMap).toBeCloseTo(Math.log(best / evidence) - lp, 10);
      }
    }
    // Two tokens per step take half the steps.
    expect(run.lines.filter((l) => l.sampler === 'confidence' && l.k === 2).every((l) => l.steps === 2)).toBe(true);
    expect(run.lines.filter((l) => l.sampler === 'confidence' && l.k === 1).every((l) => l.steps === 4)).toBe(true);
  });

  it('refuses a sampler named twice', async () => {
    await expect(runLab(oracle, [resolveEntry('confidence'), resolveEntry('confidence')], setup())).rejects.toThrow(/confidence is named twice/);
  });

  it('one token per step on an exact oracle: Σ log p of the commits is the exact log p(filled | given) (the chain rule)', async () => {
    const inputs = labInputs(oracle, setup({ n: 8 }));
    for (const name of ['confidence', 'random']) {
      const entry = resolveEntry(name, {}, { temperature: 1 });
      const { traces } = await decodeBatch(oracle, inputs, entry);
      traces.forEach((t, i) => expect(pathLogLikelihood(t)).toBeCloseTo(completionLogProb(oracle.chainTables(), inputs[i].canvas, Int32Array.from(t.output)), 5));
    }
  });
});

describe('lab statistics', () => {
  // Two prompts, known numbers: a beats b by 1 nat on prompt 0 and ties on prompt 1.
  const line = (example: number, sampler: string, k: number, logProb: number, isMap: boolean): LabLine => ({
    example, sampler, k, logProb, isMap, gapToMap: isMap ? 0 : 1, cumulativeUncertainty: 2, forwardCalls: 3, rowForwards: 3, steps: 3, output: '',
  });
  const prompt = (example: number) => ({
    example, seed: example, prompt: '',
    map: { completion: '', logProb: -1, method: 'a-star' as const, proven: true, upperBound: -1, nodes: 5 },
    viterbi: { completion: '', logProb: -1, isMap: true },
  });
  const run: LabRun = {
    prompts: [prompt(0), prompt(1)],
    lines: [
      line(0, 'b', 1, -2, false), line(1, 'b', 1, -1, true), line(0, 'a', 1, -1, true), line(1, 'a', 1, -1, true),
      line(0, 'b', 2, -3, false), line(1, 'b', 2, -2, false), line(0, 'a', 2, -1, true), line(1, 'a', 2, -1.5, false),
    ],
  };

  it('means, paired differences, wins, MAP discordance and the cost of k', () => {
    const a = analyseLab(run, { baseline: 'b', resamples: 200, seed: 1 });
    const s = a.summaries.find((x) => x.sampler === 'a' && x.k === 1)!;
    expect(s.logProb).toBe(-1);
    expect(s.mapRate).toBe(1);
    const p = a.vsBaseline.find((x) => x.sampler === 'a' && x.k === 1)!;
    expect([p.difference, p.wins, p.losses, p.ties, p.mapB, p.mapC]).toEqual([0.5, 1, 0, 1, 1, 0]);
    const p2 = a.vsBaseline.find((x) => x.k === 2)!;
    expect([p2.difference, p2.wins, p2.losses, p2.mapB, p2.mapC]).toEqual([1.25, 2, 0, 1, 0]);
    const cost = a.kCost.find((x) => x.sampler === 'b' && x.k === 2)!;
    expect([cost.difference, cost.wins, cost.losses, cost.against]).toEqual([-1, 0, 2, 1]);
    expect(p.interval!.lo).toBeGreaterThanOrEqual(0);
    expect(p.interval!.hi).toBeLessThanOrEqual(1);
    for (const t of [...labTables(a), ...labCellTables(a)]) for (const r of t.rows) expect(r).toHaveLength(t.head.length);
  });

  it('refuses a baseline that did not run and a sampler missing prompts', () => {
    expect(() => analyseLab(run, { baseline: 'c' })).toThrow(/the baseline c is not among the samplers \(b, a\)/);
    expect(() => analyseLab({ ...run, lines: run.lines.slice(1) }, { baseline: 'b' })).toThrow(/b at k = 1 has 1 lines for 2 prompts/);
  });
});

describe('infogain lab', () => {
  it('writes lab.json (finite, every line) and report.md, and prints the tables', async () => {
    const out = await mkdtemp(join(tmpdir(), 'infogain-lab-'));
    try {
      const r = await cli('lab', '--model', 'hmm-demo', '--samplers', 'confidence,random', '--n', '5', '--k', '1,2', '--bootstrap', '50', '--out', out);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('| confidence | 1 | 5 |');
      const saved = JSON.parse(await readFile(join(out, 'lab.json'), 'utf8'));
      expect(findNonFinite(saved)).toBeNull();
      expect(saved.lines).toHaveLength(5 * 2 * 2);
      expect(saved.meta.setup).toMatchObject({ n: 5, length: 32, masks: 24, layout: 'scatter', ks: [1, 2] });
      const report = await readFile(join(out, 'report.md'), 'utf8');
      expect(report).toContain('## Paired against confidence at the same k');
      expect(report).toContain('5 of 5 proven');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('refuses bad options with one line naming the problem', async () => {
    expect((await cli('lab', '--samplers', 'random', '--n', '2')).stderr).toMatch(/--baseline confidence: not among --samplers \(random\)/);
    expect((await cli('lab', '--k', '1,0', '--n', '2')).stderr).toMatch(/--k "1,0": expected positive integers/);
    expect((await cli('lab', '--layout', 'middle', '--n', '2')).stderr).toMatch(/--layout "middle": expected one of scatter, suffix/);
    expect((await cli('lab', '--masks', '40', '--n', '2', '--samplers', 'confidence')).stderr).toMatch(/masks is 40, expected an integer in \[1, 32\]/);
    expect((await cli('lab', '--set', 'steps=3', '--n', '2', '--samplers', 'confidence')).stderr).toMatch(/the lab sets the steps from --k/);
  });
});
