import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.js';
import { checkTaskOptions } from '../src/tasks/options.js';
import { textTask } from '../src/tasks/text/task.js';
import { MarkovOracle } from '../src/models/oracles/index.js';
import {
  bigramBaseline,
  bigramInfill,
  degeneracy,
  distinctN,
  generateInfilling,
  generateSet,
  generateUnconditional,
  isDegenerate,
  JUDGE_PATH,
  loadHeldout,
  loadShakespeareJudge,
  MASK_CHAR,
  NgramJudge,
  readJudgeFile,
  scoreText,
  splitCorpus,
  TextTaskError,
  writeJudgeFile,
} from '../src/tasks/text.js';
import { comparePairs, winRate } from '../src/eval/stats.js';

const MARKOV_PATH = new URL('../models/markov-shakespeare.json', import.meta.url);
const loadMarkov = (): MarkovOracle => {
  const json = JSON.parse(readFileSync(MARKOV_PATH, 'utf8'));
  return new MarkovOracle(json, { alphabet: json.alphabet, name: json.name });
};

const shuffle = (text: string, rng: Rng): string => {
  const c = text.split('');
  for (let k = c.length - 1; k > 0; k--) {
    const j = rng.nextInt(k + 1);
    [c[k], c[j]] = [c[j], c[k]];
  }
  return c.join('');
};

