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
import { additiveMask, type AttentionMaskInput } from './attention-mask.js';
import { CacheGraph } from './onnx-cache.js';
import { deviceHint, deviceOptions, type OrtRuntime } from './runtime.js';
import { drawUniform, LogitsDenoiser, ModelOutputError, Predictions, validateRequest, type ForwardRequest } from './denoiser.js';
import { STATS_GRAPH_MIN_VOCAB, statsGraphByDefault, statsGraphLocation, type StatsGraphType } from './stats-graph.js';

/** A probability from the head: finite and in [0, 1] (with float32 slack). */
const isProb = (p: number): boolean => p >= 0 && p <= 1 + 1e-5;

export type { OrtRuntime } from './runtime.js';
export { GraphError };

const HEAD_INPUTS = ['logit_bias', 'shift', 'sample_positions', 'sample_uniforms', 'temperature'];
const HEAD_OUTPUTS = ['entropy', 'top_probs', 'top_ids', 'token_probs', 'sample_ids', 'sample_probs'];
/** Logits (float32 values) one call may return: 256 MiB, so that Info-Gain's N rows at a 152k vocabulary do not hold gigabytes at once. */
const LOGITS_PER_CALL = 2 ** 26;
const PROVIDABLE_INPUTS = new Set(['input_ids', 'attention_mask', ...HEAD_INPUTS]);

/** What `readHead` needs of `headInputs`: each row's draw positions, and the P and S fed. */
interface HeadPlan {
  positions: Int32Array[];
  P: number;
  S: number;
}

export interface GraphIO {
  hasAttentionMask: boolean;
  /** What the graph's attention_mask input is, and so how infogain fills it (see attention-mask.ts). */
  attentionMask: AttentionMaskInput;
  /** The logits' element type: fp16 exports may return float16. */
  logitsType: 'float32' | 'float16';
  /** input_ids' batch axis when the graph fixes it to a number (rows then go in calls of that many), else null. */
  fixedBatch: number | null;
  /** The logits' static vocabulary size, or null when the axis is symbolic. */
  staticVocab: number | null;
  /** The graph carries the statistics head. */
  hasStatsHead: boolean;
}

function tensorMeta(list: readonly InferenceSession.ValueMetadata[], name: string) {
  const m = list.find((x) => x.name === name);
  return m && m.isTensor ? m : undefined;
}

const show = (shape: ReadonlyArray<number | string>) => `[${shape.map((d) => (typeof d === 'string' ? d || '?' : d)).join(', ')}]`;

