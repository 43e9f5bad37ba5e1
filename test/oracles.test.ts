import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.js';
import { loadOracleFile } from '../src/models/oracles/file.js';
import {
  HmmOracle,
  MarkovOracle,
  ModelFileError,
  OracleParamError,
  parseOracle,
  type ChainOracle,
} from '../src/models/oracles/index.js';

// ---------------------------------------------------------------------------------------------
// Brute force: the joint over all V^T sequences by explicit enumeration, independent of the
// forward–backward code. Sequence index = Σ x_i V^(T-1-i).

interface Tables {
  initial: number[];
  transition: number[][];
  emission?: number[][];
}

function digits(index: number, V: number, T: number): number[] {
  const x = new Array<number>(T);
  for (let i = T - 1; i >= 0; i--) {
    x[i] = index % V;
    index = Math.floor(index / V);
  }
  return x;
}

/** HMM joint: sums over every hidden path by depth-first enumeration of (h_i, x_i). */
function bruteHmmJoint(t: Tables, V: number, T: number): Float64Array {
  const K = t.initial.length;
  const E = t.emission!;
  const joint = new Float64Array(V ** T);
  const walk = (i: number, h: number, p: number, index: number): void => {
    for (let x = 0; x < V; x++) {
      const px = p * E[h][x];
      const ix = index * V + x;
      if (i === T - 1) joint[ix] += px;
      else for (let h2 = 0; h2 < K; h2++) walk(i + 1, h2, px * t.transition[h][h2], ix);
    }
  };
  if (T > 0) for (let h = 0; h < K; h++) walk(0, h, t.initial[h], 0);
  return joint;
}

function bruteMarkovJoint(t: Tables, V: number, T: number): Float64Array {
  const joint = new Float64Array(V ** T);
  for (let n = 0; n < joint.length; n++) {
    const x = digits(n, V, T);
    let p = t.initial[x[0]];
    for (let i = 1; i < T; i++) p *= t.transition[x[i - 1]][x[i]];
    joint[n] = p;
  }
  return joint;
}

/** p(x_i = · | canvas tokens at unmasked positions ≠ i), from the joint. */
function bruteConditional(joint: Float64Array, V: number, canvas: Int32Array, i: number): number[] {
  const T = canvas.length;
  const acc = new Array<number>(V).fill(0);
  for (let n = 0; n < joint.length; n++) {
    const x = digits(n, V, T);
    let ok = true;
    for (let j = 0; j < T && ok; j++) if (j !== i && canvas[j] !== V && x[j] !== canvas[j]) ok = false;
    if (ok) acc[x[i]] += joint[n];
  }
  const z = acc.reduce((a, b) => a + b, 0);
  return acc.map((a) => a / z);
}

function clampedEntropy(p: number[]): number {
  let h = 0;
  for (const q of [...p, 0]) {
    const c = Math.max(q, 1e-12);
    h -= c * Math.log(c);
  }
  return h;
}

/** Canvases: all masked, no mask, and random patterns with random symbols. */
function canvases(rng: Rng, V: number, T: number, random: number): Int32Array[] {
  const out = [new Int32Array(T).fill(V), Int32Array.from({ length: T }, () => rng.nextInt(V))];
  for (let r = 0; r < random; r++) out.push(Int32Array.from({ length: T }, () => (rng.nextFloat64() < 0.5 ? V : rng.nextInt(V))));
  return out;
}

function randomRow(rng: Rng, n: number): number[] {
  const w = Array.from({ length: n }, () => Math.pow(-Math.log(1 - rng.nextFloat64()), 2) + 1e-3);
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / s);
}

function randomMarkov(seed: number, V: number): MarkovOracle {
  const rng = new Rng(seed);
  return new MarkovOracle({ initial: randomRow(rng, V), transition: Array.from({ length: V }, () => randomRow(rng, V)) });
}

/**
 * Both the raw conditionals and the statistics `forward` reduces them to must match brute
 * force at every position of every canvas.
 */
