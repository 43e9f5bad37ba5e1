/**
 * An order-1 Markov chain over tokens as an exact oracle. It is the HMM with K = V and identity
 * emission, so it reuses `ChainOracle`'s forward–backward pass: O(T·V²) per canvas (an observed
 * token makes the forward step O(V), as only one state carries mass).
 */
import { ChainOracle } from './chain.js';
import { dimensionOf, probabilityRow, stochasticMatrix, tableRows, type ChainTables, type OracleOptions } from './tables.js';

export interface MarkovJSON {
  type: 'markov';
  name?: string;
  maskId: number;
  alphabet?: string;
  eosId?: number | null;
  eosPenalty?: number;
  initial: number[];
  transition: number[][];
}

export interface MarkovParams {
  initial: number[];
  transition: number[][];
}

export interface FitTextOptions {
  /** Add-α smoothing of unigram and bigram counts (default 1). */
  smoothing?: number;
  name?: string;
}

export class MarkovOracle extends ChainOracle {
  /**
   * Tables as nested arrays (the JSON shape); checked at run time. V comes from `initial`.
   * Throws `OracleParamError`.
   */
  constructor(params: MarkovParams, options: OracleOptions = {}) {
    super(MarkovOracle.tables(params), options, 'markov');
  }

  private static tables(params: MarkovParams): ChainTables {
    const V = dimensionOf(params.initial, 'field "initial"', 'an array of V ≥ 1 initial-token probabilities');
    const emission = new Float64Array(V * V);
    for (let v = 0; v < V; v++) emission[v * V + v] = 1;
    return {
      K: V,
      V,
      initial: probabilityRow(params.initial, V, 'V', 'field "initial"'),
      transition: stochasticMatrix('transition', params.transition, V, 'V', V, 'V'),
      emission,
    };
  }

  /**
   * A character bigram model of `text`. Vocabulary = its distinct characters, sorted; initial =
   * add-α unigram frequencies; transition = add-α bigram counts, row-normalised. With α = 0 a
   * character never followed by anything gets a uniform row.
   */
  static fitText(text: string, options: FitTextOptions = {}): MarkovOracle {
    const alpha = options.smoothing ?? 1;
    if (!(alpha >= 0 && Number.isFinite(alpha))) throw new Error(`MarkovOracle.fitText: smoothing must be a finite number ≥ 0, got ${alpha}`);
    const chars = Array.from(text);
    if (chars.length === 0) throw new Error('MarkovOracle.fitText: the text is empty');
    const symbols = [...new Set(chars)].sort();
    const V = symbols.length;
    const index = new Map(symbols.map((c, i) => [c, i]));
    const unigram = new Float64Array(V);
    const bigram = new Float64Array(V * V);
    let prev = -1;
    for (const c of chars) {
      const id = index.get(c)!;
      unigram[id]++;
      if (prev >= 0) bigram[prev * V + id]++;
      prev = id;
    }
    const smooth = (counts: Float64Array, offset: number): number[] => {
      let total = 0;
      for (let v = 0; v < V; v++) total += counts[offset + v] + alpha;
      return Array.from({ length: V }, (_, v) => (total > 0 ? (counts[offset + v] + alpha) / total : 1 / V));
    };
    return new MarkovOracle(
      { initial: smooth(unigram, 0), transition: Array.from({ length: V }, (_, a) => smooth(bigram, a * V)) },
      { name: options.name ?? 'markov-text', alphabet: symbols.join('') },
    );
  }

  toJSON(): MarkovJSON {
    return {
      type: 'markov',
      ...this.optionalJSON(),
      maskId: this.V,
      initial: Array.from(this.initial),
      transition: tableRows(this.transition, this.V, this.V),
    };
  }
}
