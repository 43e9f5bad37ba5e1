/**
 * The denoiser interface: a batch of canvases in, per-position predictive statistics out.
 *
 * Samplers never see logits. Every backend hands back the same statistics per (row, position):
 * the entropy, the top-2 probabilities and ids, `samples` tokens drawn from softmax(z/τ) with
 * their untempered probabilities, and the probability of the token already in the canvas. A
 * small-vocabulary backend computes them in JS from full rows (`LogitsDenoiser`); a
 * large-vocabulary backend computes them where the logits live (an in-graph statistics head)
 * and ships only O(B·T·S) numbers.
 *
 * Token draws use one uniform per (row, position, draw), u = hashUniform(noiseKey, position, s),
 * and invert the CDF of softmax(z/τ): token = #{v : Σ_{w≤v} e^{(z_w−max)/τ} ≤ u·Σ_w e^{(z_w−max)/τ}}.
 * That is exactly a sample from softmax(z/τ), like the reference's Gumbel-max (spec D5), but it
 * needs one number per draw instead of V, so the same draw can be recomputed in-graph.
 */
import type { ModelCard } from './card.js';
import { entropyOfLogits, logSumExp } from '../core/math.js';
import { hashUniform } from '../core/rng.js';

export interface ForwardRow {
  /** Token ids, length T; masked positions hold `card.maskId`. */
  canvas: Int32Array;
  /** Key of this row's token noise (uint32), drawn from the sequence's own generator. */
  noiseKey: number;
  /**
   * Positions whose token draws the caller will read (ascending); default every position.
   * Elsewhere draws are left at id −1 / probability NaN, so a stray read fails loudly.
   */
  samplePositions?: Int32Array;
  /**
   * Cache modes (decode parameter use_cache): forward only `canvas[start, end)` against cached
   * keys/values of other positions. Needs a backend with a cache graph (card field `cache`).
   */
  window?: CacheWindow;
  /** Called with this row's keys/values (of its window, or of the whole canvas without one). */
  onKv?: (kv: KvCache) => void;
}

/**
 * Keys and values of some canvas positions as a cache graph stores them, each
 * [layers, heads, positions.length, headDim] (keys rotated for their positions). Never written
 * after it is made: a cache graph reuses its packing of the same cache objects.
 */
export interface KvCache {
  readonly positions: Int32Array;
  readonly key: Float32Array;
  readonly value: Float32Array;
}

/**
 * The part of a row a cache graph recomputes: positions [start, end) attend to `cache` and to
 * each other. The row's statistics at every other position are those of `outside`, the latest
 * forward that covered them (spec D2: an Info-Gain H_next still averages over the whole canvas).
 */
export interface CacheWindow {
  start: number;
  end: number;
  cache: KvCache;
  outside: RowPredictions;
}

export interface ForwardRequest {
  rows: ForwardRow[];
  /** Token draws per position (≥ 1). Draw s of a row is the same whatever `samples` is. */
  samples: number;
  /** τ_tok; 0 means argmax. */
  temperature: number;
}

export interface Denoiser {
  readonly card: ModelCard;
  forward(request: ForwardRequest): Promise<Predictions>;
}

/** Statistics of one forward, rows × positions, stored flat. */
export class Predictions {
  readonly entropy: Float64Array;
  readonly top1Id: Int32Array;
  readonly top1Prob: Float64Array;
  readonly top2Prob: Float64Array;
  readonly sampleId: Int32Array;
  readonly sampleProb: Float64Array;
  /** p(canvas token) at unmasked positions, NaN at masks. */
  readonly tokenProb: Float64Array;

  constructor(
    readonly rows: number,
    readonly length: number,
    readonly samples: number,
  ) {
    const n = rows * length;
    this.entropy = new Float64Array(n);
    this.top1Id = new Int32Array(n);
    this.top1Prob = new Float64Array(n);
    this.top2Prob = new Float64Array(n);
    this.sampleId = new Int32Array(n * samples);
    this.sampleProb = new Float64Array(n * samples);
    this.tokenProb = new Float64Array(n);
  }