async function expectExactConditionals(oracle: ChainOracle, joint: Float64Array, rows: Int32Array[]): Promise<void> {
  const V = oracle.V;
  const W = V + 1;
  const T = rows[0].length;
  const raw = oracle.conditionalLogProbs(rows);
  const pred = await oracle.forward({ rows: rows.map((canvas, b) => ({ canvas, noiseKey: b })), samples: 2, temperature: 0 });
  for (let b = 0; b < rows.length; b++) {
    const row = pred.row(b);
    for (let i = 0; i < T; i++) {
      const p = bruteConditional(joint, V, rows[b], i);
      const o = (b * T + i) * W;
      for (let v = 0; v < V; v++) expect(Math.abs(Math.exp(raw[o + v]) - p[v])).toBeLessThan(1e-5);
      expect(raw[o + V]).toBe(-Infinity);
      const sorted = [...p].sort((a, c) => c - a);
      expect(Math.abs(row.top1Prob(i) - sorted[0])).toBeLessThan(1e-5);
      expect(Math.abs(p[row.top1Id(i)] - sorted[0])).toBeLessThan(1e-5);
      expect(Math.abs(row.top2Prob(i) - (sorted[1] ?? 0))).toBeLessThan(1e-5);
      expect(Math.abs(row.entropy(i) - clampedEntropy(p))).toBeLessThan(1e-5);
      expect(row.sampleProb(i, 1)).toBe(row.top1Prob(i)); // τ = 0: every draw is the argmax
      if (rows[b][i] === V) expect(row.tokenProb(i)).toBeNaN();
      else expect(Math.abs(row.tokenProb(i) - p[rows[b][i]])).toBeLessThan(1e-5);
    }
  }
}

// ---------------------------------------------------------------------------------------------

describe('HmmOracle: exact conditionals', () => {
  const configs = [
    { K: 2, V: 2, T: 1 },
    { K: 2, V: 3, T: 5 },
    { K: 3, V: 4, T: 6 },
    { K: 2, V: 4, T: 4 },
    { K: 3, V: 2, T: 6 },
  ];
  for (const { K, V, T } of configs) {
    it(`match brute-force enumeration, K=${K} V=${V} T=${T}, masked and unmasked positions`, async () => {
      for (const seed of [1, 2, 3]) {
        const oracle = HmmOracle.fromSeed(seed, { states: K, symbols: V, concentration: seed === 3 ? 0.2 : 0.5 });
        const joint = bruteHmmJoint(oracle.toJSON(), V, T);
        await expectExactConditionals(oracle, joint, canvases(new Rng(100 + seed), V, T, 6));
      }
    });
  }

  it('the card matches the spec', () => {
    const o = HmmOracle.fromSeed(1, { states: 3, symbols: 4 });
    expect(o.card).toEqual({
      name: 'hmm-K3-V4-seed1',
      vocabSize: 5,
      maskId: 4,
      eosId: null,
      padId: null,
      eosPenalty: 0,
      logitShift: false,
      attention: { kind: 'full' },
      contextLimit: 1_000_000,
      suppressTokens: [],
    });
  });

  it('fromSeed is deterministic, sticky, and differs between seeds', () => {
    const a = HmmOracle.fromSeed(5, { states: 4, symbols: 6 }).toJSON();
    expect(HmmOracle.fromSeed(5, { states: 4, symbols: 6 }).toJSON()).toEqual(a);
    expect(HmmOracle.fromSeed(6, { states: 4, symbols: 6 }).toJSON()).not.toEqual(a);
    for (let h = 0; h < 4; h++) expect(a.transition[h][h]).toBeGreaterThan(0.9);
    for (const row of a.emission) for (const p of row) expect(p).toBeGreaterThan(0);
  });

  it('rejects canvases with out-of-range ids or ragged rows', () => {
    const o = HmmOracle.fromSeed(1, { states: 2, symbols: 3 });
    expect(() => o.conditionalLogProbs([Int32Array.from([0, 4])])).toThrow(/position 1 holds id 4/);
    expect(() => o.conditionalLogProbs([Int32Array.from([0, 1]), Int32Array.from([0])])).toThrow(/row 1 has length 1/);
  });
});

