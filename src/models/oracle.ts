/** What an exact oracle model offers beyond a denoiser: the joint it samples from. */
import type { Rng } from '../core/rng.js';
import type { Denoiser } from './denoiser.js';

export interface Oracle extends Denoiser {
  /** Display characters, one per symbol, when the model has them. */
  readonly alphabet?: string;
  /** Exact log P(x) of a sequence without masks (a prefix gives its marginal). */
  logProb(sequence: Int32Array): number;
  /** A sequence drawn from the joint. */
  sample(rng: Rng, length: number): Int32Array;
  /** Symbols as text; masks shown as `_`. */
  detokenize(ids: Int32Array): string;
}

export function isOracle(d: Denoiser): d is Oracle {
  const o = d as Partial<Oracle>;
  return typeof o.logProb === 'function' && typeof o.sample === 'function';
}

/**
 * Text → ids for a model with an alphabet (`_` = mask), or whitespace-separated ids
 * (`_` = mask) for one without. Errors name the offending character or token; `idsNote` says
 * why the prompt is read as ids (e.g. a model directory without tokenizer files).
 */
export function encodeText(text: string, alphabet: string | undefined, vocabSize: number, maskId: number, idsNote?: string): Int32Array {
  if (alphabet) {
    return Int32Array.from([...text], (ch, i) => {
      if (ch === '_') return maskId;
      const id = alphabet.indexOf(ch);
      if (id < 0) throw new Error(`prompt: character ${JSON.stringify(ch)} at index ${i} is not in the model's alphabet ${JSON.stringify(alphabet)}`);
      return id;
    });
  }
  const parts = text.trim() === '' ? [] : text.trim().split(/[\s,]+/);
  return Int32Array.from(parts, (tok, i) => {
    if (tok === '_') return maskId;
    const id = Number(tok);
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize || id === maskId)
      throw new Error(`prompt: token ${i} is ${JSON.stringify(tok)}, expected an id in [0, ${vocabSize}) other than the mask ${maskId}, or _ for a mask${idsNote ? ` (${idsNote})` : ''}`);
    return id;
  });
}