  row(b: number): RowPredictions {
    if (b < 0 || b >= this.rows) throw new RangeError(`row ${b} outside [0, ${this.rows})`);
    return new RowPredictions(this, b);
  }

  /**
   * Row `b`'s statistics at positions [at + from, at + src.length) become those of `src`'s
   * positions [from, src.length) (same draw count); `from` > 0 leaves the first ones as they are.
   */
  setRow(b: number, src: RowPredictions, at = 0, from = 0): void {
    if (src.samples !== this.samples) throw new RangeError(`setRow: ${src.samples} draws per position, expected ${this.samples}`);
    if (at < 0 || at + src.length > this.length) throw new RangeError(`setRow: positions [${at}, ${at + src.length}) outside [0, ${this.length})`);
    if (!(Number.isInteger(from) && from >= 0 && from <= src.length)) throw new RangeError(`setRow: from ${from} outside [0, ${src.length}]`);
    src.copyInto(this, b * this.length + at + from, from);
  }
}

/** The statistics of one canvas; what a sampler reads. */
export class RowPredictions {
  private readonly base: number;
  readonly length: number;
  readonly samples: number;

  constructor(
    private readonly p: Predictions,
    readonly row: number,
  ) {
    this.base = row * p.length;
    this.length = p.length;
    this.samples = p.samples;
  }

  /** Entropy (nats) of the predictive distribution at `pos`. */
  entropy(pos: number): number {
    return this.p.entropy[this.base + pos];
  }
  top1Id(pos: number): number {
    return this.p.top1Id[this.base + pos];
  }
  top1Prob(pos: number): number {
    return this.p.top1Prob[this.base + pos];
  }
  top2Prob(pos: number): number {
    return this.p.top2Prob[this.base + pos];
  }
  /** Token of draw `s` at `pos` (a sample of softmax(z/τ); argmax when τ = 0). */
  sampleId(pos: number, s = 0): number {
    return this.p.sampleId[(this.base + pos) * this.p.samples + s];
  }
  /** Untempered probability of draw `s` (the token's confidence, spec D5). */
  sampleProb(pos: number, s = 0): number {
    return this.p.sampleProb[(this.base + pos) * this.p.samples + s];
  }
  /** Probability of the token the canvas holds at `pos` (NaN at a mask). */
  tokenProb(pos: number): number {
    return this.p.tokenProb[this.base + pos];
  }

  /** Copy this row's positions [from, length) into `out`'s flat arrays from flat index `at` (see `Predictions.setRow`). */
  copyInto(out: Predictions, at: number, from = 0): void {
    const { p, samples: S } = this;
    const base = this.base + from;
    const n = this.length - from;
    out.entropy.set(p.entropy.subarray(base, base + n), at);
    out.top1Id.set(p.top1Id.subarray(base, base + n), at);
    out.top1Prob.set(p.top1Prob.subarray(base, base + n), at);
    out.top2Prob.set(p.top2Prob.subarray(base, base + n), at);
    out.tokenProb.set(p.tokenProb.subarray(base, base + n), at);
    out.sampleId.set(p.sampleId.subarray(base * S, (base + n) * S), at * S);
    out.sampleProb.set(p.sampleProb.subarray(base * S, (base + n) * S), at * S);
  }
}

/**
 * Apply the card's logit preprocessing to one [T,V] block in place (spec §2.2 `prep`):
 * suppressed ids to −∞, EOS/PAD penalty, then the Dream right shift.
 */