let judge: NgramJudge;
let heldout: string;
let tmp: string;
beforeAll(async () => {
  judge = await loadShakespeareJudge();
  heldout = loadHeldout();
  tmp = mkdtempSync(join(tmpdir(), 'infogain-text-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('committed assets', () => {
  it('the held-out text is the last ~5% of the training file, starting at a line start', () => {
    const n = 1_003_856;
    expect(heldout.length).toBeGreaterThan(0.049 * n);
    expect(heldout.length).toBeLessThanOrEqual(n - Math.floor(0.95 * n));
    expect(heldout.startsWith('To find out this abuse')).toBe(true);
    expect(new Set(heldout).size).toBeLessThanOrEqual(65);
    expect(heldout).not.toContain(MASK_CHAR);
  });

  it('the judge is the order-5 model of the first 95%, and beats the bigram on the held-out text', () => {
    expect(judge.order).toBe(5);
    expect(Array.from(judge.alphabet)).toHaveLength(65);
    expect(judge.trainingChars).toBe(Math.floor(0.95 * 1_003_856));
    const ce = -judge.logProb(heldout) / heldout.length;
    const markov = loadMarkov();
    const bigramCe = -markov.logProb(markov.encode(heldout)) / heldout.length;
    expect(ce).toBeCloseTo(1.5914, 3); // models/judge/README.md
    expect(bigramCe - ce).toBeGreaterThan(0.8);
  });
});

describe('splitCorpus', () => {
  it('cuts at ⌊0.95·N⌋ for training and starts the held-out text at the next line start', () => {
    const lines = Array.from({ length: 40 }, (_, i) => `line ${i} ${'x'.repeat(i % 7)}\n`).join('');
    const { train, heldout: held, cut, heldoutStart } = splitCorpus(lines);
    expect(cut).toBe(Math.floor(lines.length * 0.95));
    expect(train).toBe(lines.slice(0, cut));
    expect(heldoutStart).toBeGreaterThanOrEqual(cut);
    expect(lines[heldoutStart - 1]).toBe('\n');
    expect(lines.slice(cut, heldoutStart - 1)).not.toContain('\n');
    expect(held).toBe(lines.slice(heldoutStart));
  });
});

describe('NgramJudge', () => {
  it('matches a hand computation of interpolated Kneser–Ney (continuation counts below the top order)', () => {
    // "abcab", order 2, every discount 0.5. Top order (raw): ab 2, bc 1, ca 1. Unigram level
    // (continuation counts): a 1, b 1, c 1, γ = 1.5, base 1/4 over {a, b, c, unknown}:
    // P1(a) = (0.5 + 1.5/4)/3 = 7/24. P2(b|a) = (2 − 0.5 + 0.5·7/24)/2 = 79/96, P2(a|a) = 7/96,
    // P2(unknown|a) = 0.5·(1.5/4/3)/2 = 1/32.
    const j = NgramJudge.fit('abcab', { order: 2, discounts: [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]] });
    expect(j.logProb('ab')).toBeCloseTo(Math.log(7 / 24) + Math.log(79 / 96), 12);
    expect(j.logProb('a', { context: 'a' })).toBeCloseTo(Math.log(7 / 96), 12);
    expect(j.logProb('?', { context: 'a' })).toBeCloseTo(Math.log(1 / 32), 12);
    // An unseen context backs off to the unigram level.
    expect(j.logProb('b', { context: 'zz' })).toBeCloseTo(Math.log(7 / 24), 12);
    expect(Array.from(j.nextCharProbs('a'))).toEqual([7 / 96, 79 / 96, 7 / 96, 3 / 96].map((x) => expect.closeTo(x, 14)));
  });

  it('normalises: Σ_c exp(logProb(context + c) − logProb(context)) = 1 over the alphabet and the unknown symbol', () => {
    const toy = NgramJudge.fit('the cat sat on the mat; the rat ate the hat.\n'.repeat(3), { order: 4 });
    const cases: [NgramJudge, string[]][] = [
      [judge, ['', 'R', 'ROMEO', 'the qu', 'What say you', 'zqxj', '\n\n', 'O\u2603 ', 'KING RICHARD III:\n']],
      [toy, ['', 't', 'the', 'e ma', 'xyzzy', 'hat.\n']],
    ];
    for (const [j, contexts] of cases) {
      const alphabet = Array.from(j.alphabet);
      for (const ctx of contexts) {
        const base = j.logProb(ctx);
        const probs = alphabet.map((c) => Math.exp(j.logProb(ctx + c) - base));
        const unknown = Math.exp(j.logProb(ctx + '\u2603') - base);
        const sum = probs.reduce((a, b) => a + b, 0);
        expect(sum + unknown, JSON.stringify(ctx)).toBeCloseTo(1, 10);
        if (j === judge) expect(sum).toBeGreaterThan(0.999); // the unknown symbol keeps a tiny share
        expect(unknown).toBeGreaterThan(0);
        const next = j.nextCharProbs(ctx);
        alphabet.forEach((_, k) => expect(next[k]).toBeCloseTo(probs[k], 10));
      }
    }
  });

  it('obeys the chain rule: logProb(a + b) = logProb(a) + logProb(b | a)', () => {
    const a = heldout.slice(1000, 1037);
    const b = heldout.slice(1037, 1100);
    expect(judge.logProb(a + b)).toBeCloseTo(judge.logProb(a) + judge.logProb(b, { context: a }), 9);
    expect(judge.meanLogProb(b, { context: a })).toBeCloseTo(judge.logProb(b, { context: a }) / b.length, 12);
    expect(() => judge.meanLogProb('')).toThrow(TextTaskError);
  });

  it('prefers real held-out Shakespeare over shuffled characters and over bigram samples', () => {
    const markov = loadMarkov();
    const rng = new Rng(7);
    const windows = Array.from({ length: 30 }, (_, i) => heldout.slice(i * 1500, i * 1500 + 128));
    const real = windows.map((w) => judge.meanLogProb(w));
    const shuffled = windows.map((w, i) => judge.meanLogProb(shuffle(w, rng.fork(i))));
    const bigram = windows.map((_, i) => judge.meanLogProb(bigramBaseline(markov, rng.fork(1000 + i), '', 128)));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(winRate(real, shuffled)).toBe(1);
    expect(winRate(real, bigram)).toBe(1);
    expect(mean(real)).toBeGreaterThan(mean(bigram) + 1.5);
    expect(mean(bigram)).toBeGreaterThan(mean(shuffled));
  });

  it('round-trips through save and load (gzipped and plain), and the committed file is what save writes', async () => {
    const toy = NgramJudge.fit('To be, or not to be, that is the question:\n'.repeat(2), { order: 3, minContextCount: 2 });
    for (const name of ['toy.json.gz', 'toy.json']) {
      const path = join(tmp, name);
      await writeJudgeFile(toy, path);
      const back = await readJudgeFile(path);
      expect(back.toJSON()).toEqual(toy.toJSON());
      expect(back.logProb('to be or not')).toBe(toy.logProb('to be or not'));
    }
    expect(readFileSync(join(tmp, 'toy.json.gz')).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(gunzipSync(readFileSync(JUDGE_PATH)).toString('utf8')).toBe(JSON.stringify(judge.toJSON()) + '\n');
    expect(NgramJudge.fromJSON(judge.toJSON()).logProb(heldout.slice(0, 300))).toBe(judge.logProb(heldout.slice(0, 300)));
  });

  it('pruning drops rare contexts and stays normalised; bad input fails with one line', async () => {
    const text = 'the cat sat on the mat; the rat ate the hat.\n'.repeat(2) + 'a quick brown fox\n';
    const full = NgramJudge.fit(text, { order: 4 });
    const pruned = NgramJudge.fit(text, { order: 4, minContextCount: 2 });
    expect(pruned.size).toBeLessThan(full.size);
    const p = pruned.nextCharProbs('fox');
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(() => NgramJudge.fit('', {})).toThrow(TextTaskError);
    expect(() => NgramJudge.fit('abc', { order: 0 })).toThrow(/order/);
    expect(() => NgramJudge.fit('abc', { alphabet: 'ab' })).toThrow(/not in the alphabet/);
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...full.toJSON(), order: 3 }));
    await expect(readJudgeFile(bad)).rejects.toThrow(/discounts must have 3 entries/);
    writeFileSync(bad, 'not json');
    await expect(readJudgeFile(bad)).rejects.toThrow(TextTaskError);
    await expect(readJudgeFile(join(tmp, 'missing.json'))).rejects.toThrow(/cannot read/);
  });
});

