/**
 * The text task's model-independent reference, sampled exactly from a character bigram chain.
 *
 * Baseline (`bigramBaseline`): `length` characters drawn from a character bigram chain
 * (MarkovOracle) at temperature 1, continuing from the last character of the prompt (from the
 * chain's initial distribution when the prompt is empty): exact ancestral sampling from the
 * chain's own float64 tables.
 */
import { drawCategory } from '../../core/math.js';
import type { Rng } from '../../core/rng.js';
import type { MarkovOracle } from '../../models/oracles/markov.js';
import { TextTaskError } from './error.js';

/**
 * A bigram chain with its float64 tables, built once: whoever samples from the same chain many
 * times (the text task's reference) keeps one; a MarkovOracle passed directly is tabled per call.
 */
export class BigramChain {
  readonly initial: Float64Array;
  readonly transition: Float64Array;
  readonly V: number;

  constructor(readonly markov: MarkovOracle) {
    const json = markov.toJSON();
    this.V = json.initial.length;
    this.initial = Float64Array.from(json.initial);
    this.transition = Float64Array.from(json.transition.flat());
  }
}

const chainOf = (chain: BigramChain | MarkovOracle): BigramChain => (chain instanceof BigramChain ? chain : new BigramChain(chain));

/**
 * `length` characters sampled from the bigram chain at temperature 1 after `prompt` (returned
 * without the prompt). The prompt must be in the chain's alphabet, with no masks.
 */
export function bigramBaseline(chain: BigramChain | MarkovOracle, rng: Rng, prompt: string, length: number): string {
  if (!Number.isInteger(length) || length < 0) throw new TextTaskError(`bigramBaseline: length must be an integer ≥ 0, got ${length}`);
  const { markov, initial, transition, V } = chainOf(chain);
  const ids = markov.encode(prompt);
  if (ids.includes(V)) throw new TextTaskError('bigramBaseline: the prompt holds a mask; it must be plain text');
  const out = new Int32Array(length);
  let prev = ids.length > 0 ? ids[ids.length - 1] : -1;
  for (let i = 0; i < length; i++) {
    prev = prev < 0 ? drawCategory(initial, 0, V, rng.nextFloat64()) : drawCategory(transition, prev * V, V, rng.nextFloat64());
    out[i] = prev;
  }
  return markov.decode(out);
}

/**
 * An exact sample of the masked characters of `canvas` (MASK_CHAR marks them) from the bigram
 * chain conditioned on every given character: each masked run between a left character a (or the
 * text start) and a right character b (or the text end) is drawn from
 * P(x₁…x_L | a, b) ∝ P(x₁|a)·∏P(x_{t+1}|x_t)·P(b|x_L) by backward messages then forward sampling
 * (the chain is order 1, so runs are independent given their neighbours). Returns the whole text.
 */
export function bigramInfill(chain: BigramChain | MarkovOracle, rng: Rng, canvas: string): string {
  const { markov, initial, transition, V } = chainOf(chain);
  const ids = markov.encode(canvas); // the mask encodes as V
  const beta: Float64Array[] = [];
  const row = new Float64Array(V);
  for (let s = 0; s < ids.length; s++) {
    if (ids[s] !== V) continue;
    let e = s;
    while (e < ids.length && ids[e] === V) e++;
    // beta[t][x] ∝ P(rest of the run and b | x_{s+t} = x), normalised to max 1 against underflow.
    const L = e - s;
    for (let t = L - 1; t >= 0; t--) {
      const b = (beta[t] ??= new Float64Array(V));
      for (let x = 0; x < V; x++) {
        let acc = 0;
        if (t === L - 1) acc = e < ids.length ? transition[x * V + ids[e]] : 1;
        else for (let y = 0; y < V; y++) acc += transition[x * V + y] * beta[t + 1][y];
        b[x] = acc;
      }
      let max = 0;
      for (let x = 0; x < V; x++) max = Math.max(max, b[x]);
      for (let x = 0; x < V; x++) b[x] /= max;
    }
    for (let t = 0; t < L; t++) {
      const prev = s + t > 0 ? ids[s + t - 1] : -1;
      let total = 0;
      for (let x = 0; x < V; x++) total += row[x] = (prev < 0 ? initial[x] : transition[prev * V + x]) * beta[t][x];
      if (!(total > 0)) throw new TextTaskError(`bigramInfill: the chain gives every filling of positions ${s}–${e - 1} probability 0`);
      for (let x = 0; x < V; x++) row[x] /= total;
      ids[s + t] = drawCategory(row, 0, V, rng.nextFloat64());
    }
    s = e;
  }
  return markov.decode(ids);
}
