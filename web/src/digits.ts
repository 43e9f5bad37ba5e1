/**
 * The digits task in the page (the worker): the built-in `digits` model draws a 14×14 image of
 * four grey levels for a requested class, and the independent judge of models/digits-judge (the
 * CNN Node grades digits with, src/tasks/digits/judge.ts) says which class it sees. Node's digits
 * task reads the judge from disk with onnxruntime-node, so it cannot be bundled here; this module
 * is the same task with the judge fetched from the server and run on onnxruntime-web. The image
 * format and prompt parsing are the library's own environment-neutral modules.
 */
import type { OrtRuntime, Outcome, Task } from '../../src/index.js';
import { describeSelection } from '../../src/tasks/data.js';
import { parseDigitsCsv } from '../../src/tasks/digits/data.js';
import { DIGIT_PIXELS, DIGIT_SIZE, imageToText, intensities, LEVEL_CHARS, LEVELS, parseDigitClass, type DigitImage } from '../../src/tasks/digits/image.js';
import { integerOption } from '../../src/tasks/options.js';
import { charId, type ModelView } from '../../src/tasks/task.js';
import type { DigitVerdict } from './protocol.js';

export interface DigitsExample {
  label: number;
}

/** The image in a decoded canvas (positions 1..196); a token that is no grey level counts as background. */
export function imageOfOutput(output: ArrayLike<number>, model: ModelView): { image: DigitImage; nonPixel: number } {
  if (output.length !== 1 + DIGIT_PIXELS) throw new Error(`digits: a canvas of ${output.length} tokens, expected ${1 + DIGIT_PIXELS} (class + pixels)`);
  const image = new Uint8Array(DIGIT_PIXELS);
  let nonPixel = 0;
  for (let p = 0; p < DIGIT_PIXELS; p++) {
    const level = LEVEL_CHARS.indexOf(model.tokenizer.tokenText(output[1 + p]) ?? '\u0000');
    if (level < 0) nonPixel++;
    image[p] = Math.max(0, level);
  }
  return { image, nonPixel };
}

/** The fields of judge.json the page relies on, checked as Node's loader checks them. */
function checkJudgeCard(card: unknown, source: string): { features: number } {
  const field = (k: string): unknown => (typeof card === 'object' && card !== null ? Reflect.get(card, k) : undefined);
  const expect = (k: string, ok: boolean, what: string) => {
    if (!ok) throw new Error(`${source}: field "${k}" is ${JSON.stringify(field(k))}, expected ${what}`);
  };
  expect('format', field('format') === 'infogain-digit-judge', '"infogain-digit-judge"');
  expect('size', field('size') === DIGIT_SIZE, String(DIGIT_SIZE));
  expect('levels', field('levels') === LEVELS && field('levelChars') === LEVEL_CHARS, `${LEVELS} (${LEVEL_CHARS})`);
  expect('classes', field('classes') === 10, '10');
  const features = field('features');
  expect('features', Number.isInteger(features) && Number(features) >= 1, 'a positive integer');
  return { features: Number(features) };
}

async function fetchOk(url: URL): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status}, expected the digits judge's file (models/digits-judge)`);
  return response;
}

/** The judge's session, loaded from `dir` (a URL ending in /) on first use. */
export class PageDigitJudge {
  private session: ReturnType<OrtRuntime['InferenceSession']['create']> | null = null;

  constructor(private readonly runtime: OrtRuntime, private readonly dir: URL) {}

  private load(): ReturnType<OrtRuntime['InferenceSession']['create']> {
    this.session ??= (async () => {
      const cardUrl = new URL('judge.json', this.dir);
      checkJudgeCard(await (await fetchOk(cardUrl)).json(), cardUrl.pathname);
      const bytes = new Uint8Array(await (await fetchOk(new URL('judge.onnx', this.dir))).arrayBuffer());
      return this.runtime.InferenceSession.create(bytes);
    })();
    this.session.catch(() => (this.session = null));
    return this.session;
  }

  /** The class probabilities of one image. */
  async probabilities(image: DigitImage): Promise<number[]> {
    const session = await this.load();
    const out = await session.run({ pixels: new this.runtime.Tensor('float32', intensities(image), [1, DIGIT_PIXELS]) });
    const logits = Array.from(out.logits.data as Float32Array);
    const max = Math.max(...logits);
    const e = logits.map((v) => Math.exp(v - max));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / sum);
  }

  /** What the judge sees in a decoded canvas, and the task's outcome for it (as Node grades it). */
  async verdict(requested: number, output: ArrayLike<number>, model: ModelView): Promise<{ verdict: DigitVerdict; outcome: Outcome }> {
    const { image, nonPixel } = imageOfOutput(output, model);
    const probs = await this.probabilities(image);
    const predicted = probs.indexOf(Math.max(...probs));
    const reasons = [
      ...(predicted === requested ? [] : [`the judge sees a ${predicted} (p ${probs[predicted].toFixed(3)})`]),
      ...(nonPixel ? [`${nonPixel} non-pixel tokens read as background`] : []),
    ];
    const outcome: Outcome = { correct: predicted === requested, score: probs[requested], answer: imageToText(image), ...(reasons.length ? { reason: reasons.join('; ') } : {}) };
    return { verdict: { levels: Array.from(image), requested, predicted, probs }, outcome };
  }
}

/** The digits task, graded by `judge`. */
export function pageDigitsTask(judge: PageDigitJudge): Task<DigitsExample> {
  return {
    name: 'digits',
    defaultModel: 'digits',
    options: { digit: integerOption(0, 9, 'an integer within 0..9 (every example asks for that class)') },
    generate: (_seed, n, options) => Array.from({ length: n }, (_, i) => ({ label: (options.digit as number | undefined) ?? i % 10 })),
    readData: (content, source, selection) => {
      if (describeSelection(selection).length) throw new Error(`${source}: --data-columns and --data-filter do not apply to digits: its data files are label,pixels CSV`);
      const digits = parseDigitsCsv(content, source);
      return { examples: digits.map((d) => ({ label: d.label })), summary: `digits CSV, ${digits.length} rows`, notes: [] };
    },
    fromPrompt: (prompt) => ({ label: parseDigitClass(prompt) }),
    encode: (e, m) => {
      const canvas = new Int32Array(1 + DIGIT_PIXELS).fill(m.card.maskId);
      canvas[0] = charId(m, String(e.label));
      return { canvas, promptLength: 1 };
    },
    grade: async (e, output, m) => (await judge.verdict(e.label, output, m)).outcome,
    describe: (e) => ({ digit: e.label }),
  };
}
