/**
 * The text task: character-level TinyShakespeare. A reference judge, diversity and degeneracy
 * checks, a paired win rate, held-out evaluation sets and a bigram baseline. Pure TypeScript;
 * all randomness comes from `core/rng`.
 *
 * Data. The generator is trained on the first 95% of `tinyshakespeare-train.txt` (the cut is
 * ⌊0.95·N⌋ characters, as `training/tasks.py` makes it). `splitCorpus` reproduces that cut; the
 * held-out text (`data/text/heldout.txt`, committed, ~50 KB) starts at the first line start at or
 * after the cut, so it never overlaps the training text (the partial line in between belongs to
 * neither). `scripts/make-text-assets.ts` rebuilds it and the judge from the shared corpus.
 *
 * Judge (`NgramJudge`). A character n-gram language model (order 5 by default) fitted on the
 * training 95% only, so it is independent of the generator's network and never saw the held-out
 * text. Smoothing is interpolated modified Kneser–Ney (Chen & Goodman 1998, "An Empirical Study
 * of Smoothing Techniques for Language Modeling", TR-10-98, §3 and §4.1.6; Kneser & Ney 1995):
 *
 *   P_k(w | h) = (max(c_k(hw) − D_k(c_k(hw)), 0) + γ_k(h) · P_{k−1}(w | h')) / Σ_v c_k(hv)
 *   γ_k(h)     = D_k1·N1(h•) + D_k2·N2(h•) + D_k3+·N3+(h•)
 *
 * where h' is h without its first character, c_k is the raw count at the highest order and the
 * continuation count N1+(•hw) (distinct left neighbours) at lower orders, N_j(h•) counts the
 * symbols that follow h with adjusted count j (3+: at least 3), and the three discounts per order
 * come from that order's count-of-counts n_j: Y = n1/(n1 + 2·n2), D1 = 1 − 2Y·n2/n1,
 * D2 = 2 − 3Y·n3/n2, D3+ = 3 − 4Y·n4/n3; where one of these leaves [0.05, j] (sparse
 * count-of-counts, e.g. the unigram level of a 65-character alphabet) that order uses the single
 * discount Y for all three (Ney, Essen & Kneser 1994), and 0.5 when n1 = 0 (toy texts). The
 * recursion ends in the uniform distribution over the alphabet plus one "unknown" symbol, which
 * every character outside the alphabet maps to, so every string has a finite log-probability
 * and P(·|h) sums to 1 over alphabet ∪ {unknown}. A context never seen (or pruned) backs off to
 * its suffix entirely. There is no beginning-of-text symbol: the first
 * characters of a text with no `context` are scored with the shorter histories available, so
 * `logProb(a + b) = logProb(a) + logProb(b, { context: a })` exactly.
 *
 * Pruning (`minContextCount`): every context of order ≥ 2 whose total adjusted count is below the
 * threshold is dropped with all its continuations; the discounts stay those of the full model.
 * The model stays normalised (a dropped context is the backed-off distribution). The committed
 * table is the unpruned order-5 model (see models/judge/README.md for its size and held-out
 * cross-entropy against pruned variants and the bigram).
 *
 * Diversity (`distinctN`): distinct-n of Li et al. (2016) on characters: unique n-grams / total
 * n-grams, pooled over all the texts given (0 when there are none).
 *
 * Degeneracy (`degeneracy`, `isDegenerate`): a text is degenerate when it is empty, when one
 * character repeats more than `maxRun` = 8 times in a row (the training text never repeats a
 * character more than 3 times), or when it has at least `minNgrams` = 24 character 4-grams and
 * distinct-4 below `minDistinct4` = 0.3 (a 128-character text that cycles with a period under
 * ~37 characters; real 128-character held-out windows have distinct-4 ≥ 0.69, the most
 * repetitive 128-character stretch of the whole training text 0.48).
 *
 * Win rate (`winRate`): outputs A and B are paired by index (same prompt). A pair is won by the
 * higher score, where a score is the judge's mean log-probability per character, except that a
 * degenerate output loses to a non-degenerate one and two degenerate outputs tie. Ties count
 * half: win rate = (wins + ½·ties) / n, the reference's creative-writing formula (spec §6.3).
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
 * Baseline (`bigramBaseline`): `length` characters drawn from a character bigram chain
 * (MarkovOracle) at temperature 1, continuing from the last character of the prompt (from the
 * chain's initial distribution when the prompt is empty): exact ancestral sampling from the
 * chain's own float64 tables.
 */
