/** The sampler registry: CLI name → spec. */
import { confidence } from './confidence.js';
import { eb } from './eb.js';
import { entropy } from './entropy.js';
import { fastDllm } from './fast-dllm.js';
import { infoGain, lookum } from './info-gain.js';
import { leftToRight } from './left-to-right.js';
import { margin } from './margin.js';
import { origin } from './origin.js';
import { pc } from './pc.js';
import { random } from './random.js';
import { remdm } from './remdm.js';
import { bestOfN } from './best-of-n.js';
import type { SamplerSpec } from './sampler.js';

export const SAMPLERS: readonly SamplerSpec[] = [infoGain, lookum, confidence, margin, entropy, random, leftToRight, eb, fastDllm, pc, remdm, origin, bestOfN];

export function samplerByName(name: string): SamplerSpec {
  const s = SAMPLERS.find((x) => x.name === name);
  if (!s) throw new Error(`unknown sampler "${name}"; available: ${SAMPLERS.map((x) => x.name).join(', ')}`);
  return s;
}

export type { SamplerSpec } from './sampler.js';
