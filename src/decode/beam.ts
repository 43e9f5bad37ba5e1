/**
 * The beam search over decoding orders (info-gain-beam; the score is docs/decisions.md D12). One
 * generator per canvas, like decodeSequence, so the lockstep driver (run.ts) batches it with
 * everything else: each round it yields every beam's rows at once (B × N lookahead rows in one
 * model call), then keeps the best children (beam-select.ts).
 *
 * A beam runs the decode loop of sequence.ts for the step sampler `base` (blocks, schedule, the
 * last-step fill, the bypass, EOS fill), with one difference: where the sampler scored several
 * alternatives, each of them is a child, not only the winner. So with one beam it is that loop.
 * Cache modes are refused: each beam would need its own block cache.
 */
import { mix32, Rng } from '../core/rng.js';
import { schedule } from '../core/schedule.js';
import type { ModelCard } from '../models/card.js';
import type { ForwardRow, RowPredictions } from '../models/denoiser.js';
import { meanMaskedEntropy } from '../samplers/info-gain.js';
import { commitFrom, type Commit, type Sampler, type SamplerSpec, type StepContext } from '../samplers/sampler.js';
import { keepBeams, type Child } from './beam-select.js';
import { bypassCommits, eosFill, eosFillRegion, generationRegion, maskedIn, type Region } from './canvas.js';
import type { DecodeConfig } from './config.js';
import { blockPlan, type SequenceGenerator, type SequenceInput, type StepListener } from './sequence.js';
import type { BeamEntry, StepRecord } from './trace.js';

type Block = StepContext['block'];
type Forwarding<T> = Generator<ForwardRow[], T, RowPredictions[]>;

/** What every beam of one canvas shares. */
interface Setup {
  card: ModelCard;
  cfg: DecodeConfig;
  spec: SamplerSpec;
  /** One instance for every beam: the base sampler keeps no per-sequence state (Info-Gain keeps none). */
  sampler: Sampler;
  region: Region;
  fillRegion: Region;
  blocks: Block[];
  stepsPerBlock: number;
}

/** One partial decode: its canvas, its lineage of step records and where it stands in the block plan. */
export interface Beam {
  canvas: Int32Array;
  /** The predictions its next step decides on (its winning lookahead's); null: forward the canvas. */
  handedOn: RowPredictions | null;
  /** Its generator: noise keys of its rows and the sampler's draws (D7). */
  rng: Rng;
  records: StepRecord[];
  cumulativeUncertainty: number;
  block: number;
  step: number;
  /** The current block's schedule; null until the block is entered. */
  schedule: number[] | null;
}

/** The rows a round forwarded and the calls it made, for the whole beam (D9). */
interface Meter {
  calls: number;
  rows: number;
}

export interface BeamRun {
  input: SequenceInput;
  card: ModelCard;
  spec: SamplerSpec;
  sampler: Sampler;
  cfg: DecodeConfig;
  width: number;
}

