/** Brute-force references for tests: enumerate every sequence of a tiny HMM's joint. */
export interface HmmTables {
  initial: number[];
  transition: number[][];
  emission: number[][];
}

export function hmmJoint(m: HmmTables, x: number[]): number {
  const K = m.initial.length;
  let alpha = m.initial.map((p, h) => p * m.emission[h][x[0]]);
  for (let i = 1; i < x.length; i++) {
    const next = new Array(K).fill(0);
    for (let h = 0; h < K; h++) for (let g = 0; g < K; g++) next[g] += alpha[h] * m.transition[h][g];
    alpha = next.map((a, g) => a * m.emission[g][x[i]]);
  }
  return alpha.reduce((a, b) => a + b, 0);
}

export function* allSequences(V: number, T: number): Generator<number[]> {
  const x = new Array(T).fill(0);
  for (;;) {
    yield x.slice();
    let i = T - 1;
    while (i >= 0 && x[i] === V - 1) x[i--] = 0;
    if (i < 0) return;
    x[i]++;
  }
}

/** p(x_i = · | the unmasked tokens of `canvas` other than i), by enumeration. */
export function bruteConditional(m: HmmTables, canvas: number[], maskId: number, i: number): number[] {
  const V = m.emission[0].length;
  const out = new Array(V).fill(0);
  for (const x of allSequences(V, canvas.length)) {
    if (canvas.some((c, j) => j !== i && c !== maskId && c !== x[j])) continue;
    out[x[i]] += hmmJoint(m, x);
  }
  const s = out.reduce((a, b) => a + b, 0);
  return out.map((p) => p / s);
}

export function clampedEntropy(p: number[]): number {
  return -p.reduce((h, q) => {
    const c = Math.max(q, 1e-12);
    return h + c * Math.log(c);
  }, 0);
}
