/**
 * Exact queries given a prompt (src/models/oracles/exact.ts) against brute-force enumeration of
 * tiny oracles' joints: the evidence of a prompt with masks anywhere, the conditional
 * log-probability of a completion, Viterbi's path-wise completion and the MAP completion.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.js';
import {
  completionLogProb,
  emissionIsBijective,
  ExactQueryError,
  HmmOracle,
  logEvidence,
  mapCompletion,
  MarkovOracle,
  viterbiCompletion,
  type ChainOracle,
} from '../src/models/oracles/index.js';
import { allSequences, hmmJoint, type HmmTables } from './helpers/brute.js';

const tablesOf = (o: ChainOracle): HmmTables => {
  const j = o.toJSON() as { initial: number[]; transition: number[][]; emission?: number[][] };
  return { initial: j.initial, transition: j.transition, emission: j.emission ?? j.initial.map((_, h) => j.initial.map((__, v) => (v === h ? 1 : 0))) };
};

/** Every completion of `prompt` with its joint probability. */
function completions(m: HmmTables, prompt: Int32Array, maskId: number): { x: number[]; p: number }[] {
  const V = m.emission[0].length;
  const out: { x: number[]; p: number }[] = [];
  for (const x of allSequences(V, prompt.length)) if (x.every((v, i) => prompt[i] === maskId || prompt[i] === v)) out.push({ x, p: hmmJoint(m, x) });
  return out;
}

/** max over hidden paths h of p(h, x). */
function bestPathProb(m: HmmTables, x: number[]): number {
  let delta = m.initial.map((p, h) => p * m.emission[h][x[0]]);
  for (let i = 1; i < x.length; i++)
    delta = delta.map((_, g) => Math.max(...delta.map((d, h) => d * m.transition[h][g])) * m.emission[g][x[i]]);
  return Math.max(...delta);
}

