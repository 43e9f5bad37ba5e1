/**
 * The decode loop of one sequence (spec §2.2 with decisions D1–D9), as a generator: it yields
 * the rows it needs forwarded and receives their predictions, so the driver can batch many
 * sequences into one model call while each sequence stays a straight-line program.
 */
import { Rng } from '../core/rng.js';
import { schedule } from '../core/schedule.js';
import type { ModelCard } from '../models/card.js';
import type { ForwardRow, KvCache, RowPredictions } from '../models/denoiser.js';
import { selectKv } from '../models/kv-cache.js';
import { commitFrom, type Sampler, type SamplerSpec, type StepContext, type StepResult } from '../samplers/sampler.js';
import type { CacheMode, DecodeConfig } from './config.js';
import type { SequenceTrace, StepKind, StepRecord } from './trace.js';
import { blocks, bypassCommits, eosFill, eosFillRegion, generationRegion, maskedIn, type Region } from './canvas.js';

export interface SequenceInput {
  /** Canvas with mask tokens where the model should write; a prompt is its unmasked prefix. */
  canvas: Int32Array;
  /** Prompt length P; blocks start at P, or at the first mask when masks stand inside the prompt (spec D1/B7). */
  promptLength: number;
  seed: number;
}

export type SequenceGenerator = Generator<ForwardRow[], SequenceTrace, RowPredictions[]>;

/** Called after each step with its record and the canvas it left (live: copy what you keep). */
export type StepListener = (record: StepRecord, canvas: Int32Array) => void;

type Block = StepContext['block'];
type Forwarding<T> = Generator<ForwardRow[], T, RowPredictions[]>;

/** A sequence's model access: its generator (every random draw, spec D7) and its cost so far (D9). */
interface Meter {
  card: ModelCard;
  rng: Rng;
  calls: number;
  rows: number;
}

/**
 * A block's cache (use_cache prefix/dual): the window every forward of the block recomputes, the
 * keys/values of every other position and the block-entry predictions that stand for them (D2).
 */
interface BlockCache {
  start: number;
  end: number;
  kv: KvCache;
  entry: RowPredictions;
}

/** A step's decision: the sampler's result, or the loop's own last-step fill or bypass. */
type StepChoice = Omit<StepResult, 'kind'> & { kind: StepKind };

