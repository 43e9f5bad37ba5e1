/**
 * The text task's data: the corpus split and the evaluation sets (windows of held-out text).
 *
 * Data. The generator is trained on the first 95% of `tinyshakespeare-train.txt` (the cut is
 * ⌊0.95·N⌋ characters, as `training/tasks.py` makes it). `splitCorpus` reproduces that cut; the
 * held-out text (`data/text/heldout.txt`, committed, ~50 KB) starts at the first line start at or
 * after the cut, so it never overlaps the training text (the partial line in between belongs to
 * neither). `scripts/make-text-assets.ts` rebuilds it and the judge from the shared corpus.
 *
 * Evaluation sets. A window is `length` consecutive characters of a passage (the held-out text by
 * default), its start uniform over every valid start of every passage. Positions are UTF-16 code
 * units (the held-out text is ASCII). Canvases show masks as `_` (MASK_CHAR, not in the alphabet).
 *  - Infilling: masked spans of 4–16 characters (`spanLength`) covering exactly
 *    round(maskFraction·length) characters (default 0.25: 32 of 128). Span lengths are drawn
 *    uniformly in [min, max], the last ones adjusted so that every span keeps ≥ min characters
 *    (where that is impossible, e.g. a target below min, one span is shorter), and shuffled; the unmasked characters are then
 *    split into the gaps uniformly over all compositions with at least one character between
 *    two spans, so spans never touch. `maskSpans` gives fixed spans instead.
 *  - Unconditional: the first `promptLength` characters of the window (possibly 0) are the
 *    prompt, the rest masks; `original` keeps the whole window as a reference.
 *  `generateSet(seed, n, opts)` makes example i from `new Rng(seed).fork(i)`.
 *
 * Environment-neutral: where no passages are given, the held-out text comes from the caller
 * (`defaultPassages`); files.ts binds it to the committed held-out file.
 */
import { Rng } from '../../core/rng.js';
import { TextTaskError } from './error.js';

/** The canvas character for a masked position. */
export const MASK_CHAR = '_';

/** The generator's training share of the corpus. */
export const TRAIN_FRACTION = 0.95;

export interface CorpusSplit {
  /** The first ⌊0.95·N⌋ characters (code points): the generator's and the judge's training text. */
  train: string;
  /** From the first line start at or after the cut to the end. */
  heldout: string;
  /** Code-point index of the cut. */
  cut: number;
  /** Code-point index where `heldout` starts (≥ cut). */
  heldoutStart: number;
}

/** The training / held-out split of the corpus (see the file comment). */
export function splitCorpus(text: string, trainFraction = TRAIN_FRACTION): CorpusSplit {
  if (!(trainFraction > 0 && trainFraction < 1)) throw new TextTaskError(`splitCorpus: trainFraction must be in (0, 1), got ${trainFraction}`);
  const chars = Array.from(text);
  const cut = Math.floor(chars.length * trainFraction);
  let start = cut;
  while (start < chars.length && !(start === 0 || chars[start - 1] === '\n')) start++;
  return { train: chars.slice(0, cut).join(''), heldout: chars.slice(start).join(''), cut, heldoutStart: start };
}

export interface WindowOptions {
  /** Window length in characters (default 128). */
  length?: number;
}

export interface InfillingOptions extends WindowOptions {
  /** Share of the window to mask (default 0.25). */
  maskFraction?: number;
  /** Span lengths [min, max] (default [4, 16]). */
  spanLength?: readonly [number, number];
  /** Fixed masked spans [start, end) instead of random ones. */
  maskSpans?: readonly (readonly [number, number])[];
}

export interface UnconditionalOptions extends WindowOptions {
  /** Characters of the window kept as the prompt (default 0). */
  promptLength?: number;
  /** Where windows come from (default: the committed held-out text). */
  passages?: readonly string[];
}

interface ExampleBase {
  /** `length` characters, MASK_CHAR at the masked positions. */
  canvas: string;
  /** The window the canvas was made from. */
  original: string;
  /** Masked positions, ascending. */
  masked: number[];
  /** Masked spans [start, end), ascending, disjoint. */
  spans: [number, number][];
  /** Which passage and where in it the window starts. */
  passage: number;
  offset: number;
}

