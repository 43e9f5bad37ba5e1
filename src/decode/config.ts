/** Decode-loop parameters (spec §2.2, decisions D1–D9), declared as data like a sampler's. */
import { SCHEDULE_NAMES, type ScheduleName } from '../core/schedule.js';
import type { ParamSpec, Params } from '../samplers/params.js';

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
}

export const DECODE_PARAMS: readonly ParamSpec[] = [
  { key: 'steps', kind: 'integer', default: null, nullable: true, min: 1, help: 'total decoding steps, split evenly over blocks; none = #masks (one token per step when every block holds its share)' },
  { key: 'block_length', kind: 'integer', default: null, nullable: true, min: 1, help: 'semi-autoregressive block length; none = one block' },
  { key: 'schedule', kind: 'choice', default: 'dllm', choices: SCHEDULE_NAMES, help: 'tokens-per-step schedule within a block' },
  { key: 'temperature', kind: 'number', default: 0, min: 0, help: 'token temperature τ_tok (0 = argmax)' },
  { key: 'threshold', kind: 'number', default: null, nullable: true, min: 0, max: 1, help: 'high-confidence bypass: commit positions whose top-1 probability ≥ this without the sampler' },
  { key: 'eos_fill', kind: 'boolean', default: true, help: 'after each commit, fill the masks after the first EOS of the generation region (after the prompt) with EOS' },
  { key: 'eos_refresh', kind: 'boolean', default: false, help: 'after an EOS fill, decide the next step on a fresh forward instead of the lookahead\'s pre-fill predictions (the reference\'s behaviour)' },
];

export function toDecodeConfig(p: Params): DecodeConfig {
  return {
    steps: p.steps as number | null,
    blockLength: p.block_length as number | null,
    schedule: p.schedule as ScheduleName,
    temperature: p.temperature as number,
    threshold: p.threshold as number | null,
    eosFill: p.eos_fill as boolean,
    eosRefresh: p.eos_refresh as boolean,
  };
}
