/**
 * The decode loop of one sequence (spec §2.2 with decisions D1–D9), as a generator: it yields
 * the rows it needs forwarded and receives their predictions, so the driver can batch many
 * sequences into one model call while each sequence stays a straight-line program.
 */
import { Rng } from '../core/rng.js';
import { schedule } from '../core/schedule.js';
import type { ModelCard } from '../models/card.js';
import type { ForwardRow, RowPredictions } from '../models/denoiser.js';
import { commitFrom, type Commit, type Sampler, type SamplerSpec, type StepResult } from '../samplers/sampler.js';
import type { DecodeConfig } from './config.js';
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

export function* decodeSequence(
  input: SequenceInput,
  card: ModelCard,
  spec: SamplerSpec,
  sampler: Sampler,
  cfg: DecodeConfig,
): SequenceGenerator {
  const started = performance.now();
  const x = input.canvas.slice();
  const rng = new Rng(input.seed);
  const region = generationRegion(x, input.promptLength, card.maskId);
  const fillRegion = eosFillRegion(x, input.promptLength);
  const records: StepRecord[] = [];
  let cumulativeUncertainty = 0;
  let calls = 0;
  let rows = 0;

  let block = { index: 0, start: region.start, end: region.end };
  // Every forward goes through here: one noise key per row from this sequence's generator (D7);
  // token draws are only needed where a step can commit: the masks of the current block.
  function* forward(canvases: Int32Array[]): Generator<ForwardRow[], RowPredictions[], RowPredictions[]> {
    calls += 1;
    rows += canvases.length;
    return yield canvases.map((canvas) => ({
      canvas,
      noiseKey: rng.nextUint32(),
      samplePositions: Int32Array.from(maskedIn(canvas, block.start, block.end, card.maskId)),
    }));
  }

  const blockList = blockPlan(card, region, cfg.blockLength);
  const totalMasks = maskedIn(x, region.start, region.end, card.maskId).length;
  const stepsPerBlock = Math.max(1, Math.ceil((cfg.steps ?? totalMasks) / blockList.length));

  for (block of blockList) {
    let cached: RowPredictions | null = null; // reset at every block (spec §2.2)
    const sched = schedule(cfg.schedule, Math.max(1, maskedIn(x, block.start, block.end, card.maskId).length), stepsPerBlock);
    for (let i = 0; ; i++) {
      const allowed = maskedIn(x, block.start, block.end, card.maskId);
      if (allowed.length === 0) break;
      // D1/B5: the last scheduled step takes whatever is left, so no block ends with masks.
      const scheduled = i < sched.length - 1 ? sched[i] : allowed.length;
      if (scheduled <= 0 && !spec.adaptive) continue;
      const before = { calls, rows, time: performance.now() };
      const pred: RowPredictions = cached ?? (yield* forward([x.slice()]))[0];
      cached = null;
      const k = Math.min(scheduled, allowed.length);

      let kind: StepKind;
      let result: StepResult | null = null;
      let commits: Commit[];
      if (!spec.adaptive && k >= allowed.length) {
        kind = 'fill'; // last-step fill: every allowed position, tokens of draw 0, no lookahead
        commits = allowed.map((p) => commitFrom(pred, p, 0));
      } else if (cfg.threshold !== null && (commits = bypassCommits(pred, allowed, k, cfg.threshold)).length > 0) {
        kind = 'bypass';
      } else {
        const ctx = { canvas: x, maskId: card.maskId, pred, allowed, k, block, region, stepInBlock: i, stepsPerBlock, rng };
        result = yield* runStep(sampler.step(ctx), forward);
        kind = result.kind;
        commits = result.commits;
        cached = result.next ?? null;
        if (commits.length === 0) throw new Error(`sampler ${spec.name} committed nothing at block ${block.index} step ${i}`);
      }
      for (const p of result?.remask ?? []) x[p] = card.maskId;
      for (const c of commits) {
        if (x[c.position] !== card.maskId) throw new Error(`sampler ${spec.name} committed position ${c.position}, which is not masked`);
        x[c.position] = c.token;
        cumulativeUncertainty += c.entropy;
      }
      const filled = cfg.eosFill && card.eosId !== null ? eosFill(x, fillRegion, card.eosId, card.maskId) : [];
      // The sampler's hand-on predictions were made before the fill; by default the next step
      // still decides on them (the reference's behaviour), eos_refresh forwards the filled canvas.
      if (filled.length > 0 && cfg.eosRefresh) cached = null;
      records.push({
        block: block.index, step: i, kind, commits,
        ...(result?.remask?.length ? { remasked: result.remask } : {}),
        ...(filled.length ? { eosFilled: filled } : {}),
        ...(result?.candidates ? { candidates: result.candidates, winner: result.winner } : {}),
        forwardCalls: calls - before.calls, rowForwards: rows - before.rows, wallMs: performance.now() - before.time,
      });
    }
  }
  return {
    seed: input.seed, initial: Array.from(input.canvas), output: Array.from(x), region, steps: records,
    totals: { cumulativeUncertainty, forwardCalls: calls, rowForwards: rows, wallMs: performance.now() - started, steps: records.length },
  };
}

/** Drive a sampler step, routing its lookahead requests through this sequence's forward. */
function* runStep(
  step: Generator<Int32Array[], StepResult, RowPredictions[]>,
  forward: (c: Int32Array[]) => Generator<ForwardRow[], RowPredictions[], RowPredictions[]>,
): Generator<ForwardRow[], StepResult, RowPredictions[]> {
  let r = step.next();
  while (!r.done) r = step.next(yield* forward(r.value));
  return r.value;
}

/** Blocks of the run: the card's block size, absolutely aligned, for block-causal models. */
function blockPlan(card: ModelCard, region: Region, blockLength: number | null) {
  if (card.attention.kind === 'block-causal') {
    const size = card.attention.blockSize;
    if (blockLength !== null && blockLength !== size)
      throw new Error(`block_length ${blockLength} does not match the block-causal model's block size ${size} (model card)`);
    return blocks(region, size, true);
  }
  return blocks(region, blockLength ?? Math.max(1, region.end - region.start));
}
