/**
 * Paces what the page shows: play (one step of every source per tick, `delayMs` apart), pause,
 * single step. Sources advance in lockstep: each tick takes one step from each unfinished source
 * in turn, so two samplers on the same prompt are always shown at the same step count.
 * A live decode computes ahead of the display (decode() buffers its events): the times shown are
 * the model's, not the playback's; Abort stops the computation itself.
 */
import type { ShownStep, StepSource } from './steps.js';

export interface Track {
  source: StepSource;
  show(step: ShownStep): void;
  finish(source: StepSource): Promise<void>;
}

export class Player {
  private playing = true;
  private wake: (() => void) | null = null;
  private stopped = false;
  delayMs: number;

  constructor(private readonly tracks: readonly Track[], delayMs: number, private readonly onState: (state: 'playing' | 'paused' | 'ended') => void) {
    this.delayMs = delayMs;
  }

  /** Runs until every source has ended. */
  async run(): Promise<void> {
    const open = new Set(this.tracks);
    this.onState('playing');
    while (open.size > 0) {
      if (!this.playing && !this.stopped) await new Promise<void>((resolve) => (this.wake = resolve));
      else if (this.delayMs > 0 && !this.stopped) await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, this.delayMs);
      });
      this.wake = null;
      for (const track of this.tracks) {
        if (!open.has(track)) continue;
        const step = await track.source.next();
        if (step) track.show(step);
        else {
          open.delete(track);
          await track.finish(track.source);
        }
      }
    }
    this.onState('ended');
  }

  play(): void {
    this.playing = true;
    this.onState('playing');
    this.wake?.();
  }

  pause(): void {
    this.playing = false;
    this.onState('paused');
  }

  /** Show one more step of each source, then stay paused. */
  step(): void {
    this.pause();
    this.wake?.();
  }

  /** Abort every source; the loop then drains to their endings at once. */
  abort(): void {
    this.stopped = true;
    for (const t of this.tracks) t.source.abort();
    this.wake?.();
  }
}
