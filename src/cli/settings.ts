/**
 * The CLI's side of decode entries: they are resolved from `--set` pairs below the CLI
 * (src/decode/entry.ts, shared with the harness and the library); here they are prepared with
 * what only Node gives, a file reader for parameters that name files (PC-sampler's background),
 * and the `sampler.key=value` settings that did not apply are said, never dropped in silence.
 */
import { readFile } from 'node:fs/promises';
import { DECODE_PARAMS } from '../decode/config.js';
import { prepareEntry, type DecodeEntry, type ResolvedEntries } from '../decode/entry.js';
import type { ModelCard } from '../models/card.js';

/** Prepare each entry for `card`'s model (once per run, before anything is decoded). */
export function prepareEntries(entries: readonly DecodeEntry[], card: ModelCard): Promise<DecodeEntry[]> {
  const context = { vocabSize: card.vocabSize, readText: (path: string) => readFile(path, 'utf8') };
  return Promise.all(entries.map((e) => prepareEntry(e, context)));
}

/** A `--set sampler.key=value` that did not apply: its sampler is not one of the run's. */
export interface UnappliedSetting {
  pair: string;
  sampler: string;
  key: string;
  value: string;
}

/**
 * The command line's `sampler.key=value` pairs that resolveEntries skipped because their sampler
 * is not chosen (generate and compare read no config, so every skipped pair is one of these).
 */
export function unappliedSettings(resolved: ResolvedEntries): UnappliedSetting[] {
  return resolved.skipped.map((pair) => {
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const dot = name.indexOf('.');
    return { pair, sampler: name.slice(0, dot), key: name.slice(dot + 1), value: pair.slice(eq + 1).trim() };
  });
}

/** Where the setting would apply in this run: `--set key=value` when a chosen sampler (or the decode loop) has the key. */
function hint(s: UnappliedSetting, resolved: ResolvedEntries): string {
  if (DECODE_PARAMS.some((p) => p.key === s.key)) return `; --set ${s.key}=${s.value} sets it for every sampler`;
  const owners = resolved.entries.filter((e) => e.sampler.params.some((p) => p.key === s.key)).map((e) => e.sampler.name);
  return owners.length === 0 ? '' : `; --set ${s.key}=${s.value} sets it for ${owners.join(', ')}`;
}

/** One line per unapplied setting, for stderr: "--set margin.alg_temp=1 not applied: margin is not among …". */
export function unappliedNotes(resolved: ResolvedEntries): string[] {
  const chosen = resolved.entries.map((e) => e.sampler.name).join(', ');
  return unappliedSettings(resolved).map((s) => `--set ${s.pair} not applied: ${s.sampler} is not among the chosen samplers (${chosen})${hint(s, resolved)}`);
}

/**
 * `generate` decodes with one sampler, so a setting for another one can only be a slip (a
 * renamed --sampler, a wrong prefix): refused, naming the sampler that runs.
 */
export function refuseUnapplied(resolved: ResolvedEntries): void {
  const [first] = unappliedSettings(resolved);
  if (first === undefined) return;
  const running = resolved.entries.map((e) => e.sampler.name).join(', ');
  throw new Error(`--set ${first.pair}: ${first.sampler} is not the sampler of this run (--sampler ${running}), so it would not apply${hint(first, resolved)}`);
}