describe('MarkovOracle: exact conditionals', () => {
  for (const { V, T } of [
    { V: 2, T: 6 },
    { V: 3, T: 5 },
    { V: 4, T: 6 },
  ]) {
    it(`match brute-force enumeration, V=${V} T=${T}`, async () => {
      for (const seed of [11, 12, 13]) {
        const oracle = randomMarkov(seed, V);
        const joint = bruteMarkovJoint(oracle.toJSON(), V, T);
        await expectExactConditionals(oracle, joint, canvases(new Rng(200 + seed), V, T, 6));
      }
    });
  }

  it('a fitted text model matches brute force too', async () => {
    const oracle = MarkovOracle.fitText('abcab cba aabbcc', { smoothing: 0.5 });
    expect(oracle.V).toBe(4);
    const joint = bruteMarkovJoint(oracle.toJSON(), 4, 5);
    await expectExactConditionals(oracle, joint, [oracle.encode('a_b__'), oracle.encode('_____'), oracle.encode('c ab_')]);
  });

  it('impossible evidence is a clear error, not NaN', () => {
    // A chain that never changes token: tokens 0 … 1 cannot both be observed.
    const o = new MarkovOracle({ initial: [0.5, 0.5], transition: [[1, 0], [0, 1]] });
    expect(() => o.conditionalLogProbs([Int32Array.from([0, 2, 1])])).toThrow(/probability 0/);
    // Position 1 itself conflicting with position 0 is fine: its conditional is defined.
    const lp = o.conditionalLogProbs([Int32Array.from([0, 1])]);
    expect(Math.exp(lp[3])).toBeCloseTo(1, 12); // p(x_1 = 0 | x_0 = 0)
    expect(lp[4]).toBe(-Infinity);
  });
});

describe('logProb', () => {
  it('HMM: equals the brute-force joint, and the joint sums to 1', () => {
    for (const [seed, K, V, T] of [
      [1, 2, 3, 5],
      [2, 3, 4, 6],
    ]) {
      const o = HmmOracle.fromSeed(seed, { states: K, symbols: V });
      const joint = bruteHmmJoint(o.toJSON(), V, T);
      let total = 0;
      for (let n = 0; n < joint.length; n++) {
        const lp = o.logProb(Int32Array.from(digits(n, V, T)));
        expect(Math.abs(lp - Math.log(joint[n]))).toBeLessThan(1e-9);
        total += Math.exp(lp);
      }
      expect(Math.abs(total - 1)).toBeLessThan(1e-9);
    }
  });

  it('Markov: equals the brute-force joint, and the joint sums to 1', () => {
    const o = randomMarkov(21, 3);
    const joint = bruteMarkovJoint(o.toJSON(), 3, 6);
    let total = 0;
    for (let n = 0; n < joint.length; n++) {
      const lp = o.logProb(Int32Array.from(digits(n, 3, 6)));
      expect(Math.abs(lp - Math.log(joint[n]))).toBeLessThan(1e-9);
      total += Math.exp(lp);
    }
    expect(Math.abs(total - 1)).toBeLessThan(1e-9);
    expect(o.logProb(new Int32Array(0))).toBe(0);
  });

  it('rejects masks and out-of-range ids', () => {
    const o = HmmOracle.fromSeed(1, { states: 2, symbols: 3 });
    expect(() => o.logProb(Int32Array.from([0, 3]))).toThrow(/position 1 holds the mask id 3/);
    expect(() => o.logProb(Int32Array.from([-1]))).toThrow(/position 0 holds id -1/);
    expect(() => o.logProb(Int32Array.from([7]))).toThrow(/expected a symbol in \[0, 3\)/);
  });
});

describe('long sequences (scaling)', () => {
  it('T = 2000: conditionals are finite, normalised and agree with logProb ratios', () => {
    const o = HmmOracle.fromSeed(7, { states: 5, symbols: 6 });
    const T = 2000;
    const V = 6;
    const x = o.sample(new Rng(3), T);
    const lpx = o.logProb(x);
    expect(Number.isFinite(lpx)).toBe(true);
    expect(lpx).toBeLessThan(-500); // far below the float64 range if unscaled: e^-500 ≈ 7e-218
    // p(x_i = v | rest) = P(x with x_i := v) / Σ_v' P(x with x_i := v'), for a fully observed x.
    const raw = o.conditionalLogProbs([x]);
    for (const i of [0, 1, 1000, T - 2, T - 1]) {
      const y = x.slice();
      const lps = Array.from({ length: V }, (_, v) => {
        y[i] = v;
        return o.logProb(y);
      });
      const m = Math.max(...lps);
      const lse = m + Math.log(lps.reduce((a, l) => a + Math.exp(l - m), 0));
      for (let v = 0; v < V; v++) expect(Math.abs(raw[i * (V + 1) + v] - (lps[v] - lse))).toBeLessThan(1e-4);
    }
    // With 40% of positions masked: every entry finite, every row sums to 1.
    const rng = new Rng(4);
    const masked = x.map((t) => (rng.nextFloat64() < 0.4 ? V : t));
    const lp = o.conditionalLogProbs([masked, new Int32Array(T).fill(V)]);
    let bad = 0;
    for (let r = 0; r < 2 * T; r++) {
      let s = 0;
      for (let v = 0; v < V; v++) {
        if (!Number.isFinite(lp[r * (V + 1) + v])) bad++;
        s += Math.exp(lp[r * (V + 1) + v]);
      }
      if (!(Math.abs(s - 1) < 1e-5)) bad++;
    }
    expect(bad).toBe(0);
  });

  it('T = 2000 Markov text model: finite conditionals and logProb', () => {
    const o = MarkovOracle.fitText('the quick brown fox jumps over the lazy dog. '.repeat(3));
    const x = o.sample(new Rng(9), 2000);
    expect(Number.isFinite(o.logProb(x))).toBe(true);
    const masked = x.map((t, i) => (i % 3 === 0 ? o.V : t));
    const lp = o.conditionalLogProbs([masked]);
    let bad = 0;
    for (let i = 0; i < 2000; i++) for (let v = 0; v < o.V; v++) if (!Number.isFinite(lp[i * (o.V + 1) + v])) bad++;
    expect(bad).toBe(0);
  });
});

