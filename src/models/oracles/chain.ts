/**
 * `ChainOracle`: a hidden Markov model (K states, V symbols) with its exact math, one scaled
 * forward–backward pass per canvas; the base of `HmmOracle` (hmm.ts) and `MarkovOracle`
 * (markov.ts). The vocabulary is the V symbols plus the mask token, whose id is V.
 */
import type { ModelCard } from '../card.js';
import { LogitsDenoiser } from '../denoiser.js';
import { drawCategory } from '../../core/math.js';
import { Rng } from '../../core/rng.js';
import { OracleParamError, show, type ChainTables, type OracleOptions } from './tables.js';

function makeCard(V: number, options: OracleOptions, defaultName: string): ModelCard {
  const name = options.name ?? defaultName;
  if (typeof name !== 'string') throw new OracleParamError(`field "name" is ${show(name)}, expected a string`);
  const eosId = options.eosId ?? null;
  if (eosId !== null && !(Number.isInteger(eosId) && eosId >= 0 && eosId < V))
    throw new OracleParamError(`field "eosId" is ${show(eosId)}, expected null or a symbol id in [0, ${V})`);
  const eosPenalty = options.eosPenalty ?? 0;
  if (typeof eosPenalty !== 'number' || !Number.isFinite(eosPenalty))
    throw new OracleParamError(`field "eosPenalty" is ${show(eosPenalty)}, expected a finite number`);
  return {
    name,
    vocabSize: V + 1,
    maskId: V,
    eosId,
    padId: null,
    eosPenalty,
    logitShift: false,
    attention: { kind: 'full' },
    contextLimit: 1_000_000,
    suppressTokens: [],
  };
}

/** The alphabet split into characters (code points); checked to be V distinct characters. */
function alphabetSymbols(alphabet: unknown, V: number): string[] | undefined {
  if (alphabet === undefined) return undefined;
  if (typeof alphabet !== 'string') throw new OracleParamError(`field "alphabet" is ${show(alphabet)}, expected a string of V = ${V} characters`);
  const chars = Array.from(alphabet);
  if (chars.length !== V)
    throw new OracleParamError(`field "alphabet" is ${show(alphabet)} (${chars.length} characters), expected V = ${V} characters`);
  const seen = new Set<string>();
  for (const c of chars) {
    if (seen.has(c)) throw new OracleParamError(`field "alphabet" is ${show(alphabet)}, expected distinct characters ("${c}" repeats)`);
    seen.add(c);
  }
  return chars;
}

/** Base of the exact oracles: an HMM with its forward–backward math. */
export abstract class ChainOracle extends LogitsDenoiser {
  /** Hidden states. */
  readonly K: number;
  /** Symbols (the mask id is V). */
  readonly V: number;
  readonly alphabet?: string;
  protected readonly initial: Float64Array;
  protected readonly transition: Float64Array;
  protected readonly emission: Float64Array;
  private readonly symbols?: string[];
  private readonly symbolIds?: Map<string, number>;

  protected constructor(tables: ChainTables, options: OracleOptions, defaultName: string) {
    super(makeCard(tables.V, options, defaultName));
    this.K = tables.K;
    this.V = tables.V;
    this.initial = tables.initial;
    this.transition = tables.transition;
    this.emission = tables.emission;
    this.symbols = alphabetSymbols(options.alphabet, tables.V);
    if (this.symbols) {
      this.alphabet = options.alphabet;
      this.symbolIds = new Map(this.symbols.map((c, i) => [c, i]));
    }
  }

  abstract toJSON(): object;

  /** The model's tables (shared, not copies: read them, never write) for exact queries (exact.ts). */
  chainTables(): ChainTables {
    return { K: this.K, V: this.V, initial: this.initial, transition: this.transition, emission: this.emission };
  }

  protected override logits(canvases: Int32Array[]): Float32Array {
    return this.conditionalLogProbs(canvases);
  }

