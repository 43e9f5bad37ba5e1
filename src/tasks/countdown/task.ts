/**
 * The Countdown task adapter: canvases as long as the model's context (48 tokens for the built-in
 * `countdown`, 64 for `countdown-64`, which takes the public 4-number files), graded by the strict checker.
 */
import * as countdown from '../countdown.js';
import { describeSelection } from '../data.js';
import { choiceOption } from '../options.js';
import type { ModelCard } from '../../models/card.js';
import { charId, selectionText, textOf, type Task } from '../task.js';

/** The canvas of the built-in `countdown` model: what a file is checked against when no model is named. */
const DEFAULT_CANVAS_LENGTH = 48;
/** The canvas of the built-in `countdown-64`, named when a problem is refused by a shorter one that it would fit. */
const COUNTDOWN_64 = 64;
/** Beyond this a card's context is not a Countdown canvas (the card left contextLimit out: unlimited). */
const MAX_CANVAS_LENGTH = 512;

/** A Countdown model's canvas is its whole context: the prompt, the solution, then EOS to the end. */
export function countdownCanvasLength(card?: ModelCard): number {
  if (!card) return DEFAULT_CANVAS_LENGTH;
  if (card.contextLimit > MAX_CANVAS_LENGTH)
    throw new Error(`countdown: model ${card.name}'s card gives no canvas length (contextLimit ${card.contextLimit === Number.MAX_SAFE_INTEGER ? 'unset' : card.contextLimit}); a countdown model's card sets contextLimit to its canvas length (≤ ${MAX_CANVAS_LENGTH})`);
  return card.contextLimit;
}
/** The generator's defaults, the range the built-in countdown model was trained on (training/FORMATS.md). */
const TRAINED_MAX_NUMBER = 99;
const TRAINED_MAX_TARGET = 999;

/** The shortest step a solution can have, `a+b=c`. */
const MIN_STEP = 5;

/**
 * How a problem fits a canvas of `length` tokens (prompt, solution, at least one EOS): `refuse` when it
 * cannot (no room for even one step and its EOS, or the file's own solution does not fit);
 * `tight` when its longest possible solution (step results within max(999, target)) would not
 * fit, so a long answer would be cut off. Problems within the training range are never tight.
 */
function countdownRoom(e: countdown.CountdownRecord, length: number): { refuse: string | null; tight: boolean } {
  const prompt = countdown.formatPrompt(e);
  const room = length - prompt.length - 1;
  const head = `the prompt ${prompt} (${prompt.length} characters) leaves ${Math.max(0, room)} of the ${length} canvas positions for the solution (one more for EOS)`;
  if (room < MIN_STEP) return { refuse: `${head}, fewer than the shortest step a+b=c`, tight: true };
  const given = e.solution ? countdown.formatSolution(e.solution).length : 0;
  if (given > room) return { refuse: `${head}; the file's solution has ${given}`, tight: true };
  const longest = countdown.maxSolutionLength(e.numbers.length, Math.max(TRAINED_MAX_TARGET, e.target), Math.max(TRAINED_MAX_NUMBER, ...e.numbers));
  return { refuse: null, tight: longest > room };
}

const beyondTraining = (r: countdown.CountdownRecord) => r.numbers.some((x) => x > TRAINED_MAX_NUMBER) || r.target > TRAINED_MAX_TARGET;

export const countdownTask: Task<countdown.CountdownRecord> = {
  name: 'countdown',
  defaultModel: 'countdown',
  options: { count: choiceOption([3, 4]) },
  generate: (seed, n, options) => countdown.generateSet(seed, n, { count: (options.count as 3 | 4) ?? 3 }),
  readData: (content, source, selection, card) => {
    const file = countdown.readCountdownJsonl(content, source, selection);
    if (file.rows === 0) throw new Error(`${source}: no problem: the file is empty`);
    const length = countdownCanvasLength(card);
    const modelName = card?.name ?? 'countdown';
    let tight = 0;
    file.records.forEach((r, i) => {
      const fit = countdownRoom(r, length);
      if (fit.refuse)
        throw new Error(
          `${source}:${file.lines[i]}: the ${modelName} model cannot take this problem: ${fit.refuse}` +
            (length < COUNTDOWN_64 && !countdownRoom(r, COUNTDOWN_64).refuse ? `; it fits the ${COUNTDOWN_64}-token canvas of countdown-64 (--model countdown-64)` : ''),
        );
      if (fit.tight) tight++;
    });
    // Problems beyond the training range are new to the model: evaluated, marked and said, never silently.
    const beyond = file.records.filter(beyondTraining).length;
    const examples = beyond === 0 ? file.records : file.records.map((r) => ({ ...r, extra: { ...r.extra, range: beyondTraining(r) ? 'beyond training' : 'within training' } }));
    const counts = [...new Set(examples.map((r) => r.numbers.length))].sort((a, b) => a - b).map((c) => `${examples.filter((r) => r.numbers.length === c).length} with ${c} numbers`);
    return {
      examples,
      summary:
        `countdown JSONL, layout: ${countdown.LAYOUT_TEXT[file.layout!]}; ${counts.join(', ')}` +
        describeSelection(selection).filter((p) => p.startsWith('columns')).map((p) => `; ${p}`).join('') +
        selectionText(selection, examples.length, file.rows, 'lines'),
      notes: [
        ...(beyond
          ? [
              `${source}: ${beyond} of ${examples.length} problems have a number above ${TRAINED_MAX_NUMBER} or a target above ${TRAINED_MAX_TARGET}, ` +
                'beyond the range the generator makes and the built-in countdown model was trained on; they are evaluated and marked range="beyond training" (the report breaks accuracy down by it)',
            ]
          : []),
        ...(tight
          ? [
              `${source}: ${tight} of ${examples.length} problems leave less room after the prompt than their longest possible solution needs ` +
                `(the canvas has ${length} positions); an answer longer than the room left is cut off and graded wrong`,
            ]
          : []),
      ],
    };
  },
  fromPrompt: (prompt) => {
    // "44,15,79,50" (the JSONL input field) or the model's own "44,15,79:50=".
    if (prompt.includes(':')) return countdown.parsePrompt(prompt.endsWith('=') ? prompt : `${prompt}=`);
    const parts = prompt.split(',').map((s) => Number(s.trim()));
    if (parts.length < 3 || parts.some((x) => !Number.isInteger(x) || x <= 0))
      throw new Error(`countdown prompt ${JSON.stringify(prompt)}: expected numbers and the target, e.g. "44,15,79,50"`);
    return { numbers: parts.slice(0, -1), target: parts.at(-1)! };
  },
  encode: (e, m) => {
    const prompt = countdown.formatPrompt(e);
    const length = countdownCanvasLength(m.card);
    if (prompt.length >= length) throw new Error(`countdown prompt ${prompt} is too long for the ${length}-token canvas of model ${m.card.name}`);
    const canvas = new Int32Array(length).fill(m.card.maskId);
    for (let i = 0; i < prompt.length; i++) canvas[i] = charId(m, prompt[i]);
    return { canvas, promptLength: prompt.length };
  },
  grade: async (e, output, m) => {
    const start = countdown.formatPrompt(e).length;
    const answer = textOf(m, output, start);
    const check = countdown.checkSolution(e, answer);
    return { correct: check.correct, score: null, answer, ...(check.reason ? { reason: check.reason } : {}) };
  },
  describe: (e) => ({ count: e.numbers.length, numbers: e.numbers.join(','), target: e.target, ...e.extra }),
};