export interface InfillingExample extends ExampleBase {
  kind: 'infilling';
}

export interface UnconditionalExample extends ExampleBase {
  kind: 'unconditional';
  /** The first promptLength characters of the window. */
  prompt: string;
}

export type TextExample = InfillingExample | UnconditionalExample;

function checkLength(length: number, what: string): void {
  if (!Number.isInteger(length) || length < 1) throw new TextTaskError(`${what}: length must be an integer ≥ 1, got ${length}`);
}

/** A uniformly random window of `length` characters over all valid starts of all passages. */
function drawWindow(rng: Rng, passages: readonly string[], length: number, what: string): { passage: number; offset: number; text: string } {
  let total = 0;
  for (const p of passages) total += Math.max(0, p.length - length + 1);
  if (total === 0) throw new TextTaskError(`${what}: no passage has ${length} characters`);
  let r = rng.nextInt(total);
  for (let i = 0; i < passages.length; i++) {
    const starts = Math.max(0, passages[i].length - length + 1);
    if (r < starts) {
      const text = passages[i].slice(r, r + length);
      if (text.includes(MASK_CHAR)) throw new TextTaskError(`${what}: passage ${i} holds the mask character ${MASK_CHAR} at ${r + text.indexOf(MASK_CHAR)}`);
      return { passage: i, offset: r, text };
    }
    r -= starts;
  }
  throw new Error('unreachable');
}

