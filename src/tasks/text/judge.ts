/**
 * The text task's reference judge, environment-neutral: reading and writing its table files is in
 * files.ts (Node).
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
 */
import { TextTaskError } from './error.js';

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

  toJSON(): NgramJudgeJSON {
    return this.json;
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