export function* decodeSequence(input: SequenceInput, card: ModelCard, spec: SamplerSpec, sampler: Sampler, cfg: DecodeConfig, onStep?: StepListener): SequenceGenerator {
  const started = performance.now();
  const x = input.canvas.slice();
  const meter: Meter = { card, rng: new Rng(input.seed), calls: 0, rows: 0 };
  const region = generationRegion(x, input.promptLength, card.maskId);
  const fillRegion = eosFillRegion(x, input.promptLength);
  const blockList = blockPlan(card, region, cfg.blockLength);
  const stepsPerBlock = Math.max(1, Math.ceil((cfg.steps ?? maskedIn(x, region.start, region.end, card.maskId).length) / blockList.length));
  const records: StepRecord[] = [];

  for (const block of blockList) {
    const entered = { calls: meter.calls, rows: meter.rows, time: performance.now() };
    // Cache modes: one full forward at block entry fills the cache; its predictions are step 0's.
    const cache = cfg.useCache === 'none' ? null : yield* enterBlock(meter, x, block, cfg.useCache, card.logitShift && cfg.shiftedFirst !== 'forced');
    let handedOn: RowPredictions | null = cache?.entry ?? null; // the sampler's predictions for the next step; reset at every block (spec §2.2)
    // The positions the block's steps decide, and the first scheduled step's index.
    let steps: Block = block;
    let first = 0;
    if (cache && card.logitShift && cfg.shiftedFirst === 'forced') {
      // A shifted model's window [s, e) predicts only (s, e): s's logit would be the output of s − 1,
      // outside the window. The reference's rule (spec §2.5, D11): s is settled at block entry,
      // committed now from the whole-canvas entry forward when masked, left as it is when already
      // committed, and the block's steps decide (s, e) only, so no step reads s from a window.
      // (shifted_first=overlap instead starts the window at s − 1: see enterBlock.)
      steps = { ...block, start: block.start + 1 };
      if (x[block.start] === card.maskId) {
        const choice: StepChoice = { kind: 'forced', commits: [commitFrom(cache.entry, block.start, 0)] };
        applyChoice(x, choice, card.maskId, spec.name);
        const filled = cfg.eosFill && card.eosId !== null ? eosFill(x, fillRegion, card.eosId, card.maskId) : [];
        handedOn = null; // the entry predictions are of the canvas before the commit: the next step forwards the window
        first = 1;
        records.push(stepRecord(block, 0, choice, filled, entered, meter));
        onStep?.(records[records.length - 1], x);
      }
    }
    const sched = schedule(cfg.schedule, Math.max(1, maskedIn(x, steps.start, steps.end, card.maskId).length), stepsPerBlock, first);
    for (let i = first; ; i++) {
      const allowed = maskedIn(x, steps.start, steps.end, card.maskId);
      if (allowed.length === 0) break;
      // D1/B5: the last scheduled step takes whatever is left, so no block ends with masks.
      const scheduled = i - first < sched.length - 1 ? sched[i - first] : allowed.length;
      if (scheduled <= 0 && !spec.adaptive) continue;
      const before = { calls: meter.calls, rows: meter.rows, time: performance.now() };
      const pred = handedOn ?? (yield* forward(meter, [x.slice()], steps, cache))[0];
      const k = Math.min(scheduled, allowed.length);
      const ctx: StepContext = { canvas: x, maskId: card.maskId, pred, allowed, k, block: steps, region, stepInBlock: i, stepsPerBlock, rng: meter.rng };
      const choice = yield* chooseCommits(ctx, spec, sampler, cfg, meter, cache);
      applyChoice(x, choice, card.maskId, spec.name);
      const filled = cfg.eosFill && card.eosId !== null ? eosFill(x, fillRegion, card.eosId, card.maskId) : [];
      // The sampler's hand-on predictions were made before the fill; by default the next step
      // still decides on them (the reference's behaviour), eos_refresh forwards the filled canvas.
      handedOn = filled.length > 0 && cfg.eosRefresh ? null : (choice.next ?? null);
      records.push(stepRecord(block, i, choice, filled, before, meter));
      onStep?.(records[records.length - 1], x);
    }
  }
  return {
    seed: input.seed, initial: Array.from(input.canvas), output: Array.from(x), region, steps: records,
    totals: { cumulativeUncertainty: cumulativeUncertainty(records), forwardCalls: meter.calls, rowForwards: meter.rows, wallMs: performance.now() - started, steps: records.length },
  };
}

/**
 * Every forward goes through here: one noise key per row from the sequence's generator (D7);
 * token draws are only needed where a step can commit, the masks of `block`. With a block cache
 * each row recomputes only the cache's window, every row against the same cached keys/values.
 */
function* forward(meter: Meter, canvases: Int32Array[], block: Block, cache: BlockCache | null, onKv?: (kv: KvCache) => void): Forwarding<RowPredictions[]> {
  meter.calls += 1;
  meter.rows += canvases.length;
  return yield canvases.map((canvas) => ({
    canvas,
    noiseKey: meter.rng.nextUint32(),
    samplePositions: Int32Array.from(maskedIn(canvas, block.start, block.end, meter.card.maskId)),
    ...(cache ? { window: { start: cache.start, end: cache.end, cache: cache.kv, outside: cache.entry } } : {}),
    ...(onKv ? { onKv } : {}),
  }));
}

/**
 * Block entry in a cache mode (spec §3): a full forward that also returns every position's
 * keys/values; the cache keeps those outside the window: before the block (prefix), or before
 * and after it (dual). Its predictions decide step 0 and stand for positions outside the window.
 * With `overlap` (a shifted model, shifted_first=overlap, D11) the window starts one position
 * before the block, so the block's first position is predicted inside it by the output of the
 * position before; that position is never masked (the previous block or the prompt).
 */
