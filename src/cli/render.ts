/**
 * Terminal views of a decoded canvas. One rule for every model: `generate` prints the whole
 * canvas, the tokens it was given and the ones it decoded; on a terminal the given ones are
 * dimmed, and piped output is plain text (no escape codes). Task models add the fill order.
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

/** One character per step: 1–9, a–z (10–35), A–Z (36–61), `+` beyond. Positions never decoded show `·`. */
export function orderChar(step: number): string {
  if (step <= 0) return '·';
  if (step < 36) return BASE36[step];
  if (step < 62) return String.fromCharCode(65 + step - 36);
  return '+';
}

/** A 9×9 board beside the step at which each blank was filled. */
export function renderSudoku(cells: ArrayLike<string>, order: Int32Array): string {
  const lines: string[] = ['board                    fill order (step 1–9, a–z = 10–35, A–Z = 36–61; · = given)'];
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

/** ANSI dim (SGR 2) on a terminal; the text unchanged otherwise. */
export function dim(text: string, tty: boolean): string {
  return tty && text ? `\x1b[2m${text}\x1b[22m` : text;
}

/**
 * The whole canvas as text: runs of given positions (not masks in `initial`) dimmed on a
 * terminal, decoded runs plain. Piped output decodes the canvas in one piece, so it is exactly
 * the model's detokenization; on a terminal each run is decoded by itself (exact for character
 * vocabularies; a multi-token character split across a run boundary is the only difference).
 */
export function renderCanvas(
  initial: ArrayLike<number>,
  output: ArrayLike<number>,
  maskId: number,
  decode: (ids: number[]) => string,
  tty: boolean,
  separator = '',
): string {
  const ids = Array.from(output);
  if (!tty) return decode(ids);
  const runs: { given: boolean; ids: number[] }[] = [];
  ids.forEach((id, p) => {
    const given = initial[p] !== maskId;
    if (runs.at(-1)?.given === given) runs.at(-1)!.ids.push(id);
    else runs.push({ given, ids: [id] });
  });
  return runs.map((r) => (r.given ? dim(decode(r.ids), true) : decode(r.ids))).join(separator);
}