/** A sample of length T with `masks` random positions masked. */
function randomPrompt(o: ChainOracle, rng: Rng, T: number, masks: number): Int32Array {
  const x = o.sample(rng, T);
  const order = [...Array(T).keys()];
  for (let i = T - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  for (const i of order.slice(0, masks)) x[i] = o.V;
  return x;
}

const hmms = [1, 2, 3, 4].map((seed) => HmmOracle.fromSeed(seed, { states: 3, symbols: 3, concentration: 0.7, stickiness: 0.6 }));
const markov = new MarkovOracle({
  initial: [0.5, 0.3, 0.2],
  transition: [
    [0.1, 0.6, 0.3],
    [0.5, 0.1, 0.4],
    [0.3, 0.3, 0.4],
  ],
});

describe('evidence and conditional log-probability given a prompt with masks anywhere', () => {
  it('logEvidence is log Σ over completions of the joint; completionLogProb is log p(x) − log p(prompt)', () => {
    const rng = new Rng(11);
    for (const o of [...hmms, markov]) {
      const m = tablesOf(o);
      for (let trial = 0; trial < 12; trial++) {
        const T = 1 + rng.nextInt(6);
        const prompt = randomPrompt(o, rng, T, rng.nextInt(T + 1));
        const all = completions(m, prompt, o.V);
        const evidence = all.reduce((s, c) => s + c.p, 0);
        expect(logEvidence(o.chainTables(), prompt)).toBeCloseTo(Math.log(evidence), 10);
        const pick = all[rng.nextInt(all.length)];
        expect(completionLogProb(o.chainTables(), prompt, Int32Array.from(pick.x))).toBeCloseTo(Math.log(pick.p / evidence), 10);
      }
    }
  });

  it('an empty canvas and an all-mask canvas have evidence 1', () => {
    const t = hmms[0].chainTables();
    expect(logEvidence(t, new Int32Array(0))).toBe(0);
    expect(logEvidence(t, new Int32Array(5).fill(t.V))).toBeCloseTo(0, 12);
  });

  it('refuses a completion that does not fill the prompt, naming the problem', () => {
    const t = hmms[0].chainTables();
    const prompt = Int32Array.from([0, t.V, 2]);
    expect(() => completionLogProb(t, prompt, Int32Array.from([0, 1]))).toThrow(/completion has 2 tokens, the prompt 3/);
    expect(() => completionLogProb(t, prompt, Int32Array.from([1, 1, 2]))).toThrow(/position 0 holds 1, but the prompt gives 0/);
    expect(() => completionLogProb(t, prompt, Int32Array.from([0, t.V, 2]))).toThrow(/position 1 is still masked/);
    expect(() => completionLogProb(t, prompt, Int32Array.from([0, 7, 2]))).toThrow(ExactQueryError);
    expect(() => logEvidence(t, Int32Array.from([0, -1]))).toThrow(/position 1 holds id -1/);
  });

  it('refuses a prompt of probability 0; an impossible completion of a possible prompt has log p −∞', () => {
    const o = new MarkovOracle({ initial: [1, 0], transition: [[0, 1], [1, 0]] });
    const t = o.chainTables();
    expect(() => completionLogProb(t, Int32Array.from([1, 2]), Int32Array.from([1, 0]))).toThrow(/probability 0 under the model/);
    const hmm = new HmmOracle({ initial: [0.5, 0.5], transition: [[1, 0], [0, 1]], emission: [[1, 0, 0], [0, 0.5, 0.5]] });
    expect(completionLogProb(hmm.chainTables(), Int32Array.from([0, 3]), Int32Array.from([0, 1]))).toBe(-Infinity);
  });
});

describe('Viterbi and MAP completions', () => {
  it("Viterbi's completion carries the most probable (path, completion) pair", () => {
    const rng = new Rng(5);
    for (const o of hmms)
      for (let trial = 0; trial < 10; trial++) {
        const T = 2 + rng.nextInt(4);
        const prompt = randomPrompt(o, rng, T, 1 + rng.nextInt(T));
        const m = tablesOf(o);
        const best = Math.max(...completions(m, prompt, o.V).map((c) => bestPathProb(m, c.x)));
        const v = viterbiCompletion(o.chainTables(), prompt);
        expect(bestPathProb(m, Array.from(v.completion))).toBeCloseTo(best, 12);
        expect(v.logProb).toBeCloseTo(completionLogProb(o.chainTables(), prompt, v.completion), 12);
      }
  });

  it('mapCompletion finds the most probable completion (A* for an HMM, Viterbi for a Markov chain), and it can beat Viterbi', () => {
    const rng = new Rng(9);
    let viterbiLoses = 0;
    for (const o of [...hmms, markov])
      for (let trial = 0; trial < 25; trial++) {
        const T = 2 + rng.nextInt(5);
        const prompt = randomPrompt(o, rng, T, 1 + rng.nextInt(T));
        const all = completions(tablesOf(o), prompt, o.V);
        const evidence = all.reduce((s, c) => s + c.p, 0);
        const best = Math.max(...all.map((c) => c.p));
        const map = mapCompletion(o.chainTables(), prompt);
        expect(map.method).toBe(o === markov ? 'viterbi' : 'a-star');
        expect(map.proven).toBe(true);
        expect(map.logProb).toBeCloseTo(Math.log(best / evidence), 10);
        expect(map.upperBound).toBe(map.logProb);
        expect(Array.from(map.completion).every((x, i) => prompt[i] === o.V || prompt[i] === x)).toBe(true);
        if (map.logProb > viterbiCompletion(o.chainTables(), prompt).logProb + 1e-9) viterbiLoses++;
      }
    // Summing over paths matters: on some prompts the best single path's completion is not the MAP.
    expect(viterbiLoses).toBeGreaterThan(0);
  });

  it('a spent node budget returns Viterbi, unproven, with a bound above the true MAP', () => {
    const rng = new Rng(3);
    let checked = 0;
    for (let trial = 0; trial < 40 && checked < 5; trial++) {
      const o = hmms[trial % hmms.length];
      const prompt = randomPrompt(o, rng, 6, 5);
      const full = mapCompletion(o.chainTables(), prompt);
      const capped = mapCompletion(o.chainTables(), prompt, { maxNodes: 2 });
      if (capped.proven) continue;
      checked++;
      const v = viterbiCompletion(o.chainTables(), prompt);
      expect(Array.from(capped.completion)).toEqual(Array.from(v.completion));
      expect(capped.upperBound).toBeGreaterThanOrEqual(full.logProb);
      expect(capped.logProb).toBeLessThanOrEqual(full.logProb + 1e-12);
    }
    expect(checked).toBe(5);
    expect(() => mapCompletion(hmms[0].chainTables(), new Int32Array(2), { maxNodes: 0 })).toThrow(/maxNodes must be an integer ≥ 1, got 0/);
  });

  it('emissionIsBijective: a Markov chain and a permuted one-hot HMM are, an HMM with shared symbols is not', () => {
    expect(emissionIsBijective(markov.chainTables())).toBe(true);
    expect(emissionIsBijective(hmms[0].chainTables())).toBe(false);
    const permuted = new HmmOracle({ initial: [0.5, 0.5], transition: [[0.9, 0.1], [0.2, 0.8]], emission: [[0, 1], [1, 0]] });
    expect(emissionIsBijective(permuted.chainTables())).toBe(true);
    const shared = new HmmOracle({ initial: [0.5, 0.5], transition: [[0.9, 0.1], [0.2, 0.8]], emission: [[0, 1], [0, 1]] });
    expect(emissionIsBijective(shared.chainTables())).toBe(false);
  });
});
