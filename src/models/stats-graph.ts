/**
 * infogain's statistics graph: the in-graph statistics head (training/add_stats_head.py) as a
 * model-independent ONNX graph of its own, run by onnxruntime as a second session on the logits
 * a graph without a head returns (src/models/stats-graph/float32.onnx and float16.onnx, written
 * by `training/add_stats_head.py --standalone src/models/stats-graph`, ~16 KB each).
 *
 *   inputs   logits            float32 | float16 [batch, length, vocab] (vocab dynamic)
 *            input_ids         int64 [batch, length]
 *            logit_bias, shift, sample_positions, sample_uniforms, temperature  (the head's)
 *   outputs  entropy, top_probs, top_ids, token_probs, sample_ids, sample_probs (the head's)
 *
 * The files sit beside this module (copied to dist/src/models/ by the build; bundled as assets
 * by vite for the web app), found through `import.meta.url`.
 */

/** Vocabularies from this size up use the statistics graph by default (OnnxOptions.statsGraph). */
export const STATS_GRAPH_MIN_VOCAB = 1024;

/**
 * Whether the statistics graph is on by default here: where this module is a file (Node), yes; in
 * a browser (an http(s) module, onnxruntime-web), no. Measured in Chromium on the full-size
 * Qwen3 stand-in (docs/real-models.md): no gain for the 4-bit graph (a 256-position forward
 * 25–28 s either way, wasm, 1 thread), and the fp16 graph's forward fails with std::bad_alloc,
 * every session sharing one wasm32 heap of at most 4 GiB. `statsGraph: true` still runs it there.
 */
export const statsGraphByDefault = (): boolean => new URL(import.meta.url).protocol === 'file:';

export type StatsGraphType = 'float32' | 'float16';

/**
 * Where the statistics graph for `type` logits is: a file path for a `file:` module (Node: what
 * onnxruntime-node's `InferenceSession.create` takes), else the URL (browsers: onnxruntime-web
 * fetches it). Each `new URL(literal, import.meta.url)` is written out so bundlers see the asset.
 */
export function statsGraphLocation(type: StatsGraphType): string {
  const url = type === 'float16' ? new URL('./stats-graph/float16.onnx', import.meta.url) : new URL('./stats-graph/float32.onnx', import.meta.url);
  if (url.protocol !== 'file:') return url.href;
  const path = decodeURIComponent(url.pathname);
  return /^\/[A-Za-z]:\//.test(path) ? path.slice(1) : path; // file:///C:/… → C:/…
}
