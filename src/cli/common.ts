/** Helpers shared by the CLI commands. */
import { writeFile } from 'node:fs/promises';
import { InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
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

export function progressBar(total: number, label: string) {
  if (total <= 1 || !process.stderr.isTTY) return null;
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {value}/{total} | {sampler} | ETA {eta_formatted}`, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { sampler: '' });
  return bar;
}

export function displayText(model: { detokenize?: (ids: Int32Array) => string }, ids: number[] | Int32Array): string {
  const arr = Int32Array.from(ids);
  return model.detokenize ? model.detokenize(arr) : Array.from(arr).join(' ');
}

export async function writeTrace(path: string, card: ModelCard, sampler: string, samplerParams: Params, decode: Params, sequences: SequenceTrace[]) {
  const trace: Trace = { format: TRACE_FORMAT, version: TRACE_VERSION, model: card.name, maskId: card.maskId, sampler, samplerParams, decode, sequences };
  await writeFile(path, JSON.stringify(trace));
}
