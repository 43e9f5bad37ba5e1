import { describe, expect, it } from 'vitest';
import { parseCard } from '../src/models/card.js';
import { HfTokenizer } from '../src/models/tokenizer.js';
import { countdownTask, sudokuTask, textTask, taskByName, type ModelView } from '../src/tasks/index.js';
import { solve } from '../src/tasks/sudoku.js';
import { loadHeldout } from '../src/tasks/text.js';

/** A character-level model view in the format of training/FORMATS.md (ids 0–3 special, chars sorted, then unk). */
function charModel(chars: string, contextLimit: number): ModelView {
  const specials = ['<|endoftext|>', '<|mdm_mask|>', '<|user|>', '<|assistant|>'];
  const sorted = [...new Set(chars)].sort();
  const vocab: Record<string, number> = {};
  specials.forEach((s, i) => (vocab[s] = i));
  sorted.forEach((c, i) => (vocab[c] = 4 + i));
  vocab['<|unk|>'] = 4 + sorted.length;
  const json = {
    version: '1.0', truncation: null, padding: null, normalizer: null, pre_tokenizer: null, post_processor: null, decoder: { type: 'Fuse' },
    added_tokens: [...specials, '<|unk|>'].map((content) => ({ id: vocab[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    model: { type: 'BPE', dropout: null, unk_token: '<|unk|>', continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab, merges: [] },
  };
  const tokenizer = HfTokenizer.fromObjects(json, { eos_token: '<|endoftext|>', pad_token: '<|endoftext|>', mask_token: '<|mdm_mask|>' }, 'test');
  const card = parseCard({ name: 't', vocabSize: sorted.length + 5, maskId: 1, eosId: 0, padId: 0, contextLimit }, 'card');
  return { card, tokenizer };
}

describe('task canvases follow training/FORMATS.md', () => {
  it('sudoku: 81 cells, digit d is id d + 3, blanks are the mask; graded by the rules', async () => {
    const m = charModel('123456789', 81);
    const [e] = sudokuTask.generate(3, 1, { blanks: 45 });
    const { canvas, promptLength } = sudokuTask.encode(e, m);
    expect(promptLength).toBe(81);
    expect(canvas).toHaveLength(81);
    canvas.forEach((id, i) => expect(id).toBe(e.puzzle[i] === 0 ? 1 : e.puzzle[i] + 3));
    const solved = Int32Array.from(solve(e.puzzle)!, (d) => d + 3);
    expect(await sudokuTask.grade(e, solved, m)).toMatchObject({ correct: true });
    const broken = solved.slice();
    const blank = e.puzzle.indexOf(0);
    broken[blank] = broken[blank] === 4 ? 5 : 4;
    const bad = await sudokuTask.grade(e, broken, m);
    expect(bad.correct).toBe(false);
    expect(bad.reason).toMatch(/repeats/);
    expect(sudokuTask.describe(e)).toMatchObject({ blanks: 45 });
  });

  it('countdown: the prompt, then masks to 48 tokens; the answer ends at the first EOS', async () => {
    const m = charModel('*+,-/0123456789:=', 48);
    const e = countdownTask.fromPrompt('44,15,79,50', {});
    const { canvas, promptLength } = countdownTask.encode(e, m);
    expect(m.tokenizer.decode(canvas.slice(0, promptLength))).toBe('44,15,79:50=');
    expect(canvas).toHaveLength(48);
    expect([...canvas.slice(promptLength)].every((id) => id === 1)).toBe(true);
    const answer = m.tokenizer.encode('44-15=29,79-29=50');
    const output = new Int32Array(48).fill(0);
    output.set(canvas.subarray(0, promptLength));
    output.set(answer, promptLength);
    output[promptLength + answer.length + 2] = m.tokenizer.tokenId('7')!; // after the first EOS: ignored
    expect(await countdownTask.grade(e, output, m)).toMatchObject({ correct: true, answer: '44-15=29,79-29=50' });
    output.set(m.tokenizer.encode('44+15=59'), promptLength);
    expect((await countdownTask.grade(e, output, m)).reason).toBe('step 2: 29 is not available (not given)');
    expect(countdownTask.fromPrompt('44,15,79:50=', {})).toEqual(e);
  });

  it('text: `_` is a mask, prompts stay; the judge scores real text above a loop, which is flagged', async () => {
    const held = loadHeldout();
    const m = charModel(held, 128);
    const [e] = textTask.generate(0, 1, { kind: 'infilling' });
    const { canvas, promptLength } = textTask.encode(e, m);
    expect(canvas).toHaveLength(128);
    expect(promptLength).toBe(128);
    expect([...canvas].filter((id) => id === 1)).toHaveLength(e.masked.length);
    const original = m.tokenizer.encode(e.original);
    const good = await textTask.grade(e, original, m);
    const loop = await textTask.grade(e, m.tokenizer.encode('a'.repeat(128)), m);
    expect(good.score!).toBeGreaterThan(loop.score!);
    expect(loop.reason).toMatch(/^degenerate/);
    const u = textTask.fromPrompt('ROMEO:', { length: 20 });
    expect(textTask.encode(u, m).promptLength).toBe(6);
    expect(textTask.encode(u, m).canvas).toHaveLength(20);
  });

  it('unknown tasks and characters fail clearly', () => {
    expect(() => taskByName('go')).toThrow(/unknown task "go"; available: sudoku, countdown, text/);
    const m = charModel('0123', 48);
    expect(() => countdownTask.encode({ numbers: [1, 2], target: 3 }, m)).toThrow(/has no token for ","/);
  });
});
