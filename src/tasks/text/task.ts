/**
 * The text task adapter: 128-character canvases for the built-in text model (task option `length`
 * for longer ones), scored by the
 * committed judge, with the bigram chain as the reference. Node only: it reads the judge table
 * and the chain from the package's models/ folder.
 */
import { join } from 'node:path';
import { Rng } from '../../core/rng.js';
import { loadOracleFile } from '../../models/oracles/file.js';
import { MarkovOracle } from '../../models/oracles/markov.js';
import { packageRoot } from '../../node/paths.js';
import { describeSelection } from '../data.js';
import { choiceOption, integerOption } from '../options.js';
import { charId, type Outcome, type Task } from '../task.js';
import * as text from '../text.js';

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
    // The window: 128 characters fits the built-in text model; a longer-context model takes more
    // (e.g. length=288 promptLength=32 continues 32 characters by 256).
    length: integerOption(16, 4096, 'an integer within 16..4096 (characters in the window; the model\'s context must hold them)'),
    promptLength: {
      ...integerOption(0, 4095, 'an integer within 0..4095 (characters of the window kept as the prompt)'),
      conflict: (o) =>
        o.kind !== 'unconditional'
          ? 'only with kind=unconditional (infilling masks spans inside the window)'
          : (o.promptLength as number) >= ((o.length as number | undefined) ?? 128)
            ? `only below the window length ${(o.length as number | undefined) ?? 128} (task option length)`
            : null,
    },
  },
  generate: (seed, n, options) => {
    const length = (options.length as number | undefined) ?? 128;
    return options.kind === 'unconditional'
      ? text.generateSet(seed, n, { kind: 'unconditional', promptLength: (options.promptLength as number) ?? 32, length })
      : text.generateSet(seed, n, { kind: 'infilling', length });
  },
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
