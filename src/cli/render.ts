/**
 * Terminal views of a decoded canvas that make the decoding order visible.
 */
import type { SequenceTrace } from '../decode/trace.js';

/** Step (1-based) at which each position was last committed; 0 for positions never decoded. */
export function commitOrder(trace: SequenceTrace): Int32Array {
  const order = new Int32Array(trace.output.length);
  trace.steps.forEach((s, i) => {
    for (const c of s.commits) order[c.position] = i + 1;
    for (const p of s.eosFilled ?? []) order[p] = i + 1;
  });
  return order;
}

const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz';

/** One character per step: 1–9, a–z, then A–Z, `+` beyond. Positions never decoded show `·`. */
export function orderChar(step: number): string {
  if (step <= 0) return '·';
  if (step < 36) return BASE36[step];
  if (step < 62) return String.fromCharCode(65 + step - 36);
  return '+';
}

/** A 9×9 board beside the step at which each blank was filled. */
export function renderSudoku(cells: string, order: Int32Array): string {
  const lines: string[] = ['board                    fill order (step, base 36; · = given)'];
  for (let r = 0; r < 9; r++) {
    if (r === 3 || r === 6) lines.push('------+-------+------   ------+-------+------');
    const row = (f: (c: number) => string) =>
      Array.from({ length: 9 }, (_, c) => f(9 * r + c) + (c === 2 || c === 5 ? ' |' : '')).join(' ');
    lines.push(`${row((i) => cells[i] ?? '?')}   ${row((i) => orderChar(order[i]))}`);
  }
  return lines.join('\n');
}

/** A line of text with the fill order of each character beneath it, wrapped at `width`. */
export function renderLine(text: string[], order: Int32Array, from: number, width = 64): string {
  const out: string[] = [];
  for (let s = from; s < text.length; s += width) {
    const end = Math.min(s + width, text.length);
    out.push(text.slice(s, end).map((c) => (c === '\n' ? '↵' : c)).join(''));
    out.push(Array.from({ length: end - s }, (_, j) => orderChar(order[s + j])).join(''));
  }
  return out.join('\n');
}