export function* decodeBeam(run: BeamRun, onStep?: StepListener): SequenceGenerator {
  const started = performance.now();
  const { input, card, cfg } = run;
  if (cfg.useCache !== 'none') throw new Error(`sampler info-gain-beam: use_cache=${cfg.useCache} is not supported (each beam would need its own block cache); use use_cache=none`);
  if (!Number.isInteger(run.width) || run.width < 1) throw new Error(`sampler info-gain-beam: beams must be an integer ≥ 1, got ${run.width}`);
  if (run.spec.adaptive) throw new Error(`beam search: the step sampler ${run.spec.name} is adaptive; a beam needs the schedule's k`);
  const region = generationRegion(input.canvas, input.promptLength, card.maskId);
  const blocks = blockPlan(card, region, cfg.blockLength);
  const setup: Setup = {
    card, cfg, spec: run.spec, sampler: run.sampler, region, blocks,
    fillRegion: eosFillRegion(input.canvas, input.promptLength),
    stepsPerBlock: Math.max(1, Math.ceil((cfg.steps ?? maskedIn(input.canvas, region.start, region.end, card.maskId).length) / blocks.length)),
  };
  const meter: Meter = { calls: 0, rows: 0 };
  let beams: Beam[] = [{ canvas: input.canvas.slice(), handedOn: null, rng: new Rng(input.seed), records: [], cumulativeUncertainty: 0, block: 0, step: 0, schedule: null }];
  for (let round = 0; ; round++) {
    const before = { calls: meter.calls, rows: meter.rows, time: performance.now() };
    const children = (yield* together(beams.map((b, rank) => expand(b, rank, setup, meter)), meter)).flat();
    if (children.every((c) => c.done)) break;
    const kept = keepBeams(children, run.width);
    const cost = { forwardCalls: meter.calls - before.calls, rowForwards: meter.rows - before.rows, wallMs: performance.now() - before.time };
    const entries: BeamEntry[] = kept.map((c) => ({
      parent: c.parent, commits: c.commits, ...(c.eosFilled.length ? { eosFilled: c.eosFilled } : {}), score: c.score, cumulativeUncertainty: c.cumulativeUncertainty,
    }));
    const inherited = new Set<number>();
    beams = kept.map((c, rank) => {
      const parent = beams[c.parent];
      // The first child kept of a beam goes on with its generator (so one beam draws as Info-Gain
      // does); a second one gets a generator of its own, from the seed, the round and its rank.
      const rng = inherited.has(c.parent) ? new Rng(mix32((input.seed ^ Math.imul(round + 1, 0x9e3779b9) ^ Math.imul(rank + 1, 0x85ebca6b)) >>> 0)) : parent.rng;
      inherited.add(c.parent);
      if (c.done) return { ...parent, rng };
      const record: StepRecord = {
        block: parent.block, step: parent.step, kind: c.kind, commits: c.commits,
        ...(c.eosFilled.length ? { eosFilled: c.eosFilled } : {}),
        ...(c.candidates ? { candidates: c.candidates, winner: c.candidate } : {}),
        ...(run.width > 1 ? { beam: { rank, beams: entries } } : {}),
        ...cost,
      };
      const beam: Beam = { ...parent, canvas: c.canvas, handedOn: c.next, rng, records: [...parent.records, record], cumulativeUncertainty: c.cumulativeUncertainty, step: parent.step + 1 };
      if (rank === 0) onStep?.(record, beam.canvas);
      return beam;
    });
  }
  // Every beam has finished; the lowest cumulative uncertainty wins (its score may still hold the
  // H_next of masks an EOS fill took after scoring), the better-ranked on a tie.
  const best = beams.reduce((a, b) => (b.cumulativeUncertainty < a.cumulativeUncertainty ? b : a));
  return {
    seed: input.seed, initial: Array.from(input.canvas), output: Array.from(best.canvas), region, steps: best.records,
    totals: { cumulativeUncertainty: best.cumulativeUncertainty, forwardCalls: meter.calls, rowForwards: meter.rows, wallMs: performance.now() - started, steps: best.records.length },
  };
}

/** Where beam `b` decides next (entering blocks and skipping empty steps as sequence.ts does); null: it has finished. */
function nextStep(b: Beam, s: Setup): { block: Block; step: number; allowed: number[]; k: number } | null {
  const { maskId } = s.card;
  for (; b.block < s.blocks.length; b.block++, b.schedule = null) {
    const block = s.blocks[b.block];
    if (b.schedule === null) {
      b.schedule = schedule(s.cfg.schedule, Math.max(1, maskedIn(b.canvas, block.start, block.end, maskId).length), s.stepsPerBlock, 0);
      b.step = 0;
      b.handedOn = null; // reset at every block (spec §2.2)
    }
    for (; ; b.step++) {
      const allowed = maskedIn(b.canvas, block.start, block.end, maskId);
      if (allowed.length === 0) break;
      // D1/B5: the last scheduled step takes whatever is left.
      const scheduled = b.step < b.schedule.length - 1 ? b.schedule[b.step] : allowed.length;
      if (scheduled > 0) return { block, step: b.step, allowed, k: Math.min(scheduled, allowed.length) };
    }
  }
  return null;
}

/**
 * Beam `b`'s children at this step: one per alternative the sampler scored after its lookahead,
 * else the one action it (or the last-step fill, or the bypass) took; a finished beam is its own
 * only child.
 */
