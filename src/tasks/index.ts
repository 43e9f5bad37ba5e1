/**
 * Task adapters: how each task's examples become canvases for its built-in model (the formats
 * of training/FORMATS.md) and how a decoded canvas is graded. The eval harness and the CLI use
 * only this interface.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Rng } from '../core/rng.js';
import { packageRoot } from '../node/paths.js';
import type { ModelCard } from '../models/card.js';
import { loadOracleFile } from '../models/oracles/load.js';
import { MarkovOracle } from '../models/oracles/markov.js';
import type { HfTokenizer } from '../models/tokenizer.js';
import * as countdown from './countdown.js';
import { describeSelection, type DataSelection, type Extras } from './data.js';
import { choiceOption, integerOption, integerOrRangeOption, type TaskOptionSpecs } from './options.js';
import * as sudoku from './sudoku.js';
import * as text from './text.js';

export type { DataSelection } from './data.js';

export type TaskName = 'sudoku' | 'countdown' | 'text';
export const TASK_NAMES: readonly TaskName[] = ['sudoku', 'countdown', 'text'];

/** What a task needs of a model: its card and its (character-level) tokenizer. */
export interface ModelView {
  card: ModelCard;
  tokenizer: HfTokenizer;
}

export interface Outcome {
  /** Exact-checker verdict; null for tasks scored by a judge. */
  correct: boolean | null;
  /** Judge score (text: mean log-probability per character); null otherwise. */
  score: number | null;
  /** The answer as text. */
  answer: string;
  reason?: string;
}

export interface Encoded {
  canvas: Int32Array;
  promptLength: number;
}

/** Examples read from a data file, and what was read. */
export interface DataFile<E> {
  examples: E[];
  /** One line: the format or layout, the columns, the filter and the counts read. */
  summary: string;
  /** What the user must know about the examples (e.g. problems outside the model's training range). */
  notes: string[];
}

export interface Task<E> {
  name: TaskName;
  /** The built-in model trained for the task. */
  defaultModel: string;
  /** The options `generate` accepts, checked before it runs (src/tasks/options.ts). */
  options: TaskOptionSpecs;
  /** Examples from the task's generator; example i depends only on (seed, i, options), options checked against `options`. */
  generate(seed: number, n: number, options: Record<string, unknown>): E[];
  /**
   * Examples from the task's common file format, with the columns and rows `selection` picks.
   * Throws a one-line error naming the file (and line) when it holds no example or anything
   * cannot be read unambiguously.
   */
  readData(content: string, source: string, selection?: DataSelection): DataFile<E>;
  /** One example from a command-line prompt. */
  fromPrompt(prompt: string, options: Record<string, unknown>): E;
  encode(example: E, model: ModelView): Encoded;
  grade(example: E, output: Int32Array, model: ModelView): Promise<Outcome>;
  /** Fields recorded with each result (difficulty, numbers, …). */
  describe(example: E): Record<string, string | number | boolean>;
  /**
   * A model-independent baseline whose output for each example is graded like a sampler's, so
   * every sampler can be compared with it (text: the character-bigram chain).
   */
  reference?: Reference<E>;
}

export interface Reference<E> {
  /** The name its result lines carry in place of a sampler's. */
  name: string;
  description: string;
  /** Its output for `example`, drawn from `seed`, graded. */
  produce(example: E, seed: number): Promise<Outcome>;
}

function charId(model: ModelView, ch: string): number {
  const id = model.tokenizer.tokenId(ch);
  if (id === undefined) throw new Error(`the model ${model.card.name} has no token for ${JSON.stringify(ch)}`);
  return id;
}

/** The characters of canvas positions [start, end) up to the first EOS (special tokens dropped). */
function textOf(model: ModelView, output: ArrayLike<number>, start: number, end = output.length): string {
  const ids: number[] = [];
  for (let p = start; p < end; p++) {
    if (output[p] === model.card.eosId) break;
    ids.push(output[p]);
  }
  return model.tokenizer.decode(ids);
}

// ---------------------------------------------------------------- sudoku

export interface SudokuExample {
  puzzle: sudoku.Grid;
  solution?: sudoku.Grid;
  /** A data file's other columns. */
  extra?: Extras;
}

const withExtra = <T extends object>(e: T, extra: Extras | undefined): T & { extra?: Extras } => (extra ? { ...e, extra } : e);

/** `…; filter level=hard: 250 of 1000 rows kept` */
function selectionText(sel: DataSelection | undefined, kept: number, rows: number, unit: string): string {
  const parts = describeSelection(sel).filter((p) => p.startsWith('filter'));
  return parts.length ? `; ${parts.join('; ')}: ${kept} of ${rows} ${unit} kept` : '';
}