/**
 * Pearson chi-square of sample counts against the exact joint, cells with expected count < 5
 * pooled. Passes when below the p = 0.001 critical value (Wilson–Hilferty), so a correct sampler
 * fails this fixed-seed test with probability ≈ 0.1%; a wrong one fails it by a wide margin.
 */
function chiSquareOk(counts: Float64Array, joint: Float64Array, N: number): { stat: number; critical: number } {
  let stat = 0;
  let cells = 0;
  let poolObs = 0;
  let poolExp = 0;
  for (let n = 0; n < joint.length; n++) {
    const e = joint[n] * N;
    if (e < 5) {
      poolObs += counts[n];
      poolExp += e;
      continue;
    }
    stat += (counts[n] - e) ** 2 / e;
    cells++;
  }
  if (poolExp > 0) {
    stat += (poolObs - poolExp) ** 2 / poolExp;
    cells++;
  }
  const df = cells - 1;
  const z = 3.0902; // upper 0.001 quantile of N(0, 1)
  const critical = df * (1 - 2 / (9 * df) + z * Math.sqrt(2 / (9 * df))) ** 3;
  return { stat, critical };
}

describe('sample', () => {
  it('HMM sample frequencies match the joint (chi-square, p = 0.001 critical value)', () => {
    const o = HmmOracle.fromSeed(4, { states: 2, symbols: 3, concentration: 1 });
    const V = 3;
    const T = 3;
    const joint = bruteHmmJoint(o.toJSON(), V, T);
    const N = 20000;
    const counts = new Float64Array(joint.length);
    const rng = new Rng(12345);
    for (let s = 0; s < N; s++) {
      const x = o.sample(rng, T);
      counts[(x[0] * V + x[1]) * V + x[2]]++;
    }
    const { stat, critical } = chiSquareOk(counts, joint, N);
    expect(stat).toBeLessThan(critical);
  });

  it('Markov sample frequencies match the joint (chi-square, p = 0.001 critical value)', () => {
    const o = randomMarkov(31, 3);
    const joint = bruteMarkovJoint(o.toJSON(), 3, 3);
    const N = 20000;
    const counts = new Float64Array(joint.length);
    const rng = new Rng(54321);
    for (let s = 0; s < N; s++) {
      const x = o.sample(rng, 3);
      counts[(x[0] * 3 + x[1]) * 3 + x[2]]++;
    }
    const { stat, critical } = chiSquareOk(counts, joint, N);
    expect(stat).toBeLessThan(critical);
  });

  it('is deterministic for a seed and handles length 0', () => {
    const o = HmmOracle.fromSeed(2, { states: 3, symbols: 4 });
    expect(o.sample(new Rng(1), 50)).toEqual(o.sample(new Rng(1), 50));
    // Golden; an ancestral sampler written here (inverse CDF over toJSON's tables, the same draws:
    // initial state, then per position its symbol and the next state) gives the same sequence.
    expect(Array.from(o.sample(new Rng(1), 20)).join('')).toBe('32203332023203030003');
    const t = o.toJSON();
    const r = new Rng(1);
    const draw = (p: number[], u: number) => {
      let c = 0;
      for (let i = 0; i < p.length; i++) if (u < (c += p[i])) return i;
      return p.length - 1;
    };
    let h = draw(t.initial, r.nextFloat64());
    const mine: number[] = [];
    for (let i = 0; i < 20; i++) {
      mine.push(draw(t.emission[h], r.nextFloat64()));
      if (i + 1 < 20) h = draw(t.transition[h], r.nextFloat64());
    }
    expect(mine.join('')).toBe('32203332023203030003');
    expect(o.sample(new Rng(1), 0).length).toBe(0);
  });
});

