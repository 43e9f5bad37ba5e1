/**
 * The cache graph of an ONNX model (docs/onnx-models.md, "The cache graph"): a window of each
 * row's canvas attends to cached keys/values of other positions and to itself.
 *
 *   inputs   input_ids [B, W] int64, position_ids [B, W] int64 (absolute), cache_index [B] int64,
 *            past_key / past_value [L, C, H, P, hd] float32, past_position_ids [C, P] int64 (read
 *            by block-causal graphs only: a full-attention export has no such input)
 *   outputs  logits [B, W, V] float32, present_key / present_value [L, B, H, W, hd] float32
 *
 * Rows name their cache by `cache_index`, so the N lookahead rows of one sequence send its cache
 * once. A forward request may mix windows of different widths and caches of different lengths
 * (several sequences, or a block entry beside window steps): rows are grouped by (W, P), one
 * session run per group, and the answer is one `Predictions` over whole canvases.
 *
 * A Dream-style shifted model (card `logitShift`) returns raw logits, row i predicting token i + 1,
 * as its plain graph does; the card's shift is applied inside the window, so a window [s, e) with
 * s > 0 predicts positions (s, e). Its own row for s would be the output of s − 1, outside the
 * window, so s keeps the `outside` statistics, like every position the window does not predict
 * (the decode loop never reads s from such a window: it starts windows one position before the
 * block, or settles the block's first position at block entry; spec §2.5, D11). At s = 0 the
 * row is the whole-canvas forward's own convention (aligned[0] = raw[0]) and is kept.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import type { CacheGraphCard, ModelCard } from './card.js';
import { Predictions, prepareLogits, reduceLogits, type ForwardRequest, type ForwardRow, type KvCache } from './denoiser.js';
import { GraphError } from './graph-error.js';
import { deviceOptions, type OrtRuntime } from './runtime.js';

const INPUTS = ['input_ids', 'position_ids', 'cache_index', 'past_key', 'past_value'];
const OPTIONAL_INPUTS = ['past_position_ids'];
const OUTPUTS = ['logits', 'present_key', 'present_value'];

/** Several sequences' caches packed into the graph's [L, C, H, P, hd] layout. */
interface PackedCaches { caches: KvCache[]; key: Float32Array; value: Float32Array; positions: BigInt64Array }

export class CacheGraph {
  /** The last multi-cache packing: a batch of sequences in lockstep sends the same caches at every
   * step of a block, so they are packed once per block instead of once per forward. */
  private packed: PackedCaches | null = null;

  private constructor(
    private readonly ort: OrtRuntime,
    private readonly session: InferenceSession,
    private readonly card: ModelCard,
    private readonly shape: CacheGraphCard,
    private readonly source: string,
  ) {}

