import { describe, expect, it } from 'vitest';
import { argmax, entropyOfLogits, logSumExp, topK } from '../src/core/math.js';
import { entropyOfProbs, logSoftmaxInto, softmaxInto } from './helpers/math.js';
import { gumbelFromUniform, hashUniform, mix32, Rng } from '../src/core/rng.js';
import { cosineSchedule, dllmSchedule, dreamSchedule, lladaSchedule, roundHalfEven, schedule } from '../src/core/schedule.js';

describe('softmax, log-softmax, entropy', () => {
  it('softmax matches the definition and sums to 1, also for huge logits', () => {
    const z = new Float32Array([1000, 1001, 999, -Infinity]);
    const p = new Float64Array(4);
    softmaxInto(z, 0, 4, p);
    const e = [Math.exp(0), Math.exp(1), Math.exp(-1), 0];
    const s = e.reduce((a, b) => a + b, 0);
    for (let i = 0; i < 4; i++) expect(p[i]).toBeCloseTo(e[i] / s, 12);
    const lp = new Float64Array(4);
    logSoftmaxInto(z, 0, 4, lp);
    expect(lp[1]).toBeCloseTo(1 - Math.log(s), 10);
    expect(lp[3]).toBe(-Infinity);
    expect(logSumExp(new Float32Array([-Infinity, -Infinity]), 0, 2)).toBe(-Infinity);
  });

  it('entropy of zero logits is ln V; of a one-hot row is the clamp floor', () => {
    expect(entropyOfLogits(new Float32Array(126464), 0, 126464)).toBeCloseTo(Math.log(126464), 6);
    expect(Math.log(126464)).toBeCloseTo(11.75, 2);
    const oneHot = new Float32Array([0, -Infinity, -Infinity]);
    // p' = max(p, 1e-12): two clamped zeros contribute 2·1e-12·ln(1e12) each side.
    expect(entropyOfLogits(oneHot, 0, 3)).toBeCloseTo(2 * 1e-12 * Math.log(1e12), 20);
    expect(entropyOfProbs([0.5, 0.25, 0.25], 0, 3)).toBeCloseTo(1.5 * Math.log(2), 12);
  });

  it('reads rows at an offset of a flat [T,V] buffer', () => {
    const flat = new Float32Array([9, 9, 0, 0, 0, 0]);
    expect(entropyOfLogits(flat, 2, 4)).toBeCloseTo(Math.log(4), 12);
  });
});

describe('argmax and top-k tie rules (D7)', () => {
  it('first maximum wins', () => {
    expect(argmax([1, 3, 3, 2])).toBe(1);
    expect(argmax([-Infinity, -Infinity])).toBe(0);
    expect(argmax([], 0, 0)).toBe(-1);
  });
  it('top-k orders by score, ties to the lower position, NaN last', () => {
    const score = new Map([[7, 0.5], [3, 0.5], [5, 0.9], [1, NaN], [9, 0.1]]);
    expect(topK([7, 3, 5, 1, 9], (p) => score.get(p)!, 3)).toEqual([5, 3, 7]);
    expect(topK([7, 3, 5, 1, 9], (p) => score.get(p)!, 10)).toEqual([5, 3, 7, 9, 1]);
    expect(topK([4, 2], () => 0, 1)).toEqual([2]);
  });
});