describe('distinct-n and degeneracy', () => {
  it('distinctN counts unique / total character n-grams, pooled over texts', () => {
    expect(distinctN('abab', 1)).toBe(2 / 4);
    expect(distinctN('abab', 2)).toBe(2 / 3); // ab, ba, ab
    expect(distinctN('abcd', 2)).toBe(1);
    expect(distinctN(['ab', 'ab'], 2)).toBe(1 / 2);
    expect(distinctN(['abc', 'bcd'], 2)).toBe(3 / 4); // ab bc | bc cd
    expect(distinctN(['a', ''], 2)).toBe(0);
    expect(distinctN('aaaaa', 3)).toBe(1 / 3);
    expect(() => distinctN('abc', 0)).toThrow(TextTaskError);
  });

  it('isDegenerate flags runs, loops and empty text, and no real held-out window', () => {
    expect(isDegenerate('a'.repeat(9))).toBe(true);
    expect(isDegenerate('a'.repeat(8))).toBe(false);
    expect(isDegenerate(`Hark${' '.repeat(9)}there`)).toBe(true);
    expect(isDegenerate('')).toBe(true);
    expect(degeneracy('the '.repeat(32))).toMatch(/distinct-4/);
    expect(isDegenerate('and so the king is dead, '.repeat(5))).toBe(true); // period 25 over 125 characters
    expect(isDegenerate('abababababababab')).toBe(false); // too short for the distinct-4 rule
    expect(isDegenerate('the '.repeat(32), { minDistinct4: 0.01 })).toBe(false);
    for (let s = 0; s + 128 <= heldout.length; s += 97) expect(isDegenerate(heldout.slice(s, s + 128))).toBe(false);
  });
});