  static async create(ort: OrtRuntime, bytes: Uint8Array, card: ModelCard, source: string, options: { threads?: number; device?: string } = {}): Promise<CacheGraph> {
    if (!card.cache) throw new GraphError(`${source}: the model card has no "cache" field, so there is no cache graph to load`);
    let session: InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, {
        graphOptimizationLevel: 'all', ...deviceOptions(ort, options.device, source), ...(options.threads !== undefined ? { intraOpNumThreads: options.threads } : {}),
      });
    } catch (e) {
      throw new GraphError(`${source}: onnxruntime cannot load the cache graph: ${(e as Error).message.split('\n')[0]}`);
    }
    const missingIn = INPUTS.filter((n) => !session.inputNames.includes(n));
    const missingOut = OUTPUTS.filter((n) => !session.outputNames.includes(n));
    const extra = session.inputNames.filter((n) => !INPUTS.includes(n) && !OPTIONAL_INPUTS.includes(n));
    if (missingIn.length > 0 || missingOut.length > 0 || extra.length > 0)
      throw new GraphError(
        `${source}: not a cache graph: inputs [${session.inputNames.join(', ')}], outputs [${session.outputNames.join(', ')}]; ` +
          `expected inputs ${INPUTS.join(', ')} (and optionally ${OPTIONAL_INPUTS.join(', ')}) and outputs ${OUTPUTS.join(', ')} (docs/onnx-models.md)`,
      );
    return new CacheGraph(ort, session, card, card.cache, source);
  }

  /**
   * Statistics over whole canvases for rows with a window and/or a keys/values request: window
   * positions from this forward, the rest copied from the window's `outside` predictions.
   */
  async forward(request: ForwardRequest): Promise<Predictions> {
    const rows = request.rows;
    const T = rows[0]?.canvas.length ?? 0;
    const out = new Predictions(rows.length, T, request.samples);
    const groups = new Map<string, number[]>();
    rows.forEach((row, b) => {
      const { start, end } = spanOf(row);
      if (!(start >= 0 && start < end && end <= T)) throw new GraphError(`${this.source}: row ${b} has window [${start}, ${end}), expected 0 ≤ start < end ≤ ${T}`);
      const key = `${end - start}/${row.window?.cache.positions.length ?? 0}`;
      const group = groups.get(key);
      if (group) group.push(b);
      else groups.set(key, [b]);
    });
    for (const members of groups.values()) await this.runGroup(request, members, out);
    return out;
  }

  private async runGroup(request: ForwardRequest, members: number[], out: Predictions): Promise<void> {
    const rows = members.map((b) => request.rows[b]);
    const { layers: L, heads: H, headDim: hd } = this.shape;
    const B = rows.length;
    const spans = rows.map(spanOf);
    const W = spans[0].end - spans[0].start;
    const caches: KvCache[] = [];
    const cacheIndex = rows.map((r) => {
      if (!r.window) return 0;
      const at = caches.indexOf(r.window.cache);
      return at >= 0 ? at : caches.push(r.window.cache) - 1;
    });
    const P = caches[0]?.positions.length ?? 0;
    const C = Math.max(1, caches.length);
    const ids = new BigInt64Array(B * W);
    const positions = new BigInt64Array(B * W);
    rows.forEach((r, i) => {
      for (let w = 0; w < W; w++) {
        ids[i * W + w] = BigInt(r.canvas[spans[i].start + w]);
        positions[i * W + w] = BigInt(spans[i].start + w);
      }
    });
    const { key: pastKey, value: pastValue, positions: pastPositions } = this.pack(caches, P);
    const Ort = this.ort.Tensor;
    const feeds: Record<string, Tensor> = {
      input_ids: new Ort('int64', ids, [B, W]),
      position_ids: new Ort('int64', positions, [B, W]),
      cache_index: new Ort('int64', BigInt64Array.from(cacheIndex, BigInt), [B]),
      past_key: new Ort('float32', pastKey, [L, C, H, P, hd]),
      past_value: new Ort('float32', pastValue, [L, C, H, P, hd]),
    };
    if (this.session.inputNames.includes('past_position_ids')) feeds.past_position_ids = new Ort('int64', pastPositions, [C, P]);
    // Only the outputs someone reads: onnxruntime then skips stacking and returning every layer's
    // keys/values, which took a third to two fifths of a window forward (docs/performance.md).
    const wantKv = rows.some((r) => r.onKv);
    const result = await this.session.run(feeds, wantKv ? ['logits', 'present_key', 'present_value'] : ['logits']);
    // A copy: the card's preprocessing writes into the logits, and the runtime may reuse its buffer.
    const logits = new Float32Array(this.checked(result.logits, [B, W, this.card.vocabSize], 'logits'));
    for (let i = 0; i < B; i++) prepareLogits(this.card, logits, i * W * this.card.vocabSize, W);
    const windowRows = rows.map((r, i) => {
      const { start, end } = spans[i];
      if (r.samplePositions?.some((p) => p < start || p >= end))
        throw new GraphError(`${this.source}: row ${members[i]} asks for token draws outside its window [${start}, ${end})`);
      return { canvas: r.canvas.subarray(start, end), noiseKey: r.noiseKey, ...(r.samplePositions ? { samplePositions: r.samplePositions.map((p) => p - start) } : {}) };
    });
    const fresh = reduceLogits(this.card, logits, { ...request, rows: windowRows }, spans.map((s) => s.start));
    members.forEach((b, i) => {
      const window = rows[i].window;
      if (window) out.setRow(b, window.outside);
      // A shifted window's first row is no prediction of its first position (see above).
      out.setRow(b, fresh.row(i), spans[i].start, window && this.card.logitShift && window.start > 0 ? 1 : 0);
    });
    if (!wantKv) return;
    // Read in place: each requested row's keys/values are copied out below.
    const keys = this.checked(result.present_key, [L, B, H, W, hd], 'present_key');
    const values = this.checked(result.present_value, [L, B, H, W, hd], 'present_value');
    rows.forEach((r, i) => {
      if (!r.onKv) return;
      const part = H * W * hd;
      const key = new Float32Array(L * part);
      const value = new Float32Array(L * part);
      for (let l = 0; l < L; l++) {
        key.set(keys.subarray((l * B + i) * part, (l * B + i + 1) * part), l * part);
        value.set(values.subarray((l * B + i) * part, (l * B + i + 1) * part), l * part);
      }
      r.onKv({ positions: Int32Array.from({ length: W }, (_, w) => spans[i].start + w), key, value });
    });
  }

  /**
   * The caches in the graph's [L, C, H, P, hd] layout (each cache is [L, H, P, hd], so layer l of
   * cache c is one contiguous slice). One cache (one sequence's step and its lookahead rows)
   * already has that layout and is sent as it is; several are copied once and reused while the
   * same caches come back.
   */
  private pack(caches: KvCache[], P: number): Omit<PackedCaches, 'caches'> {
    const { layers: L, heads: H, headDim: hd } = this.shape;
    const slice = H * P * hd;
    for (const cache of caches)
      if (cache.positions.length !== P || cache.key.length !== L * slice || cache.value.length !== L * slice)
        throw new GraphError(`${this.source}: a cache of ${cache.positions.length} positions holds ${cache.key.length} keys, expected ${L} × ${H} × ${P} × ${hd}`);
    const positionsOf = () => BigInt64Array.from(caches.flatMap((c) => Array.from(c.positions)), BigInt);
    if (caches.length <= 1) return { key: caches[0]?.key ?? new Float32Array(0), value: caches[0]?.value ?? new Float32Array(0), positions: positionsOf() };
    const last = this.packed;
    if (last && last.caches.length === caches.length && last.caches.every((c, i) => c === caches[i])) return last;
    const C = caches.length;
    const key = new Float32Array(L * C * slice);
    const value = new Float32Array(L * C * slice);
    caches.forEach((cache, c) => {
      for (let l = 0; l < L; l++) {
        key.set(cache.key.subarray(l * slice, (l + 1) * slice), (l * C + c) * slice);
        value.set(cache.value.subarray(l * slice, (l + 1) * slice), (l * C + c) * slice);
      }
    });
    this.packed = { caches: [...caches], key, value, positions: positionsOf() };
    return this.packed;
  }

  /** An output's data after checking its type and shape (the runtime's buffer: copy before writing). */
  private checked(tensor: Tensor | undefined, dims: number[], name: string): Float32Array {
    if (!tensor || tensor.type !== 'float32' || tensor.dims.join() !== dims.join())
      throw new GraphError(`${this.source}: output "${name}" came back as ${tensor?.type} [${tensor?.dims.join(', ')}], expected float32 [${dims.join(', ')}]`);
    return tensor.data as Float32Array;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** The positions a row computes: its window, or the whole canvas. */
function spanOf(row: ForwardRow): { start: number; end: number } {
  return row.window ? { start: row.window.start, end: row.window.end } : { start: 0, end: row.canvas.length };
}
