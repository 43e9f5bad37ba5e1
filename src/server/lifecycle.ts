/**
 * Shutting down without dropping work (SIGTERM): once draining, a request that arrives is refused
 * with 503 and Retry-After, the requests already held (decoding, queued, or still sending their
 * body) finish up to a deadline, and those left at the deadline are cancelled, each answered with
 * the same 503 (a stream: an error event), so a client or load balancer can send it elsewhere.
 */
import { ApiError } from './errors.js';

/** The abort reason of a request cancelled at the drain deadline. */
export const DRAIN_DEADLINE = 'server draining: deadline reached';

/** How long requests cancelled at the deadline get to write their 503 before the server closes (ms). */
const CANCEL_GRACE_MS = 2_000;

/** A request held by the server: its cancel handle, counted until `end()`. */
export interface HeldRequest {
  readonly cancel: AbortController;
  /** Set when a stream takes over the request: the stream calls `end()` when it closes, not the route. */
  streaming: boolean;
  /** The request's answer is written (idempotent). */
  end(): void;
}

export interface DrainResult {
  /** Requests held when the drain began, or sent on an open connection just before, that finished. */
  finished: number;
  /** Requests still running at the deadline, cancelled with 503. */
  cancelled: number;
}

export class Lifecycle {
  private drainingSince: number | null = null;
  private readonly held = new Set<HeldRequest>();
  private idleWaiters: (() => void)[] = [];
  private ended = 0;

  get draining(): boolean {
    return this.drainingSince !== null;
  }

  get inFlight(): number {
    return this.held.size;
  }

  /** The answer to a request that arrives while draining. */
  refusal(): ApiError {
    return new ApiError(503, 'the server is shutting down and takes no new requests; retry (another replica, or this one once restarted)', 'server_error', null, 'server_shutting_down', 1);
  }

  /** Hold a request until its `end()`; throws the 503 when draining. */
  begin(): HeldRequest {
    if (this.draining) throw this.refusal();
    let open = true;
    const request: HeldRequest = {
      cancel: new AbortController(),
      streaming: false,
      end: () => {
        if (!open) return;
        open = false;
        this.held.delete(request);
        this.ended++;
        if (this.held.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      },
    };
    this.held.add(request);
    return request;
  }

  /**
   * Refuse new requests from now on; resolve once every held request has ended, or, after
   * `deadlineMs`, cancel those left (they answer 503) and resolve when they have ended too
   * (at most a short grace later).
   */
  async drain(deadlineMs: number): Promise<DrainResult> {
    this.drainingSince ??= Date.now();
    const endedBefore = this.ended;
    const inTime = await this.idleWithin(deadlineMs);
    let cancelled = 0;
    if (!inTime) {
      cancelled = this.held.size;
      for (const request of this.held) request.cancel.abort(DRAIN_DEADLINE);
      await this.idleWithin(CANCEL_GRACE_MS);
    }
    return { finished: this.ended - endedBefore - cancelled, cancelled };
  }

  /** True when no request is held within `ms`, false when the time ran out first. */
  private idleWithin(ms: number): Promise<boolean> {
    if (this.held.size === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== wake);
        resolve(false);
      }, ms);
      this.idleWaiters.push(wake);
    });
  }
}
