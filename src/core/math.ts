/**
 * Row math on typed arrays. A "row" is `V` consecutive logits starting at `offset` of a flat
 * Float32Array (a [B,T,V] tensor flattened). Accumulation is in float64: the entropy of a
 * V = 150k row summed in float32 loses several digits.
 */

/** Probabilities below this are clamped before both factors of p·ln p (spec §1). */
export const ENTROPY_CLAMP = 1e-12;

export function rowMax(logits: ArrayLike<number>, offset: number, V: number): number {
  let m = -Infinity;
  for (let v = 0; v < V; v++) {
    const z = logits[offset + v];
    if (z > m) m = z;
  }
  return m;
}

/** log Σ exp(z_v); −∞ for an all −∞ row. `m` is the row's maximum when the caller has it. */
export function logSumExp(logits: ArrayLike<number>, offset: number, V: number, m = rowMax(logits, offset, V)): number {
  if (m === -Infinity) return -Infinity;
  if (!Number.isFinite(m)) throw new Error(`logSumExp: row contains ${m}`);
  let s = 0;
  for (let v = 0; v < V; v++) s += Math.exp(logits[offset + v] - m);
  return m + Math.log(s);
}

/**
 * Entropy in nats of softmax(row), with p' = max(p, 1e-12) in both factors (spec §1).
 * An all-zero row gives ln V.
 */
export function entropyOfLogits(logits: ArrayLike<number>, offset: number, V: number, lse = logSumExp(logits, offset, V)): number {
  let h = 0;
  for (let v = 0; v < V; v++) {
    let p = Math.exp(logits[offset + v] - lse);
    if (p < ENTROPY_CLAMP) p = ENTROPY_CLAMP;
    h -= p * Math.log(p);
  }
  return h;
}

/** Index of the first maximum (spec D7: first maximum wins). −1 for an empty range. */
export function argmax(values: ArrayLike<number>, offset = 0, length = values.length - offset): number {
  let best = -1;
  let bestValue = -Infinity;
  for (let i = 0; i < length; i++) {
    const x = values[offset + i];
    if (best < 0 || x > bestValue) {
      best = i;
      bestValue = x;
    }
  }
  return best;
}

/**
 * The k items of `candidates` with the highest `score(item)`, best first. Ties go to the lower
 * item (spec D7: lower position index first). NaN scores rank below every number.
 */
export function topK(candidates: ArrayLike<number>, score: (item: number) => number, k: number): number[] {
  const n = candidates.length;
  const items = new Array<number>(n);
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    items[i] = i;
    const s = score(candidates[i]);
    scores[i] = Number.isNaN(s) ? -Infinity : s;
  }
  items.sort((a, b) => scores[b] - scores[a] || (candidates[a] as number) - (candidates[b] as number) || 0);
  const out: number[] = [];
  for (let i = 0; i < Math.min(k, n); i++) out.push(candidates[items[i]] as number);
  return out;
}

/**
 * Index of the category a uniform `u` ∈ [0,1) falls in, for a normalised probability row
 * `table[offset .. offset+n)`. Zero-probability categories are never returned.
 */
export function drawCategory(table: ArrayLike<number>, offset: number, n: number, u: number): number {
  let last = -1;
  for (let k = 0; k < n; k++) {
    const p = table[offset + k];
    if (p > 0) last = k;
    u -= p;
    if (u < 0 && p > 0) return k;
  }
  return last; // rounding left u ≥ 0 after the whole row
}