describe('win rate', () => {
  it('counts wins, half ties, and degenerate outputs losing', () => {
    expect(winRate([-1, -2, -3], [-2, -2, -1])).toBe(0.5); // win, tie, loss
    expect(winRate([-1], [-1.5])).toBe(1);
    expect(winRate([-1, -1], [-1, -1])).toBe(0.5);
    expect(comparePairs([-1, -2, -3, -4], [-2, -2, -1, -5])).toEqual({ wins: 2, losses: 1, ties: 1, n: 4, winRate: 0.625 });
    const good = { meanLogProb: -3, degenerate: false };
    const loop = { meanLogProb: -0.2, degenerate: true };
    const loop2 = { meanLogProb: -0.1, degenerate: true };
    expect(winRate([loop], [good])).toBe(0);
    expect(winRate([good], [loop])).toBe(1);
    expect(winRate([loop], [loop2])).toBe(0.5);
    expect(comparePairs([good, loop, -2], [loop, loop2, -Infinity])).toEqual({ wins: 2, losses: 0, ties: 1, n: 3, winRate: 5 / 6 });
    expect(() => winRate([1, 2], [1])).toThrow(/pairs/);
    expect(() => winRate([], [])).toThrow(TextTaskError);
    expect(() => winRate([NaN], [1])).toThrow(/NaN/);
  });

  it('scoreText: the judge score plus the degeneracy flag', () => {
    const text = heldout.slice(500, 628);
    expect(scoreText(judge, text)).toEqual({ meanLogProb: judge.meanLogProb(text), degenerate: false });
    const loop = 'my lord, '.repeat(15).slice(0, 128);
    const s = scoreText(judge, loop);
    expect(s.degenerate).toBe(true);
    // Why the flag is needed: the loop out-scores even the most likely held-out window.
    expect(s.meanLogProb).toBeGreaterThan(-0.9);
    expect(s.meanLogProb).toBeGreaterThan(scoreText(judge, text).meanLogProb);
    expect(winRate([s], [scoreText(judge, text)])).toBe(0);
    expect(scoreText(judge, '')).toEqual({ meanLogProb: -Infinity, degenerate: true });
  });
});

describe('evaluation sets', () => {
  it('infilling: deterministic from the seed, spans of 4–16 characters covering 25% of a held-out window', () => {
    const a = generateSet(5, 50, { kind: 'infilling' });
    expect(generateSet(5, 50, { kind: 'infilling' })).toEqual(a);
    expect(generateSet(5, 7, { kind: 'infilling' })).toEqual(a.slice(0, 7));
    expect(generateInfilling(new Rng(5).fork(13), [heldout])).toEqual(a[13]);
    const b = generateSet(6, 50, { kind: 'infilling' });
    expect(b.filter((ex, i) => ex.offset === a[i].offset).length).toBeLessThan(3);
    expect(new Set(a.map((ex) => ex.offset)).size).toBeGreaterThan(45);
    for (const ex of a) {
      expect(ex.kind).toBe('infilling');
      expect(ex.canvas).toHaveLength(128);
      expect(ex.original).toBe(heldout.slice(ex.offset, ex.offset + 128));
      expect(ex.masked).toHaveLength(32);
      const set = new Set(ex.masked);
      const expected = Array.from(ex.original, (c, i) => (set.has(i) ? MASK_CHAR : c)).join('');
      expect(ex.canvas).toBe(expected);
      let covered = 0;
      ex.spans.forEach(([s, e], k) => {
        expect(e - s).toBeGreaterThanOrEqual(4);
        expect(e - s).toBeLessThanOrEqual(16);
        if (k > 0) expect(s).toBeGreaterThan(ex.spans[k - 1][1]); // never touching
        covered += e - s;
      });
      expect(covered).toBe(32);
    }
    // Options: fraction, span lengths, fixed spans, other passages.
    const half = generateInfilling(new Rng(1), [heldout], { length: 64, maskFraction: 0.5, spanLength: [2, 5] });
    expect(half.masked).toHaveLength(32);
    for (const [s, e] of half.spans) expect(e - s).toBeLessThanOrEqual(5);
    const fixed = generateInfilling(new Rng(1), ['abcdefghij'], { length: 8, maskSpans: [[5, 7], [0, 2]] });
    expect(fixed.canvas).toBe(fixed.original.replace(/^../, '__').replace(/^(.{5})../, '$1__'));
    expect(fixed.masked).toEqual([0, 1, 5, 6]);
    expect(() => generateInfilling(new Rng(1), ['short'], { length: 8 })).toThrow(/no passage/);
    expect(() => generateInfilling(new Rng(1), [heldout], { maskSpans: [[0, 4], [3, 6]] })).toThrow(/disjoint/);
  });

  it('unconditional: a held-out prompt of promptLength characters, masks after it', () => {
    const a = generateSet(9, 20, { kind: 'unconditional', length: 96, promptLength: 16 });
    expect(generateSet(9, 20, { kind: 'unconditional', length: 96, promptLength: 16 })).toEqual(a);
    expect(generateUnconditional(new Rng(9).fork(4), { length: 96, promptLength: 16 })).toEqual(a[4]);
    for (const ex of a) {
      expect(ex.original).toBe(heldout.slice(ex.offset, ex.offset + 96));
      expect(ex.prompt).toBe(ex.original.slice(0, 16));
      expect(ex.canvas).toBe(ex.prompt + MASK_CHAR.repeat(80));
      expect(ex.masked).toEqual(Array.from({ length: 80 }, (_, i) => 16 + i));
      expect(ex.spans).toEqual([[16, 96]]);
    }
    const none = generateUnconditional(new Rng(3), { length: 32 });
    expect(none.prompt).toBe('');
    expect(none.canvas).toBe(MASK_CHAR.repeat(32));
    expect(() => generateUnconditional(new Rng(3), { length: 32, promptLength: 32 })).toThrow(/promptLength/);
  });
});

