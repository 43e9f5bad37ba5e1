/** Row math that only the tests use: references to check the library's row functions against. */
import { ENTROPY_CLAMP, logSumExp } from '../../src/core/math.js';

/** softmax of one row into `out[outOffset .. outOffset+V)`. */
export function softmaxInto(
  logits: ArrayLike<number>,
  offset: number,
  V: number,
  out: Float64Array | Float32Array,
  outOffset = 0,
): void {
  const lse = logSumExp(logits, offset, V);
  for (let v = 0; v < V; v++) out[outOffset + v] = Math.exp(logits[offset + v] - lse);
}

/** log-softmax of one row into `out`. */
export function logSoftmaxInto(
  logits: ArrayLike<number>,
  offset: number,
  V: number,
  out: Float64Array | Float32Array,
  outOffset = 0,
): void {
  const lse = logSumExp(logits, offset, V);
  for (let v = 0; v < V; v++) out[outOffset + v] = logits[offset + v] - lse;
}

/** Entropy in nats of a probability row, with the clamp of `entropyOfLogits`. */
export function entropyOfProbs(probs: ArrayLike<number>, offset: number, V: number): number {
  let h = 0;
  for (let v = 0; v < V; v++) {
    let p = probs[offset + v];
    if (p < ENTROPY_CLAMP) p = ENTROPY_CLAMP;
    h -= p * Math.log(p);
  }
  return h;
}
