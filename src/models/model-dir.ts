/**
 * A model directory on disk (Node): `model.onnx` + `model.json` (the card, optionally naming a
 * preset) + optional tokenizer files (`tokenizer.json`, or `vocab.json` + `merges.txt`; see
 * tokenizer-files.ts).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { CardError, parseCard, type ModelCard } from './card.js';
import { OnnxDenoiser, type OrtRuntime } from './onnx.js';
import { PRESETS } from './presets.js';
import { HfTokenizer, MASK_TOKEN_NAMES, resolveMaskId } from './tokenizer.js';
import { loadTokenizerDir } from './tokenizer-dir.js';
import { tokenizerLayout } from './tokenizer-files.js';

export interface LoadedModelDir {
  dir: string;
  card: ModelCard;
  model: OnnxDenoiser;
  tokenizer: HfTokenizer | null;
}

export function isModelDir(path: string): boolean {
  return existsSync(join(path, 'model.json')) && existsSync(join(path, 'model.onnx'));
}

/** The tokenizer of a model directory, or null when it has no tokenizer files (a partial layout is an error). */
export async function loadDirTokenizer(dir: string): Promise<HfTokenizer | null> {
  return tokenizerLayout(dir) === null ? null : loadTokenizerDir(dir);
}

/**
 * onnxruntime's intra-op threads: 1 up to what this machine offers. More only oversubscribes the
 * cores (and onnxruntime takes 0 as "its own choice", which a flag should not mean silently).
 */
export function checkThreads(threads: number | undefined): void {
  if (threads === undefined) return;
  const max = availableParallelism();
  if (!Number.isInteger(threads) || threads < 1 || threads > max)
    throw new Error(`threads (--threads) is ${threads}, expected an integer from 1 to ${max} (the CPUs available on this machine, os.availableParallelism())`);
}

/** Resolve the card of a directory: preset defaults, then the tokenizer's ids, then model.json. */
export async function readCard(dir: string, tokenizer: HfTokenizer | null): Promise<ModelCard> {
  return (await resolveCard(dir, tokenizer)).card;
}

/** The card and, per field, where its value came from (model.json, preset "…", the tokenizer files). */
async function resolveCard(dir: string, tokenizer: HfTokenizer | null): Promise<{ card: ModelCard; origins: Record<string, string> }> {
  const file = join(dir, 'model.json');
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new CardError(err.code ? `${file}: cannot read the model card (${err.code})` : `${file}: invalid JSON: ${err.message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new CardError(`${file}: expected a JSON object`);
  const { preset, ...fields } = raw;
  let defaults: Record<string, unknown> = {};
  if (preset !== undefined) {
    if (typeof preset !== 'string' || !Object.hasOwn(PRESETS, preset))
      throw new CardError(`${file}: field "preset" is ${JSON.stringify(preset)}, expected one of ${Object.keys(PRESETS).join(', ')}`);
    const { description: _d, ...rest } = PRESETS[preset];
    defaults = rest;
  }
  const presetLabel = `preset "${String(preset)}"`;
  const tokenizerLabel = tokenizer ? `the tokenizer files, ${tokenizer.tokenizerFile}` : '';
  // Token ids: model.json, then the model's own tokenizer files, then the preset's public ids.
  const fromTokenizer: Record<string, unknown> = {};
  if (tokenizer) {
    fromTokenizer.vocabSize = tokenizer.vocabSize;
    if (tokenizer.eosId !== null) fromTokenizer.eosId = tokenizer.eosId;
    if (tokenizer.padId !== null) fromTokenizer.padId = tokenizer.padId;
    try {
      fromTokenizer.maskId = resolveMaskId(tokenizer, {});
    } catch {
      // no mask token in the tokenizer: the card or the preset must give it
    }
  }
  const merged: Record<string, unknown> = {};
  const origins: Record<string, string> = {};
  const put = (values: Record<string, unknown>, label: string) => {
    for (const [key, value] of Object.entries(values)) {
      merged[key] = value;
      origins[key] = label;
    }
  };
  put(defaults, presetLabel);
  put(fromTokenizer, tokenizerLabel);
  put(fields, 'model.json');
  // A preset's vocabulary covers ids the tokenizer file may not list (padding rows of the matrix).
  if (fields.vocabSize === undefined && defaults.vocabSize !== undefined) put({ vocabSize: defaults.vocabSize }, presetLabel);
  for (const field of ['vocabSize', 'maskId'] as const)
    if (merged[field] === undefined) throw new CardError(`${file}: field "${field}" is missing; ${lookedIn(field, dir, preset, tokenizer)}, expected "${field}" in model.json`);
  if (merged.name === undefined) merged.name = dir.split(/[\\/]/).filter(Boolean).pop();
  return { card: parseCard(merged, file, origins), origins };
}

/** Where a missing card field was looked for, so the message says which file to fix. */
function lookedIn(field: 'vocabSize' | 'maskId', dir: string, preset: unknown, tokenizer: HfTokenizer | null): string {
  const places = ['model.json does not give it', preset === undefined ? 'no preset is named' : `preset "${String(preset)}" does not give it`];
  if (!tokenizer) places.push(`and ${dir} has no tokenizer files to read it from (tokenizer.json, or vocab.json + merges.txt, is missing)`);
  else if (field === 'maskId')
    places.push(`and neither ${tokenizer.configFile} "mask_token" nor the vocabulary of ${tokenizer.tokenizerFile} names a mask token (${MASK_TOKEN_NAMES.join(' ')})`);
  return places.join(', ');
}

export async function loadModelDir(dir: string, options: { threads?: number; ort?: OrtRuntime } = {}): Promise<LoadedModelDir> {
  const onnxPath = join(dir, 'model.onnx');
  if (!existsSync(onnxPath)) throw new Error(`${dir}: no model.onnx in the model directory`);
  checkThreads(options.threads);
  const tokenizer = await loadDirTokenizer(dir);
  const { card, origins } = await resolveCard(dir, tokenizer);
  if (tokenizer && tokenizer.vocabSize > card.vocabSize)
    throw new CardError(
      `${tokenizer.tokenizerFile}: the tokenizer has ${tokenizer.vocabSize} ids, more than the card's vocabSize ${card.vocabSize} (from ${origins.vocabSize}), expected at most vocabSize ids`,
    );
  if (tokenizer && card.unknownTokens !== undefined) {
    tokenizer.unknownTokens = card.unknownTokens;
    tokenizer.unknownTokensSource = `set in ${join(dir, 'model.json')}`;
  }
  const ort = options.ort ?? ((await import('onnxruntime-node')) as unknown as OrtRuntime);
  const model = await OnnxDenoiser.create(ort, await readFile(onnxPath), card, { source: onnxPath, threads: options.threads, vocabOrigin: origins.vocabSize });
  return { dir, card, model, tokenizer };
}
