/**
 * ONNX Runtime backend. The same class runs on onnxruntime-node and onnxruntime-web: callers pass
 * the runtime module and the model bytes, so nothing here touches the file system.
 *
 * Graph contract (checked at load time against the model card):
 *   inputs   input_ids       int64 [batch, length]
 *            attention_mask  optional: int64 [batch, length] (infogain feeds all ones), or
 *                            float32/float16 [1, 1, length, length], additive (BD3LM exports):
 *                            infogain builds it from the card's attention, 0 = attend, −1e9 = blocked
 *   outputs  logits          float32 or float16 [batch, length, vocabSize]
 * Any other input (past key/values of a causal LM, pixel values, …) is refused: infogain cannot
 * provide it. A graph whose batch axis is a fixed number gets its rows in calls of that many.
 *
 * A graph may also carry the statistics head appended by `training/add_stats_head.py`: extra
 * inputs `logit_bias` [V], `shift` [1], `sample_positions` [B,P], `sample_uniforms` [B,P,S],
 * `temperature` [1] and outputs `entropy`, `top_probs`, `top_ids`, `token_probs`, `sample_ids`,
 * `sample_probs`. Then only O(B·T·K + B·P·S) numbers cross into JavaScript instead of B·T·V.
 *
 * A graph without a head (Hugging Face exports, any model directory) gets the same statistics
 * from infogain's statistics graph (stats-graph.ts: the head as a graph of its own, built by the
 * same Python code), run as a second session on the logits the model session returns; the
 * logits stay onnxruntime tensors and are never reduced in JavaScript. `statistics` says which
 * path a denoiser uses.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import type { ModelCard } from './card.js';
import { copyAsFloat32 } from './float16.js';
import { GraphError } from './graph-error.js';
import { additiveMask } from './attention-mask.js';
import { CacheGraph } from './onnx-cache.js';
import { deviceOptions, type OrtRuntime } from './runtime.js';
import { checkGraph, HEAD_OUTPUTS, openSession, statisticsPath, type GraphIO, type OnnxOptions, type StatisticsPath } from './onnx-graph.js';
import { drawUniform, LogitsDenoiser, ModelOutputError, Predictions, validateRequest, type ForwardRequest } from './denoiser.js';
import { statsGraphLocation, type StatsGraphType } from './stats-graph.js';

/** A probability from the head: finite and in [0, 1] (with float32 slack). */
const isProb = (p: number): boolean => p >= 0 && p <= 1 + 1e-5;

export type { OrtRuntime } from './runtime.js';
export { GraphError };

/** Logits (float32 values) one call may return: 256 MiB, so that Info-Gain's N rows at a 152k vocabulary do not hold gigabytes at once. */
const LOGITS_PER_CALL = 2 ** 26;

/** What `readHead` needs of `headInputs`: each row's draw positions, and the P and S fed. */
interface HeadPlan {
  positions: Int32Array[];
  P: number;
  S: number;
}

export class OnnxDenoiser extends LogitsDenoiser {
  private constructor(
    card: ModelCard,
    private readonly ort: OrtRuntime,
    readonly session: InferenceSession,
    readonly io: GraphIO,
    readonly source: string,
    /** Where the statistics come from (see `StatisticsPath`). */
    readonly statistics: StatisticsPath,
    private readonly options: OnnxOptions,
  ) {
    super(card);
  }

  /** Statistics come from the in-graph head rather than from logits reduced in JS. */
  get usesStatsHead(): boolean {
    return this.statistics === 'head';
  }

  private statsGraphs = new Map<StatsGraphType, Promise<InferenceSession>>();

