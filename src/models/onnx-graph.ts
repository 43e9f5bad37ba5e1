/**
 * What infogain needs of an ONNX graph, checked when it loads: the inputs it can feed, the logits it
 * reads, the optional statistics head (onnx.ts has the contract), and the onnxruntime session it opens.
 * The denoiser that runs the graph is in onnx.ts.
 */
import type { InferenceSession } from 'onnxruntime-common';
import type { ModelCard } from './card.js';
import { GraphError } from './graph-error.js';
import type { AttentionMaskInput } from './attention-mask.js';
import { deviceHint, deviceOptions, type OrtRuntime } from './runtime.js';
import { STATS_GRAPH_MIN_VOCAB, statsGraphByDefault } from './stats-graph.js';

export const HEAD_INPUTS = ['logit_bias', 'shift', 'sample_positions', 'sample_uniforms', 'temperature'];
export const HEAD_OUTPUTS = ['entropy', 'top_probs', 'top_ids', 'token_probs', 'sample_ids', 'sample_probs'];
const PROVIDABLE_INPUTS = new Set(['input_ids', 'attention_mask', ...HEAD_INPUTS]);


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