export const sudokuTask: Task<SudokuExample> = {
  name: 'sudoku',
  defaultModel: 'sudoku',
  options: { blanks: integerOrRangeOption(0, 81, 'an integer or [min, max] within 0..81') },
  generate: (seed, n, options) =>
    sudoku.generateSet(seed, n, { blanks: (options.blanks as number | [number, number]) ?? [40, 50] }).map((p) => ({ puzzle: p.puzzle, solution: p.solution })),
  readData: (content, source, selection) => {
    const csv = sudoku.readSudokuCsv(content, source, selection);
    if (csv.rows === 0) throw new Error(`${source}: no puzzle: the file ${csv.header ? `holds only a header line (${csv.header.join(',')})` : 'is empty'}`);
    const examples = csv.records.map((r) => {
      if (r.size !== 9) throw new Error(`${source}:${r.line}: a ${r.size}×${r.size} puzzle; the built-in model solves 9×9`);
      return withExtra({ puzzle: r.puzzle, ...(r.solution ? { solution: r.solution } : {}) }, r.extra);
    });
    const cols = csv.header ? [...csv.columns].map(([f, c]) => `${f} from column "${c}"`).join(', ') : 'puzzle[,solution] by position (no header)';
    const kept = csv.header ? csv.header.filter((h) => ![...csv.columns.values()].includes(h)) : [];
    return {
      examples,
      summary:
        `sudoku CSV, ${csv.rows} rows: ${cols}` +
        (kept.length && examples[0]?.extra ? `; kept per example as data.<column>: ${kept.join(', ')}` : '') +
        selectionText(selection, examples.length, csv.rows, 'rows'),
      notes: [],
    };
  },
  fromPrompt: (prompt) => ({ puzzle: sudoku.parseGrid(prompt, { size: 9 }) }),
  encode: (e, m) => ({
    canvas: Int32Array.from(e.puzzle, (d) => (d === 0 ? m.card.maskId : charId(m, String(d)))),
    promptLength: 81,
  }),
  grade: async (e, output, m) => {
    // One cell per position; anything but a digit token counts as a blank.
    const cells = Array.from(output.subarray(0, 81), (id) => {
      const ch = m.tokenizer.tokenText(id) ?? '';
      return /^[1-9]$/.test(ch) ? Number(ch) : 0;
    });
    const check = sudoku.checkSolution(e.puzzle, cells);
    return { correct: check.correct, score: null, answer: sudoku.formatGrid(cells), ...(check.reason ? { reason: check.reason } : {}) };
  },
  describe: (e) => {
    const g = sudoku.grade(e.puzzle);
    return { blanks: g.blanks, difficulty: g.difficulty, technique: g.technique, ...e.extra };
  },
};

// ---------------------------------------------------------------- countdown

const COUNTDOWN_LENGTH = 48;
/** The generator's defaults, the range the built-in countdown model was trained on (training/FORMATS.md). */
const TRAINED_MAX_NUMBER = 99;
const TRAINED_MAX_TARGET = 999;

/** The shortest step a solution can have, `a+b=c`. */
const MIN_STEP = 5;

/**
 * How a problem fits the 48-token canvas (prompt, solution, at least one EOS): `refuse` when it
 * cannot (no room for even one step and its EOS, or the file's own solution does not fit);
 * `tight` when its longest possible solution (step results within max(999, target)) would not
 * fit, so a long answer would be cut off. Problems within the training range are never tight.
 */
