/**
 * The forward request `npm run bench:web` times, the same in the page and in Node: `rows` canvases
 * of `length` tokens, the second half masked, greedy draws (what a decode step asks for), and how
 * it is timed.
 */
import type { Denoiser, ForwardRequest, ModelCard } from '../../src/index.js';

export function benchRequest(card: ModelCard, rows: number, length: number): ForwardRequest {
  const { vocabSize, maskId } = card;
  const token = (t: number, r: number) => {
    const id = (t * 7 + r * 13) % vocabSize;
    return id === maskId ? (id + 1) % vocabSize : id;
  };
  return {
    samples: 1,
    temperature: 0,
    rows: Array.from({ length: rows }, (_, r) => ({
      canvas: Int32Array.from({ length }, (_, t) => (t >= length / 2 ? maskId : token(t, r))),
      noiseKey: 1234 + r,
    })),
  };
}

/** The canvas length a built-in's task uses (Sudoku 81, Countdown 48, text 128), within the card's limit. */
export const benchLength = (task: string | null, contextLimit: number): number => Math.min(contextLimit, task === 'sudoku' ? 81 : task === 'countdown' ? 48 : 128);

/** `repeats` timed forwards of `request` (after any warm-up the caller did): median and fastest, ms. */
export async function timeForward(denoiser: Denoiser, request: ForwardRequest, repeats: number): Promise<{ medianMs: number; minMs: number }> {
  const ms: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await denoiser.forward(request);
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { medianMs: ms[Math.floor(ms.length / 2)], minMs: ms[0] };
}

/** One input of a bare graph run, as plain numbers (sent from Node to the page as JSON). */
export interface GraphFeed {
  name: string;
  type: 'int64' | 'float32';
  dims: number[];
  data: number[];
}

/** A labelled set of feeds for a graph, timed alike in onnxruntime-node and in the page. */
export interface GraphCase {
  label: string;
  feeds: GraphFeed[];
}