import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { drawCategory } from '../core/math.js';
import { Rng } from '../core/rng.js';
import { packageRoot } from '../node/paths.js';
import type { MarkovOracle } from '../models/oracles/markov.js';

/** Errors about bad text-task input (options, judge files). Always one line. */
export class TextTaskError extends Error {
  override name = 'TextTaskError';
}

/** The canvas character for a masked position. */
export const MASK_CHAR = '_';

// ---------------------------------------------------------------------------------------------
// Files and the corpus split


/** The committed judge table (gzipped JSON). */
export const JUDGE_PATH = join(packageRoot(), 'models', 'judge', 'shakespeare-5gram.json.gz');
/** The committed held-out text: the last 5% of the training file, from a line start. */
export const HELDOUT_PATH = join(packageRoot(), 'data', 'text', 'heldout.txt');

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

const heldoutCache = new Map<string, string>();

/** The committed held-out text (read once per path). */
export function loadHeldout(path = HELDOUT_PATH): string {
  let text = heldoutCache.get(path);
  if (text === undefined) {
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new TextTaskError(`${path}: cannot read the held-out text (${(e as Error).message.split('\n')[0]})`);
    }
    heldoutCache.set(path, text);
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// The n-gram judge

export interface NgramFitOptions {
  /** n-gram order: the longest history is order − 1 characters (default 5). */
  order?: number;
  /** Drop contexts of order ≥ 2 whose total adjusted count is below this (default 1: none). */
  minContextCount?: number;
  /** Discounts [D1, D2, D3+] per order 1..order, instead of the count-of-counts estimates. */
  discounts?: ReadonlyArray<readonly [number, number, number]>;
  /** The alphabet (default: the text's distinct characters, sorted); the text must stay inside it. */
  alphabet?: string;
}

export interface NgramLevelJSON {
  /** The contexts of this order, each order − 1 characters, concatenated, sorted. */
  contexts: string;
  /** How many symbols follow each context. */
  sizes: number[];
  /** Those symbols, context by context, each in alphabet order. */
  symbols: string;
  /** Their adjusted counts (raw at the highest order, continuation counts below). */
  counts: number[];
}

export interface NgramJudgeJSON {
  format: 'infogain-ngram';
  version: 1;
  method: 'interpolated-modified-kneser-ney';
  order: number;
  alphabet: string;
  /** Characters of the text it was fitted on. */
  trainingChars: number;
  minContextCount: number;
  /** [D1, D2, D3+] for orders 1..order. */
  discounts: [number, number, number][];
  /** Orders 1..order. */
  levels: NgramLevelJSON[];
}

interface ContextEntry {
  symbols: Int32Array;
  counts: Float64Array;
  total: number;
  /** γ(h) = Σ_j D_j·N_j(h•). */
  backoff: number;
}

export interface LogProbOptions {
  /** Text before `text` that conditions it but is not scored. */
  context?: string;
}

const MIN_DISCOUNT = 0.05;
const MAX_ORDER = 12;

/**
 * Modified Kneser–Ney discounts from count-of-counts n[1..4] (Chen & Goodman 1998, eq. 26). When
 * an estimate falls outside [MIN_DISCOUNT, j] (sparse count-of-counts, as at the unigram level of
 * a small alphabet), the order uses the single Kneser–Ney discount Y = n1/(n1 + 2·n2) of Ney,
 * Essen & Kneser (1994) for all three; 0.5 when n1 = 0 (toy texts).
 */
function estimateDiscounts(n: number[]): [number, number, number] {
  const [, n1, n2, n3, n4] = n;
  if (n1 === 0) return [0.5, 0.5, 0.5];
  const Y = n1 / (n1 + 2 * n2);
  const d = [1 - (2 * Y * n2) / n1, 2 - (3 * Y * n3) / n2, 3 - (4 * Y * n4) / n3];
  if (d.every((x, j) => Number.isFinite(x) && x >= MIN_DISCOUNT && x <= j + 1)) return [d[0], d[1], d[2]];
  const single = Math.min(1, Math.max(MIN_DISCOUNT, Y));
  return [single, single, single];
}

function checkDiscounts(d: unknown, k: number, where: string): [number, number, number] {
  if (!Array.isArray(d) || d.length !== 3)
    throw new TextTaskError(`${where}: discounts for order ${k} must be [D1, D2, D3+], got ${JSON.stringify(d)}`);
  d.forEach((x: unknown, j: number) => {
    if (typeof x !== 'number' || !(x > 0 && x <= j + 1))
      throw new TextTaskError(`${where}: discount D${j + 1} for order ${k} must be in (0, ${j + 1}], got ${JSON.stringify(x)}`);
  });
  return [d[0], d[1], d[2]];
}

/** Code-unit offsets of each code point of `s` (and the end). */
function codePointOffsets(s: string): { chars: string[]; offsets: Int32Array } {
  const chars = Array.from(s);
  const offsets = new Int32Array(chars.length + 1);
  let o = 0;
  for (let i = 0; i < chars.length; i++) {
    offsets[i] = o;
    o += chars[i].length;
  }
  offsets[chars.length] = o;
  return { chars, offsets };
}

export class NgramJudge {
  readonly order: number;
  readonly alphabet: string;
  readonly trainingChars: number;
  readonly minContextCount: number;
  private readonly symbols: string[];
  private readonly ids: Map<string, number>;
  /** V + 1: the alphabet plus the unknown symbol. */
  private readonly base: number;
  private readonly discounts: [number, number, number][];
  private readonly levels: Map<string, ContextEntry>[];
  private readonly json: NgramJudgeJSON;

  private constructor(json: NgramJudgeJSON, where: string) {
    const fail = (msg: string): never => {
      throw new TextTaskError(`${where}: ${msg}`);
    };
    if (json === null || typeof json !== 'object') fail('expected a JSON object');
    if (json.format !== 'infogain-ngram' || json.version !== 1)
      fail(`not an infogain-ngram version 1 table (format ${JSON.stringify(json.format)}, version ${JSON.stringify(json.version)})`);
    if (json.method !== 'interpolated-modified-kneser-ney') fail(`unknown method ${JSON.stringify(json.method)}`);
    const order = json.order;
    if (!Number.isInteger(order) || order < 1 || order > MAX_ORDER) fail(`order must be an integer in [1, ${MAX_ORDER}], got ${order}`);
    if (typeof json.alphabet !== 'string' || json.alphabet.length === 0) fail('alphabet must be a non-empty string');
    const symbols = Array.from(json.alphabet);
    const ids = new Map(symbols.map((c, i) => [c, i]));
    if (ids.size !== symbols.length) fail('alphabet characters must be distinct');
    if (!Array.isArray(json.discounts) || json.discounts.length !== order) fail(`discounts must have ${order} entries`);
    if (!Array.isArray(json.levels) || json.levels.length !== order) fail(`levels must have ${order} entries`);
    this.order = order;
    this.alphabet = json.alphabet;
    this.trainingChars = json.trainingChars;
    this.minContextCount = json.minContextCount;
    this.symbols = symbols;
    this.ids = ids;
    this.base = symbols.length + 1;
    this.discounts = json.discounts.map((d, k) => checkDiscounts(d, k + 1, where));
    this.levels = json.levels.map((level, k) => {
      const what = `level ${k + 1}`;
      const ctxChars = Array.from(level.contexts);
      const syms = Array.from(level.symbols);
      const n = level.sizes.length;
      if (ctxChars.length !== n * k) fail(`${what}: ${ctxChars.length} context characters for ${n} contexts of length ${k}`);
      if (syms.length !== level.counts.length) fail(`${what}: ${syms.length} symbols but ${level.counts.length} counts`);
      const map = new Map<string, ContextEntry>();
      let at = 0;
      for (let c = 0; c < n; c++) {
        const size = level.sizes[c];
        if (!Number.isInteger(size) || size < 1 || at + size > syms.length) fail(`${what}: bad size ${size} for context ${c}`);
        const symbolIds = new Int32Array(size);
        const counts = new Float64Array(size);
        let total = 0;
        const nj = [0, 0, 0];
        for (let j = 0; j < size; j++) {
          const id = ids.get(syms[at + j]);
          if (id === undefined) fail(`${what}: symbol ${JSON.stringify(syms[at + j])} is not in the alphabet`);
          const count = level.counts[at + j];
          if (!Number.isInteger(count) || count < 1) fail(`${what}: counts must be integers ≥ 1, got ${count}`);
          symbolIds[j] = id!;
          counts[j] = count;
          total += count;
          nj[Math.min(count, 3) - 1]++;
        }
        const d = this.discounts[k];
        const key = ctxChars.slice(c * k, (c + 1) * k).join('');
        map.set(key, { symbols: symbolIds, counts, total, backoff: d[0] * nj[0] + d[1] * nj[1] + d[2] * nj[2] });
        at += size;
      }
      if (at !== syms.length) fail(`${what}: sizes cover ${at} of ${syms.length} symbols`);
      return map;
    });
    this.json = json;
  }

  /** Fits the model on `text` (see the file comment). Deterministic. */
  static fit(text: string, options: NgramFitOptions = {}): NgramJudge {
    const order = options.order ?? 5;
    const minContextCount = options.minContextCount ?? 1;
    if (!Number.isInteger(order) || order < 1 || order > MAX_ORDER)
      throw new TextTaskError(`NgramJudge.fit: order must be an integer in [1, ${MAX_ORDER}], got ${order}`);
    if (!(Number.isFinite(minContextCount) && minContextCount >= 1))
      throw new TextTaskError(`NgramJudge.fit: minContextCount must be a number ≥ 1, got ${minContextCount}`);
    const { chars, offsets } = codePointOffsets(text);
    if (chars.length === 0) throw new TextTaskError('NgramJudge.fit: the text is empty');
    const alphabet = options.alphabet ?? [...new Set(chars)].sort().join('');
    const symbols = Array.from(alphabet);
    const ids = new Map(symbols.map((c, i) => [c, i]));
    if (ids.size !== symbols.length) throw new TextTaskError('NgramJudge.fit: alphabet characters must be distinct');
    for (let i = 0; i < chars.length; i++)
      if (!ids.has(chars[i])) throw new TextTaskError(`NgramJudge.fit: character ${JSON.stringify(chars[i])} at ${i} is not in the alphabet`);

    // Raw counts of every k-gram, k = 1..order.
    const raw: Map<string, number>[] = [];
    for (let k = 1; k <= order; k++) {
      const m = new Map<string, number>();
      for (let i = 0; i + k <= chars.length; i++) {
        const g = text.slice(offsets[i], offsets[i + k]);
        m.set(g, (m.get(g) ?? 0) + 1);
      }
      raw.push(m);
    }
    // Adjusted counts: raw at the top order, continuation counts N1+(•g) below.
    const adjusted: Map<string, number>[] = [];
    for (let k = 1; k <= order; k++) {
      if (k === order) {
        adjusted.push(raw[k - 1]);
        continue;
      }
      const m = new Map<string, number>();
      for (const g of raw[k].keys()) {
        const suffix = g.slice(g.codePointAt(0)! > 0xffff ? 2 : 1);
        m.set(suffix, (m.get(suffix) ?? 0) + 1);
      }
      adjusted.push(m);
    }

    const discounts: [number, number, number][] = [];
    const levels: NgramLevelJSON[] = [];
    for (let k = 1; k <= order; k++) {
      const counts = adjusted[k - 1];
      const cc = [0, 0, 0, 0, 0];
      for (const c of counts.values()) if (c <= 4) cc[c]++;
      discounts.push(
        options.discounts ? checkDiscounts(options.discounts[k - 1], k, 'NgramJudge.fit') : estimateDiscounts(cc),
      );
      // Group by context (the k-gram without its last character).
      const byContext = new Map<string, [number, number][]>();
      for (const [g, c] of counts) {
        const cs = Array.from(g);
        const ctx = cs.slice(0, k - 1).join('');
        let list = byContext.get(ctx);
        if (!list) byContext.set(ctx, (list = []));
        list.push([ids.get(cs[k - 1])!, c]);
      }
      const keys = [...byContext.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const level: NgramLevelJSON = { contexts: '', sizes: [], symbols: '', counts: [] };
      const ctxParts: string[] = [];
      const symParts: string[] = [];
      for (const ctx of keys) {
        const list = byContext.get(ctx)!.sort((a, b) => a[0] - b[0]);
        const total = list.reduce((s, [, c]) => s + c, 0);
        if (k >= 2 && total < minContextCount) continue;
        ctxParts.push(ctx);
        level.sizes.push(list.length);
        for (const [id, c] of list) {
          symParts.push(symbols[id]);
          level.counts.push(c);
        }
      }
      level.contexts = ctxParts.join('');
      level.symbols = symParts.join('');
      levels.push(level);
    }
    return new NgramJudge(
      {
        format: 'infogain-ngram',
        version: 1,
        method: 'interpolated-modified-kneser-ney',
        order,
        alphabet,
        trainingChars: chars.length,
        minContextCount,
        discounts,
        levels,
      },
      'NgramJudge.fit',
    );
  }

  /** A table from its JSON form (checked). */
  static fromJSON(json: NgramJudgeJSON, where = 'NgramJudge.fromJSON'): NgramJudge {
    return new NgramJudge(json, where);
  }

  /** Reads a table written by `save` (gzipped when the file starts with the gzip magic bytes). */
  static async load(path: string): Promise<NgramJudge> {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (e) {
      throw new TextTaskError(`${path}: cannot read the judge table (${(e as Error).message.split('\n')[0]})`);
    }
    const gz = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
    let json: NgramJudgeJSON;
    try {
      json = JSON.parse((gz ? gunzipSync(bytes) : bytes).toString('utf8')) as NgramJudgeJSON;
    } catch (e) {
      throw new TextTaskError(`${path}: not a judge table (${(e as Error).message.split('\n')[0]})`);
    }
    return new NgramJudge(json, path);
  }

  toJSON(): NgramJudgeJSON {
    return this.json;
  }

  /** Writes the table as JSON, gzipped when `path` ends in `.gz` (deterministic bytes). */
  async save(path: string): Promise<void> {
    const text = JSON.stringify(this.json) + '\n';
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, path.endsWith('.gz') ? gzipSync(Buffer.from(text, 'utf8'), { level: 9 }) : text);
  }

  /** Stored n-grams (context, symbol pairs) over all orders. */
  get size(): number {
    return this.json.levels.reduce((s, l) => s + l.counts.length, 0);
  }

  /**
   * P(w | the order − 1 characters before position i) for the symbol id `w` (V = unknown), with
   * `s` the whole string, `offsets` its code-point offsets.
   */
  private prob(s: string, offsets: Int32Array, i: number, w: number): number {
    let p = 1 / this.base;
    for (let k = 1; k <= this.order && k - 1 <= i; k++) {
      const e = this.levels[k - 1].get(s.slice(offsets[i - k + 1], offsets[i]));
      if (!e) continue;
      let c = 0;
      const syms = e.symbols;
      for (let j = 0; j < syms.length; j++)
        if (syms[j] === w) {
          c = e.counts[j];
          break;
        }
      const d = c === 0 ? 0 : this.discounts[k - 1][Math.min(c, 3) - 1];
      p = (Math.max(c - d, 0) + e.backoff * p) / e.total;
    }
    return p;
  }

  private idOf(c: string): number {
    return this.ids.get(c) ?? this.symbols.length;
  }

  /** Natural-log probability of `text`, summed over its characters, given `context`. */
  logProb(text: string, options: LogProbOptions = {}): number {
    const context = options.context ?? '';
    const s = context + text;
    const { chars, offsets } = codePointOffsets(s);
    const from = Array.from(context).length;
    let lp = 0;
    for (let i = from; i < chars.length; i++) lp += Math.log(this.prob(s, offsets, i, this.idOf(chars[i])));
    return lp;
  }

  /** logProb per character of `text`; throws on an empty text. */
  meanLogProb(text: string, options: LogProbOptions = {}): number {
    const n = Array.from(text).length;
    if (n === 0) throw new TextTaskError('NgramJudge.meanLogProb: the text is empty');
    return this.logProb(text, options) / n;
  }

  /** P(next character | context) over the alphabet, with the unknown symbol's mass at index V. */
  nextCharProbs(context = ''): Float64Array {
    const V = this.symbols.length;
    const out = new Float64Array(V + 1);
    const s = context + 'x';
    const { offsets } = codePointOffsets(s);
    const i = offsets.length - 2;
    for (let w = 0; w <= V; w++) out[w] = this.prob(s, offsets, i, w);
    return out;
  }
}

let defaultJudge: Promise<NgramJudge> | null = null;

/** The committed Shakespeare judge (loaded once). */
export function loadShakespeareJudge(): Promise<NgramJudge> {
  defaultJudge ??= NgramJudge.load(JUDGE_PATH);
  return defaultJudge;
}

// ---------------------------------------------------------------------------------------------
// Diversity and degeneracy

/** Character distinct-n: unique n-grams / total n-grams, pooled over the texts; 0 if none. */
export function distinctN(texts: string | readonly string[], n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new TextTaskError(`distinctN: n must be an integer ≥ 1, got ${n}`);
  const list = typeof texts === 'string' ? [texts] : texts;
  const seen = new Set<string>();
  let total = 0;
  for (const t of list) {
    const chars = Array.from(t);
    for (let i = 0; i + n <= chars.length; i++) {
      seen.add(chars.slice(i, i + n).join(''));
      total++;
    }
  }
  return total === 0 ? 0 : seen.size / total;
}

export interface DegeneracyOptions {
  /** Longest allowed run of one character (default 8). */
  maxRun?: number;
  /** Distinct-4 below this is degenerate (default 0.3)… */
  minDistinct4?: number;
  /** …when the text has at least this many 4-grams (default 24). */
  minNgrams?: number;
}

/** Why `text` is degenerate (see the file comment), or null when it is not. */
export function degeneracy(text: string, options: DegeneracyOptions = {}): string | null {
  const maxRun = options.maxRun ?? 8;
  const minDistinct4 = options.minDistinct4 ?? 0.3;
  const minNgrams = options.minNgrams ?? 24;
  const chars = Array.from(text);
  if (chars.length === 0) return 'empty';
  let run = 1;
  for (let i = 1; i < chars.length; i++) {
    run = chars[i] === chars[i - 1] ? run + 1 : 1;
    if (run > maxRun) return `${JSON.stringify(chars[i])} repeated more than ${maxRun} times`;
  }
  if (chars.length - 3 >= minNgrams) {
    const d4 = distinctN(text, 4);
    if (d4 < minDistinct4) return `distinct-4 ${d4.toFixed(3)} < ${minDistinct4}`;
  }
  return null;
}

export function isDegenerate(text: string, options: DegeneracyOptions = {}): boolean {
  return degeneracy(text, options) !== null;
}

// ---------------------------------------------------------------------------------------------
// Scores and the win rate

export interface TextScore {
  /** The judge's mean log-probability per character (nats); higher is better. */
  meanLogProb: number;
  degenerate: boolean;
}

/** A text's score under the judge; an empty text is degenerate with −∞. */
export function scoreText(judge: NgramJudge, text: string, options: LogProbOptions & DegeneracyOptions = {}): TextScore {
  const degenerate = isDegenerate(text, options);
  if (text.length === 0) return { meanLogProb: -Infinity, degenerate };
  return { meanLogProb: judge.meanLogProb(text, options), degenerate };
}

export interface PairwiseResult {
  wins: number;
  losses: number;
  ties: number;
  n: number;
  /** (wins + ½·ties) / n */
  winRate: number;
}

const asScore = (s: TextScore | number, side: string, i: number): TextScore => {
  const t = typeof s === 'number' ? { meanLogProb: s, degenerate: false } : s;
  if (Number.isNaN(t.meanLogProb)) throw new TextTaskError(`winRate: score ${side}[${i}] is NaN`);
  return t;
};

/** A against B, pair by pair (a plain number is a non-degenerate score). */
export function comparePairs(scoresA: readonly (TextScore | number)[], scoresB: readonly (TextScore | number)[]): PairwiseResult {
  if (scoresA.length !== scoresB.length)
    throw new TextTaskError(`winRate: ${scoresA.length} scores for A but ${scoresB.length} for B; outputs are compared in pairs`);
  if (scoresA.length === 0) throw new TextTaskError('winRate: no pairs to compare');
  let wins = 0;
  let losses = 0;
  let ties = 0;
  for (let i = 0; i < scoresA.length; i++) {
    const a = asScore(scoresA[i], 'A', i);
    const b = asScore(scoresB[i], 'B', i);
    let cmp: number;
    if (a.degenerate || b.degenerate) cmp = a.degenerate === b.degenerate ? 0 : a.degenerate ? -1 : 1;
    else cmp = a.meanLogProb > b.meanLogProb ? 1 : a.meanLogProb < b.meanLogProb ? -1 : 0;
    if (cmp > 0) wins++;
    else if (cmp < 0) losses++;
    else ties++;
  }
  const n = scoresA.length;
  return { wins, losses, ties, n, winRate: (wins + 0.5 * ties) / n };
}

/** Share of pairs that A wins, ties counting half. */
export function winRate(scoresA: readonly (TextScore | number)[], scoresB: readonly (TextScore | number)[]): number {
  return comparePairs(scoresA, scoresB).winRate;
}

// ---------------------------------------------------------------------------------------------
// Evaluation sets

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

/** An unconditional example: a prompt of `promptLength` held-out characters, then masks. */
export function generateUnconditional(rng: Rng, options: UnconditionalOptions = {}): UnconditionalExample {
  const what = 'generateUnconditional';
  const length = options.length ?? 128;
  checkLength(length, what);
  const promptLength = options.promptLength ?? 0;
  if (!(Number.isInteger(promptLength) && promptLength >= 0 && promptLength < length))
    throw new TextTaskError(`${what}: promptLength must be an integer in [0, length), got ${promptLength}`);
  const window = drawWindow(rng, options.passages ?? [loadHeldout()], length, what);
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
export function generateSet(seed: number, n: number, options: { kind: 'infilling'; passages?: readonly string[] } & InfillingOptions): InfillingExample[];
export function generateSet(seed: number, n: number, options: { kind: 'unconditional' } & UnconditionalOptions): UnconditionalExample[];
export function generateSet(seed: number, n: number, options: TextSetOptions): TextExample[];
export function generateSet(seed: number, n: number, options: TextSetOptions): TextExample[] {
  if (!Number.isInteger(n) || n < 0) throw new TextTaskError(`generateSet: n must be an integer ≥ 0, got ${n}`);
  const root = new Rng(seed);
  const out: TextExample[] = [];
  if (options.kind === 'infilling') {
    const passages = options.passages ?? [loadHeldout()];
    for (let i = 0; i < n; i++) out.push(generateInfilling(root.fork(i), passages, options));
  } else if (options.kind === 'unconditional') {
    for (let i = 0; i < n; i++) out.push(generateUnconditional(root.fork(i), options));
  } else throw new TextTaskError(`generateSet: kind must be "infilling" or "unconditional", got ${JSON.stringify((options as { kind: unknown }).kind)}`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The bigram baseline

interface ChainTablesF64 {
  initial: Float64Array;
  transition: Float64Array;
  V: number;
}

const chainCache = new WeakMap<MarkovOracle, ChainTablesF64>();

function chainOf(markov: MarkovOracle): ChainTablesF64 {
  let t = chainCache.get(markov);
  if (!t) {
    const json = markov.toJSON();
    const V = json.initial.length;
    t = { initial: Float64Array.from(json.initial), transition: Float64Array.from(json.transition.flat()), V };
    chainCache.set(markov, t);
  }
  return t;
}


/**
 * `length` characters sampled from the bigram chain at temperature 1 after `prompt` (returned
 * without the prompt). The prompt must be in the chain's alphabet, with no masks.
 */
export function bigramBaseline(markov: MarkovOracle, rng: Rng, prompt: string, length: number): string {
  if (!Number.isInteger(length) || length < 0) throw new TextTaskError(`bigramBaseline: length must be an integer ≥ 0, got ${length}`);
  const { initial, transition, V } = chainOf(markov);
  const ids = markov.encode(prompt);
  if (ids.includes(V)) throw new TextTaskError('bigramBaseline: the prompt holds a mask; it must be plain text');
  const out = new Int32Array(length);
  let prev = ids.length > 0 ? ids[ids.length - 1] : -1;
  for (let i = 0; i < length; i++) {
    prev = prev < 0 ? drawCategory(initial, 0, V, rng.nextFloat64()) : drawCategory(transition, prev * V, V, rng.nextFloat64());
    out[i] = prev;
  }
  return markov.decode(out);
}

/**
 * An exact sample of the masked characters of `canvas` (MASK_CHAR marks them) from the bigram
 * chain conditioned on every given character: each masked run between a left character a (or the
 * text start) and a right character b (or the text end) is drawn from
 * P(x₁…x_L | a, b) ∝ P(x₁|a)·∏P(x_{t+1}|x_t)·P(b|x_L) by backward messages then forward sampling
 * (the chain is order 1, so runs are independent given their neighbours). Returns the whole text.
 */
export function bigramInfill(markov: MarkovOracle, rng: Rng, canvas: string): string {
  const { initial, transition, V } = chainOf(markov);
  const ids = markov.encode(canvas); // the mask encodes as V
  const beta: Float64Array[] = [];
  const row = new Float64Array(V);
  for (let s = 0; s < ids.length; s++) {
    if (ids[s] !== V) continue;
    let e = s;
    while (e < ids.length && ids[e] === V) e++;
    // beta[t][x] ∝ P(rest of the run and b | x_{s+t} = x), normalised to max 1 against underflow.
    const L = e - s;
    for (let t = L - 1; t >= 0; t--) {
      const b = (beta[t] ??= new Float64Array(V));
      for (let x = 0; x < V; x++) {
        let acc = 0;
        if (t === L - 1) acc = e < ids.length ? transition[x * V + ids[e]] : 1;
        else for (let y = 0; y < V; y++) acc += transition[x * V + y] * beta[t + 1][y];
        b[x] = acc;
      }
      let max = 0;
      for (let x = 0; x < V; x++) max = Math.max(max, b[x]);
      for (let x = 0; x < V; x++) b[x] /= max;
    }
    for (let t = 0; t < L; t++) {
      const prev = s + t > 0 ? ids[s + t - 1] : -1;
      let total = 0;
      for (let x = 0; x < V; x++) total += row[x] = (prev < 0 ? initial[x] : transition[prev * V + x]) * beta[t][x];
      if (!(total > 0)) throw new TextTaskError(`bigramInfill: the chain gives every filling of positions ${s}–${e - 1} probability 0`);
      for (let x = 0; x < V; x++) row[x] /= total;
      ids[s + t] = drawCategory(row, 0, V, rng.nextFloat64());
    }
    s = e;
  }
  return markov.decode(ids);
}