function countdownRoom(e: countdown.CountdownRecord): { refuse: string | null; tight: boolean } {
  const prompt = countdown.formatPrompt(e);
  const room = COUNTDOWN_LENGTH - prompt.length - 1;
  const head = `the prompt ${prompt} (${prompt.length} characters) leaves ${Math.max(0, room)} of the ${COUNTDOWN_LENGTH} canvas positions for the solution (one more for EOS)`;
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
  readData: (content, source, selection) => {
    const file = countdown.readCountdownJsonl(content, source, selection);
    if (file.rows === 0) throw new Error(`${source}: no problem: the file is empty`);
    let tight = 0;
    file.records.forEach((r, i) => {
      const fit = countdownRoom(r);
      if (fit.refuse) throw new Error(`${source}:${file.lines[i]}: the countdown model cannot take this problem: ${fit.refuse}`);
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
                `(the canvas has ${COUNTDOWN_LENGTH} positions); an answer longer than the room left is cut off and graded wrong`,
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
    if (prompt.length >= COUNTDOWN_LENGTH) throw new Error(`countdown prompt ${prompt} is too long for the ${COUNTDOWN_LENGTH}-token canvas`);
    const canvas = new Int32Array(COUNTDOWN_LENGTH).fill(m.card.maskId);
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

// ---------------------------------------------------------------- text

let judge: Promise<text.NgramJudge> | null = null;
const loadJudge = () => (judge ??= text.loadShakespeareJudge());
let bigram: Promise<text.BigramChain> | null = null;
const loadBigram = () =>
  (bigram ??= loadOracleFile(join(packageRoot(), 'models', 'markov-shakespeare.json')).then((m) => {
    if (!(m instanceof MarkovOracle)) throw new Error('models/markov-shakespeare.json: expected a Markov chain');
    return new text.BigramChain(m);
  }));

/** The judge's verdict on a text example's full decoded text. */
async function gradeText(e: text.TextExample, full: string): Promise<Outcome> {
  const j = await loadJudge();
  const answer = e.kind === 'unconditional' ? Array.from(full).slice(Array.from(e.prompt).length).join('') : full;
  const s = text.scoreText(j, answer, e.kind === 'unconditional' ? { context: e.prompt } : {});
  return { correct: null, score: s.meanLogProb, answer, ...(s.degenerate ? { reason: `degenerate: ${text.degeneracy(answer)}` } : {}) };
}

export const textTask: Task<text.TextExample> = {
  name: 'text',
  defaultModel: 'text',
  options: {
    kind: choiceOption(['infilling', 'unconditional']),
    promptLength: {
      ...integerOption(0, 127, 'an integer within 0..127 (characters of the 128-character window kept as the prompt)'),
      conflict: (o) => (o.kind === 'unconditional' ? null : 'only with kind=unconditional (infilling masks spans inside the window)'),
    },
  },
  generate: (seed, n, options) =>
    options.kind === 'unconditional'
      ? text.generateSet(seed, n, { kind: 'unconditional', promptLength: (options.promptLength as number) ?? 32, length: 128 })
      : text.generateSet(seed, n, { kind: 'infilling', length: 128 }),
  readData: (content, source, selection) => {
    if (describeSelection(selection).length)
      throw new Error(`${source}: --data-columns and --data-filter do not apply to text: its data files are plain passages separated by blank lines`);
    if (content.trim() === '') throw new Error(`${source}: no passage: the file is empty`);
    const all = content.split(/\n\s*\n/);
    const passages = all.filter((p) => p.length >= 128);
    if (passages.length === 0) throw new Error(`${source}: no passage of at least 128 characters (passages are separated by blank lines)`);
    const short = all.length - passages.length;
    return {
      examples: Array.from({ length: passages.length }, (_, i) => text.generateInfilling(new Rng(i), passages, { length: 128 })),
      summary: `text passages: ${passages.length} of at least 128 characters, one infilling example each` + (short ? ` (${short} shorter passages skipped)` : ''),
      notes: [],
    };
  },
  fromPrompt: (prompt, options) => {
    const length = (options.length as number) ?? 128;
    const chars = Array.from(prompt);
    const masked = chars.flatMap((c, i) => (c === text.MASK_CHAR ? [i] : []));
    if (masked.length > 0)
      return { kind: 'infilling', canvas: prompt, original: prompt, masked, spans: [], passage: -1, offset: 0 };
    const canvas = prompt + text.MASK_CHAR.repeat(Math.max(0, length - chars.length));
    return {
      kind: 'unconditional', prompt, canvas, original: canvas, passage: -1, offset: 0, spans: [],
      masked: Array.from({ length: Math.max(0, length - chars.length) }, (_, j) => chars.length + j),
    };
  },
  encode: (e, m) => {
    const chars = Array.from(e.canvas);
    return {
      canvas: Int32Array.from(chars, (c) => (c === text.MASK_CHAR ? m.card.maskId : charId(m, c))),
      promptLength: e.kind === 'unconditional' ? Array.from(e.prompt).length : chars.length,
    };
  },
  grade: (e, output, m) => gradeText(e, m.tokenizer.decode(Array.from(output))),
  describe: (e) => ({ kind: e.kind, masked: e.masked.length }),
  reference: {
    name: 'bigram',
    description:
      'the character-bigram chain `markov-shakespeare` (fitted on the training 95%) sampled at τ = 1: infilling draws each masked run exactly from the chain conditioned on both neighbours; unconditional continues the prompt',
    produce: async (e, seed) => {
      const chain = await loadBigram();
      const rng = new Rng(seed).fork(0x62696772);
      const full =
        e.kind === 'unconditional'
          ? e.prompt + text.bigramBaseline(chain, rng, e.prompt, Array.from(e.canvas).length - Array.from(e.prompt).length)
          : text.bigramInfill(chain, rng, e.canvas);
      return gradeText(e, full);
    },
  },
};

export const TASKS = { sudoku: sudokuTask, countdown: countdownTask, text: textTask } as const;

export function taskByName(name: string): Task<unknown> {
  if (!(TASK_NAMES as readonly string[]).includes(name)) throw new Error(`unknown task "${name}"; available: ${TASK_NAMES.join(', ')}`);
  return TASKS[name as TaskName] as Task<unknown>;
}

/** Examples from `--data <file>` in the task's common format; a file without any is refused. */
export async function loadTaskFile(task: Task<unknown>, path: string, selection?: DataSelection): Promise<DataFile<unknown>> {
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`--data ${path}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const file = task.readData(content, path, selection);
  // Each reader names its own reason; this is the guarantee that nothing empty gets further.
  if (file.examples.length === 0) throw new Error(`--data ${path}: no ${task.name} example in the file`);
  return file;
}
