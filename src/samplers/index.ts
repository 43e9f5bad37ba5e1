/** The sampler registry: CLI name → step sampler or sequence-level strategy. */
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
import { infoGainBeam } from './info-gain-beam.js';
import type { AnySampler } from './sampler.js';

export const SAMPLERS: readonly AnySampler[] = [infoGain, lookum, confidence, margin, entropy, random, leftToRight, eb, fastDllm, pc, remdm, origin, bestOfN, infoGainBeam];

/**
 * A sampler by CLI name. `name:label` (e.g. `info-gain:n4`) is a named variant of the same sampler,
 * so one run can hold several settings of it (sweeps, compute-matched baselines): parameters are
 * then set per variant with `--set info-gain:n4.candidates=4`.
 */
export function samplerByName(name: string): AnySampler {
  const [base, label, ...rest] = name.split(':');
  const s = SAMPLERS.find((x) => x.name === base);
  if (!s) throw new Error(`unknown sampler "${base}"; available: ${SAMPLERS.map((x) => x.name).join(', ')}`);
  if (label === undefined) return s;
  if (rest.length > 0 || !/^[A-Za-z0-9_-]+$/.test(label))
    throw new Error(`sampler variant "${name}": expected name:label with a label of letters, digits, _ or -`);
  return { ...s, name, summary: `${s.summary} (variant ${label})` };
}

export type { AnySampler, SamplerSpec, SequenceStrategy } from './sampler.js';