  /**
   * The raw logits [B,T,V+1] before card preprocessing: at every position i, masked or not,
   * log p(x_i = v | the unmasked tokens at positions ≠ i), masks marginalised out; the mask
   * column is −∞. Throws if the other unmasked tokens have probability 0 together.
   */
  conditionalLogProbs(canvases: Int32Array[]): Float32Array {
    const { K, V } = this;
    const W = V + 1;
    const B = canvases.length;
    const T = B > 0 ? canvases[0].length : 0;
    const out = new Float32Array(B * T * W);
    // Scratch, once per call: α for every position, β only for the current one.
    const alpha = new Float64Array(T * K);
    const beta = new Float64Array(K);
    const work = new Float64Array(K);
    const lik = new Float64Array(K);
    const q = new Float64Array(V);
    for (let b = 0; b < B; b++) {
      const canvas = canvases[b];
      if (canvas.length !== T) throw new Error(`${this.card.name}: row ${b} has length ${canvas.length}, expected ${T} like row 0`);
      for (let i = 0; i < T; i++) {
        const x = canvas[i];
        if (!(x >= 0 && x <= V))
          throw new Error(`${this.card.name}: row ${b} position ${i} holds id ${x}, expected a symbol in [0, ${V}) or the mask id ${V}`);
      }
      this.conditionalsOfRow(canvas, out, b * T * W, alpha, beta, work, lik, q, b);
    }
    return out;
  }

  /**
   * One canvas. α_i(h) ∝ P(obs_<i, h_i = h) and β_i(h) ∝ P(obs_>i | h_i = h), each normalised
   * to sum 1 at every step (the scaling: the constants cancel in the per-position normaliser,
   * and nothing underflows however long the canvas). A masked position's likelihood is 1.
   */
  private conditionalsOfRow(
    canvas: Int32Array,
    out: Float32Array,
    offset: number,
    alpha: Float64Array,
    beta: Float64Array,
    work: Float64Array,
    lik: Float64Array,
    q: Float64Array,
    row: number,
  ): void {
    const { K, V, initial: pi, transition: A, emission: E } = this;
    const W = V + 1;
    const T = canvas.length;
    if (T === 0) return;

    // Forward: α_0 = π; α_{i+1}(h') ∝ Σ_h α_i(h) L_i(h) A(h, h').
    alpha.set(pi, 0);
    for (let i = 0; i + 1 < T; i++) {
      const a = i * K;
      const next = a + K;
      const x = canvas[i];
      for (let h2 = 0; h2 < K; h2++) alpha[next + h2] = 0;
      for (let h = 0; h < K; h++) {
        const u = x === V ? alpha[a + h] : alpha[a + h] * E[h * V + x];
        if (u === 0) continue; // keeps an observed Markov step O(K)
        const r = h * K;
        for (let h2 = 0; h2 < K; h2++) alpha[next + h2] += u * A[r + h2];
      }
      normalise(alpha, next, K);
    }

    // Backward, emitting each position's conditional as soon as its β is known.
    beta.fill(1 / K);
    for (let i = T - 1; ; i--) {
      const a = i * K;
      q.fill(0);
      for (let h = 0; h < K; h++) {
        const w = alpha[a + h] * beta[h];
        if (w === 0) continue;
        const e = h * V;
        for (let v = 0; v < V; v++) q[v] += w * E[e + v];
      }
      let z = 0;
      for (let v = 0; v < V; v++) z += q[v];
      if (!(z > 0))
        throw new Error(
          `${this.card.name}: row ${row}: the unmasked tokens other than position ${i} have probability 0 under the model`,
        );
      const o = offset + i * W;
      for (let v = 0; v < V; v++) out[o + v] = Math.log(q[v] / z);
      out[o + V] = -Infinity;
      if (i === 0) break;

      // β_{i-1}(h) ∝ Σ_h' A(h, h') L_i(h') β_i(h').
      const x = canvas[i];
      for (let h2 = 0; h2 < K; h2++) lik[h2] = x === V ? beta[h2] : beta[h2] * E[h2 * V + x];
      for (let h = 0; h < K; h++) {
        const r = h * K;
        let s = 0;
        for (let h2 = 0; h2 < K; h2++) s += A[r + h2] * lik[h2];
        work[h] = s;
      }
      normalise(work, 0, K);
      beta.set(work);
    }
  }

