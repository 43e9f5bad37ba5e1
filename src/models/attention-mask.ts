/**
 * The attention_mask input of a graph, and the additive mask infogain builds for the exports
 * whose attention is steered from outside (dllm's BD3LM exports: `attention_mask` float
 * [1, 1, T, T], 0 = attend, −1e9 = blocked). The pattern is the card's `attention`: block-causal
 * with block size b lets query position q see key position k when ⌊k/b⌋ ≤ ⌊q/b⌋ (blocks aligned
 * to absolute positions, as the exports' `pos // 32` grid); full attention blocks nothing.
 */
import type { Attention } from './card.js';
import { HALF_LOWEST_BITS } from './float16.js';

export type AttentionMaskInput =
  | { kind: 'none' }
  /** int64 [batch, length]: a padding mask; every position is real, so all ones. */
  | { kind: 'ones' }
  /** float [1, 1, length, length], added to the attention scores. */
  | { kind: 'additive'; type: 'float32' | 'float16' };

/** "Blocked" in a float32 additive mask: the value the BD3LM exports were checked with. */
export const BLOCKED = -1e9;

/** Whether query position q may attend to key position k under `attention`. */
export function attends(attention: Attention, q: number, k: number): boolean {
  return attention.kind === 'full' || Math.floor(k / attention.blockSize) <= Math.floor(q / attention.blockSize);
}

/**
 * The additive mask [T, T] (row = query) as the graph's input type wants it: float32 values, or
 * float16 bits (blocked = −65504, the lowest finite half).
 */
export function additiveMask(attention: Attention, T: number, type: 'float32' | 'float16'): Float32Array | Uint16Array {
  const blocked = type === 'float32' ? BLOCKED : HALF_LOWEST_BITS;
  const mask = type === 'float32' ? new Float32Array(T * T) : new Uint16Array(T * T); // zeros: attend (+0 in both)
  if (attention.kind === 'full') return mask;
  const b = attention.blockSize;
  for (let q = 0; q < T; q++) {
    // Keys from the end of q's block on are blocked.
    const visible = Math.min(T, (Math.floor(q / b) + 1) * b);
    mask.fill(blocked, q * T + visible, (q + 1) * T);
  }
  return mask;
}
