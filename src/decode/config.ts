/** Decode-loop parameters (spec §2.2, decisions D1–D9), declared as data like a sampler's. */
import { SCHEDULE_NAMES, type ScheduleName } from '../core/schedule.js';
import { defineParams, type ParamsOf } from '../samplers/params.js';

export interface DecodeConfig {
  /**
   * Total steps over the whole region, divided evenly among its blocks (the reference's rule);
   * null = as many steps as masks. With masks spread unevenly over blocks (infilling) a block
   * with more than its share commits several per step.
   */
  steps: number | null;
  /** Block length; null = the whole region is one block (or the card's block size). */
  blockLength: number | null;
  schedule: ScheduleName;
  /** τ_tok. */
  temperature: number;
  /** High-confidence bypass threshold; null = off. */
  threshold: number | null;
  /**
   * After every commit, masks after the first EOS of the generation region (the positions after
   * the prompt) become EOS; tokens given in the prompt are never changed.
   */
  eosFill: boolean;
  /**
   * After a step whose EOS fill changed the canvas, drop the lookahead predictions the sampler
   * handed on, so the next step decides on a fresh forward of the filled canvas. Off by default:
   * the reference decides on the lookahead's pre-fill predictions (spec §2.2 step 6).
   */
  eosRefresh: boolean;
  /**
   * KV-cache mode (spec §3, D1–D2): `none` forwards whole canvases; `prefix` forwards the block
   * and everything after it against the keys/values of the positions before the block, `dual`
   * only the block against every other position's, both cached at block entry. Exact for
   * block-causal models, an approximation for full-attention ones. Needs a cache graph.
   */
  useCache: CacheMode;
  /**
   * A Dream-style shifted model (card `logitShift`) in a cache mode: position s's logit is the
   * output of s − 1, outside a window that starts at the block's first position s (spec §2.5,
   * decision D11). `overlap` starts every window of the block at s − 1, so s is predicted inside
   * it and decided like any position; `forced` is the reference's rule: commit s at block entry
   * from the entry forward (a `forced` step in the trace) and decide only (s, e) afterwards.
   */
  shiftedFirst: ShiftedFirst;
}

export const CACHE_MODES = ['none', 'prefix', 'dual'] as const;
export type CacheMode = (typeof CACHE_MODES)[number];
export const SHIFTED_FIRST = ['overlap', 'forced'] as const;
export type ShiftedFirst = (typeof SHIFTED_FIRST)[number];

export const DECODE_PARAMS = defineParams({
  steps: { kind: 'integer', default: null, nullable: true, min: 1, help: 'total decoding steps, split evenly over blocks; none = #masks (one token per step when every block holds its share)' },
  block_length: { kind: 'integer', default: null, nullable: true, min: 1, help: 'semi-autoregressive block length; none = one block' },
  schedule: { kind: 'choice', default: 'dllm', choices: SCHEDULE_NAMES, help: 'tokens-per-step schedule within a block' },
  temperature: { kind: 'number', default: 0, min: 0, help: 'token temperature τ_tok (0 = argmax)' },
  threshold: { kind: 'number', default: null, nullable: true, min: 0, max: 1, help: 'high-confidence bypass: commit positions whose top-1 probability ≥ this without the sampler' },
  eos_fill: { kind: 'boolean', default: true, help: 'after each commit, fill the masks after the first EOS of the generation region (after the prompt) with EOS' },
  eos_refresh: { kind: 'boolean', default: false, help: 'after an EOS fill, decide the next step on a fresh forward instead of the lookahead\'s pre-fill predictions (the reference\'s behaviour)' },
  use_cache: { kind: 'choice', default: 'none', choices: CACHE_MODES, help: 'KV cache: none (whole canvas every forward), prefix (block and after, against cached keys/values before the block), dual (block only, against every other position cached at block entry); needs a cache graph' },
  shifted_first: {
    kind: 'choice', default: 'overlap', choices: SHIFTED_FIRST,
    help: "a Dream-style shifted model in a cache mode: overlap (windows start one position before the block, so its first position is predicted inside them) or forced (the reference: commit the block's first position at block entry)",
  },
});

/** The decode parameters as declared (the keys of `--set`, traces and run metadata). */
export type DecodeParams = ParamsOf<typeof DECODE_PARAMS>;

export function toDecodeConfig(p: DecodeParams): DecodeConfig {
  return {
    steps: p.steps,
    blockLength: p.block_length,
    schedule: p.schedule,
    temperature: p.temperature,
    threshold: p.threshold,
    eosFill: p.eos_fill,
    eosRefresh: p.eos_refresh,
    useCache: p.use_cache,
    shiftedFirst: p.shifted_first,
  };
}

/** The inverse of `toDecodeConfig`, keys in declaration order: what traces and run metadata record. */
export function decodeParamsOf(c: DecodeConfig): DecodeParams {
  return {
    steps: c.steps,
    block_length: c.blockLength,
    schedule: c.schedule,
    temperature: c.temperature,
    threshold: c.threshold,
    eos_fill: c.eosFill,
    eos_refresh: c.eosRefresh,
    use_cache: c.useCache,
    shifted_first: c.shiftedFirst,
  };
}
