/**
 * Model folders laid out as on the Hugging Face Hub for transformers.js / onnxruntime users: the
 * graphs under `onnx/` (each with its external data, `<graph>.onnx.data`, beside it), the
 * tokenizer files at the top, and no model.json. dllm's Tiny-A2D Qwen3 exports
 * (`naklitechie/Qwen3-0.6B-diffusion-{mdlm,bd3lm}-ONNX`) come this way. The card is made from what
 * the folder says: the convention from the graph's inputs (presets.ts, GRAPH_CONVENTION_PRESETS),
 * the vocabulary from its logits, the context from its rotary tables, the ids from the tokenizer;
 * a model.json beside them may still set any field. Environment-neutral.
 */
import type { InferenceSession } from 'onnxruntime-common';
import { resolveCardJson, type GraphCardValues, type ResolvedCard } from './card-json.js';
import { GraphError } from './graph-error.js';
import type { GraphSummary } from './onnx-proto.js';
import { attentionMaskInput } from './onnx-graph.js';
import { GRAPH_CONVENTION_PRESETS } from './presets.js';
import type { HfTokenizer } from './tokenizer.js';

export const GRAPH_FOLDER = 'onnx';

/** Lower ranks are preferred: full precision first, then fp16, then 8-bit, then 4-bit. */
const PRECISION_RANKS: readonly [RegExp, number][] = [
  [/q4|int4|bnb4|4bit/i, 3],
  [/int8|uint8|q8|quantized/i, 2],
  [/fp16|f16|half/i, 1],
];

const rank = (name: string): number => PRECISION_RANKS.find(([re]) => re.test(name))?.[1] ?? 0;

/**
 * The graph `--model <folder>` runs when onnx/ holds several: the highest precision by file name
 * (the Tiny-A2D exports' default is `model_fp16_fused.onnx`; `model_q4f16_rtn_sym.onnx` is the
 * smaller download), ties by name. Another one runs when the path names it (`<folder>/onnx/<file>.onnx`).
 */
export function defaultGraph(names: readonly string[]): string | null {
  const graphs = names.filter((n) => n.endsWith('.onnx'));
  return [...graphs].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))[0] ?? null;
}

/** The card values a folder's graph gives (see `resolveCardJson`'s `graph`). `label` names the graph file. */
export function graphCardValues(session: InferenceSession, summary: GraphSummary | null, label: string): GraphCardValues {
  const mask = attentionMaskInput(session, label);
  const reason =
    mask.kind === 'additive'
      ? `detected: ${label} takes an additive attention_mask ${mask.type} [1, 1, length, length]`
      : mask.kind === 'ones'
        ? `detected: ${label} takes a padding attention_mask int64 [batch, length]`
        : `detected: ${label} takes input_ids only`;
  const values: Record<string, unknown> = {};
  const logits = session.outputMetadata.find((m) => m.name === 'logits');
  const v = logits?.isTensor ? logits.shape[2] : undefined;
  if (typeof v === 'number') values.vocabSize = v;
  if (summary?.rotaryPositions) values.contextLimit = summary.rotaryPositions;
  return { preset: GRAPH_CONVENTION_PRESETS[mask.kind], presetReason: reason, values, label };
}

/** The external data files a graph needs, with the bytes each must hold (largest offset + length). */
export function externalDataNeeds(facts: { initializers: readonly { external: { location: string; offset: number; length: number | null } | null; bytes: number }[] }): Map<string, number> {
  const needs = new Map<string, number>();
  for (const t of facts.initializers) {
    if (!t.external) continue;
    const end = t.external.offset + (t.external.length ?? t.bytes);
    needs.set(t.external.location, Math.max(needs.get(t.external.location) ?? 0, end));
  }
  return needs;
}

/** A graph's external data names must stay beside it: a path that climbs out is refused before anything reads it. */
export function checkExternalLocation(location: string, graph: string): void {
  if (location === '' || location.startsWith('/') || location.split(/[\\/]/).includes('..') || /^[a-z]:/i.test(location))
    throw new GraphError(`${graph}: external data location ${JSON.stringify(location)}, expected a file name beside the graph`);
}

/**
 * A folder's card (resolveCardJson with the graph's values) that never decodes the mask itself nor
 * a logits row that is no token (Qwen3's 151936 rows hold 151670 ids): a trained model gives them
 * no weight, but a decode that committed one could not go on. model.json's suppressTokens wins.
 */
export function resolveFolderCard(raw: unknown, where: { file: string; dir: string; tokenizer: HfTokenizer | null; graph: GraphCardValues }): ResolvedCard {
  const first = resolveCardJson(raw, where);
  const { tokenizer } = where;
  if (!tokenizer || (typeof raw === 'object' && raw !== null && 'suppressTokens' in raw)) return first;
  const padding = Array.from({ length: Math.max(0, first.card.vocabSize - tokenizer.vocabSize) }, (_, i) => tokenizer.vocabSize + i);
  const graph = { ...where.graph, values: { ...where.graph.values, suppressTokens: [first.card.maskId, ...padding] } };
  return resolveCardJson(raw, { ...where, graph });
}
