/**
 * The CLI's side of decode entries: they are resolved from `--set` pairs below the CLI
 * (src/decode/entry.ts, shared with the harness and the library); here they are prepared with
 * what only Node gives, a file reader for parameters that name files (PC-sampler's background).
 */
import { readFile } from 'node:fs/promises';
import { prepareEntry, type DecodeEntry } from '../decode/entry.js';
import type { ModelCard } from '../models/card.js';

/** Prepare each entry for `card`'s model (once per run, before anything is decoded). */
export function prepareEntries(entries: readonly DecodeEntry[], card: ModelCard): Promise<DecodeEntry[]> {
  const context = { vocabSize: card.vocabSize, readText: (path: string) => readFile(path, 'utf8') };
  return Promise.all(entries.map((e) => prepareEntry(e, context)));
}