/** Random span lengths summing to `target` (see the file comment), shuffled. */
function spanLengths(rng: Rng, target: number, min: number, max: number): number[] {
  const out: number[] = [];
  let left = target;
  while (left > 0) {
    const hi = Math.min(max, left - min);
    let len: number;
    if (hi < min) len = Math.min(max, left);
    else len = min + rng.nextInt(hi - min + 1);
    out.push(len);
    left -= len;
  }
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Spans of the given lengths placed in [0, length) with ≥ 1 free character between two spans. */
function placeSpans(rng: Rng, lengths: number[], length: number): [number, number][] {
  const m = lengths.length;
  if (m === 0) return [];
  const masked = lengths.reduce((s, x) => s + x, 0);
  const free = length - masked - (m - 1); // characters left after the mandatory separators
  if (free < 0) {
    // Too many spans to separate: they merge into one masked block.
    const start = rng.nextInt(length - masked + 1);
    return [[start, start + masked]];
  }
  // Stars and bars: m bars among free + m slots, uniform over compositions of `free` into m + 1 gaps.
  const slots = free + m;
  const bars: number[] = [];
  const chosen = new Set<number>();
  while (bars.length < m) {
    const b = rng.nextInt(slots);
    if (!chosen.has(b)) {
      chosen.add(b);
      bars.push(b);
    }
  }
  bars.sort((a, b) => a - b);
  const spans: [number, number][] = [];
  let pos = 0;
  let prevBar = -1;
  for (let j = 0; j < m; j++) {
    pos += bars[j] - prevBar - 1 + (j > 0 ? 1 : 0); // the gap before span j (+ the separator)
    spans.push([pos, pos + lengths[j]]);
    pos += lengths[j];
    prevBar = bars[j];
  }
  return spans;
}

function maskCanvas(original: string, spans: [number, number][]): { canvas: string; masked: number[] } {
  const chars = original.split('');
  const masked: number[] = [];
  for (const [a, b] of spans)
    for (let i = a; i < b; i++) {
      chars[i] = MASK_CHAR;
      masked.push(i);
    }
  return { canvas: chars.join(''), masked };
}

/** An infilling example: a random window with masked spans (see the file comment). */
export function generateInfilling(rng: Rng, passages: readonly string[], options: InfillingOptions = {}): InfillingExample {
  const what = 'generateInfilling';
  const length = options.length ?? 128;
  checkLength(length, what);
  const maskFraction = options.maskFraction ?? 0.25;
  if (!(maskFraction >= 0 && maskFraction <= 1)) throw new TextTaskError(`${what}: maskFraction must be in [0, 1], got ${maskFraction}`);
  const [min, max] = options.spanLength ?? [4, 16];
  if (!(Number.isInteger(min) && Number.isInteger(max) && min >= 1 && max >= min))
    throw new TextTaskError(`${what}: spanLength must be integers [min, max] with 1 ≤ min ≤ max, got ${JSON.stringify(options.spanLength)}`);
  const window = drawWindow(rng, passages, length, what);
  let spans: [number, number][];
  if (options.maskSpans) {
    spans = options.maskSpans.map(([a, b]) => [a, b] as [number, number]).sort((x, y) => x[0] - y[0]);
    spans.forEach(([a, b], i) => {
      if (!(Number.isInteger(a) && Number.isInteger(b) && 0 <= a && a < b && b <= length) || (i > 0 && a < spans[i - 1][1]))
        throw new TextTaskError(`${what}: maskSpans must be disjoint integer [start, end) inside [0, ${length}], got ${JSON.stringify(options.maskSpans)}`);
    });
  } else spans = placeSpans(rng, spanLengths(rng, Math.round(maskFraction * length), min, max), length);
  const { canvas, masked } = maskCanvas(window.text, spans);
  return { kind: 'infilling', canvas, original: window.text, masked, spans, passage: window.passage, offset: window.offset };
}

/** Where windows come from when the options name no passages (files.ts: the committed held-out text). */
export type DefaultPassages = () => readonly string[];

const noDefaultPassages: DefaultPassages = () => {
  throw new TextTaskError('no passages given to draw windows from, and no held-out text bound (pass options.passages)');
};

/** An unconditional example: a prompt of `promptLength` held-out characters, then masks. */
export function generateUnconditional(rng: Rng, options: UnconditionalOptions = {}, defaultPassages: DefaultPassages = noDefaultPassages): UnconditionalExample {
  const what = 'generateUnconditional';
  const length = options.length ?? 128;
  checkLength(length, what);
  const promptLength = options.promptLength ?? 0;
  if (!(Number.isInteger(promptLength) && promptLength >= 0 && promptLength < length))
    throw new TextTaskError(`${what}: promptLength must be an integer in [0, length), got ${promptLength}`);
  const window = drawWindow(rng, options.passages ?? defaultPassages(), length, what);
  const spans: [number, number][] = [[promptLength, length]];
  const { canvas, masked } = maskCanvas(window.text, spans);
  return {
    kind: 'unconditional',
    canvas,
    original: window.text,
    prompt: window.text.slice(0, promptLength),
    masked,
    spans,
    passage: window.passage,
    offset: window.offset,
  };
}

export type TextSetOptions =
  | ({ kind: 'infilling'; passages?: readonly string[] } & InfillingOptions)
  | ({ kind: 'unconditional' } & UnconditionalOptions);

/** n examples; example i comes from `new Rng(seed).fork(i)`. */
export function generateSet(seed: number, n: number, options: { kind: 'infilling'; passages?: readonly string[] } & InfillingOptions, defaultPassages?: DefaultPassages): InfillingExample[];
export function generateSet(seed: number, n: number, options: { kind: 'unconditional' } & UnconditionalOptions, defaultPassages?: DefaultPassages): UnconditionalExample[];
export function generateSet(seed: number, n: number, options: TextSetOptions, defaultPassages?: DefaultPassages): TextExample[];
export function generateSet(seed: number, n: number, options: TextSetOptions, defaultPassages: DefaultPassages = noDefaultPassages): TextExample[] {
  if (!Number.isInteger(n) || n < 0) throw new TextTaskError(`generateSet: n must be an integer ≥ 0, got ${n}`);
  const root = new Rng(seed);
  const out: TextExample[] = [];
  if (options.kind === 'infilling') {
    const passages = options.passages ?? defaultPassages();
    for (let i = 0; i < n; i++) out.push(generateInfilling(root.fork(i), passages, options));
  } else if (options.kind === 'unconditional') {
    for (let i = 0; i < n; i++) out.push(generateUnconditional(root.fork(i), options, defaultPassages));
  } else throw new TextTaskError(`generateSet: kind must be "infilling" or "unconditional", got ${JSON.stringify((options as { kind: unknown }).kind)}`);
  return out;
}