/** Check a session's inputs and outputs against the card; errors name the file, tensor, expected and found. */
export function checkGraph(session: InferenceSession, card: ModelCard, source: string, vocabOrigin?: string): GraphIO {
  // Every unusable input is named at once: the first alone (often position_ids) hides the cause.
  const unusable = session.inputNames.filter((name) => !PROVIDABLE_INPUTS.has(name));
  if (unusable.length > 0) {
    const causes = likelyCauses(unusable);
    throw new GraphError(
      `${source}: graph ${unusable.length === 1 ? 'input' : 'inputs'} ${unusable.map((n) => `"${n}"`).join(', ')} cannot be provided; ` +
        `infogain feeds only input_ids, attention_mask (and the statistics head's ${HEAD_INPUTS.join(', ')})` +
        (causes.length > 0 ? ` (${causes.join('; ')})` : ' (export the bare forward pass: input_ids [batch, length] → logits)'),
    );
  }
  const ids = tensorMeta(session.inputMetadata, 'input_ids');
  if (!ids) throw new GraphError(`${source}: graph has no tensor input "input_ids" (inputs: ${session.inputNames.join(', ') || 'none'})`);
  if (ids.type !== 'int64') throw new GraphError(`${source}: input "input_ids" has type ${ids.type}, expected int64`);
  if (ids.shape.length !== 2) throw new GraphError(`${source}: input "input_ids" has shape ${show(ids.shape)}, expected rank 2 [batch, length]`);
  const attentionMask = attentionMaskInput(session, source);
  const logits = tensorMeta(session.outputMetadata, 'logits');
  if (!logits) throw new GraphError(`${source}: graph has no tensor output "logits" (outputs: ${session.outputNames.join(', ') || 'none'})`);
  if (logits.type !== 'float32' && logits.type !== 'float16') throw new GraphError(`${source}: output "logits" has type ${logits.type}, expected float32 or float16`);
  if (logits.shape.length !== 3) throw new GraphError(`${source}: output "logits" has shape ${show(logits.shape)}, expected rank 3 [batch, length, ${card.vocabSize}]`);
  const v = logits.shape[2];
  if (typeof v === 'number' && v !== card.vocabSize)
    throw new GraphError(`${source}: output "logits" has shape ${show(logits.shape)}, expected [batch, length, ${card.vocabSize}] (vocabSize in the model card${vocabOrigin ? `, from ${vocabOrigin}` : ''})`);
  const headIn = HEAD_INPUTS.filter((n) => session.inputNames.includes(n));
  const headOut = HEAD_OUTPUTS.filter((n) => session.outputNames.includes(n));
  if ((headIn.length > 0 || headOut.length > 0) && (headIn.length < HEAD_INPUTS.length || headOut.length < HEAD_OUTPUTS.length))
    throw new GraphError(
      `${source}: incomplete statistics head: inputs ${HEAD_INPUTS.filter((n) => !headIn.includes(n)).join(', ') || '(all)'} ` +
        `and outputs ${HEAD_OUTPUTS.filter((n) => !headOut.includes(n)).join(', ') || '(all)'} are missing`,
    );
  const batch = ids.shape[0];
  return {
    hasAttentionMask: attentionMask.kind !== 'none',
    attentionMask,
    logitsType: logits.type,
    fixedBatch: typeof batch === 'number' && batch > 0 ? batch : null,
    staticVocab: typeof v === 'number' ? v : null,
    hasStatsHead: headIn.length === HEAD_INPUTS.length,
  };
}

/** The graph's attention_mask input: absent, int64 [batch, length] (all ones), or an additive float [1, 1, length, length]. */
export function attentionMaskInput(session: InferenceSession, source: string): AttentionMaskInput {
  if (!session.inputNames.includes('attention_mask')) return { kind: 'none' };
  const mask = tensorMeta(session.inputMetadata, 'attention_mask');
  const expected = 'int64 [batch, length] (a padding mask; infogain feeds all ones) or float32/float16 [1, 1, length, length] (an additive mask, built from the card\'s attention)';
  if (mask?.type === 'int64' && mask.shape.length === 2) return { kind: 'ones' };
  if ((mask?.type === 'float32' || mask?.type === 'float16') && mask.shape.length === 4) {
    const [b, h] = mask.shape;
    if ((typeof b === 'number' && b !== 1) || (typeof h === 'number' && h !== 1))
      throw new GraphError(`${source}: input "attention_mask" has shape ${show(mask.shape)}, expected [1, 1, length, length] (one additive mask shared by every row and head)`);
    return { kind: 'additive', type: mask.type };
  }
  throw new GraphError(`${source}: input "attention_mask" is ${mask ? `${mask.type} ${show(mask.shape)}` : 'not a tensor'}, expected ${expected}`);
}

/** The likely causes of inputs infogain cannot feed, when their names say so. */
function likelyCauses(names: string[]): string[] {
  const causes: string[] = [];
  if (names.some((n) => /past|key_values|present|cache/i.test(n)))
    causes.push('this looks like a causal LM export with a KV cache, not a masked diffusion model: export the bare forward pass without use_cache / past_key_values');
  else if (names.includes('position_ids')) causes.push('position_ids come from a causal-LM style export; an MDM export computes positions inside the graph');
  if (names.includes('token_type_ids')) causes.push('token_type_ids come from a BERT-style export: build them inside the graph (all zeros)');
  if (names.some((n) => /pixel|image/i.test(n))) causes.push('a multimodal export: infogain decodes text only');
  return causes;
}

