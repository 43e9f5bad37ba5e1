/**
 * `--set key=value` routing. A key is a decode-loop parameter, a parameter of one or more of the
 * chosen samplers, or `sampler.key` for one sampler only. Anything else is an error that names
 * the key and the valid ones.
 */
import { DECODE_PARAMS } from '../decode/config.js';
import { ParamError, resolveParams, type Params } from '../samplers/params.js';
import type { SamplerSpec } from '../samplers/sampler.js';

export interface Settings {
  /** Decode parameters shared by every sampler. */
  decode: Params;
  samplers: Map<string, Params>;
  /** Decode parameters of each sampler: the shared ones with its `sampler.key` overrides. */
  decodeOf: Map<string, Params>;
}

export function parseSettings(pairs: readonly string[], samplers: readonly SamplerSpec[]): Settings {
  const decodeOverrides: Params = {};
  const perSampler = new Map<string, Params>(samplers.map((s) => [s.name, {}]));
  const perSamplerDecode = new Map<string, Params>(samplers.map((s) => [s.name, {}]));
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ParamError(`--set ${JSON.stringify(pair)}: expected key=value`);
    const key = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const dot = key.indexOf('.');
    if (dot > 0) {
      const owner = key.slice(0, dot);
      const name = key.slice(dot + 1);
      const target = perSampler.get(owner);
      if (!target) throw new ParamError(`--set ${key}: "${owner}" is not one of the chosen samplers (${samplers.map((s) => s.name).join(', ')})`);
      if (DECODE_PARAMS.some((p) => p.key === name)) perSamplerDecode.get(owner)![name] = value;
      else target[name] = value;
      continue;
    }
    if (DECODE_PARAMS.some((p) => p.key === key)) {
      decodeOverrides[key] = value;
      continue;
    }
    const owners = samplers.filter((s) => s.params.some((p) => p.key === key));
    if (owners.length === 0) {
      const valid = [...DECODE_PARAMS.map((p) => p.key), ...new Set(samplers.flatMap((s) => s.params.map((p) => p.key)))];
      throw new ParamError(`--set ${key}: unknown parameter for ${samplers.map((s) => s.name).join(', ')}; valid: ${valid.join(', ')}`);
    }
    for (const s of owners) perSampler.get(s.name)![key] = value;
  }
  const decode = resolveParams(DECODE_PARAMS, decodeOverrides, 'decode');
  const resolved = new Map<string, Params>();
  const decodeOf = new Map<string, Params>();
  for (const s of samplers) {
    resolved.set(s.name, resolveParams(s.params, perSampler.get(s.name)!, s.name));
    decodeOf.set(s.name, resolveParams(DECODE_PARAMS, { ...decodeOverrides, ...perSamplerDecode.get(s.name)! }, `${s.name} (decode)`));
  }
  return { decode, samplers: resolved, decodeOf };
}
