/** The sampler registry: CLI name → spec. */
import { infoGain, lookum } from './info-gain.js';
import type { SamplerSpec } from './sampler.js';

export const SAMPLERS: readonly SamplerSpec[] = [infoGain, lookum];

export function samplerByName(name: string): SamplerSpec {
  const s = SAMPLERS.find((x) => x.name === name);
  if (!s) throw new Error(`unknown sampler "${name}"; available: ${SAMPLERS.map((x) => x.name).join(', ')}`);
  return s;
}

export type { SamplerSpec } from './sampler.js';
