/**
 * Exact queries on an oracle's joint given a prompt: what a decoder's output is worth when the
 * denoiser is exact. A prompt is a canvas whose mask tokens (id V) mark the positions to fill,
 * anywhere in it (not only a suffix).
 *
 * - `logEvidence`: log p(x_given), the masks marginalised (the scaled forward algorithm with a
 *   masked position's likelihood 1).
 * - `completionLogProb`: log p(x_filled | x_given) = log p(x) − log p(x_given).
 * - `viterbiCompletion`: the most probable pair (hidden path, completion) by max-product, read
 *   off as a completion. When every state emits one symbol of its own (the Markov chain: identity
 *   emission), the completion fixes the path and this IS the most probable completion.
 * - `mapCompletion`: the most probable completion argmax_x p(x_filled | x_given). For an HMM
 *   whose states share symbols this is a max-of-sums (the most probable emitted string is
 *   NP-hard in general), and Viterbi's path-wise answer can differ from it; we find it by A*
 *   over the masked positions left to right with an admissible bound (below), exactly, or report
 *   that a node budget ran out together with an interval that holds the MAP log-probability.
 *
 * Environment-neutral: plain typed-array math.
 */
import type { ChainTables } from './tables.js';

export class ExactQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExactQueryError';
  }
}

/** A completion of a prompt and its exact log p(completion | prompt). */
export interface Completion {
  completion: Int32Array;
  logProb: number;
}

export interface MapResult extends Completion {
  /** How it was found: Viterbi (exact when the emission is a bijection) or A* search. */
  method: 'viterbi' | 'a-star';
  /** True when `completion` is proven most probable; false when A* ran out of nodes (then it is Viterbi's, the best known). */
  proven: boolean;
  /** An upper bound on the MAP's log p(completion | prompt): equal to `logProb` when proven. */
  upperBound: number;
  /** Search nodes pushed (0 for Viterbi). */
  nodes: number;
}

export interface MapOptions {
  /** A* stops after pushing this many nodes (default 400,000). */
  maxNodes?: number;
}

/** Log-probabilities within this of each other are the same value (rounding of different summation orders). */
export const LOG_PROB_TOLERANCE = 1e-9;

function checkCanvas(t: ChainTables, canvas: Int32Array, what: string): void {
  for (let i = 0; i < canvas.length; i++) {
    const x = canvas[i];
    if (!(Number.isInteger(x) && x >= 0 && x <= t.V))
      throw new ExactQueryError(`${what}: position ${i} holds id ${x}, expected a symbol in [0, ${t.V}) or the mask id ${t.V}`);
  }
}

/** log p(the unmasked tokens of `canvas`), every mask marginalised out; −∞ when they are impossible together. */
export function logEvidence(t: ChainTables, canvas: Int32Array): number {
  checkCanvas(t, canvas, 'logEvidence');
  const { K, V, transition: A, emission: E } = t;
  // alpha = p(h_i | the unmasked tokens before i); each observed step adds log p(x_i | those).
  const alpha = Float64Array.from(t.initial);
  const next = new Float64Array(K);
  let lp = 0;
  for (let i = 0; i < canvas.length; i++) {
    const x = canvas[i];
    if (x !== V) {
      let s = 0;
      for (let h = 0; h < K; h++) s += (alpha[h] *= E[h * V + x]);
      if (!(s > 0)) return -Infinity;
      lp += Math.log(s);
      for (let h = 0; h < K; h++) alpha[h] /= s;
    }
    if (i + 1 === canvas.length) break;
    next.fill(0);
    for (let h = 0; h < K; h++) {
      const w = alpha[h];
      if (w === 0) continue;
      for (let h2 = 0; h2 < K; h2++) next[h2] += w * A[h * K + h2];
    }
    alpha.set(next);
  }
  return lp;
}

