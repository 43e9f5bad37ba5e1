/** The shape of /models/index.json, shared by the static server (serve.ts) and the page (web/src/catalog.ts). */

/** One entry of /models/index.json: what the page lists and how it loads it. */
export interface WebModelEntry {
  name: string;
  kind: 'onnx' | 'oracle';
  /** The task a neural built-in was trained for; null for oracles. */
  task: string | null;
  description: string;
  /** Where the page loads it from: a model directory URL (onnx) or an oracle JSON file (oracle). */
  url: string;
  /** Masks an oracle's default prompt is followed by (built-in defaults); 0 for task models. */
  genLength: number;
  /** The digits model's judge (judge.onnx + judge.json), a folder URL; null for other models or when absent. */
  judge: string | null;
}
