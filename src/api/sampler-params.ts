/**
 * Sampler parameter types by name: `decode(model, prompt, { sampler: 'info-gain', params })` types
 * `params` from the sampler's own declaration (src/samplers/params.ts `defineParams`).
 */
import type { ParamSchema, Params } from '../samplers/params.js';
import type { bestOfN } from '../samplers/best-of-n.js';
import type { confidence } from '../samplers/confidence.js';
import type { eb } from '../samplers/eb.js';
import type { entropy } from '../samplers/entropy.js';
import type { fastDllm } from '../samplers/fast-dllm.js';
import type { infoGain, lookum } from '../samplers/info-gain.js';
import type { infoGainBeam } from '../samplers/info-gain-beam.js';
import type { leftToRight } from '../samplers/left-to-right.js';
import type { margin } from '../samplers/margin.js';
import type { origin } from '../samplers/origin.js';
import type { pc } from '../samplers/pc.js';
import type { random } from '../samplers/random.js';
import type { remdm } from '../samplers/remdm.js';

type ParamsOfSampler<S> = S extends { params: ParamSchema<infer P> } ? P : never;

/** Each registered sampler's name → its parameter type (test/api.test.ts checks it covers SAMPLERS). */
export interface SamplerParamsByName {
  'info-gain': ParamsOfSampler<typeof infoGain>;
  lookum: ParamsOfSampler<typeof lookum>;
  confidence: ParamsOfSampler<typeof confidence>;
  margin: ParamsOfSampler<typeof margin>;
  entropy: ParamsOfSampler<typeof entropy>;
  random: ParamsOfSampler<typeof random>;
  'left-to-right': ParamsOfSampler<typeof leftToRight>;
  eb: ParamsOfSampler<typeof eb>;
  'fast-dllm': ParamsOfSampler<typeof fastDllm>;
  pc: ParamsOfSampler<typeof pc>;
  remdm: ParamsOfSampler<typeof remdm>;
  origin: ParamsOfSampler<typeof origin>;
  'best-of-n': ParamsOfSampler<typeof bestOfN>;
  'info-gain-beam': ParamsOfSampler<typeof infoGainBeam>;
}

export type SamplerName = keyof SamplerParamsByName;

/** The names `SamplerParamsByName` lists, at run time. */
export const SAMPLER_NAMES: readonly SamplerName[] = ['info-gain', 'lookum', 'confidence', 'margin', 'entropy', 'random', 'left-to-right', 'eb', 'fast-dllm', 'pc', 'remdm', 'origin', 'best-of-n', 'info-gain-beam'];

/** Overrides of a sampler's parameters: typed for a registered name, any declared key for a variant (`info-gain:n4`). */
export type ParamsFor<N extends string> = N extends SamplerName ? Partial<SamplerParamsByName[N]> : Params;