export function prepareLogits(card: ModelCard, logits: Float32Array, offset: number, T: number): void {
  const V = card.vocabSize;
  for (let t = 0; t < T; t++) {
    const o = offset + t * V;
    for (const id of card.suppressTokens) logits[o + id] = -Infinity;
    if (card.eosPenalty !== 0) {
      if (card.eosId !== null) logits[o + card.eosId] -= card.eosPenalty;
      if (card.padId !== null) logits[o + card.padId] -= card.eosPenalty;
    }
  }
  if (card.logitShift && T > 1) logits.copyWithin(offset + V, offset, offset + (T - 1) * V);
}

/**
 * Reduce prepared logits [B,T,V] to `Predictions`, in JS. Used by every full-row backend.
 * One pass per (position) for the normaliser, entropy and top-2; one more per token draw.
 * `offsets[b]` is the canvas position of row b's first logits row (a cache window's start;
 * default 0): token draws are keyed by canvas position.
 */
export function reduceLogits(card: ModelCard, logits: Float32Array, request: ForwardRequest, offsets?: readonly number[]): Predictions {
  const B = request.rows.length;
  const V = card.vocabSize;
  const T = B > 0 ? request.rows[0].canvas.length : 0;
  const S = request.samples;
  const tau = request.temperature;
  const out = new Predictions(B, T, S);
  const lseRow = new Float64Array(T);
  const tau32 = Math.fround(tau); // the in-graph head receives τ as float32: draw with the same value
  for (let b = 0; b < B; b++) {
    const { canvas, noiseKey } = request.rows[b];
    // A window's row t stands at canvas position offset + t: its draws are that position's (D7).
    const offset = offsets?.[b] ?? 0;
    for (let t = 0; t < T; t++) {
      const o = (b * T + t) * V;
      let m = -Infinity;
      let i1 = 0;
      let m2 = -Infinity;
      for (let v = 0; v < V; v++) {
        const z = logits[o + v];
        if (z > m) {
          m2 = m;
          m = z;
          i1 = v;
        } else if (z > m2) m2 = z;
      }
      // Non-finite values are caught without a per-element test: +Inf becomes the max, and a NaN
      // anywhere makes the log-normaliser NaN; only then is the row scanned to name the culprit.
      if (!(m > -Infinity && m < Infinity)) throw nonFiniteLogits(card, logits, o, b, t);
      const lse = logSumExp(logits, o, V, m);
      if (Number.isNaN(lse)) throw nonFiniteLogits(card, logits, o, b, t);
      lseRow[t] = lse;
      const i = b * T + t;
      out.entropy[i] = entropyOfLogits(logits, o, V, lse);
      out.top1Id[i] = i1;
      out.top1Prob[i] = Math.exp(m - lse);
      out.top2Prob[i] = Math.exp(m2 - lse);
      const tok = canvas[t];
      out.tokenProb[i] = tok === card.maskId ? NaN : Math.exp(logits[o + tok] - lse);
    }
    const wanted = request.rows[b].samplePositions;
    out.sampleId.fill(-1, b * T * S, (b + 1) * T * S);
    out.sampleProb.fill(NaN, b * T * S, (b + 1) * T * S);
    for (let j = 0, n = wanted ? wanted.length : T; j < n; j++) {
      const t = wanted ? wanted[j] : j;
      const o = (b * T + t) * V;
      const i = b * T + t;
      for (let s = 0; s < S; s++) {
        const id = tau > 0 ? inverseCdfDraw(logits, o, V, tau32, drawUniform(noiseKey, offset + t, s)) : out.top1Id[i];
        out.sampleId[i * S + s] = id;
        out.sampleProb[i * S + s] = Math.exp(logits[o + id] - lseRow[t]);
      }
    }
  }
  return out;
}

/** A model produced a NaN or +∞ logit, statistic or probability: the run must stop, never average it. */
export class ModelOutputError extends Error {
  override name = 'ModelOutputError';
}

/**
 * The error for a row of prepared logits that is not usable: the first NaN or +∞ (naming the
 * model, the batch row, the position and the token id), or a row where every logit is −∞.
 */
