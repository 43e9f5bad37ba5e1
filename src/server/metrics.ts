/**
 * Prometheus metrics (prom-client), in a registry of the server's own so that several servers in
 * one process (tests) do not share counters.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Generated tokens are averaged over this window for the tokens/s gauge. */
const RATE_WINDOW_S = 10;

export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'endpoint' | 'status'>;
  readonly active: Gauge;
  readonly queued: Gauge;
  readonly rowsPerForward: Histogram;
  readonly forwardSeconds: Histogram;
  readonly requestSeconds: Histogram<'endpoint'>;
  readonly tokens: Counter;
  private readonly recent: { at: number; tokens: number }[] = [];

  constructor(state: { active: () => number; queued: () => number }) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'infogain_process_' });
    this.requests = new Counter({ name: 'infogain_requests_total', help: 'HTTP requests answered, by endpoint and status code', labelNames: ['endpoint', 'status'], registers });
    this.active = new Gauge({ name: 'infogain_requests_active', help: 'requests decoding now', registers, collect: () => this.active.set(state.active()) });
    this.queued = new Gauge({ name: 'infogain_queue_depth', help: 'requests waiting for a decoding slot', registers, collect: () => this.queued.set(state.queued()) });
    this.rowsPerForward = new Histogram({
      name: 'infogain_forward_rows', help: 'rows (canvases) per model call, all requests merged', registers,
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
    });
    this.forwardSeconds = new Histogram({
      name: 'infogain_forward_seconds', help: 'duration of one model call', registers,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    });
    this.requestSeconds = new Histogram({
      name: 'infogain_request_seconds', help: 'duration of completed decoding requests, queueing included', labelNames: ['endpoint'], registers,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    });
    this.tokens = new Counter({ name: 'infogain_generated_tokens_total', help: 'completion tokens returned', registers });
    const rate: Gauge = new Gauge({
      name: 'infogain_tokens_per_second', help: `completion tokens per second over the last ${RATE_WINDOW_S} s`, registers,
      collect: () => rate.set(this.tokensPerSecond()),
    });
  }

  /** Count tokens of a finished request (the counter and the tokens/s window). */
  addTokens(count: number): void {
    this.tokens.inc(count);
    this.recent.push({ at: performance.now(), tokens: count });
  }

  /** Completion tokens per second over the last RATE_WINDOW_S seconds. */
  tokensPerSecond(): number {
    const since = performance.now() - RATE_WINDOW_S * 1000;
    while (this.recent.length > 0 && this.recent[0].at < since) this.recent.shift();
    return this.recent.reduce((s, r) => s + r.tokens, 0) / RATE_WINDOW_S;
  }
}