export interface OnnxOptions {
  /** Names the model in error messages (a path or URL). */
  source: string;
  /** Intra-op threads; default: the runtime's choice. */
  threads?: number;
  /** The onnxruntime execution provider (cpu, cuda, webgpu, wasm, …); default: the runtime's. */
  device?: string;
  /**
   * Use the graph's statistics head when it has one (default true). false also turns the
   * statistics graph off: every statistic is then reduced from the logits in JavaScript.
   */
  statsHead?: boolean;
  /**
   * For a graph without a statistics head: compute the statistics with infogain's statistics
   * graph in a second onnxruntime session (stats-graph.ts) rather than in JavaScript. Default:
   * in Node, when the vocabulary has at least STATS_GRAPH_MIN_VOCAB (1,024) ids (below that the
   * JavaScript reduction takes microseconds); in browsers, no (`statsGraphByDefault`: no gain
   * measured, and the second session's memory broke the fp16 Qwen3 graph in wasm32's 4 GiB);
   * true at any vocabulary, anywhere; false never.
   */
  statsGraph?: boolean;
  /** The graph's external data files when it is given as bytes (onnxruntime's `externalData`: the name the graph records, and the file's bytes or URL). */
  externalData?: InferenceSession.SessionOptions['externalData'];
  /** Where the card's vocabSize came from (model.json, a preset, the tokenizer files), for messages. */
  vocabOrigin?: string;
  /**
   * The bytes of the card's cache graph (`cache.graph`, beside model.onnx), read on the first
   * forward that needs it (a decode with use_cache prefix or dual).
   */
  cacheGraph?: () => Promise<Uint8Array>;
}

/**
 * An onnxruntime session on a graph given as bytes, or (onnxruntime-node) as a file path, from
 * which onnxruntime also reads the graph's external data files beside it. With bytes, a graph
 * with external data needs `options.externalData` (the files by the names the graph records).
 */
export async function openSession(ort: OrtRuntime, model: Uint8Array | string, options: OnnxOptions): Promise<InferenceSession> {
  const threads = options.threads;
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1))
    throw new GraphError(`${options.source}: threads (--threads) is ${threads}, expected an integer ≥ 1 (onnxruntime intra-op threads)`);
  const sessionOptions: InferenceSession.SessionOptions = { graphOptimizationLevel: 'all', ...deviceOptions(ort, options.device, options.source) };
  if (options.threads !== undefined) sessionOptions.intraOpNumThreads = options.threads;
  if (options.externalData) sessionOptions.externalData = options.externalData;
  // onnxruntime-node's create takes a path as well (then it maps the external data from beside the
  // file instead of holding a copy in JavaScript); `OrtRuntime` types only the bytes form every runtime has.
  const create = ort.InferenceSession.create as (model: Uint8Array | string, options?: InferenceSession.SessionOptions) => Promise<InferenceSession>;
  try {
    return await create.call(ort.InferenceSession, model, sessionOptions);
  } catch (e) {
    throw new GraphError(`${options.source}: onnxruntime cannot load the graph${options.device ? ` on device ${options.device}` : ''}: ${(e as Error).message.split('\n')[0]}${deviceHint(ort, options.device)}`);
  }
}

/**
 * Where a denoiser's statistics come from: the graph's own head, infogain's statistics graph run
 * on the graph's logits, or the logits reduced in JavaScript.
 */
export type StatisticsPath = 'head' | 'graph' | 'js';

/** The path `options` give a graph with these inputs and outputs at this vocabulary. */
export function statisticsPath(io: GraphIO, vocabSize: number, options: Pick<OnnxOptions, 'statsHead' | 'statsGraph'>): StatisticsPath {
  if (options.statsHead === false) return 'js';
  if (io.hasStatsHead) return 'head';
  if (options.statsGraph === false) return 'js';
  return options.statsGraph === true || (vocabSize >= STATS_GRAPH_MIN_VOCAB && statsGraphByDefault()) ? 'graph' : 'js';
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