export function nonFiniteLogits(card: ModelCard, logits: ArrayLike<number>, offset: number, row: number, position: number): ModelOutputError {
  const V = card.vocabSize;
  const shifted = card.logitShift && position > 0 ? ` (the card's logitShift puts the model's output position ${position - 1} here)` : '';
  for (let v = 0; v < V; v++) {
    const z = logits[offset + v];
    if (Number.isNaN(z) || z === Infinity)
      return new ModelOutputError(
        `model "${card.name}": the logit of token id ${v} at row ${row} (batch index), position ${position} is ${z}${shifted}; expected finite logits (−∞ allowed), so the run stops`,
      );
  }
  return new ModelOutputError(
    `model "${card.name}": every logit at row ${row} (batch index), position ${position} is −∞${shifted}; expected at least one finite logit (are all tokens suppressed?)`,
  );
}

/**
 * The uniform of draw `s` at `position`, rounded to float32: the in-graph head receives it as a
 * float32 tensor, and both paths must invert the CDF at the same point. (24 bits: an id whose
 * probability is below 6e-8 can be passed over; negligible, and the same in both paths.)
 */
export function drawUniform(noiseKey: number, position: number, s: number): number {
  const u = Math.fround(hashUniform(noiseKey, position, s));
  return u < 1 ? u : LARGEST_FLOAT32_BELOW_ONE; // rounding must not reach 1
}

const LARGEST_FLOAT32_BELOW_ONE = 1 - 2 ** -24;

/**
 * One draw from softmax(z/τ) by inverting its CDF at `u` ∈ [0,1): the number of ids whose
 * running sum of e^{(z−max)/τ} stays ≤ u·total. Zero-probability ids are never chosen.
 */
export function inverseCdfDraw(logits: ArrayLike<number>, offset: number, V: number, tau: number, u: number): number {
  let m = -Infinity;
  for (let v = 0; v < V; v++) if (logits[offset + v] > m) m = logits[offset + v];
  let total = 0;
  for (let v = 0; v < V; v++) total += Math.exp((logits[offset + v] - m) / tau);
  const threshold = u * total;
  let running = 0;
  let count = 0;
  for (let v = 0; v < V; v++) {
    running += Math.exp((logits[offset + v] - m) / tau);
    if (running <= threshold) count++;
    else break;
  }
  return Math.min(count, V - 1);
}

/** Base for backends that produce full logits rows: prepares them per the card, reduces in JS. */
export abstract class LogitsDenoiser implements Denoiser {
  constructor(readonly card: ModelCard) {}

  /** Raw logits [B,T,V] for the canvases, before any card preprocessing. */
  protected abstract logits(canvases: Int32Array[]): Float32Array | Promise<Float32Array>;

  async forward(request: ForwardRequest): Promise<Predictions> {
    validateRequest(this.card, request);
    const canvases = request.rows.map((r) => r.canvas);
    const logits = await this.logits(canvases);
    const T = canvases.length ? canvases[0].length : 0;
    for (let b = 0; b < canvases.length; b++) prepareLogits(this.card, logits, b * T * this.card.vocabSize, T);
    return reduceLogits(this.card, logits, request);
  }
}

export function validateRequest(card: ModelCard, request: ForwardRequest): void {
  if (!Number.isInteger(request.samples) || request.samples < 1) throw new Error(`forward: samples must be an integer ≥ 1, got ${request.samples}`);
  if (!(request.temperature >= 0)) throw new Error(`forward: temperature must be ≥ 0, got ${request.temperature}`);
  const T = request.rows[0]?.canvas.length ?? 0;
  if (T > card.contextLimit) throw new Error(`forward: canvas length ${T} exceeds the model's context limit ${card.contextLimit}`);
  for (const [b, r] of request.rows.entries()) {
    if (r.canvas.length !== T) throw new Error(`forward: row ${b} has length ${r.canvas.length}, expected ${T} like row 0`);
  }
}