/** Throw unless `completion` fills exactly the masks of `prompt`. */
function checkCompletes(t: ChainTables, prompt: Int32Array, completion: Int32Array): void {
  if (completion.length !== prompt.length)
    throw new ExactQueryError(`completion has ${completion.length} tokens, the prompt ${prompt.length}; a completion fills the prompt's masks in place`);
  checkCanvas(t, prompt, 'prompt');
  checkCanvas(t, completion, 'completion');
  for (let i = 0; i < prompt.length; i++) {
    if (completion[i] === t.V) throw new ExactQueryError(`completion: position ${i} is still masked; a completion has no masks`);
    if (prompt[i] !== t.V && completion[i] !== prompt[i])
      throw new ExactQueryError(`completion: position ${i} holds ${completion[i]}, but the prompt gives ${prompt[i]} there`);
  }
}

/** log p(prompt's unmasked tokens), refusing a prompt of probability 0 (nothing is conditioned on it). */
function promptEvidence(t: ChainTables, prompt: Int32Array): number {
  const lp = logEvidence(t, prompt);
  if (lp === -Infinity) throw new ExactQueryError('prompt: its unmasked tokens have probability 0 under the model, so no completion has a conditional probability');
  return lp;
}

/** Exact log p(completion's tokens at the prompt's masks | the prompt's tokens); −∞ for an impossible completion. */
export function completionLogProb(t: ChainTables, prompt: Int32Array, completion: Int32Array): number {
  checkCompletes(t, prompt, completion);
  const given = promptEvidence(t, prompt);
  const joint = logEvidence(t, completion);
  return joint === -Infinity ? -Infinity : joint - given;
}

/** True when every state emits a single symbol and no two states the same one: a completion then fixes the hidden path. */
export function emissionIsBijective(t: ChainTables): boolean {
  const { K, V, emission: E } = t;
  const used = new Set<number>();
  for (let h = 0; h < K; h++) {
    let symbol = -1;
    for (let v = 0; v < V; v++) {
      if (E[h * V + v] === 0) continue;
      if (E[h * V + v] !== 1 || symbol >= 0) return false;
      symbol = v;
    }
    if (symbol < 0 || used.has(symbol)) return false;
    used.add(symbol);
  }
  return true;
}

/**
 * The completion of the most probable (hidden path, completion) pair, by max-product in log space;
 * its `logProb` is the completion's own exact conditional (summed over paths).
 */
export function viterbiCompletion(t: ChainTables, prompt: Int32Array): Completion {
  checkCanvas(t, prompt, 'prompt');
  const given = promptEvidence(t, prompt);
  const { K, V, transition: A, emission: E } = t;
  const T = prompt.length;
  if (T === 0) return { completion: new Int32Array(0), logProb: 0 };
  // best symbol (masked positions) and log emission per (position, state).
  const symbol = new Int32Array(T * K);
  const logEmit = new Float64Array(T * K);
  for (let i = 0; i < T; i++)
    for (let h = 0; h < K; h++) {
      let v = prompt[i];
      if (v === V) {
        v = 0;
        for (let w = 1; w < V; w++) if (E[h * V + w] > E[h * V + v]) v = w;
      }
      symbol[i * K + h] = v;
      logEmit[i * K + h] = Math.log(E[h * V + v]);
    }
  const logA = Float64Array.from(A, Math.log);
  const back = new Int32Array(T * K);
  let delta = Float64Array.from(t.initial, (p, h) => Math.log(p) + logEmit[h]);
  let nextDelta = new Float64Array(K);
  for (let i = 1; i < T; i++) {
    for (let h2 = 0; h2 < K; h2++) {
      let best = -Infinity;
      let arg = 0;
      for (let h = 0; h < K; h++) {
        const s = delta[h] + logA[h * K + h2];
        if (s > best) [best, arg] = [s, h];
      }
      nextDelta[h2] = best + logEmit[i * K + h2];
      back[i * K + h2] = arg;
    }
    [delta, nextDelta] = [nextDelta, delta];
  }
  let h = 0;
  for (let g = 1; g < K; g++) if (delta[g] > delta[h]) h = g;
  if (delta[h] === -Infinity) throw new ExactQueryError('prompt: no completion has positive probability');
  const completion = new Int32Array(T);
  for (let i = T - 1; i >= 0; i--) {
    completion[i] = symbol[i * K + h];
    if (i > 0) h = back[i * K + h];
  }
  return { completion, logProb: logEvidence(t, completion) - given };
}

