/**
 * Tokens-per-step schedules (spec §5.1, decision D4). Each returns the list of `k_i` for a block
 * with `masks` masked positions and `steps` steps; entries may be 0 where the reference skips a
 * step. The decode loop, not the schedule, makes the last step fill whatever is left (D1/B5).
 */

export const SCHEDULE_NAMES = ['llada', 'dllm', 'dream', 'cosine'] as const;
export type ScheduleName = (typeof SCHEDULE_NAMES)[number];

const f32 = Math.fround;

/** LLaDA `get_num_transfer_tokens`: ⌊M/s⌋ plus one for the first M mod s steps. */
export function lladaSchedule(masks: number, steps: number): number[] {
  checkArgs(masks, steps);
  const base = Math.floor(masks / steps);
  const rem = masks % steps;
  return Array.from({ length: steps }, (_, i) => base + (i < rem ? 1 : 0));
}

/** Round half to even, as torch.round does. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * DLLM transfer schedule with the linear scheduler α(t) = 1 − t. The probability of unmasking
 * at step j is 1 − (1−α(s))/(1−α(t)) with s = (S−j−1)/S and t = (S−j)/S, evaluated in float32
 * through α as the reference does: the float32 rounding decides the half-way cases of the
 * worked example (32, 12). Zero entries are dropped.
 */
export function dllmSchedule(masks: number, steps: number): number[] {
  checkArgs(masks, steps);
  const out: number[] = [];
  let remaining = masks;
  for (let j = 0; j < steps && remaining > 0; j++) {
    const s = (steps - j - 1) / steps;
    const t = (steps - j) / steps;
    const alphaS = f32(1 - f32(s));
    const alphaT = f32(1 - f32(t));
    const reverseMask = f32(f32(1 - alphaS) / f32(1 - alphaT));
    const p = f32(1 - reverseMask);
    const n = Math.min(roundHalfEven(remaining * p), remaining);
    remaining -= n;
    if (n > 0) out.push(n);
  }
  if (remaining > 0) out.push(remaining);
  return out;
}

/**
 * Dream's timestep schedule: ts = linspace(1, 1e-3, S+1) in float32 and
 * k_i = int(n_i·(1 − ts[i+1]/ts[i])) with n_i the masks still left, except the last step which
 * takes all of them. `firstIndex` starts the step counter later (Dream's cache modes start at 1
 * because step 0 is the forced commit of the block's first token, spec §2.5).
 */
export function dreamSchedule(masks: number, steps: number, firstIndex = 0): number[] {
  checkArgs(masks, steps);
  const eps = 1e-3;
  const ts = new Float32Array(steps + 1);
  for (let i = 0; i <= steps; i++) ts[i] = f32(1 + f32(f32(eps - 1) * f32(i / steps)));
  ts[steps] = f32(eps);
  const out: number[] = [];
  let remaining = masks;
  for (let i = firstIndex; i < steps; i++) {
    const k = i < steps - 1 ? Math.trunc(remaining * f32(1 - f32(ts[i + 1] / ts[i]))) : remaining;
    const take = Math.min(Math.max(k, 0), remaining);
    out.push(take);
    remaining -= take;
  }
  return out;
}

/**
 * MaskGIT cosine schedule (spec §4.4): mask_len = clamp(⌊M·cos(π/2·(t+1)/S)⌋, 1, unknown−1),
 * k_t = max(1, unknown − mask_len). The clamp always leaves one mask for after the last step, so
 * the last step takes the remainder (D1/B5). Stops once nothing is left.
 */
export function cosineSchedule(masks: number, steps: number): number[] {
  checkArgs(masks, steps);
  const out: number[] = [];
  let unknown = masks;
  for (let t = 0; t < steps && unknown > 0; t++) {
    const ratio = Math.cos((Math.PI / 2) * ((t + 1) / steps));
    const maskLen = Math.min(Math.max(Math.floor(masks * ratio), 1), unknown - 1);
    const k = t === steps - 1 ? unknown : Math.min(Math.max(1, unknown - maskLen), unknown);
    out.push(k);
    unknown -= k;
  }
  return out;
}

/**
 * The schedule of a block of `steps` steps, of which the first `taken` are already spent (a
 * Dream-style shifted model's forced first commit in a cache mode, spec §2.5): Dream's schedule
 * continues its step counter at `taken`, as the reference does; the others split the masks left
 * over the steps left (at least one).
 */
export function schedule(name: ScheduleName, masks: number, steps: number, taken = 0): number[] {
  const left = Math.max(1, steps - taken);
  switch (name) {
    case 'llada':
      return lladaSchedule(masks, left);
    case 'dllm':
      return dllmSchedule(masks, left);
    case 'dream':
      return dreamSchedule(masks, steps, taken);
    case 'cosine':
      return cosineSchedule(masks, left);
  }
}

function checkArgs(masks: number, steps: number): void {
  if (!Number.isInteger(masks) || masks < 0) throw new Error(`schedule: masks must be an integer ≥ 0, got ${masks}`);
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`schedule: steps must be an integer ≥ 1, got ${steps}`);
}
