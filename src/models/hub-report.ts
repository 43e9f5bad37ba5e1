/** What `infogain inspect` says about a Hugging Face ONNX folder's graph, beyond the card (lines of text). */
import type { ModelCard } from './card.js';
import type { HubGraphInfo } from './hub-dir.js';
import type { GraphIO } from './onnx-graph.js';

const bytes = (n: number): string => `${n.toLocaleString('en-US')} bytes${n >= 2 ** 20 ? ` (${(n / 2 ** 30 >= 1 ? `${(n / 2 ** 30).toFixed(2)} GiB` : `${(n / 2 ** 20).toFixed(1)} MiB`)})` : ''}`;

export function hubReport(hub: HubGraphInfo, io: GraphIO, card: ModelCard): string[] {
  const others = hub.graphs.filter((g) => g !== hub.graph);
  const { summary } = hub;
  const attention =
    card.attention.kind === 'block-causal'
      ? `block-causal, block size ${card.attention.blockSize} (the decode's block length)`
      : 'full (bidirectional)';
  const mask =
    io.attentionMask.kind === 'additive'
      ? `; infogain builds the additive attention_mask (${io.attentionMask.type} [1, 1, T, T], 0 / −1e9) for every forward`
      : io.attentionMask.kind === 'ones'
        ? '; attention_mask: all ones'
        : '';
  const external = summary.externalFiles.map((f) => `${bytes(f.bytes)} in ${f.location}`);
  return [
    `layout: Hugging Face ONNX folder; runs ${hub.graph}` +
      (others.length > 0 ? ` (also here: ${others.join(', ')}; run one with --model <dir>/${others[0]})` : ''),
    `convention: ${hub.convention}: attention ${attention}${mask}`,
    `precision: ${summary.precision}; logits ${io.logitsType}`,
    `weights: ${bytes(summary.inlineBytes)} in the graph file` + (external.length > 0 ? `, ${external.join(', ')} (external data, beside the graph)` : ''),
    `batch axis: ${io.fixedBatch === null ? 'dynamic (Info-Gain\'s N lookahead rows go in one call)' : `fixed at ${io.fixedBatch} (rows go ${io.fixedBatch} per call)`}`,
    `operators: ${summary.operators.map(([op, n]) => `${op} ×${n}`).join(', ')}`,
  ];
}

/** Why these exports have no cache mode: said by `inspect` next to "cache graph: none". */
export const HUB_CACHE_NOTE = 'the export is a bare forward (no past key/value inputs, no cache graph), so every step recomputes the whole canvas';
