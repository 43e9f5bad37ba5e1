/**
 * ONNX Runtime backend. The same class runs on onnxruntime-node and onnxruntime-web: callers pass
 * the runtime module and the model bytes, so nothing here touches the file system.
 *
 * Graph contract (checked at load time against the model card):
 *   inputs   input_ids       int64 [batch, length]
 *            attention_mask  int64 [batch, length]   optional; infogain feeds all ones
 *   outputs  logits          float32 [batch, length, vocabSize]
 * Any other input (past key/values of a causal LM, pixel values, …) is refused: infogain cannot
 * provide it.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import type { ModelCard } from './card.js';
import { LogitsDenoiser } from './denoiser.js';

/** The part of an onnxruntime module (node or web) the backend uses. */
export interface OrtRuntime {
  InferenceSession: { create(model: Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession> };
  Tensor: new (type: 'int64', data: BigInt64Array, dims: readonly number[]) => Tensor;
}

export class GraphError extends Error {}

const PROVIDABLE_INPUTS = new Set(['input_ids', 'attention_mask']);

export interface GraphIO {
  hasAttentionMask: boolean;
  /** The logits' static vocabulary size, or null when the axis is symbolic. */
  staticVocab: number | null;
}

function tensorMeta(list: readonly InferenceSession.ValueMetadata[], name: string) {
  const m = list.find((x) => x.name === name);
  return m && m.isTensor ? m : undefined;
}

const show = (shape: ReadonlyArray<number | string>) => `[${shape.map((d) => (typeof d === 'string' ? d || '?' : d)).join(', ')}]`;

/** Check a session's inputs and outputs against the card; errors name the file, tensor, expected and found. */
export function checkGraph(session: InferenceSession, card: ModelCard, source: string): GraphIO {
  for (const name of session.inputNames)
    if (!PROVIDABLE_INPUTS.has(name))
      throw new GraphError(
        `${source}: graph input "${name}" cannot be provided; infogain feeds only ${[...PROVIDABLE_INPUTS].join(', ')}` +
          (/past|key_values|cache/i.test(name) ? ' (this looks like a causal LM export with a KV cache, not a masked diffusion model)' : ''),
      );
  const ids = tensorMeta(session.inputMetadata, 'input_ids');
  if (!ids) throw new GraphError(`${source}: graph has no tensor input "input_ids" (inputs: ${session.inputNames.join(', ') || 'none'})`);
  if (ids.type !== 'int64') throw new GraphError(`${source}: input "input_ids" has type ${ids.type}, expected int64`);
  if (ids.shape.length !== 2) throw new GraphError(`${source}: input "input_ids" has shape ${show(ids.shape)}, expected rank 2 [batch, length]`);
  const mask = tensorMeta(session.inputMetadata, 'attention_mask');
  if (session.inputNames.includes('attention_mask') && (!mask || mask.type !== 'int64'))
    throw new GraphError(`${source}: input "attention_mask" has type ${mask?.type ?? 'non-tensor'}, expected int64`);
  const logits = tensorMeta(session.outputMetadata, 'logits');
  if (!logits) throw new GraphError(`${source}: graph has no tensor output "logits" (outputs: ${session.outputNames.join(', ') || 'none'})`);
  if (logits.type !== 'float32') throw new GraphError(`${source}: output "logits" has type ${logits.type}, expected float32`);
  if (logits.shape.length !== 3) throw new GraphError(`${source}: output "logits" has shape ${show(logits.shape)}, expected rank 3 [batch, length, ${card.vocabSize}]`);
  const v = logits.shape[2];
  if (typeof v === 'number' && v !== card.vocabSize)
    throw new GraphError(`${source}: output "logits" has shape ${show(logits.shape)}, expected [batch, length, ${card.vocabSize}] (vocabSize in the model card)`);
  return { hasAttentionMask: session.inputNames.includes('attention_mask'), staticVocab: typeof v === 'number' ? v : null };
}

export interface OnnxOptions {
  /** Names the model in error messages (a path or URL). */
  source: string;
  /** Intra-op threads; default: the runtime's choice. */
  threads?: number;
}

export class OnnxDenoiser extends LogitsDenoiser {
  private constructor(
    card: ModelCard,
    private readonly ort: OrtRuntime,
    readonly session: InferenceSession,
    readonly io: GraphIO,
    readonly source: string,
  ) {
    super(card);
  }

  static async create(ort: OrtRuntime, model: Uint8Array, card: ModelCard, options: OnnxOptions): Promise<OnnxDenoiser> {
    const sessionOptions: InferenceSession.SessionOptions = { graphOptimizationLevel: 'all' };
    if (options.threads !== undefined) sessionOptions.intraOpNumThreads = options.threads;
    let session: InferenceSession;
    try {
      session = await ort.InferenceSession.create(model, sessionOptions);
    } catch (e) {
      throw new GraphError(`${options.source}: onnxruntime cannot load the graph: ${(e as Error).message.split('\n')[0]}`);
    }
    return new OnnxDenoiser(card, ort, session, checkGraph(session, card, options.source), options.source);
  }

  protected async logits(canvases: Int32Array[]): Promise<Float32Array> {
    const B = canvases.length;
    const T = B ? canvases[0].length : 0;
    const ids = new BigInt64Array(B * T);
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) ids[b * T + t] = BigInt(canvases[b][t]);
    const feeds: Record<string, Tensor> = { input_ids: new this.ort.Tensor('int64', ids, [B, T]) };
    if (this.io.hasAttentionMask) feeds.attention_mask = new this.ort.Tensor('int64', new BigInt64Array(B * T).fill(1n), [B, T]);
    const out = await this.session.run(feeds, ['logits']);
    const logits = out.logits;
    const dims = logits.dims;
    if (dims.length !== 3 || dims[0] !== B || dims[1] !== T || dims[2] !== this.card.vocabSize)
      throw new GraphError(`${this.source}: output "logits" came back with shape [${dims.join(', ')}], expected [${B}, ${T}, ${this.card.vocabSize}]`);
    // A fresh copy: card preprocessing writes into it, and the runtime may reuse its buffer.
    return new Float32Array(logits.data as Float32Array);
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
