/**
 * The worker's view of a model for decoding: forward calls queued one at a time, each after a turn
 * of the event loop.
 * - Queued: two decodes side by side share one onnxruntime session, which must not run two calls
 *   at once; they alternate, each waiting for the other's call.
 * - A turn of the event loop first: onnxruntime-web's wasm calls resolve as microtasks, so a decode
 *   would otherwise run start to end without the worker reading its next message (Abort).
 */
import type { Denoiser, ForwardRequest, Model } from '../../src/index.js';

/** Resolves after pending tasks (input, timers, paint) had their turn; MessageChannel avoids setTimeout's 4 ms clamp. */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

export function serialModel(model: Model): Model {
  let queue: Promise<unknown> = Promise.resolve();
  const inner: Denoiser = model.denoiser;
  // Keeps an oracle's own members (alphabet, detokenize) reachable: only forward is replaced.
  const denoiser: Denoiser = Object.create(inner, {
    forward: {
      value: (request: ForwardRequest) => {
        const call = queue.then(nextTask).then(() => inner.forward(request));
        queue = call.catch(() => undefined);
        return call;
      },
    },
  });
  return { ...model, denoiser };
}
