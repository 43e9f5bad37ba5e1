/**
 * The decode entry: a sampler (step sampler or sequence-level strategy), its resolved parameters
 * and the decode loop's configuration. The CLI, the eval harness and the library all decode
 * entries, and all resolve them here: from names and `key=value` pairs (`--set`, a config's
 * `set:`), or from one sampler and parameter objects.
 *
 * `--set` routing: a key is a decode-loop parameter, a parameter of one or more of the chosen
 * samplers, or `sampler.key` for one sampler only. Settings for samplers that are not chosen do
 * not apply, so a config written for eleven samplers runs under `--samplers confidence`:
 * - `sampler.key` for an existing sampler (or variant) that is not chosen is skipped, after its
 *   key and value are checked against that sampler; an unknown sampler name is an error;
 * - a bare key that belongs to no chosen sampler but to some other sampler is skipped when it
 *   comes from a config file (which names settings for all its samplers), and an error when typed
 *   on the command line (where it was surely meant for the run);
 * - anything else is an error that names the key and the valid ones.
 * A bare key that is both a decode-loop parameter and a sampler's (`threshold`: the bypass, and
 * Fast-dLLM's rule) sets the loop's; `sampler.key` sets that sampler's own parameter.
 */
import { SAMPLERS, samplerByName } from '../samplers/index.js';
import { ParamError, parseParam, resolveParams, type Params, type ParamSpec } from '../samplers/params.js';
import type { AnySampler, PrepareContext, SamplerSpec, SequenceStrategy, StepEntry } from '../samplers/sampler.js';
import { DECODE_PARAMS, toDecodeConfig, type DecodeConfig } from './config.js';

/** What to decode with. P is the sampler's parameter type (erased to `Params` in mixed lists). */
export interface DecodeEntry<P = Params> {
  sampler: SamplerSpec<P> | SequenceStrategy<P>;
  params: P;
  decode: DecodeConfig;
  /** What the step sampler's `prepare` returned (see `prepareEntry`); absent for samplers without one. */
  state?: unknown;
}

/**
 * How an entry decodes: `copies` seeded decodes per canvas with one step sampler, the best kept by
 * `criterion`; or, with `beams`, one beam search per canvas whose beams the step sampler expands.
 */
export interface DecodePlan {
  step: StepEntry;
  copies: number;
  /** null: a plain decode (or a beam), one copy, nothing to choose. */
  criterion: 'uncertainty' | 'likelihood' | null;
  /** The beam width of a beam search over orders (src/decode/beam.ts); null: no beam. */
  beams: number | null;
}

export function planOf(entry: DecodeEntry): DecodePlan {
  const s: AnySampler = entry.sampler;
  if (s.level === 'step') return { step: { sampler: s, params: entry.params }, copies: 1, criterion: null, beams: null };
  if (s.search === 'beam') return { step: s.base(entry.params), copies: 1, criterion: null, beams: s.beams(entry.params) };
  return { step: s.base, copies: s.copies(entry.params), criterion: s.criterion(entry.params), beams: null };
}

/** Run the step sampler's one-time preparation (PC-sampler's background table), once per run. */
export async function prepareEntry<P extends Params>(entry: DecodeEntry<P>, context: PrepareContext): Promise<DecodeEntry<P>> {
  const { sampler, params } = planOf(entry).step;
  return sampler.prepare ? { ...entry, state: await sampler.prepare(params, context) } : entry;
}

/** One sampler (by name or spec) with parameter and decode overrides (values or text); defaults fill the rest. */
export function resolveEntry(sampler: string | AnySampler, params: Params = {}, decode: Params = {}, decodeOwner = 'decode'): DecodeEntry {
  const s = typeof sampler === 'string' ? samplerByName(sampler) : sampler;
  return { sampler: s, params: resolveParams(s.params, params, s.name), decode: toDecodeConfig(resolveParams(DECODE_PARAMS, decode, decodeOwner)) };
}

export interface ResolvedEntries {
  /** One per chosen sampler, in order. */
  entries: DecodeEntry[];
  /** The decode configuration shared by every sampler, before `sampler.key` overrides. */
  decode: DecodeConfig;
  /** Settings that did not apply because their sampler is not chosen (`key=value` as given). */
  skipped: string[];
}

