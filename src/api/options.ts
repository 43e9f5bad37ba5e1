/**
 * The decode calls' options checked by key. TypeScript callers get a compile error for a key
 * `DecodeCallOptions` does not have; JavaScript callers (and objects built at run time) would get
 * silence: `generate(model, prompt, { temperature: 0.7 })` decoded at τ_tok = 0, because the
 * temperature belongs in `decode`. Here every key at every level is checked against the
 * declarations (the interface's keys, DECODE_PARAMS, the sampler's own parameter schema), and
 * an unknown one is a TypeError that says where the key belongs.
 */
import { DECODE_PARAMS } from '../decode/config.js';
import { SAMPLERS } from '../samplers/index.js';
import type { AnySampler } from '../samplers/sampler.js';
import type { DecodeCallOptions } from './decode.js';
import type { LoadModelOptions } from './load.js';

/** DecodeCallOptions' keys at run time; `satisfies` makes the compiler keep this equal to the interface. */
const CALL_KEYS = Object.keys({
  sampler: true, params: true, decode: true, genLength: true, seed: true, signal: true, batchSize: true, readText: true,
} satisfies Record<keyof DecodeCallOptions<string>, true>);

/**
 * What other decoding APIs call our keys (normalized: lower case, letters and digits only): OpenAI
 * (`max_tokens`), Hugging Face generate (`max_new_tokens`, `max_length`), the LLaDA and Dream
 * reference code (`gen_length`, `alg`, `block_size`), this project's HTTP server (`sampler_params`).
 */
const SYNONYMS: Readonly<Record<string, string>> = {
  maxtokens: 'genLength', maxnewtokens: 'genLength', maxlength: 'genLength', genlen: 'genLength', newtokens: 'genLength', length: 'genLength',
  numsteps: 'decode.steps', nsteps: 'decode.steps', diffusionsteps: 'decode.steps', samplingsteps: 'decode.steps',
  temp: 'decode.temperature', tau: 'decode.temperature', tautok: 'decode.temperature',
  blocksize: 'decode.block_length', cache: 'decode.use_cache', kvcache: 'decode.use_cache',
  alg: 'sampler', algorithm: 'sampler', strategy: 'sampler', method: 'sampler',
  samplerparams: 'params', samplerparameters: 'params', samplerargs: 'params',
  randomseed: 'seed', abortsignal: 'signal', batch: 'batchSize',
};

const normalized = (key: string) => key.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Edit distance with adjacent transpositions counted once ("genLenght" is one slip from "genLength"). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.length][b.length];
}

type Level = 'top' | 'decode' | 'params';

/** Every place a key can go, as the path a message names: `genLength`, `decode.temperature`, `params.candidates`. */
function pathsFor(sampler: AnySampler): { path: string; key: string; level: Level }[] {
  return [
    ...CALL_KEYS.map((key) => ({ path: key, key, level: 'top' as const })),
    ...DECODE_PARAMS.map((p) => ({ path: `decode.${p.key}`, key: p.key, level: 'decode' as const })),
    ...sampler.params.map((p) => ({ path: `params.${p.key}`, key: p.key, level: 'params' as const })),
  ];
}

/** The candidate nearest to `key` within a slip or two (one for short keys), or undefined. */
function nearest<T>(key: string, candidates: readonly T[], keyOf: (c: T) => string): T | undefined {
  const norm = normalized(key);
  const limit = norm.length >= 6 ? 2 : 1;
  const scored = candidates.map((c) => ({ c, d: distance(norm, normalized(keyOf(c))) })).filter((x) => x.d <= limit);
  return scored.sort((x, y) => x.d - y.d)[0]?.c;
}

/**
 * Where `key`, unknown at `level`, belongs, first rule that finds one: the same name at another
 * level (`temperature` → decode.temperature), the same name written another way (`gen_length`,
 * `useCache`), another API's name for it (`max_tokens`), a near miss (`temprature`); else null.
 */
function suggestion(key: string, level: Level, sampler: AnySampler): string | null {
  const all = pathsFor(sampler);
  const exact = all.find((p) => p.level !== level && p.key === key);
  if (exact) return exact.path;
  const spelled = all.find((p) => normalized(p.key) === normalized(key));
  if (spelled) return spelled.path;
  return SYNONYMS[normalized(key)] ?? nearest(key, all, (p) => p.key)?.path ?? null;
}

function unknownKey(call: string, key: string, level: Level, sampler: AnySampler): TypeError {
  const shown = level === 'top' ? key : `${level}.${key}`;
  const valid =
    level === 'top' ? `options: ${CALL_KEYS.join(', ')}` : level === 'decode' ? `decode: ${DECODE_PARAMS.map((p) => p.key).join(', ')}` : `${sampler.name}'s params: ${sampler.params.map((p) => p.key).join(', ') || '(none)'}`;
  const owners = SAMPLERS.filter((s) => s.name !== sampler.name && s.params.some((p) => p.key === key)).map((s) => s.name);
  const hint = suggestion(key, level, sampler);
  const why = hint !== null ? `did you mean ${hint}?` : owners.length > 0 ? `"${key}" is a parameter of ${owners.join(', ')}, not of ${sampler.name} (params.${key} with sampler: '${owners[0]}')` : 'no option is named like it';
  return new TypeError(`${call}: unknown option ${shown}${level === 'params' ? ` for sampler ${sampler.name}` : ''}; ${why} (valid in ${valid})`);
}

function objectAt(call: string, value: unknown, what: string): object {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value;
  const kind = Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
  throw new TypeError(`${call}: ${what} is ${kind}, expected an object of options`);
}

/**
 * Throw a TypeError for any key of `options`, `options.decode` or `options.params` that the
 * declarations do not have, naming where it belongs. `call` names the function in the message.
 */
export function checkCallOptions(call: string, options: unknown, sampler: AnySampler): void {
  const top = objectAt(call, options, 'the options argument');
  for (const key of Object.keys(top)) if (!CALL_KEYS.includes(key)) throw unknownKey(call, key, 'top', sampler);
  const nested: ['decode' | 'params', readonly string[]][] = [['decode', DECODE_PARAMS.map((p) => p.key)], ['params', sampler.params.map((p) => p.key)]];
  for (const [level, known] of nested) {
    const value: unknown = Reflect.get(top, level);
    if (value === undefined) continue;
    for (const key of Object.keys(objectAt(call, value, `options.${level}`))) if (!known.includes(key)) throw unknownKey(call, key, level, sampler);
  }
}

/** LoadModelOptions' keys at run time, kept equal to the interface by the compiler. */
const LOAD_KEYS = Object.keys({
  runtime: true, threads: true, device: true, task: true, genLength: true, statsHead: true, statsGraph: true,
} satisfies Record<keyof LoadModelOptions, true>);

/** Throw a TypeError for a key `loadModel`'s options do not have: the nearest one, or the decode call that takes it. */
export function checkLoadOptions(call: string, options: unknown): void {
  for (const key of Object.keys(objectAt(call, options, 'the options argument'))) {
    if (LOAD_KEYS.includes(key)) continue;
    const near = nearest(key, LOAD_KEYS, (k) => k);
    const decodeKey = CALL_KEYS.includes(key) || DECODE_PARAMS.some((p) => p.key === key);
    const why = near !== undefined ? `did you mean ${near}?` : decodeKey ? `"${key}" is an option of decode and generate, not of loadModel` : 'no option is named like it';
    throw new TypeError(`${call}: unknown option ${key}; ${why} (valid: ${LOAD_KEYS.join(', ')})`);
  }
}