describe('MarkovOracle.fitText, encode, decode, detokenize', () => {
  it('gives the add-α smoothed counts', () => {
    // "banana": alphabet "abn"; unigrams a3 b1 n2; bigrams ba, an×2, na×2.
    const o = MarkovOracle.fitText('banana', { name: 'bn' });
    expect(o.alphabet).toBe('abn');
    expect(o.card.name).toBe('bn');
    expect(o.card.vocabSize).toBe(4);
    const j = o.toJSON();
    const close = (a: number[], b: number[]) => a.forEach((x, i) => expect(x).toBeCloseTo(b[i], 14));
    close(j.initial, [4 / 9, 2 / 9, 3 / 9]);
    close(j.transition[0], [1 / 5, 1 / 5, 3 / 5]); // after a: n twice
    close(j.transition[1], [2 / 4, 1 / 4, 1 / 4]); // after b: a once
    close(j.transition[2], [3 / 5, 1 / 5, 1 / 5]); // after n: a twice
    const half = MarkovOracle.fitText('banana', { smoothing: 0.5 }).toJSON();
    close(half.initial, [3.5 / 7.5, 1.5 / 7.5, 2.5 / 7.5]);
    close(half.transition[1], [1.5 / 2.5, 0.5 / 2.5, 0.5 / 2.5]);
    // α = 0: raw frequencies; "a" is last in "ba" and never followed by anything → uniform row.
    const raw = MarkovOracle.fitText('ba', { smoothing: 0 }).toJSON();
    close(raw.transition[0], [0.5, 0.5]);
    close(raw.transition[1], [1, 0]);
  });

  it('encode/decode round-trip, masks as "_", unknown characters named', () => {
    const o = MarkovOracle.fitText('banana');
    expect(Array.from(o.encode('nab'))).toEqual([2, 0, 1]);
    expect(o.decode(o.encode('bananab'))).toBe('bananab');
    const m = o.encode('ba_a');
    expect(m[2]).toBe(o.card.maskId);
    expect(o.decode(m)).toBe('ba_a');
    expect(o.detokenize(m)).toBe('ba_a');
    expect(() => o.encode('bax')).toThrow(/character "x" \(U\+0078\) at index 2 is not in the alphabet "abn"/);
    expect(() => o.detokenize(Int32Array.from([9]))).toThrow(/position 0 holds id 9/);
  });

  it('detokenize without an alphabet gives space-separated ids', () => {
    const o = HmmOracle.fromSeed(1, { states: 2, symbols: 3 });
    expect(o.detokenize(Int32Array.from([0, 3, 2]))).toBe('0 _ 2');
    expect(() => o.decode(Int32Array.from([0]))).toThrow(/no alphabet/);
    expect(() => o.encode('a')).toThrow(/no alphabet/);
  });
});

describe('JSON round trip', () => {
  it('parseOracle(toJSON()) reproduces the model and its conditionals', () => {
    const hmm = new HmmOracle(HmmOracle.fromSeed(8, { states: 3, symbols: 4 }).toJSON(), {
      name: 'h',
      alphabet: 'ACGT',
      eosId: 3,
      eosPenalty: 1.5,
    });
    const markov = MarkovOracle.fitText('hello world');
    for (const o of [hmm, markov]) {
      const json = JSON.parse(JSON.stringify(o.toJSON()));
      const back = parseOracle(json, 'roundtrip.json');
      expect(back.constructor).toBe(o.constructor);
      expect(back.card).toEqual(o.card);
      expect(back.alphabet).toBe(o.alphabet);
      const rows = canvases(new Rng(5), o.V, 12, 4);
      const a = o.conditionalLogProbs(rows);
      const b = back.conditionalLogProbs(rows);
      for (let n = 0; n < a.length; n++) {
        if (a[n] === -Infinity) expect(b[n]).toBe(-Infinity);
        else expect(Math.abs(a[n] - b[n])).toBeLessThan(1e-6);
      }
    }
    const j = hmm.toJSON();
    expect(Object.keys(j).sort()).toEqual(['alphabet', 'emission', 'eosId', 'eosPenalty', 'initial', 'maskId', 'name', 'transition', 'type']);
    expect(j.type).toBe('hmm');
    expect(j.maskId).toBe(4);
    expect(markov.toJSON().type).toBe('markov');
    expect('emission' in markov.toJSON()).toBe(false);
  });
});