  /** The statistics graph's session for `type` logits, opened once on first use. */
  statsGraphSession(type: StatsGraphType): Promise<InferenceSession> {
    let session = this.statsGraphs.get(type);
    if (!session) {
      const location = statsGraphLocation(type);
      const create = this.ort.InferenceSession.create as (model: Uint8Array | string, options?: InferenceSession.SessionOptions) => Promise<InferenceSession>;
      // No memory pattern: onnxruntime then plans one block for every intermediate of a call, which
      // at V = 151,936 held 1.5 GiB after a 256-position row against 0.77 GiB without it (measured; ~5 % slower).
      const sessionOptions: InferenceSession.SessionOptions = { graphOptimizationLevel: 'all', enableMemPattern: false, ...deviceOptions(this.ort, this.options.device, location) };
      if (this.options.threads !== undefined) sessionOptions.intraOpNumThreads = this.options.threads;
      session = create.call(this.ort.InferenceSession, location, sessionOptions).catch((e: Error) => {
        this.statsGraphs.delete(type);
        throw new GraphError(
          `${this.source}: onnxruntime cannot load infogain's statistics graph ${location}${this.options.device ? ` on device ${this.options.device}` : ''}: ${e.message.split('\n')[0]} ` +
            '(load the model with statsGraph: false to reduce the logits in JavaScript instead)',
        );
      });
      this.statsGraphs.set(type, session);
    }
    return session;
  }

  private cacheGraph: Promise<CacheGraph> | null = null;

  /** The cache graph's session, loaded once on first use. */
  private cached(): Promise<CacheGraph> {
    const { cache } = this.card;
    const load = this.options.cacheGraph;
    if (!cache || !load)
      return Promise.reject(new GraphError(`model "${this.card.name}" (${this.source}) has no cache graph (card field "cache"), so use_cache prefix/dual cannot run; export one with training/export_cache.py, or decode with use_cache=none`));
    const source = `${this.source.replace(/[^/\\]*$/, '')}${cache.graph}`;
    this.cacheGraph ??= load().then((bytes) => CacheGraph.create(this.ort, bytes, this.card, source, { threads: this.options.threads, device: this.options.device }));
    return this.cacheGraph;
  }

  static async create(ort: OrtRuntime, model: Uint8Array | string, card: ModelCard, options: OnnxOptions): Promise<OnnxDenoiser> {
    return OnnxDenoiser.fromSession(ort, await openSession(ort, model, options), card, options);
  }

  /** A denoiser on a session already made (a loader that reads the graph's inputs before it resolves the card). */
  static fromSession(ort: OrtRuntime, session: InferenceSession, card: ModelCard, options: OnnxOptions): OnnxDenoiser {
    const io = checkGraph(session, card, options.source, options.vocabOrigin);
    return new OnnxDenoiser(card, ort, session, io, options.source, statisticsPath(io, card.vocabSize, options), options);
  }

  /** The additive mask of the last canvas length: the same tensor serves every forward of a decode. */
  private maskTensor: { length: number; tensor: Tensor } | null = null;