/**
 * The most probable completion of `prompt`. With a bijective emission (the Markov chain), Viterbi.
 * Otherwise A*: a node fixes the masks before position i and holds a_i(h) = p(prefix, h_i = h);
 * every completion below it has joint probability at most Σ_h a_i(h)·B_i(h), where
 * B_i(h) = L_i(h)·Σ_h' A(h, h') B_{i+1}(h') and L_i(h) is E(h, x_i) at a given position and
 * max_x E(h, x) at a mask (a max moved inside a sum only grows it). The first complete
 * sequence popped beats every open bound, so it is the MAP.
 */
export function mapCompletion(t: ChainTables, prompt: Int32Array, options: MapOptions = {}): MapResult {
  const maxNodes = options.maxNodes ?? 400_000;
  if (!(Number.isInteger(maxNodes) && maxNodes >= 1)) throw new ExactQueryError(`mapCompletion: maxNodes must be an integer ≥ 1, got ${maxNodes}`);
  const viterbi = viterbiCompletion(t, prompt);
  if (emissionIsBijective(t)) return { ...viterbi, method: 'viterbi', proven: true, upperBound: viterbi.logProb, nodes: 0 };
  return aStar(t, prompt, viterbi, maxNodes);
}

/** A max-heap of (priority, id). */
class MaxHeap {
  private readonly keys: number[] = [];
  private readonly ids: number[] = [];
  get size(): number {
    return this.keys.length;
  }
  peek(): number {
    return this.keys[0];
  }
  push(key: number, id: number): void {
    const { keys, ids } = this;
    let i = keys.length;
    keys.push(key);
    ids.push(id);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (keys[p] >= key) break;
      keys[i] = keys[p];
      ids[i] = ids[p];
      i = p;
    }
    keys[i] = key;
    ids[i] = id;
  }
  pop(): number {
    const { keys, ids } = this;
    const top = ids[0];
    const lastKey = keys.pop()!;
    const lastId = ids.pop()!;
    const n = keys.length;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && keys[c + 1] > keys[c]) c++;
      if (keys[c] <= lastKey) break;
      keys[i] = keys[c];
      ids[i] = ids[c];
      i = c;
    }
    keys[i] = lastKey;
    ids[i] = lastId;
    return top;
  }
}