function* expand(b: Beam, rank: number, s: Setup, meter: Meter): Forwarding<Child[]> {
  const at = nextStep(b, s);
  if (at === null) return [{ parent: rank, candidate: 0, objective: 0, score: b.cumulativeUncertainty, kind: 'plain', commits: [], canvas: b.canvas, eosFilled: [], next: null, cumulativeUncertainty: b.cumulativeUncertainty, done: true }];
  const { block, allowed, k } = at;
  const pred = b.handedOn ?? (yield* forward(b, [b.canvas.slice()], block, s.card.maskId, meter))[0];
  const ctx: StepContext = { canvas: b.canvas, maskId: s.card.maskId, pred, allowed, k, block, region: s.region, stepInBlock: at.step, stepsPerBlock: s.stepsPerBlock, rng: b.rng };
  // An action without a lookahead has no H_next of its own: its masks' entropies under the
  // predictions the step decided on stand in (D12), so scoring costs no forward.
  const single = (kind: Child['kind'], commits: Commit[], next: RowPredictions | null): Child[] => [
    child(b, rank, s, { kind, commits, next, candidate: 0, objective: 0, score: (written, committed) => committed + meanMaskedEntropy(written, s.card.maskId, pred) }),
  ];
  if (k >= allowed.length) return single('fill', allowed.map((p) => commitFrom(pred, p, 0)), null);
  const bypass = s.cfg.threshold !== null ? bypassCommits(pred, allowed, k, s.cfg.threshold) : [];
  if (bypass.length > 0) return single('bypass', bypass, null);
  const step = s.sampler.step(ctx);
  let r = step.next();
  while (!r.done) r = step.next(yield* forward(b, r.value, block, s.card.maskId, meter));
  const result = r.value;
  if (result.commits.length === 0) throw new Error(`sampler ${s.spec.name} committed nothing at block ${block.index} step ${at.step}`);
  const { alternatives, candidates } = result;
  if (!alternatives || !candidates) return single(result.kind, result.commits, result.next ?? null);
  return alternatives.map((alt, j) =>
    // committed before the step − J = committed before + C + H_next: ordered as Info-Gain orders J (D12).
    child(b, rank, s, { kind: result.kind, commits: alt.commits, next: alt.next, candidate: j, objective: candidates[j].objective, candidates, score: () => b.cumulativeUncertainty - candidates[j].objective }),
  );
}

interface Action {
  kind: Child['kind'];
  commits: Commit[];
  next: RowPredictions | null;
  candidate: number;
  objective: number;
  candidates?: Child['candidates'];
  /** The child's score from the canvas the action writes (before the EOS fill) and the uncertainty committed with it. */
  score: (written: Int32Array, committed: number) => number;
}

/** The child of `b` that takes `a`: its canvas (commits written, then the EOS fill), uncertainty and score. */
function child(b: Beam, rank: number, s: Setup, a: Action): Child {
  const { maskId, eosId } = s.card;
  const canvas = b.canvas.slice();
  let cumulativeUncertainty = b.cumulativeUncertainty;
  for (const c of a.commits) {
    if (canvas[c.position] !== maskId) throw new Error(`sampler ${s.spec.name} committed position ${c.position}, which is not masked`);
    canvas[c.position] = c.token;
    cumulativeUncertainty += c.entropy; // in commit order, as sequence.ts sums (D8)
  }
  // Scored on the canvas the action writes, before the EOS fill, as Info-Gain's H_next is.
  const score = a.score(canvas, cumulativeUncertainty);
  const eosFilled = s.cfg.eosFill && eosId !== null ? eosFill(canvas, s.fillRegion, eosId, maskId) : [];
  const next = eosFilled.length > 0 && s.cfg.eosRefresh ? null : a.next;
  return { parent: rank, candidate: a.candidate, objective: a.objective, score, kind: a.kind, commits: a.commits, canvas, eosFilled, next, cumulativeUncertainty, done: false, ...(a.candidates ? { candidates: a.candidates } : {}) };
}

/** One beam's forward request: a noise key per row from its generator, draws at the block's masks (as sequence.ts's). */
function* forward(b: Beam, canvases: Int32Array[], block: Block, maskId: number, meter: Meter): Forwarding<RowPredictions[]> {
  meter.rows += canvases.length;
  return yield canvases.map((canvas) => ({ canvas, noiseKey: b.rng.nextUint32(), samplePositions: Int32Array.from(maskedIn(canvas, block.start, block.end, maskId)) }));
}

/** Runs the beams' steps in lockstep: each round, every waiting beam's rows in one request (one model call). */
function* together<T>(steps: Forwarding<T>[], meter: Meter): Forwarding<T[]> {
  const results = new Array<T>(steps.length);
  const pending = steps.map((g) => g.next());
  for (;;) {
    const waiting: number[] = [];
    pending.forEach((r, j) => (r.done ? (results[j] = r.value) : waiting.push(j)));
    if (waiting.length === 0) return results;
    const requests = waiting.map((j) => pending[j].value as ForwardRow[]);
    meter.calls += 1;
    const answers = yield requests.flat();
    let offset = 0;
    waiting.forEach((j, w) => {
      pending[j] = steps[j].next(answers.slice(offset, offset + requests[w].length));
      offset += requests[w].length;
    });
  }
}
