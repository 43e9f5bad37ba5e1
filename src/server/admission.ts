/**
 * Decoding slots: at most `maxActive` requests decode at once (their forward calls are merged by
 * the batcher), at most `maxQueued` wait for a slot in arrival order; a request beyond both is
 * refused at once with 429 and Retry-After, so memory stays bounded whatever the load.
 */
import { ApiError } from './errors.js';

interface Waiter {
  grant: () => void;
  fail: (reason: unknown) => void;
}

export class Admission {
  private activeCount = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    readonly maxActive: number,
    readonly maxQueued: number,
  ) {}

  get active(): number {
    return this.activeCount;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /**
   * A slot: resolves with its release function (call it exactly once, when the request is done).
   * Throws a 429 when the queue is full; rejects with `signal`'s reason if it aborts while waiting.
   */
  acquire(signal: AbortSignal): Promise<() => void> {
    signal.throwIfAborted();
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.activeCount--;
      this.waiting.shift()?.grant();
    };
    if (this.activeCount < this.maxActive) {
      this.activeCount++;
      return Promise.resolve(release);
    }
    if (this.waiting.length >= this.maxQueued)
      throw new ApiError(
        429,
        `the server is at capacity: ${this.activeCount} requests decoding (max ${this.maxActive}) and ${this.waiting.length} queued (max ${this.maxQueued}); retry later`,
        'rate_limit_error', null, 'server_busy', 1,
      );
    return new Promise<() => void>((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          this.activeCount++;
          resolve(release);
        },
        fail: reject,
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        waiter.fail(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }
}