  private modelFeeds(canvases: Int32Array[]): Record<string, Tensor> {
    const B = canvases.length;
    const T = B ? canvases[0].length : 0;
    const ids = new BigInt64Array(B * T);
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) ids[b * T + t] = BigInt(canvases[b][t]);
    const feeds: Record<string, Tensor> = { input_ids: new this.ort.Tensor('int64', ids, [B, T]) };
    const mask = this.io.attentionMask;
    if (mask.kind === 'ones') feeds.attention_mask = new this.ort.Tensor('int64', new BigInt64Array(B * T).fill(1n), [B, T]);
    else if (mask.kind === 'additive') {
      if (this.maskTensor?.length !== T) {
        const data = additiveMask(this.card.attention, T, mask.type);
        const tensor = data instanceof Float32Array ? new this.ort.Tensor('float32', data, [1, 1, T, T]) : new this.ort.Tensor('float16', data, [1, 1, T, T]);
        this.maskTensor = { length: T, tensor };
      }
      feeds.attention_mask = this.maskTensor.tensor;
    }
    return feeds;
  }

  /**
   * Rows per session.run: the graph's fixed batch; else as many as keep one call's float32 logits
   * within LOGITS_PER_CALL (every row at small vocabularies; 3 rows of 128 positions at Qwen3's 151,936).
   */
  private rowsPerCall(rows: number, length: number): number {
    return this.io.fixedBatch ?? Math.max(1, Math.min(rows, Math.floor(LOGITS_PER_CALL / Math.max(1, length * this.card.vocabSize))));
  }

  override async forward(request: ForwardRequest): Promise<Predictions> {
    if (request.rows.some((r) => r.window || r.onKv)) {
      validateRequest(this.card, request);
      return (await this.cached()).forward(request);
    }
    if (this.statistics === 'js') return this.forwardLogits(request);
    validateRequest(this.card, request);
    if (this.statistics === 'graph') return this.forwardStatsGraph(request);
    const { feeds, plan } = this.headInputs(request);
    const out = await this.session.run({ ...this.modelFeeds(request.rows.map((r) => r.canvas)), ...feeds }, HEAD_OUTPUTS);
    return this.readHead(out, request, plan, 'statistics head');
  }

  /**
   * The statistics head's inputs (beside the logits and input_ids) for `request`. At τ = 0 every
   * draw is the top-1, so no draw is asked for (P = S = 0: the head skips its float64 CDFs).
   */
  private headInputs(request: ForwardRequest): { feeds: Record<string, Tensor>; plan: HeadPlan } {
    const rows = request.rows;
    const B = rows.length;
    const T = B ? rows[0].canvas.length : 0;
    const V = this.card.vocabSize;
    const tau = request.temperature;
    const S = tau > 0 ? request.samples : 0;
    const positions = rows.map((r) => r.samplePositions ?? Int32Array.from({ length: T }, (_, t) => t));
    const P = S > 0 ? Math.max(0, ...positions.map((p) => p.length)) : 0;
    const posData = new BigInt64Array(B * P);
    const uniforms = new Float32Array(B * P * S);
    for (let b = 0; b < B; b++)
      for (let j = 0; j < P; j++) {
        const t = j < positions[b].length ? positions[b][j] : 0; // padding rows are ignored below
        posData[b * P + j] = BigInt(t);
        for (let s = 0; s < S; s++) uniforms[(b * P + j) * S + s] = drawUniform(rows[b].noiseKey, t, s);
      }
    const bias = new Float32Array(V);
    for (const id of this.card.suppressTokens) bias[id] = -Infinity;
    if (this.card.eosId !== null) bias[this.card.eosId] -= this.card.eosPenalty;
    if (this.card.padId !== null) bias[this.card.padId] -= this.card.eosPenalty;
    const Ort = this.ort.Tensor;
    const feeds: Record<string, Tensor> = {
      logit_bias: new Ort('float32', bias, [V]),
      shift: new Ort('int64', BigInt64Array.from([this.card.logitShift ? 1n : 0n]), [1]),
      sample_positions: new Ort('int64', posData, [B, P]),
      sample_uniforms: new Ort('float32', uniforms, [B, P, S]),
      temperature: new Ort('float32', Float32Array.from([tau > 0 ? tau : 1]), [1]),
    };
    return { feeds, plan: { positions, P, S } };
  }

  /** `Predictions` from the head's outputs (of the model's head or of the statistics graph), checked. */
  private readHead(out: InferenceSession.ReturnType, request: ForwardRequest, plan: HeadPlan, what: string): Predictions {
    const { positions, P, S } = plan;
    const rows = request.rows;
    const B = rows.length;
    const T = B ? rows[0].canvas.length : 0;
    const V = this.card.vocabSize;
    const K = out.top_probs.dims[2];
    const entropy = out.entropy.data as Float32Array;
    const topProbs = out.top_probs.data as Float32Array;
    const topIds = out.top_ids.data as BigInt64Array;
    const tokenProbs = out.token_probs.data as Float32Array;
    const sampleIds = out.sample_ids.data as BigInt64Array;
    const sampleProbs = out.sample_probs.data as Float32Array;
    const pred = new Predictions(B, T, request.samples);
    for (let i = 0; i < B * T; i++) {
      const masked = rows[Math.floor(i / T)].canvas[i % T] === this.card.maskId;
      pred.entropy[i] = entropy[i];
      pred.top1Id[i] = Number(topIds[i * K]);
      pred.top1Prob[i] = topProbs[i * K];
      pred.top2Prob[i] = K > 1 ? topProbs[i * K + 1] : 0;
      pred.tokenProb[i] = masked ? NaN : tokenProbs[i];
      // A NaN or +∞ logit reaches the head's softmax and comes out as a NaN statistic here.
      if (!(Number.isFinite(pred.entropy[i]) && isProb(pred.top1Prob[i]) && isProb(pred.top2Prob[i]) && (masked || isProb(pred.tokenProb[i]))))
        throw this.headError(what, Math.floor(i / T), i % T, `entropy ${pred.entropy[i]}, top-2 probabilities ${pred.top1Prob[i]} and ${pred.top2Prob[i]}` + (masked ? '' : `, p(canvas token) ${pred.tokenProb[i]}`));
      if (!(pred.top1Id[i] >= 0 && pred.top1Id[i] < V)) throw this.headError(what, Math.floor(i / T), i % T, `top id ${pred.top1Id[i]} outside [0, ${V})`);
    }
    pred.sampleId.fill(-1);
    pred.sampleProb.fill(NaN);
    for (let b = 0; b < B; b++)
      for (let j = 0; j < positions[b].length; j++) {
        const i = b * T + positions[b][j];
        for (let s = 0; s < request.samples; s++) {
          const id = S > 0 ? Number(sampleIds[(b * P + j) * S + s]) : pred.top1Id[i];
          const p = S > 0 ? sampleProbs[(b * P + j) * S + s] : pred.top1Prob[i];
          if (!(id >= 0 && id < V && isProb(p))) throw this.headError(what, b, positions[b][j], `draw ${s}: token id ${id} with probability ${p}`);
          pred.sampleId[i * request.samples + s] = id;
          pred.sampleProb[i * request.samples + s] = p;
        }
      }
    return pred;
  }

  /** The statistics head returned something no finite logits can give (names model, row and position). */
  private headError(what: string, row: number, position: number, found: string): ModelOutputError {
    return new ModelOutputError(
      `model "${this.card.name}" (${this.source}, ${what}): row ${row} (batch index), position ${position} has ${found}; ` +
        'expected finite statistics (a NaN or +∞ logit in the model output?), so the run stops',
    );
  }

  /**
   * The statistics graph's path, in calls of `rowsPerCall` rows like the logits path: each
   * call's logits go from the model session to the statistics session as an onnxruntime tensor
   * (float32 or float16, as the graph returns them) and only the statistics come back.
   */
  private async forwardStatsGraph(request: ForwardRequest): Promise<Predictions> {
    const rows = request.rows;
    const T = rows.length ? rows[0].canvas.length : 0;
    const per = this.rowsPerCall(rows.length, T);
    const run = async (part: ForwardRequest): Promise<Predictions> => {
      const canvases = part.rows.map((r) => r.canvas);
      const logits = await this.runLogits(canvases);
      try {
        const stats = await this.statsGraphSession(logits.type as StatsGraphType);
        const { feeds, plan } = this.headInputs(part);
        const n = canvases.length;
        const ids = new BigInt64Array(n * T);
        for (let b = 0; b < n; b++) for (let t = 0; t < T; t++) ids[b * T + t] = BigInt(canvases[b][t]);
        feeds.input_ids = new this.ort.Tensor('int64', ids, [n, T]);
        feeds.logits = logits.dims[0] === n ? logits : this.firstRows(logits, n);
        return this.readHead(await stats.run(feeds, HEAD_OUTPUTS), part, plan, 'statistics graph');
      } finally {
        logits.dispose?.();
      }
    };
    if (rows.length <= per && this.io.fixedBatch === null) return run(request);
    const out = new Predictions(rows.length, T, request.samples);
    for (let first = 0; first < rows.length; first += per) {
      const part = { ...request, rows: rows.slice(first, first + per) };
      const pred = await run(part);
      for (let j = 0; j < part.rows.length; j++) out.setRow(first + j, pred.row(j));
    }
    return out;
  }

  /** The first `n` rows of a [B, T, V] logits tensor, without a copy (a fixed batch's padding rows dropped). */
  private firstRows(logits: Tensor, n: number): Tensor {
    const [, T, V] = logits.dims;
    const dims = [n, T, V];
    return logits.type === 'float16'
      ? new this.ort.Tensor('float16', (logits.data as Uint16Array).subarray(0, n * T * V), dims)
      : new this.ort.Tensor('float32', (logits.data as Float32Array).subarray(0, n * T * V), dims);
  }

  /**
   * The logits path in calls of `rowsPerCall` rows: each call's logits are prepared and reduced
   * before the next runs, so a large vocabulary (Qwen3's 151,936) holds one call's [rows, T, V]
   * at a time, and a graph with a fixed batch gets exactly that many rows per call.
   */
  private async forwardLogits(request: ForwardRequest): Promise<Predictions> {
    validateRequest(this.card, request);
    const rows = request.rows;
    const T = rows.length ? rows[0].canvas.length : 0;
    const per = this.rowsPerCall(rows.length, T);
    if (rows.length <= per && this.io.fixedBatch === null) return super.forward(request);
    const out = new Predictions(rows.length, T, request.samples);
    for (let first = 0; first < rows.length; first += per) {
      const part = { ...request, rows: rows.slice(first, first + per) };
      const pred = await super.forward(part);
      for (let j = 0; j < part.rows.length; j++) out.setRow(first + j, pred.row(j));
    }
    return out;
  }

  /**
   * The model session's `logits` tensor for `canvases` (checked: [B, T, V], float32 or float16).
   * With a fixed batch larger than the rows at hand, B is that batch: the rows are followed by
   * copies of the last one, whose logits the caller drops.
   */
  private async runLogits(canvases: Int32Array[]): Promise<Tensor> {
    const T = canvases.length ? canvases[0].length : 0;
    const fixed = this.io.fixedBatch;
    const fed = fixed !== null && canvases.length < fixed ? [...canvases, ...Array<Int32Array>(fixed - canvases.length).fill(canvases[canvases.length - 1])] : canvases;
    const B = fed.length;
    if (fixed !== null && B !== fixed) throw new GraphError(`${this.source}: ${B} rows in one call, but the graph's batch axis is fixed at ${fixed}`);
    const feeds = this.modelFeeds(fed);
    if (this.io.hasStatsHead) {
      // The head's inputs are required by the graph even when only `logits` is fetched.
      const V = this.card.vocabSize;
      const Ort = this.ort.Tensor;
      feeds.logit_bias = new Ort('float32', new Float32Array(V), [V]);
      feeds.shift = new Ort('int64', new BigInt64Array(1), [1]);
      feeds.sample_positions = new Ort('int64', new BigInt64Array(0), [B, 0]);
      feeds.sample_uniforms = new Ort('float32', new Float32Array(0), [B, 0, 0]);
      feeds.temperature = new Ort('float32', Float32Array.from([1]), [1]);
    }
    const out = await this.session.run(feeds, ['logits']);
    const logits = out.logits;
    const dims = logits.dims;
    const V = this.card.vocabSize;
    if (dims.length !== 3 || dims[0] !== B || dims[1] !== T || dims[2] !== V) {
      logits.dispose?.();
      throw new GraphError(`${this.source}: output "logits" came back with shape [${dims.join(', ')}], expected [${B}, ${T}, ${V}]`);
    }
    if (logits.type !== 'float32' && logits.type !== 'float16') {
      logits.dispose?.();
      throw new GraphError(`${this.source}: output "logits" came back as ${logits.type}, expected float32 or float16`);
    }
    return logits;
  }

  protected async logits(canvases: Int32Array[]): Promise<Float32Array> {
    const logits = await this.runLogits(canvases);
    // A fresh float32 copy of the rows asked for: card preprocessing writes into it, and the runtime may reuse its buffer.
    const n = canvases.length * (canvases.length ? canvases[0].length : 0) * this.card.vocabSize;
    const result = new Float32Array(n);
    const data = logits.data as Float32Array | Uint16Array;
    copyAsFloat32(data.length === n ? data : data.subarray(0, n), result);
    logits.dispose?.();
    return result;
  }

  async dispose(): Promise<void> {
    await this.session.release();
    for (const stats of this.statsGraphs.values()) await (await stats.catch(() => null))?.release();
    this.statsGraphs.clear();
    if (this.cacheGraph) await (await this.cacheGraph.catch(() => null))?.dispose();
  }
}
