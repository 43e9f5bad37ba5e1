/**
 * Canvas sizes checked before anything is allocated. A canvas is sized from user input
 * (`--gen-length`, a prompt); a typo like 1e8 would otherwise allocate gigabytes of per-step
 * buffers before the model's own context check runs, and can abort the process.
 */
import type { ModelCard } from '../models/card.js';

/**
 * The longest canvas decoded at all, whatever the model's card says: models without a
 * contextLimit (oracles, cards that omit it) are "unlimited", but per-step buffers grow with
 * the canvas, so 2^20 tokens is where the decoder stops.
 */
export const MAX_CANVAS_LENGTH = 1 << 20;

export class CanvasLengthError extends Error {}

/** The longest canvas `card`'s model is decoded with: its context limit, at most MAX_CANVAS_LENGTH. */
export function canvasLimit(card: ModelCard): number {
  return Math.min(card.contextLimit, MAX_CANVAS_LENGTH);
}

/**
 * Throw unless a canvas of `promptLength + genLength` tokens fits `card`'s model, naming both
 * parts and the limit; `genFlag` names where the generation length came from.
 */
export function checkCanvasLength(card: ModelCard, promptLength: number, genLength: number, genFlag = '--gen-length'): void {
  const limit = canvasLimit(card);
  const total = promptLength + genLength;
  if (Number.isSafeInteger(total) && total <= limit) return;
  const why = limit === card.contextLimit ? `the context limit of model ${card.name}` : `the decoder's cap MAX_CANVAS_LENGTH for models without a smaller context limit`;
  throw new CanvasLengthError(
    `${genFlag} ${genLength}: the canvas would hold ${total} tokens (prompt ${promptLength} + ${genLength} to generate), over ${why} (${limit}); ` +
      `the longest generation after this prompt is ${Math.max(0, limit - promptLength)}`,
  );
}
