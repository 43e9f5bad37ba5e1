/**
 * The digits task with its real components: the committed CNN judge on onnxruntime-node, the
 * built-in `digits` model, the image metrics of the report, and the CLI (`generate --prompt 7
 * --out x.png`, a small eval and its report with the grids).
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cli } from './helpers/cli.js';
import { digitsCellMetrics, readHeldoutDigits } from '../src/eval/report/digits.js';
import type { ResultLine } from '../src/eval/results.js';
import { loadModel } from '../src/models/builtin.js';
import { imageToText } from '../src/tasks/digits/image.js';
import { argmax, DigitJudge, softmax } from '../src/tasks/digits/judge.js';
import { digitsTask } from '../src/tasks/digits/task.js';

const tmp = mkdtempSync(join(tmpdir(), 'infogain-digits-'));
afterEach(() => vi.restoreAllMocks());

const line = (example: number, sampler: string, label: number, image: Uint8Array): ResultLine => ({
  example, sampler, seed: example, correct: null, score: null, answer: imageToText(image),
  cumulativeUncertainty: 0, forwardCalls: 0, rowForwards: 0, wallMs: 0, order: [], info: { digit: label },
});

describe('the digits judge', () => {
  it('onnxruntime reproduces torch on the first held-out digits and the card\'s held-out accuracy', async () => {
    const judge = await DigitJudge.load();
    const held = await readHeldoutDigits();
    const ref = judge.card.reference;
    const { logits } = await judge.run(held.slice(0, ref.inputs).map((d) => Float32Array.from(d.image, (v) => v / 3)));
    logits.forEach((row, i) => row.forEach((v, k) => expect(Math.abs(v - ref.logits[i][k])).toBeLessThan(1e-3)));
    const verdicts = await judge.judge(held.map((d) => d.image));
    const acc = verdicts.filter((v, i) => argmax(v.probs) === held[i].label).length / held.length;
    expect(Math.abs(acc - judge.card.heldoutAccuracy)).toBeLessThanOrEqual(0.002);
    expect(acc).toBeGreaterThan(0.95);
  });

  it('scores real digits far better than a collapsed or mislabelled set', async () => {
    const held = await readHeldoutDigits();
    // "generated" = 200 held-out digits of the real row's own split would be trivial; use the
    // reference part's first 20 per class as an honest set, one copy of a 7 as the collapsed one
    const seen = new Map<number, number>();
    const honest: ResultLine[] = [];
    for (const d of held) {
      const k = seen.get(d.label) ?? 0;
      seen.set(d.label, k + 1);
      if (k >= 20 && k < 40) honest.push(line(honest.length, 'honest', d.label, d.image));
    }
    const seven = held.find((d) => d.label === 7)!.image;
    const collapsed = honest.map((l, i) => line(i, 'collapsed', i % 10, seven));
    const shifted = honest.map((l) => ({ ...line(l.example, 'mislabelled', (Number(l.info.digit) + 1) % 10, Uint8Array.from(held[0].image)), answer: l.answer }));
    const m = await digitsCellMetrics([...honest, ...collapsed, ...shifted]);
    const by = (n: string) => m.samplers.find((s) => s.name === n)!;
    expect(m.referenceN).toBe(800);
    expect(m.real.n).toBe(200);
    expect(by('honest').accuracy).toBeGreaterThan(0.93);
    expect(by('honest').diversity!).toBeGreaterThan(0.7 * m.real.diversity!);
    expect(by('collapsed').diversity).toBe(0);
    expect(by('collapsed').accuracy).toBeCloseTo(0.1, 5);
    expect(by('collapsed').fd).toBeGreaterThan(10 * by('honest').fd);
    expect(by('mislabelled').accuracy).toBeLessThan(0.1);
    expect(by('mislabelled').fd).toBeCloseTo(by('honest').fd, 6); // FD ignores labels
    for (const s of [...m.samplers, m.real]) for (const v of [s.accuracy, s.confidence, s.fd]) expect(Number.isFinite(v)).toBe(true);
  });

  it('softmax is normalized and stable', () => {
    const p = softmax(Float32Array.of(1000, 1000, 0));
    expect(p[0]).toBeCloseTo(0.5, 6);
    expect(p[2]).toBe(0);
  });
});

describe('the digits task on the built-in model', () => {
  it('encodes the class then 196 masks and grades a real digit as correct', async () => {
    const { model, tokenizer } = await loadModel('digits');
    const view = { card: model.card, tokenizer: tokenizer! };
    const { canvas, promptLength } = digitsTask.encode({ label: 3 }, view);
    expect(promptLength).toBe(1);
    expect(canvas.length).toBe(197);
    expect(tokenizer!.tokenText(canvas[0])).toBe('3');
    expect(canvas.slice(1).every((id) => id === model.card.maskId)).toBe(true);
    const held = await readHeldoutDigits();
    const three = held.find((d) => d.label === 3)!;
    const output = Int32Array.from([canvas[0], ...Array.from(three.image, (v) => tokenizer!.tokenId('.:+#'[v])!)]);
    const o = await digitsTask.grade({ label: 3 }, output, view);
    expect(o.correct).toBe(true);
    expect(o.score!).toBeGreaterThan(0.5);
    expect(o.answer).toBe(imageToText(three.image));
    const asFive = await digitsTask.grade({ label: 5 }, output, view);
    expect(asFive.correct).toBe(false);
    expect(asFive.reason).toMatch(/the judge sees a 3/);
  });

  it('`generate --prompt 7 --out` prints the image in shades and writes a PNG; a bad class is refused', async () => {
    const png = join(tmp, 'seven.png');
    const r = await cli('generate', '--model', 'digits', '--prompt', '7', '--sampler', 'confidence', '--set', 'steps=28', '--set', 'temperature=1', '--set', 'eos_fill=false', '--out', png);
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.split('\n').slice(0, 14);
    expect(rows.every((l) => /^[ ░▒▓█]{28}$/.test(l))).toBe(true);
    expect(r.stdout).toMatch(/confidence: (correct|wrong: the judge sees a \d)/);
    expect(existsSync(png)).toBe(true);
    expect([...readFileSync(png).subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    const bad = await cli('generate', '--model', 'digits', '--prompt', '12');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--prompt "12": the digits task takes one digit class, a single character 0–9');
    const notDigits = await cli('generate', '--model', 'sudoku', '--out', png);
    expect(notDigits.stderr).toContain('only for the digits task');
  });

  it('a small eval and its report: image metrics and a grid of digits per sampler', async () => {
    const out = join(tmp, 'eval');
    const r = await cli('eval', '--task', 'digits', '--samplers', 'confidence,random', '--n', '20', '--set', 'steps=14', '--set', 'temperature=1', '--set', 'eos_fill=false', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const rep = await cli('report', out);
    expect(rep.code, rep.stderr).toBe(0);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('## Image quality under the independent judge');
    expect(md).toMatch(/\| confidence \| 20 \| \d+\.\d% \| 0\.\d{3} \| \d+\.\d\d \| \d+\.\d\d \|/);
    expect(md).toContain('real held-out digits (20 per class) | 200 |');
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html.match(/<img alt="digits generated by/g)).toHaveLength(2);
    expect(html).toContain('data:image/png;base64,');
  });
});