function aStar(t: ChainTables, prompt: Int32Array, viterbi: Completion, maxNodes: number): MapResult {
  const { K, V, transition: A, emission: E } = t;
  const T = prompt.length;
  const given = logEvidence(t, prompt);
  // The joint log p of Viterbi's completion, which the MAP's is at least (less the tolerance, so
  // that Viterbi's own completion is still found when it is the MAP).
  const incumbent = viterbi.logProb + given - LOG_PROB_TOLERANCE;
  // B_i normalised to max 1, with log scale logScale[i]; B_T = 1.
  const bound = new Float64Array((T + 1) * K);
  const logScale = new Float64Array(T + 1);
  bound.fill(1, T * K);
  for (let i = T - 1; i >= 0; i--) {
    let top = 0;
    for (let h = 0; h < K; h++) {
      let s = 0;
      for (let h2 = 0; h2 < K; h2++) s += A[h * K + h2] * bound[(i + 1) * K + h2];
      let l = 0;
      if (prompt[i] === V) for (let v = 0; v < V; v++) l = Math.max(l, E[h * V + v]);
      else l = E[h * V + prompt[i]];
      bound[i * K + h] = l * s;
      top = Math.max(top, l * s);
    }
    if (!(top > 0)) throw new ExactQueryError('prompt: no completion has positive probability');
    for (let h = 0; h < K; h++) bound[i * K + h] /= top;
    logScale[i] = logScale[i + 1] + Math.log(top);
  }

  // Nodes: the masked position decided last, its symbol, the parent; a node's forward message
  // (normalised, with its log scale) is kept until it is expanded.
  const parent: number[] = [];
  const symbolAt: number[] = [];
  const positionOf: number[] = [];
  const messages: (Float64Array | null)[] = [];
  const scales: number[] = [];
  const heap = new MaxHeap();
  const complete: boolean[] = [];

  /** From message `a` (scale s) at position i, pass given positions; push the node. */
  const pushFrom = (a: Float64Array, s: number, i: number, par: number, pos: number, sym: number): void => {
    let scale = s;
    let at = i;
    while (at < T && prompt[at] !== V) {
      const r = emitAndStep(a, prompt[at], at + 1 === T);
      if (r === -Infinity) return;
      scale += r;
      at++;
    }
    if (at === T) {
      const id = parent.length;
      parent.push(par);
      symbolAt.push(sym);
      positionOf.push(pos);
      scales.push(scale);
      messages.push(null);
      complete.push(true);
      heap.push(scale, id);
      return;
    }
    let z = 0;
    for (let h = 0; h < K; h++) z += a[h] * bound[at * K + h];
    // An open bound wins ties with a complete sequence (and rounding of different summation
    // orders), so a completion is accepted only when it beats every bound.
    const f = scale + Math.log(z) + logScale[at] + LOG_PROB_TOLERANCE;
    // Nothing below this node can beat Viterbi's completion: not worth a node of the budget.
    if (f < incumbent) return;
    const id = parent.length;
    parent.push(par);
    symbolAt.push(sym);
    positionOf.push(pos);
    scales.push(scale);
    messages.push(a);
    complete.push(false);
    heap.push(f, id);
  };
  // Emit x at the current position, then step to the next (unless last); returns the log normaliser.
  const emitAndStep = (a: Float64Array, x: number, last: boolean): number => {
    let z = 0;
    for (let h = 0; h < K; h++) z += (a[h] *= E[h * V + x]);
    if (!(z > 0)) return -Infinity;
    if (last) return Math.log(z);
    const next = new Float64Array(K);
    for (let h = 0; h < K; h++) {
      const w = a[h] / z;
      if (w === 0) continue;
      for (let h2 = 0; h2 < K; h2++) next[h2] += w * A[h * K + h2];
    }
    a.set(next);
    return Math.log(z);
  };
  const positionAfter = (id: number): number => {
    // The position a node's message stands at: after its decided mask and the given run after it.
    let at = positionOf[id] + 1;
    while (at < T && prompt[at] !== V) at++;
    return at;
  };

  pushFrom(Float64Array.from(t.initial), 0, 0, -1, -1, -1);
  while (heap.size > 0 && parent.length < maxNodes) {
    const id = heap.pop();
    if (complete[id]) {
      const completion = Int32Array.from(prompt);
      for (let n = id; n >= 0 && positionOf[n] >= 0; n = parent[n]) completion[positionOf[n]] = symbolAt[n];
      const logProb = scales[id] - given;
      return { completion, logProb, method: 'a-star', proven: true, upperBound: logProb, nodes: parent.length };
    }
    const a = messages[id]!;
    messages[id] = null;
    const at = positionAfter(id);
    for (let x = 0; x < V; x++) {
      const child = Float64Array.from(a);
      const r = emitAndStep(child, x, at + 1 === T);
      if (r === -Infinity) continue;
      pushFrom(child, scales[id] + r, at + 1, id, at, x);
    }
  }
  const upperBound = heap.size > 0 ? heap.peek() - given : viterbi.logProb;
  return { ...viterbi, method: 'a-star', proven: false, upperBound: Math.max(upperBound, viterbi.logProb), nodes: parent.length };
}