describe('bigramBaseline', () => {
  it('samples the chain exactly, continuing from the prompt, deterministically', () => {
    const flip = new MarkovOracle({ initial: [1, 0], transition: [[0, 1], [1, 0]] }, { alphabet: 'ab' });
    expect(bigramBaseline(flip, new Rng(1), '', 5)).toBe('ababa');
    expect(bigramBaseline(flip, new Rng(1), 'aba', 4)).toBe('baba');
    const chain = new MarkovOracle({ initial: [0.5, 0.5], transition: [[0.9, 0.1], [0.3, 0.7]] }, { alphabet: 'ab' });
    const s = bigramBaseline(chain, new Rng(2), 'a', 40_000);
    let fromA = 0;
    let aToB = 0;
    let prev = 'a';
    for (const c of s) {
      if (prev === 'a') {
        fromA++;
        if (c === 'b') aToB++;
      }
      prev = c;
    }
    expect(aToB / fromA).toBeCloseTo(0.1, 2);
    const markov = loadMarkov();
    const x = bigramBaseline(markov, new Rng(3), 'ROMEO:', 200);
    expect(x).toHaveLength(200);
    expect(bigramBaseline(markov, new Rng(3), 'ROMEO:', 200)).toBe(x);
    expect(bigramBaseline(markov, new Rng(4), 'ROMEO:', 200)).not.toBe(x);
    expect(() => bigramBaseline(markov, new Rng(3), 'RO_EO', 5)).toThrow(/mask/);
  });
});

