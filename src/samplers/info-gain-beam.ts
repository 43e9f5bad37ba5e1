/**
 * Info-Gain beam search over decoding orders (spec D10; issue 21 §1): B partial canvases; at each
 * step every beam proposes Info-Gain's N candidate actions (the same proposal rule), all B × N
 * scored in ONE batched lookahead forward; of every beam's children the B best by
 *     score = (cumulative uncertainty committed so far, this action's C included) + H_next
 * are kept, distinct canvases only; at the end the beam with the lowest cumulative uncertainty
 * wins. With one beam the score orders a step's candidates exactly as Info-Gain's J = −C − H_next
 * (score = committed before the step − J), so beams = 1 is Info-Gain, decode for decode.
 * Why this score: docs/decisions.md D12. The search itself runs in the decode layer
 * (src/decode/beam.ts), like best-of-N's copies.
 */
import { infoGain } from './info-gain.js';
import { defineParams, type ParamsOf } from './params.js';
import { stepEntry, type BeamStrategy } from './sampler.js';

const PARAMS = defineParams({
  beams: { kind: 'integer', default: 4, min: 1, max: 256, help: 'B, partial canvases kept per step (B × N lookahead rows per forward call)' },
  candidates: { kind: 'integer', default: 8, min: 1, max: 256, help: "N, Info-Gain's candidate actions per beam per step" },
  position_temperature: { kind: 'number', default: 0.1, min: 0, help: "Info-Gain's τ_pos of the Gumbel-top-k position sampling; 0 = greedy" },
});

export const infoGainBeam: BeamStrategy<ParamsOf<typeof PARAMS>> = {
  level: 'sequence',
  search: 'beam',
  name: 'info-gain-beam',
  summary: "beam search over orders: B canvases expanded by Info-Gain's N candidates in one lookahead, kept by committed uncertainty + H_next",
  params: PARAMS,
  base: (p) => stepEntry(infoGain, { candidates: p.candidates, position_temperature: p.position_temperature, variant: 'info_gain' }),
  beams: (p) => p.beams,
};
