/**
 * Exact oracle models: small generative models whose conditionals
 * p(x_i = v | every other unmasked token) are computed exactly, so that a sampler's decisions and
 * outputs can be scored against the truth instead of against another network.
 *
 * `ChainOracle` (chain.ts) holds a hidden Markov model (K states, V symbols) and does all the math: one
 * scaled forward–backward pass per canvas. `HmmOracle` is that model as such; `MarkovOracle`
 * (markov.ts) is the special case K = V with identity emission. The vocabulary is the V symbols
 * plus the mask token, whose id is V. The tables' checks and shared options are in tables.ts.
 */
import { Rng } from '../../core/rng.js';
import { ChainOracle } from './chain.js';
import { dimensionOf, probabilityRow, stochasticMatrix, tableRows, type ChainTables, type OracleOptions } from './tables.js';

export interface HmmJSON {
  type: 'hmm';
  name?: string;
  maskId: number;
  alphabet?: string;
  eosId?: number | null;
  eosPenalty?: number;
  initial: number[];
  transition: number[][];
  emission: number[][];
}

export interface HmmParams {
  initial: number[];
  transition: number[][];
  emission: number[][];
}

export interface HmmSeedOptions {
  states: number;
  symbols: number;
  /** Emission rows are Dirichlet(1) draws raised to 1/concentration: smaller is peakier (default 0.5). */
  concentration?: number;
  /** Weight on staying in the same state (default 0.9). */
  stickiness?: number;
  name?: string;
}

/** A hidden Markov model with K states and V symbols. */
export class HmmOracle extends ChainOracle {
  /**
   * Tables as nested arrays (the JSON shape); checked at run time, so untrusted input is fine.
   * K comes from `initial`, V from `emission` row 0. Throws `OracleParamError`.
   */
  constructor(params: HmmParams, options: OracleOptions = {}) {
    super(HmmOracle.tables(params), options, 'hmm');
  }

  private static tables(params: HmmParams): ChainTables {
    const K = dimensionOf(params.initial, 'field "initial"', 'an array of K ≥ 1 initial-state probabilities');
    dimensionOf(params.emission, 'field "emission"', 'an array of K rows of V emission probabilities');
    const V = dimensionOf(params.emission[0], 'emission row 0', 'an array of V ≥ 1 emission probabilities');
    return {
      K,
      V,
      initial: probabilityRow(params.initial, K, 'K', 'field "initial"'),
      transition: stochasticMatrix('transition', params.transition, K, 'K', K, 'K'),
      emission: stochasticMatrix('emission', params.emission, K, 'K', V, 'V', ' (the length of emission row 0)'),
    };
  }

  /**
   * Random parameters from a seed, built so that decoding order matters: sticky transitions
   * (long runs in one state), emissions peaked on a few symbols that overlap between states, so
   * a token is informative about its neighbours. Every probability is > 0 (a 0.1% uniform floor
   * on emissions and off-diagonal transitions), so no canvas is ever impossible.
   */
  static fromSeed(seed: number, options: HmmSeedOptions): HmmOracle {
    const { states: K, symbols: V } = options;
    const concentration = options.concentration ?? 0.5;
    const stickiness = options.stickiness ?? 0.9;
    if (!Number.isInteger(K) || K < 1) throw new Error(`HmmOracle.fromSeed: states must be an integer ≥ 1, got ${K}`);
    if (!Number.isInteger(V) || V < 1) throw new Error(`HmmOracle.fromSeed: symbols must be an integer ≥ 1, got ${V}`);
    if (!(concentration > 0 && Number.isFinite(concentration)))
      throw new Error(`HmmOracle.fromSeed: concentration must be a finite number > 0, got ${concentration}`);
    if (!(stickiness >= 0 && stickiness < 1)) throw new Error(`HmmOracle.fromSeed: stickiness must be in [0, 1), got ${stickiness}`);
    const rng = new Rng(seed);
    const floor = 1e-3;
    // -ln(1-u) is Exp(1); normalised Exp(1) draws are Dirichlet(1); a power > 1 sharpens them.
    const draw = (n: number, power: number): number[] => {
      const w = Array.from({ length: n }, () => Math.pow(-Math.log(1 - rng.nextFloat64()), power));
      const s = w.reduce((a, b) => a + b, 0);
      return w.map((x) => (s > 0 ? (1 - floor) * (x / s) + floor / n : 1 / n));
    };
    const initial = draw(K, 1);
    const transition = Array.from({ length: K }, (_, h) =>
      draw(K, 1).map((p, h2) => (1 - stickiness) * p + (h === h2 ? stickiness : 0)),
    );
    const emission = Array.from({ length: K }, () => draw(V, 1 / concentration));
    return new HmmOracle({ initial, transition, emission }, { name: options.name ?? `hmm-K${K}-V${V}-seed${seed}` });
  }

  toJSON(): HmmJSON {
    return {
      type: 'hmm',
      ...this.optionalJSON(),
      maskId: this.V,
      initial: Array.from(this.initial),
      transition: tableRows(this.transition, this.K, this.K),
      emission: tableRows(this.emission, this.K, this.V),
    };
  }
}