describe('loadOracleFile / parseOracle errors', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infogain-oracles-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const hmmJson = () => ({
    type: 'hmm',
    maskId: 4,
    initial: [0.5, 0.25, 0.25],
    transition: [
      [0.8, 0.1, 0.1],
      [0.1, 0.8, 0.1],
      [0.1, 0.1, 0.8],
    ],
    emission: [
      [0.7, 0.1, 0.1, 0.1],
      [0.1, 0.7, 0.1, 0.1],
      [0.25, 0.25, 0.25, 0.25],
    ],
  });

  async function loadError(name: string, content: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, content);
    const err = await loadOracleFile(path).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ModelFileError);
    const message = (err as Error).message;
    expect(message.startsWith(`${path}: `)).toBe(true);
    expect(message).not.toContain('\n');
    return message.slice(path.length + 2);
  }
  const withJson = (name: string, edit: (j: Record<string, unknown>) => void) => {
    const j = hmmJson() as Record<string, unknown>;
    edit(j);
    return loadError(name, JSON.stringify(j));
  };

  it('loads a valid file', async () => {
    const path = join(dir, 'ok.json');
    await writeFile(path, JSON.stringify({ ...hmmJson(), name: 'ok', alphabet: 'wxyz', eosId: 1, eosPenalty: 2 }));
    const o = await loadOracleFile(path);
    expect(o).toBeInstanceOf(HmmOracle);
    expect(o.card).toMatchObject({ name: 'ok', vocabSize: 5, maskId: 4, eosId: 1, eosPenalty: 2 });
    expect(o.detokenize(Int32Array.from([0, 4, 3]))).toBe('w_z');
  });

  it('unreadable file', async () => {
    const path = join(dir, 'nope.json');
    const err = await loadOracleFile(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFileError);
    expect((err as Error).message).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot read file \\(ENOENT`));
  });

  it('invalid JSON', async () => {
    expect(await loadError('bad.json', '{"type": "hmm",\n  oops}')).toMatch(/^invalid JSON: /);
  });

  it('not an object', async () => {
    expect(await loadError('arr.json', '[1, 2]')).toBe('the file holds [1,2], expected a JSON object with "type": "hmm" or "markov"');
  });

  it('unknown or missing "type"', async () => {
    expect(await withJson('type.json', (j) => (j.type = 'crf'))).toBe('field "type" is "crf", expected "hmm" or "markov"');
    expect(await withJson('notype.json', (j) => delete j.type)).toBe('field "type" is missing, expected "hmm" or "markov"');
  });

  it('unknown field (typo)', async () => {
    expect(await withJson('typo.json', (j) => (j.emision = 1))).toMatch(/^unknown field "emision" \(value 1\), expected only type, name, .*emission in a hmm model$/);
    // "emission" does not belong in a Markov file.
    expect(await withJson('mk.json', (j) => (j.type = 'markov'))).toMatch(/^unknown field "emission" \(value \[\[0\.7,/);
  });

  it('missing field', async () => {
    expect(await withJson('noem.json', (j) => delete j.emission)).toBe('field "emission" is missing, expected K rows of V emission probabilities');
    expect(await withJson('nomask.json', (j) => delete j.maskId)).toMatch(/^field "maskId" is missing/);
  });

  it('wrong shapes', async () => {
    expect(await withJson('row.json', (j) => ((j.emission as number[][])[2] = [0.2, 0.2, 0.2, 0.2, 0.2]))).toBe(
      'emission row 2 has 5 entries [0.2,0.2,0.2,0.2,0.2], expected V = 4 (the length of emission row 0)',
    );
    expect(await withJson('rows.json', (j) => (j.transition as number[][]).pop())).toBe('field "transition" has 2 rows, expected K = 3');
    expect(await withJson('trow.json', (j) => ((j.transition as number[][])[1] = [0.5, 0.5]))).toBe(
      'transition row 1 has 2 entries [0.5,0.5], expected K = 3',
    );
    expect(await withJson('init.json', (j) => (j.initial = 'uniform'))).toBe(
      'field "initial" is "uniform", expected an array of K ≥ 1 initial-state probabilities',
    );
    expect(await withJson('emnot.json', (j) => (j.emission = { a: 1 }))).toMatch(/^field "emission" is \{"a":1\}, expected/);
    // Long values are truncated.
    const long = await withJson('long.json', (j) => ((j.emission as number[][])[1] = Array.from({ length: 40 }, () => 0.025)));
    expect(long).toMatch(/^emission row 1 has 40 entries \[0\.025,.*…, expected V = 4 \(the length of emission row 0\)$/);
    expect(long.length).toBeLessThan(160); // the full row would print as 240 characters
  });

  it('rows that are not distributions', async () => {
    expect(await withJson('sum.json', (j) => ((j.transition as number[][])[1] = [0.1, 0.7, 0.1]))).toBe(
      'transition row 1 sums to 0.8999999999999999 [0.1,0.7,0.1], expected 1 (within 0.000001)',
    );
    expect(await withJson('neg.json', (j) => ((j.emission as number[][])[0] = [1.2, -0.2, 0, 0]))).toBe(
      'emission row 0 entry 1 is -0.2, expected a finite number ≥ 0',
    );
    expect(await withJson('isum.json', (j) => (j.initial = [0.5, 0.5, 0.5]))).toMatch(/^field "initial" sums to 1\.5 \[0\.5,0\.5,0\.5\], expected 1/);
  });

  it('maskId ≠ V', async () => {
    expect(await withJson('mask.json', (j) => (j.maskId = 3))).toBe(
      'field "maskId" is 3, expected V = 4 (the mask id is the id after the last symbol)',
    );
    expect(await withJson('mask2.json', (j) => (j.maskId = 'four'))).toMatch(/^field "maskId" is "four", expected an integer/);
  });

  it('optional fields', async () => {
    expect(await withJson('alpha.json', (j) => (j.alphabet = 'abc'))).toBe('field "alphabet" is "abc" (3 characters), expected V = 4 characters');
    expect(await withJson('alpha2.json', (j) => (j.alphabet = 'abca'))).toMatch(/expected distinct characters \("a" repeats\)/);
    expect(await withJson('eos.json', (j) => (j.eosId = 4))).toBe('field "eosId" is 4, expected null or a symbol id in [0, 4)');
    expect(await withJson('pen.json', (j) => (j.eosPenalty = 'big'))).toBe('field "eosPenalty" is "big", expected a finite number');
    expect(await withJson('name.json', (j) => (j.name = 7))).toBe('field "name" is 7, expected a string');
  });

  it('Markov files: shape errors name V', async () => {
    const mk = { type: 'markov', maskId: 2, initial: [0.5, 0.5], transition: [[0.5, 0.5], [0.2, 0.3, 0.5]] };
    expect(await loadError('mk2.json', JSON.stringify(mk))).toBe('transition row 1 has 3 entries [0.2,0.3,0.5], expected V = 2');
    const ok = await loadOracleFile(join(dir, 'mk2.json')).catch(() => null);
    expect(ok).toBeNull();
    await writeFile(join(dir, 'mk3.json'), JSON.stringify({ ...mk, transition: [[0.5, 0.5], [0.2, 0.8]] }));
    expect(await loadOracleFile(join(dir, 'mk3.json'))).toBeInstanceOf(MarkovOracle);
  });

  it('rows within the tolerance of 1 are accepted and renormalised exactly', () => {
    const o = parseOracle({ type: 'markov', maskId: 2, initial: [0.4999996, 0.5], transition: [[0.3, 0.7000004], [0.5, 0.5]] }, 'near.json');
    let total = 0;
    for (let n = 0; n < 8; n++) total += Math.exp(o.logProb(Int32Array.from(digits(n, 2, 3))));
    expect(Math.abs(total - 1)).toBeLessThan(1e-12);
    expect(o.toJSON().initial[0]).toBeCloseTo(0.4999996 / 0.9999996, 15);
  });

  it('direct construction throws OracleParamError', () => {
    expect(() => new MarkovOracle({ initial: [1], transition: [[0.5]] })).toThrow(OracleParamError);
  });
});