describe('seeded RNG', () => {
  it('replays from its seed and differs across seeds', () => {
    const a = new Rng(42), b = new Rng(42), c = new Rng(43);
    const xa = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(xa);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(xa);
  });
  it('uniform doubles are in [0,1) with the right mean and variance', () => {
    const r = new Rng(7);
    let s = 0, s2 = 0, outside = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const u = r.nextFloat64();
      if (!(u >= 0 && u < 1)) outside++;
      s += u;
      s2 += u * u;
    }
    expect(outside).toBe(0);
    expect(s / n).toBeCloseTo(0.5, 2);
    expect(s2 / n - (s / n) ** 2).toBeCloseTo(1 / 12, 3);
  });
  it('fork gives an independent stream without advancing the parent', () => {
    const a = new Rng(1), b = new Rng(1);
    const child = a.fork(5);
    expect(a.nextUint32()).toBe(b.nextUint32());
    const other = new Rng(1).fork(6);
    expect(child.nextUint32()).not.toBe(other.nextUint32());
  });
  it('Gumbel noise has mean γ (Euler–Mascheroni) and the reference epsilons', () => {
    const r = new Rng(3);
    let s = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) s += r.nextGumbel();
    expect(s / n).toBeCloseTo(0.5772, 1);
    expect(gumbelFromUniform(0)).toBeCloseTo(-Math.log(-Math.log(1e-10) + 1e-10), 12);
  });
  it('hashUniform is a pure function with uniform marginals', () => {
    expect(hashUniform(1, 2, 3)).toBe(hashUniform(1, 2, 3));
    expect(hashUniform(1, 2, 3)).not.toBe(hashUniform(1, 2, 4));
    expect(hashUniform(1, 2, 3)).not.toBe(hashUniform(1, 3, 3));
    const bins = new Array(10).fill(0);
    const n = 100_000;
    for (let i = 0; i < n; i++) bins[Math.floor(hashUniform(99, i % 97, i) * 10)]++;
    const chi2 = bins.reduce((a, c) => a + (c - n / 10) ** 2 / (n / 10), 0);
    expect(chi2).toBeLessThan(27.9); // χ²(9) at p = 0.001
    expect(mix32(0)).toBe(0);
    expect(mix32(1)).not.toBe(1);
  });
  it('Gumbel-max over hashed noise samples softmax(z/τ)', () => {
    const z = [Math.log(0.6), Math.log(0.3), Math.log(0.1)];
    const tau = 1;
    const counts = [0, 0, 0];
    const n = 60_000;
    for (let i = 0; i < n; i++) {
      let best = -Infinity, arg = 0;
      for (let v = 0; v < 3; v++) {
        const s = z[v] + tau * gumbelFromUniform(hashUniform(12345, i, v));
        if (s > best) [best, arg] = [s, v];
      }
      counts[arg]++;
    }
    expect(counts[0] / n).toBeCloseTo(0.6, 2);
    expect(counts[1] / n).toBeCloseTo(0.3, 2);
  });
});

describe('schedules (spec §5.1 worked examples)', () => {
  it('dllm', () => {
    expect(dllmSchedule(32, 32)).toEqual(new Array(32).fill(1));
    expect(dllmSchedule(32, 16)).toEqual(new Array(16).fill(2));
    expect(dllmSchedule(32, 64)).toEqual(new Array(32).fill(1));
    expect(dllmSchedule(32, 12)).toEqual([3, 3, 3, 3, 3, 2, 3, 2, 3, 2, 3, 2]);
  });
  it('llada base schedule, zeros when steps exceed masks', () => {
    expect(lladaSchedule(10, 4)).toEqual([3, 3, 2, 2]);
    expect(lladaSchedule(2, 4)).toEqual([1, 1, 0, 0]);
  });
  it('dream timesteps (spec §2.5 examples, after the forced first commit)', () => {
    expect(dreamSchedule(31, 32, 1)).toEqual([0, ...new Array(29).fill(1), 2]);
    expect(dreamSchedule(15, 32, 1)).toEqual([...new Array(17).fill(0), ...new Array(13).fill(1), 2]);
    // ts = 1, 0.75025, 0.5005, 0.25075, 0.001: ⌊16·0.24975⌋ = 3, ⌊13·0.33289⌋ = 4, ⌊9·0.49900⌋ = 4, rest 5
    expect(dreamSchedule(16, 4)).toEqual([3, 4, 4, 5]);
  });
  it('cosine sums to the masks and front-loads little', () => {
    const s = cosineSchedule(16, 5);
    expect(s.reduce((a, b) => a + b, 0)).toBe(16);
    expect(s).toEqual([1, 3, 3, 5, 4]);
  });
  it('every schedule covers the masks exactly; steps = masks gives k = 1', () => {
    for (const name of ['llada', 'dllm', 'dream', 'cosine'] as const)
      for (const [m, st] of [[7, 3], [20, 20], [5, 9], [1, 1]]) {
        expect(schedule(name, m, st).reduce((a, b) => a + b, 0), `${name}(${m},${st})`).toBe(m);
      }
    expect(schedule('llada', 9, 9)).toEqual(new Array(9).fill(1));
  });
  it('round half to even', () => {
    expect([0.5, 1.5, 2.5, -0.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, -0, 2, 3]);
  });
  it('rejects bad arguments', () => {
    expect(() => dllmSchedule(3, 0)).toThrow(/steps must be an integer/);
    expect(() => lladaSchedule(-1, 2)).toThrow(/masks must be/);
  });
});
