/** Helpers shared by the CLI commands. */
import { statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import { stringifyFinite } from '../core/finite-json.js';
import { SEED_LIMIT } from '../core/seed.js';
export { checkSeedSpan, SEED_LIMIT } from '../core/seed.js';
import { TRACE_FORMAT, TRACE_VERSION, type SequenceTrace, type Trace } from '../decode/trace.js';
import type { ModelCard } from '../models/card.js';
import type { Params } from '../samplers/params.js';

export const collect = (value: string, previous: string[]) => [...previous, value];

export function nonNegativeInt(name: string) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be an integer ≥ 0, got ${JSON.stringify(value)}`);
    return n;
  };
}

/** Examples per run: beyond this a typo, not an evaluation (every example is generated up front). */
export const MAX_EXAMPLES = 1_000_000;
/** Sequences decoded together: beyond this the batch's buffers, not the decoder, set the pace. */
export const MAX_BATCH_SIZE = 4096;

/** A commander parser for an integer in [min, max]; `why` explains the bound in the message. */
export function intInRange(name: string, min: number, max: number, why = '') {
  return (value: string) => {
    const n = value.trim() === '' ? NaN : Number(value);
    if (!Number.isSafeInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}]${why ? ` (${why})` : ''}, got ${JSON.stringify(value)}`);
    return n;
  };
}

export const seedOption = (name: string) => intInRange(name, 0, SEED_LIMIT - 1, 'seeds are 32-bit');

/**
 * Fail before decoding when `--trace <file>` cannot be written: its folder must exist and be a
 * folder, and the path must not be a folder.
 */
export function checkTracePath(path: string): void {
  const folder = dirname(resolve(path));
  let isDir = false;
  try {
    isDir = statSync(folder).isDirectory();
  } catch {
    throw new Error(`--trace ${path}: the folder ${folder} does not exist; create it first`);
  }
  if (!isDir) throw new Error(`--trace ${path}: ${folder} is a file, not a folder`);
  try {
    if (statSync(path).isDirectory()) throw new Error(`--trace ${path}: is a folder; name a file`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

export interface Progress {
  update(done: number, payload: { sampler: string }): void;
  stop(): void;
}

const PLAIN_EVERY_MS = 10_000;
const PLAIN_EVERY_FRACTION = 0.05;

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/**
 * Progress to stderr: a bar on a terminal; elsewhere (a log file, a pipe, CI) with `plain`, one
 * line every ~10 s or 5% of the work, with an ETA, so a long run is never silent.
 */
export function progressBar(total: number, label: string, options: { plain?: boolean; now?: () => number } = {}): Progress | null {
  if (total <= 1) return null;
  if (!process.stderr.isTTY) return options.plain ? plainProgress(total, label, options.now ?? Date.now) : null;
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {value}/{total} | {sampler} | ETA {eta_formatted}`, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { sampler: '' });
  // The bar hid the cursor and turned line wrap off; stop() gives both back, also on Ctrl-C.
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    detach();
    bar.stop();
  };
  const detach = restoreOnSignal(stop);
  return { update: (done, payload) => bar.update(done, payload), stop };
}

const INTERRUPTS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Run `restore` when the process is interrupted. A command that handles the signal itself
 * (compare prints what finished) keeps control; with no other handler the signal is raised again
 * once ours is gone, so its default action (exit) applies as if nobody had listened. Returns the
 * function that removes the handlers.
 */
export function restoreOnSignal(restore: () => void): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    detach();
    restore();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const detach = () => {
    for (const s of INTERRUPTS) process.off(s, onSignal);
  };
  for (const s of INTERRUPTS) process.on(s, onSignal);
  return detach;
}

/** Ends a command with `exitCode` (e.g. 130 after Ctrl-C) and the one line main prints. */
export class CommandExit extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

function plainProgress(total: number, label: string, now: () => number): Progress {
  const started = now();
  let lastAt = started;
  let lastDone = 0;
  let done = 0;
  const line = (t: number) => {
    const elapsed = t - started;
    const eta = done > 0 && done < total ? `, ETA ${duration((elapsed / done) * (total - done))}` : '';
    process.stderr.write(`${label}: ${done}/${total} (${Math.floor((100 * done) / total)}%), ${duration(elapsed)} elapsed${eta}\n`);
    lastAt = t;
    lastDone = done;
  };
  return {
    update(value) {
      done = value;
      const t = now();
      if (t - lastAt >= PLAIN_EVERY_MS || done - lastDone >= total * PLAIN_EVERY_FRACTION) line(t);
    },
    stop() {
      if (done !== lastDone) line(now());
    },
  };
}

export function displayText(model: { detokenize?: (ids: Int32Array) => string }, ids: number[] | Int32Array): string {
  const arr = Int32Array.from(ids);
  return model.detokenize ? model.detokenize(arr) : Array.from(arr).join(' ');
}

export async function writeTrace(path: string, card: ModelCard, sampler: string, samplerParams: Params, decode: Params, sequences: SequenceTrace[]) {
  const trace: Trace = { format: TRACE_FORMAT, version: TRACE_VERSION, model: card.name, maskId: card.maskId, sampler, samplerParams, decode, sequences };
  await writeFile(path, stringifyFinite(trace, `--trace ${path}`));
}
