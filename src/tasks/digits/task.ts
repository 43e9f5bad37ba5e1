/**
 * The digits task adapter (Node: the judge runs on onnxruntime-node): class-conditional 14×14
 * digit images for the built-in `digits` model. The canvas is the class character `0`–`9`, then
 * 196 masks; the model writes one grey-level token per pixel (training/FORMATS.md, "digits").
 * Graded by the independent CNN judge (judge.ts): correct when the judge's most likely class is
 * the requested one; score = the judge's probability of the requested class.
 */
import { describeSelection } from '../data.js';
import { integerOption } from '../options.js';
import { charId, type Outcome, type Task } from '../task.js';
import { parseDigitsCsv } from './data.js';
import { DIGIT_PIXELS, imageToText, LEVEL_CHARS, parseDigitClass, type DigitImage } from './image.js';
import { argmax, loadDigitJudge } from './judge.js';

export interface DigitsExample {
  /** The requested class, 0–9. */
  label: number;
}

/** The image in a decoded canvas (positions 1..196); a non-pixel token counts as background and is reported. */
export function imageOfOutput(output: Int32Array, tokenText: (id: number) => string | undefined): { image: DigitImage; nonPixel: number } {
  if (output.length !== 1 + DIGIT_PIXELS) throw new Error(`digits: a canvas of ${output.length} tokens, expected ${1 + DIGIT_PIXELS} (class + pixels)`);
  const image = new Uint8Array(DIGIT_PIXELS);
  let nonPixel = 0;
  for (let p = 0; p < DIGIT_PIXELS; p++) {
    const level = LEVEL_CHARS.indexOf(tokenText(output[1 + p]) ?? '\u0000');
    if (level < 0) nonPixel++;
    image[p] = Math.max(0, level);
  }
  return { image, nonPixel };
}

export const digitsTask: Task<DigitsExample> = {
  name: 'digits',
  defaultModel: 'digits',
  options: { digit: integerOption(0, 9, 'an integer within 0..9 (every example asks for that class)') },
  // Classes cycle 0..9, so any n ≥ 10 is class-balanced up to the remainder; the seed only changes the decoding.
  generate: (_seed, n, options) => Array.from({ length: n }, (_, i) => ({ label: (options.digit as number | undefined) ?? i % 10 })),
  readData: (content, source, selection) => {
    if (describeSelection(selection).length)
      throw new Error(`${source}: --data-columns and --data-filter do not apply to digits: its data files are label,pixels CSV (scripts/make-digits.ts)`);
    const digits = parseDigitsCsv(content, source);
    if (digits.length === 0) throw new Error(`${source}: no digit: the file holds only its header line`);
    return {
      examples: digits.map((d) => ({ label: d.label })),
      summary: `digits CSV, ${digits.length} rows: one example per row asking for its label's class (the pixels are not used)`,
      notes: [],
    };
  },
  fromPrompt: (prompt) => ({ label: parseDigitClass(prompt) }),
  encode: (e, m) => {
    const canvas = new Int32Array(1 + DIGIT_PIXELS).fill(m.card.maskId);
    canvas[0] = charId(m, String(e.label));
    return { canvas, promptLength: 1 };
  },
  grade: async (e, output, m) => {
    const { image, nonPixel } = imageOfOutput(output, (id) => m.tokenizer.tokenText(id));
    const [verdict] = await (await loadDigitJudge()).judge([image]);
    const seen = argmax(verdict.probs);
    const reasons = [
      ...(seen === e.label ? [] : [`the judge sees a ${seen} (p ${verdict.probs[seen].toFixed(3)})`]),
      ...(nonPixel ? [`${nonPixel} non-pixel tokens read as background`] : []),
    ];
    const outcome: Outcome = { correct: seen === e.label, score: verdict.probs[e.label], answer: imageToText(image) };
    return reasons.length ? { ...outcome, reason: reasons.join('; ') } : outcome;
  },
  describe: (e) => ({ digit: e.label }),
};