function* enterBlock(meter: Meter, x: Int32Array, block: Block, mode: Exclude<CacheMode, 'none'>, overlap: boolean): Forwarding<BlockCache> {
  const shape = meter.card.cache;
  if (!shape) throw new Error(`use_cache=${mode}: model ${meter.card.name} has no cache graph (card field "cache")`);
  const got: { kv: KvCache | null } = { kv: null };
  const [entry] = yield* forward(meter, [x.slice()], block, null, (kv) => (got.kv = kv));
  if (!got.kv) throw new Error(`use_cache=${mode}: the backend of model ${meter.card.name} returned no keys/values at block entry`);
  // A block-causal model's positions before the block in its attention block (a prompt ending
  // inside one) attend to the block's masks, so their keys/values change with every commit: the
  // window starts at the attention block's start to recompute them (prefix mode stays exact).
  const att = meter.card.attention;
  const aligned = att.kind === 'block-causal' ? block.start - (block.start % att.blockSize) : block.start;
  const start = overlap ? Math.max(0, Math.min(aligned, block.start - 1)) : aligned;
  const end = mode === 'prefix' ? x.length : block.end;
  const outside = [...Array(start).keys(), ...Array.from({ length: x.length - end }, (_, i) => end + i)];
  return { start, end, kv: selectKv(got.kv, outside, shape), entry };
}

/**
 * The step's commits: the last-step fill (non-adaptive samplers: every allowed position, tokens
 * of draw 0, no lookahead), else the high-confidence bypass when it finds any, else the sampler's
 * choice, whose lookahead requests go through this sequence's forward.
 */
function* chooseCommits(ctx: StepContext, spec: SamplerSpec, sampler: Sampler, cfg: DecodeConfig, meter: Meter, cache: BlockCache | null): Forwarding<StepChoice> {
  const { pred, allowed, k, block } = ctx;
  if (!spec.adaptive && k >= allowed.length) return { kind: 'fill', commits: allowed.map((p) => commitFrom(pred, p, 0)) };
  const bypass = cfg.threshold !== null ? bypassCommits(pred, allowed, k, cfg.threshold) : [];
  if (bypass.length > 0) return { kind: 'bypass', commits: bypass };
  const step = sampler.step(ctx);
  let r = step.next();
  while (!r.done) r = step.next(yield* forward(meter, r.value, block, cache));
  if (r.value.commits.length === 0) throw new Error(`sampler ${spec.name} committed nothing at block ${block.index} step ${ctx.stepInBlock}`);
  return r.value;
}

/** Write a step into the canvas: its remasks, then its commits, each of which must land on a mask. */
function applyChoice(x: Int32Array, choice: StepChoice, maskId: number, samplerName: string): void {
  for (const p of choice.remask ?? []) x[p] = maskId;
  for (const c of choice.commits) {
    if (x[c.position] !== maskId) throw new Error(`sampler ${samplerName} committed position ${c.position}, which is not masked`);
    x[c.position] = c.token;
  }
}

/** The trace's record of one step, with the cost it added to the meter since `before` (a forced commit: its block's entry forward). */
function stepRecord(block: Block, step: number, choice: StepChoice, filled: number[], before: { calls: number; rows: number; time: number }, meter: Meter): StepRecord {
  return {
    block: block.index, step, kind: choice.kind, commits: choice.commits,
    ...(choice.remask?.length ? { remasked: choice.remask } : {}),
    ...(filled.length ? { eosFilled: filled } : {}),
    ...(choice.candidates ? { candidates: choice.candidates, winner: choice.winner } : {}),
    forwardCalls: meter.calls - before.calls, rowForwards: meter.rows - before.rows, wallMs: performance.now() - before.time,
  };
}

/** Σ entropy of every committed token, in commit order (spec D8; EOS-filled positions are not commits). */
function cumulativeUncertainty(records: readonly StepRecord[]): number {
  let sum = 0;
  for (const r of records) for (const c of r.commits) sum += c.entropy;
  return sum;
}

/** Blocks of the run: the card's block size, absolutely aligned, for block-causal models. */
export function blockPlan(card: ModelCard, region: Region, blockLength: number | null) {
  if (card.attention.kind === 'block-causal') {
    const size = card.attention.blockSize;
    if (blockLength !== null && blockLength !== size)
      throw new Error(`block_length ${blockLength} does not match the block-causal model's block size ${size} (model card)`);
    return blocks(region, size, true);
  }
  return blocks(region, blockLength ?? Math.max(1, region.end - region.start));
}
