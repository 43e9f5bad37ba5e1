/**
 * PC-sampler (spec §5.2 `generate_with_pc_sampler` / `pc_sampler_function`): position-calibrated
 * confidence. The score of a masked position ℓ of the block, with x0 = draw 0 and p = p(x0), is
 *     exp(−λ·i) · min(α, −p · ln(f_bg[x0] + 1e-9))
 * where i = ℓ − block.start is the 0-based index within the block and f_bg the background token
 * frequency: from a JSON file {"num_token": n, "p_baseline_dict": {id: count}} (f = count/n, unseen
 * ids 1/n; the key `token_frequency_dict` written by the reference's own counting script is
 * accepted too, spec B12), or `uniform` (f = 1/V). The table is built once, by `prepare`, and
 * handed to `create` as the sampler's state. The file is read through the context's `readText`,
 * so this module stays free of file-system imports.
 */
import type { PrepareContext } from './sampler.js';
import { scoredSpec } from './scored.js';

/** The background file format (what `countBackground` builds). */
export interface BackgroundCounts {
  num_token: number;
  p_baseline_dict: Record<string, number>;
}

const PARAMS = {
  lambda: { kind: 'number', default: 0.25, min: 0, help: 'λ, positional decay exp(−λ·i), i = index within the block' },
  alpha: { kind: 'number', default: 10, min: 0, help: 'α, upper clamp of the −p·ln f_bg term' },
  background: {
    kind: 'string',
    default: 'uniform',
    help: 'background token frequencies: path of a JSON file {"num_token", "p_baseline_dict": {id: count}}, or "uniform" (1/V)',
  },
} as const;

/** Background files by path, each read and checked once per process. */
const files = new Map<string, Promise<unknown>>();

/** Build the background file object from token sequences (counts over a corpus). */
export function countBackground(ids: Iterable<number>[], vocabSize: number): BackgroundCounts {
  const counts = new Map<number, number>();
  let total = 0;
  for (const seq of ids)
    for (const id of seq) {
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize) throw new Error(`countBackground: token id ${id} outside the vocabulary [0, ${vocabSize})`);
      counts.set(id, (counts.get(id) ?? 0) + 1);
      total += 1;
    }
  const dict: Record<string, number> = {};
  for (const id of [...counts.keys()].sort((a, b) => a - b)) dict[String(id)] = counts.get(id)!;
  return { num_token: total, p_baseline_dict: dict };
}

/**
 * The frequency table f[id] of a parsed background file: count/num_token, unseen ids 1/num_token.
 * Throws one line naming the source, the field and what was expected.
 */
export function backgroundTable(raw: unknown, source: string, vocabSize: number): Float64Array {
  // Annotated, so each `bad(…)` call narrows the value it checked (TypeScript's assertion rule).
  const bad: (field: string, expected: string, got: unknown) => never = (field, expected, got) => {
    throw new Error(`pc: background file ${source}: field "${field}" must be ${expected}, got ${JSON.stringify(got) ?? String(got)}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad('(top level)', 'an object {"num_token", "p_baseline_dict"}', raw);
  const obj = raw as Record<string, unknown>;
  const n = obj.num_token;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) bad('num_token', 'a positive number', n);
  const key = 'p_baseline_dict' in obj ? 'p_baseline_dict' : 'token_frequency_dict' in obj ? 'token_frequency_dict' : null;
  if (key === null) bad('p_baseline_dict', 'an object {id: count} (or "token_frequency_dict")', undefined);
  const dict = obj[key];
  if (typeof dict !== 'object' || dict === null || Array.isArray(dict)) bad(key, 'an object {id: count}', dict);
  const table = new Float64Array(vocabSize).fill(1 / n);
  for (const [id, count] of Object.entries(dict)) {
    const v = Number(id);
    if (!/^\d+$/.test(id) || v >= vocabSize) bad(`${key}.${id}`, `keyed by a token id in [0, ${vocabSize})`, id);
    if (typeof count !== 'number' || !Number.isFinite(count) || count < 0) bad(`${key}.${id}`, 'a count ≥ 0', count);
    table[v] = count / n;
  }
  return table;
}

async function readBackground(path: string, readText: PrepareContext['readText']): Promise<unknown> {
  if (!readText) throw new Error(`pc: background file ${path}: this environment gives no file reader (prepare's context has no readText)`);
  let text: string;
  try {
    text = await readText(path);
  } catch (e) {
    throw new Error(`pc: background file ${path}: cannot read it (${(e as Error).message})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new Error(`pc: background file ${path}: not valid JSON (${(e as Error).message})`);
  }
}

/** Load `background` ("uniform" or a file path, read by `readText`) as a frequency table over `vocabSize` ids. */
export async function loadBackground(background: string, vocabSize: number, readText?: PrepareContext['readText']): Promise<Float64Array> {
  if (!Number.isInteger(vocabSize) || vocabSize < 1) throw new Error(`pc: vocabulary size must be an integer ≥ 1, got ${vocabSize}`);
  if (background === 'uniform') return new Float64Array(vocabSize).fill(1 / vocabSize);
  let pending = files.get(background);
  if (!pending) {
    pending = readBackground(background, readText);
    files.set(background, pending);
    pending.catch(() => files.delete(background)); // a failed read is retried next time
  }
  return backgroundTable(await pending, background, vocabSize);
}

export const pc = scoredSpec({
  name: 'pc',
  summary: 'PC-sampler: confidence calibrated by a background frequency and an exp(−λ·i) position decay',
  params: PARAMS,
  prepare: ({ background }, { vocabSize, readText }) => loadBackground(background, vocabSize, readText),
  score: ({ lambda, alpha }, f) => {
    if (!f) throw new Error('pc: parameters were not prepared; call spec.prepare(params, { vocabSize }) and pass its result to create');
    return (ctx, p) => {
      const tok = ctx.pred.sampleId(p, 0);
      const calibrated = -ctx.pred.sampleProb(p, 0) * Math.log(f[tok] + 1e-9);
      return Math.exp(-lambda * (p - ctx.block.start)) * Math.min(alpha, calibrated);
    };
  },
});