describe('bigramInfill', () => {
  const chain = new MarkovOracle({ initial: [0.2, 0.3, 0.5], transition: [[0.1, 0.6, 0.3], [0.5, 0.2, 0.3], [0.25, 0.25, 0.5]] }, { alphabet: 'abc' });
  const T = [[0.1, 0.6, 0.3], [0.5, 0.2, 0.3], [0.25, 0.25, 0.5]];
  const I = [0.2, 0.3, 0.5];
  const draws = (canvas: string, n: number) => {
    const counts = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const s = bigramInfill(chain, new Rng(9).fork(i), canvas);
      counts.set(s, (counts.get(s) ?? 0) + 1);
    }
    return counts;
  };

  it('draws a masked run exactly from the chain conditioned on both neighbours', () => {
    // "a__c": P(x, y | a, c) ∝ T[a][x]·T[x][y]·T[y][c].
    const exact = new Map<string, number>();
    let z = 0;
    for (let x = 0; x < 3; x++)
      for (let y = 0; y < 3; y++) {
        const w = T[0][x] * T[x][y] * T[y][2];
        exact.set(`a${'abc'[x]}${'abc'[y]}c`, w);
        z += w;
      }
    const n = 30_000;
    const got = draws('a__c', n);
    for (const [s, w] of exact) expect(Math.abs((got.get(s) ?? 0) / n - w / z)).toBeLessThan(0.012);
    // A run at the start uses the initial distribution: "_b" ∝ I[x]·T[x][b].
    const start = draws('_b', 20_000);
    const zs = I.reduce((acc, p, x) => acc + p * T[x][1], 0);
    for (let x = 0; x < 3; x++) expect(Math.abs((start.get(`${'abc'[x]}b`) ?? 0) / 20_000 - (I[x] * T[x][1]) / zs)).toBeLessThan(0.012);
  });

  it('keeps the given characters, is reproducible from its seed, and fills long Shakespeare spans', () => {
    const markov = loadMarkov();
    const e = generateInfilling(new Rng(5), [loadHeldout()], { length: 128 });
    const out = bigramInfill(markov, new Rng(1), e.canvas);
    expect(out).toHaveLength(128);
    expect(out).not.toContain(MASK_CHAR);
    for (let i = 0; i < 128; i++) if (e.canvas[i] !== MASK_CHAR) expect(out[i]).toBe(e.canvas[i]);
    expect(bigramInfill(markov, new Rng(1), e.canvas)).toBe(out);
    expect(bigramInfill(markov, new Rng(2), e.canvas)).not.toBe(out);
    // Deterministic chains leave one completion: a→b→a→b→a.
    const flip = new MarkovOracle({ initial: [1, 0], transition: [[0, 1], [1, 0]] }, { alphabet: 'ab' });
    expect(bigramInfill(flip, new Rng(3), 'a___a')).toBe('ababa');
    expect(bigramInfill(flip, new Rng(3), '_b_')).toBe('aba');
    expect(() => bigramInfill(flip, new Rng(3), 'a__a')).toThrow(/positions 1–2 .*probability 0/);
  });
});

describe('the text task’s window length (task option length)', () => {
  const options = (raw: Record<string, unknown>) => checkTaskOptions('text', textTask.options, raw, (k) => `--task-option ${k}`);

  it('a continuation cell of 32 given and 256 generated characters', () => {
    const parsed = options({ kind: 'unconditional', length: 288, promptLength: 32 });
    const examples = textTask.generate(3, 4, parsed);
    for (const e of examples) {
      if (e.kind !== 'unconditional') throw new Error('expected a continuation example');
      expect(Array.from(e.canvas)).toHaveLength(288);
      expect(Array.from(e.prompt)).toHaveLength(32);
      expect(e.masked).toEqual(Array.from({ length: 256 }, (_, i) => 32 + i));
      expect(e.original.slice(0, 32)).toBe(e.prompt);
    }
    expect(textTask.generate(3, 4, options({ kind: 'infilling' })).map((e) => Array.from(e.canvas).length)).toEqual([128, 128, 128, 128]);
  });

  it('a prompt as long as the window, or a window beyond the bounds, is refused naming the option', () => {
    expect(() => options({ kind: 'unconditional', promptLength: 128 })).toThrow('--task-option promptLength=128: promptLength applies only below the window length 128 (task option length)');
    expect(() => options({ kind: 'unconditional', length: 64, promptLength: 64 })).toThrow(/only below the window length 64/);
    expect(() => options({ length: 8 })).toThrow('--task-option length=8: length must be an integer within 16..4096');
  });
});