/** Where a pair came from: the command line (`--set`) or a config file (`set:` in <file>). */
interface Pair {
  text: string;
  fromConfig: boolean;
}

const decodeSpec = (key: string) => DECODE_PARAMS.find((p) => p.key === key);
const ownsParam = (s: AnySampler, key: string) => s.params.some((p) => p.key === key);

/** Check a value against the parameter it would set, although it is not applied. */
function checkUnused(spec: ParamSpec, value: string, owner: string): void {
  if (spec.kind !== 'string') parseParam(spec, value, owner);
}

/**
 * Entries for the chosen samplers from `key=value` pairs: `pairs` are the command line's `--set`
 * values; `configPairs` (a config's `set:` mapping) come first, so the command line wins, and
 * follow the config rule above.
 */
export function resolveEntries(samplers: readonly AnySampler[], pairs: readonly string[], configPairs: readonly string[] = []): ResolvedEntries {
  const decodeOverrides: Params = {};
  const perSampler = new Map<string, Params>(samplers.map((s) => [s.name, {}]));
  const perSamplerDecode = new Map<string, Params>(samplers.map((s) => [s.name, {}]));
  const skipped: string[] = [];
  const chosen = samplers.map((s) => s.name).join(', ');
  const all: Pair[] = [...configPairs.map((text) => ({ text, fromConfig: true })), ...pairs.map((text) => ({ text, fromConfig: false }))];
  for (const { text: pair, fromConfig } of all) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ParamError(`--set ${JSON.stringify(pair)}: expected key=value`);
    const key = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const where = fromConfig ? `set: ${key} (config)` : `--set ${key}`;
    const dot = key.indexOf('.');
    if (dot > 0) {
      const owner = key.slice(0, dot);
      const name = key.slice(dot + 1);
      const target = perSampler.get(owner);
      if (target) {
        // The sampler's own parameter wins over a decode-loop key of the same name
        // (`fast-dllm.threshold` is Fast-dLLM's rule, not the bypass); the bare key is the loop's.
        if (ownsParam(samplers.find((s) => s.name === owner)!, name) || !decodeSpec(name)) target[name] = value;
        else perSamplerDecode.get(owner)![name] = value;
        continue;
      }
      let other: AnySampler;
      try {
        other = samplerByName(owner);
      } catch (e) {
        throw new ParamError(`${where}: "${owner}" is not a sampler (${(e as Error).message}); chosen: ${chosen}`);
      }
      const spec = other.params.find((p) => p.key === name) ?? decodeSpec(name);
      if (!spec) throw new ParamError(`${where}: unknown parameter "${name}" for ${owner}; valid: ${[...DECODE_PARAMS, ...other.params].map((p) => p.key).join(', ')}`);
      checkUnused(spec, value, owner);
      skipped.push(pair);
      continue;
    }
    if (decodeSpec(key)) {
      decodeOverrides[key] = value;
      continue;
    }
    const owners = samplers.filter((s) => s.params.some((p) => p.key === key));
    if (owners.length > 0) {
      for (const s of owners) perSampler.get(s.name)![key] = value;
      continue;
    }
    const elsewhere = SAMPLERS.filter((s) => s.params.some((p) => p.key === key));
    if (fromConfig && elsewhere.length > 0) {
      checkUnused(elsewhere[0].params.find((p) => p.key === key)!, value, elsewhere[0].name);
      skipped.push(pair);
      continue;
    }
    const valid = [...DECODE_PARAMS.map((p) => p.key), ...new Set(samplers.flatMap((s) => s.params.map((p) => p.key)))];
    const hint = elsewhere.length > 0 ? ` ("${key}" is a parameter of ${elsewhere.map((s) => s.name).join(', ')}, not chosen)` : '';
    throw new ParamError(`${where}: unknown parameter for ${chosen}${hint}; valid: ${valid.join(', ')}`);
  }
  const decode = toDecodeConfig(resolveParams(DECODE_PARAMS, decodeOverrides, 'decode'));
  const entries = samplers.map((s) => resolveEntry(s, perSampler.get(s.name)!, { ...decodeOverrides, ...perSamplerDecode.get(s.name)! }, `${s.name} (decode)`));
  return { entries, decode, skipped };
}