  /** Exact log P(x) of a fully unmasked sequence (scaled forward algorithm); −∞ if impossible. */
  logProb(sequence: Int32Array): number {
    const { K, V, transition: A, emission: E } = this;
    for (let i = 0; i < sequence.length; i++) {
      const x = sequence[i];
      if (x === V) throw new Error(`${this.card.name}: logProb: position ${i} holds the mask id ${V}; logProb needs a fully unmasked sequence`);
      if (!(x >= 0 && x < V)) throw new Error(`${this.card.name}: logProb: position ${i} holds id ${x}, expected a symbol in [0, ${V})`);
    }
    // alpha = P(h_i | x_<i); each step adds log P(x_i | x_<i).
    const alpha = Float64Array.from(this.initial);
    const u = new Float64Array(K);
    let lp = 0;
    for (let i = 0; i < sequence.length; i++) {
      const x = sequence[i];
      let s = 0;
      for (let h = 0; h < K; h++) {
        u[h] = alpha[h] * E[h * V + x];
        s += u[h];
      }
      if (!(s > 0)) return -Infinity;
      lp += Math.log(s);
      alpha.fill(0);
      for (let h = 0; h < K; h++) {
        const w = u[h] / s;
        if (w === 0) continue;
        const r = h * K;
        for (let h2 = 0; h2 < K; h2++) alpha[h2] += w * A[r + h2];
      }
    }
    return lp;
  }

  /** A sequence drawn from the joint distribution. */
  sample(rng: Rng, length: number): Int32Array {
    if (!Number.isInteger(length) || length < 0) throw new Error(`${this.card.name}: sample: length must be an integer ≥ 0, got ${length}`);
    const { K, V } = this;
    const out = new Int32Array(length);
    let h = drawCategory(this.initial, 0, K, rng.nextFloat64());
    for (let i = 0; i < length; i++) {
      out[i] = drawCategory(this.emission, h * V, V, rng.nextFloat64());
      if (i + 1 < length) h = drawCategory(this.transition, h * K, K, rng.nextFloat64());
    }
    return out;
  }

  /** Alphabet characters, or space-separated ids without an alphabet; the mask shows as '_'. */
  detokenize(ids: Int32Array): string {
    const parts: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const x = ids[i];
      if (x === this.V) parts.push('_');
      else if (x >= 0 && x < this.V) parts.push(this.symbols ? this.symbols[x] : String(x));
      else throw new RangeError(`${this.card.name}: detokenize: position ${i} holds id ${x}, outside [0, ${this.V}]`);
    }
    return parts.join(this.symbols ? '' : ' ');
  }

  /**
   * Text to ids through the alphabet. '_' encodes the mask unless the alphabet has its own '_',
   * so that `encode(decode(ids))` round-trips canvases with masks.
   */
  encode(text: string): Int32Array {
    const ids = this.symbolIds;
    if (!ids) throw new Error(`${this.card.name}: encode: the model has no alphabet`);
    const chars = Array.from(text);
    const out = new Int32Array(chars.length);
    for (let i = 0; i < chars.length; i++) {
      const c = chars[i];
      const id = ids.get(c) ?? (c === '_' ? this.V : undefined);
      if (id === undefined) {
        const code = c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
        throw new Error(`${this.card.name}: encode: character ${JSON.stringify(c)} (U+${code}) at index ${i} is not in the alphabet ${show(this.alphabet)}`);
      }
      out[i] = id;
    }
    return out;
  }

  /** Ids to text through the alphabet (mask as '_'); unlike `detokenize`, needs an alphabet. */
  decode(ids: Int32Array): string {
    if (!this.symbols) throw new Error(`${this.card.name}: decode: the model has no alphabet`);
    return this.detokenize(ids);
  }

  /** The optional JSON fields, present only when they differ from the defaults. */
  protected optionalJSON(): { name: string; alphabet?: string; eosId?: number; eosPenalty?: number } {
    const o: { name: string; alphabet?: string; eosId?: number; eosPenalty?: number } = { name: this.card.name };
    if (this.alphabet !== undefined) o.alphabet = this.alphabet;
    if (this.card.eosId !== null) o.eosId = this.card.eosId;
    if (this.card.eosPenalty !== 0) o.eosPenalty = this.card.eosPenalty;
    return o;
  }
}

/** Scale x[offset .. offset+n) to sum 1; an all-zero block (impossible evidence) stays zero. */
function normalise(x: Float64Array, offset: number, n: number): void {
  let s = 0;
  for (let k = 0; k < n; k++) s += x[offset + k];
  if (!(s > 0)) return;
  const inv = 1 / s;
  for (let k = 0; k < n; k++) x[offset + k] *= inv;
}
