/**
 * The model card: everything the decoder needs to know about a model, as data (spec §4.1).
 * Model quirks live here, never in `if (model === …)` branches.
 */

export type Attention = { kind: 'full' } | { kind: 'block-causal'; blockSize: number };

export interface ModelCard {
  name: string;
  /** Size of the logits' last axis; the mask token is one of these ids. */
  vocabSize: number;
  maskId: number;
  eosId: number | null;
  padId: number | null;
  /** Subtracted from the EOS and PAD logits of every forward (spec D3); twice when they are equal. */
  eosPenalty: number;
  /** Dream-style models: output i−1 predicts token i (spec §4.3). */
  logitShift: boolean;
  attention: Attention;
  /** Longest canvas the model accepts. */
  contextLimit: number;
  /** Ids whose logits are set to −∞ before anything reads them. */
  suppressTokens: number[];
  /**
   * What a prompt character outside the tokenizer's alphabet does: refuse the prompt ("error") or
   * encode it as the unknown token with a warning on stderr ("warn"). Absent: the tokenizer's
   * default (see `HfTokenizer.unknownTokens`).
   */
  unknownTokens?: UnknownTokens;
  /** The model's cache graph (docs/onnx-models.md, "The cache graph"), when it ships one. */
  cache?: CacheGraphCard;
}

export type UnknownTokens = 'error' | 'warn';
/** Where the cache graph is, beside model.onnx, and the shape of its keys/values [L, ·, H, ·, headDim]. */
export interface CacheGraphCard {
  graph: string;
  layers: number;
  heads: number;
  headDim: number;
}

export const UNKNOWN_TOKENS: readonly UnknownTokens[] = ['error', 'warn'];

export class CardError extends Error {}

/**
 * Validate and complete a card read from JSON. `source` names the file for error messages.
 * Unknown fields are rejected so that a typo does not silently fall back to a default.
 * `origins` says where each value came from when the card was merged from several places
 * (model.json, a preset, the tokenizer files), so that a message blames the right one.
 */
export function parseCard(raw: unknown, source: string, origins: Record<string, string> = {}): ModelCard {
  const from = (field: string) => (origins[field] ? ` (from ${origins[field]})` : '');
  const fail = (field: string, value: unknown, expected: string): never => {
    const origin = origins[field] === 'model.json' ? '' : from(field); // `source` already names model.json
    throw new CardError(`${source}: field "${field}" is ${value === undefined ? 'missing' : JSON.stringify(value)}${origin}, expected ${expected}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('(card)', raw, 'a JSON object');
  const r = raw as Record<string, unknown>;
  const known = new Set([
    'name', 'vocabSize', 'maskId', 'eosId', 'padId', 'eosPenalty', 'logitShift', 'attention',
    'contextLimit', 'suppressTokens', 'unknownTokens', 'cache',
  ]);
  for (const key of Object.keys(r)) if (!known.has(key)) fail(key, r[key], `one of ${[...known].join(', ')}`);
  const int = (field: string, min: number): number => {
    const v = r[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(field, v, `an integer ≥ ${min}`);
    return v as number;
  };
  const vocabSize = int('vocabSize', 2);
  const maskId = int('maskId', 0);
  const vocab = `vocabSize ${vocabSize}${from('vocabSize')}`;
  if (maskId >= vocabSize) fail('maskId', maskId, `an id below ${vocab}`);
  const optionalId = (field: string): number | null => {
    const v = r[field];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= vocabSize) fail(field, v, `null or an id below ${vocab}`);
    return v as number;
  };
  let attention: Attention = { kind: 'full' };
  if (r.attention !== undefined) {
    const a = r.attention as Record<string, unknown>;
    if (a?.kind === 'full') attention = { kind: 'full' };
    else if (a?.kind === 'block-causal' && typeof a.blockSize === 'number' && Number.isInteger(a.blockSize) && a.blockSize >= 1)
      attention = { kind: 'block-causal', blockSize: a.blockSize };
    else fail('attention', r.attention, '{"kind":"full"} or {"kind":"block-causal","blockSize":<integer ≥ 1>}');
  }
  const eosPenalty = r.eosPenalty ?? 0;
  if (typeof eosPenalty !== 'number' || !Number.isFinite(eosPenalty)) fail('eosPenalty', eosPenalty, 'a finite number');
  const logitShift = r.logitShift ?? false;
  if (typeof logitShift !== 'boolean') fail('logitShift', logitShift, 'true or false');
  const suppress = r.suppressTokens ?? [];
  if (!Array.isArray(suppress) || suppress.some((v) => !Number.isInteger(v) || v < 0 || v >= vocabSize))
    fail('suppressTokens', suppress, `a list of ids below ${vocab}`);
  if (r.unknownTokens !== undefined && !UNKNOWN_TOKENS.includes(r.unknownTokens as UnknownTokens))
    fail('unknownTokens', r.unknownTokens, `one of ${UNKNOWN_TOKENS.map((u) => JSON.stringify(u)).join(', ')}`);
  const cache = r.cache === undefined ? undefined : cacheGraphCard(r.cache, (value) => fail('cache', value, CACHE_SHAPE));
  const name = r.name ?? 'model';
  if (typeof name !== 'string') fail('name', name, 'a string');
  return {
    name: name as string,
    vocabSize,
    maskId,
    eosId: optionalId('eosId'),
    padId: optionalId('padId'),
    eosPenalty: eosPenalty as number,
    logitShift: logitShift as boolean,
    attention,
    contextLimit: r.contextLimit === undefined ? Number.MAX_SAFE_INTEGER : int('contextLimit', 1),
    suppressTokens: suppress as number[],
    ...(r.unknownTokens === undefined ? {} : { unknownTokens: r.unknownTokens as UnknownTokens }),
    ...(cache === undefined ? {} : { cache }),
  };
}

const CACHE_SHAPE = '{"graph":"<file name beside model.onnx>","layers":<integer ≥ 1>,"heads":<integer ≥ 1>,"headDim":<integer ≥ 1>}';

function cacheGraphCard(value: unknown, fail: (value: unknown) => never): CacheGraphCard {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(value);
  const { graph, layers, heads, headDim, ...rest } = value as Record<string, unknown>;
  const count = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;
  if (Object.keys(rest).length > 0 || typeof graph !== 'string' || !/^[\w.-]+\.onnx$/.test(graph) || !count(layers) || !count(heads) || !count(headDim))
    return fail(value);
  return { graph, layers, heads, headDim };
}
