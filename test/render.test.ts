/** The output rule of `generate` (render.ts): whole canvas, given tokens dimmed only on a terminal. */
import { describe, expect, it } from 'vitest';
import { orderChar, renderCanvas, renderSudoku } from '../src/cli/render.js';

const M = 9; // mask id
const decode = (ids: number[]) => ids.map((i) => 'abcdefgh'[i]).join('');

describe('renderCanvas', () => {
  const initial = [0, 1, M, M, 4, M];
  const output = [0, 1, 2, 3, 4, 5];
  it('piped: the whole canvas as plain text, decoded in one piece', () => {
    expect(renderCanvas(initial, output, M, decode, false)).toBe('abcdef');
  });
  it('on a terminal: each run of given tokens dimmed, decoded runs plain', () => {
    expect(renderCanvas(initial, output, M, decode, true)).toBe('\x1b[2mab\x1b[22mcd\x1b[2me\x1b[22mf');
    expect(renderCanvas(initial, output, M, (ids) => ids.join(' '), true, ' ')).toBe('\x1b[2m0 1\x1b[22m 2 3 \x1b[2m4\x1b[22m 5');
  });
});

describe('fill order characters', () => {
  it('are 1–9, a–z for 10–35, A–Z for 36–61, + beyond, as the Sudoku legend says', () => {
    expect([1, 9, 10, 35, 36, 61, 62, 0].map(orderChar)).toEqual(['1', '9', 'a', 'z', 'A', 'Z', '+', '·']);
    const board = renderSudoku('1'.repeat(81), new Int32Array(81).map((_, i) => i));
    expect(board.split('\n')[0]).toMatch(/fill order \(step 1–9, a–z = 10–35, A–Z = 36–61; · = given\)/);
    expect(board.split('\n')[1].endsWith('· 1 2 | 3 4 5 | 6 7 8')).toBe(true);
  });
});
