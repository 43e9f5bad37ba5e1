/**
 * A model directory on disk (Node): `model.onnx` + `model.json` (the card, optionally naming a
 * preset) + optional `tokenizer.json` / `tokenizer_config.json`.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CardError, parseCard, type ModelCard } from './card.js';
import { OnnxDenoiser, type OrtRuntime } from './onnx.js';
import { PRESETS } from './presets.js';
import { HfTokenizer, resolveMaskId } from './tokenizer.js';

export interface LoadedModelDir {
  dir: string;
  card: ModelCard;
  model: OnnxDenoiser;
  tokenizer: HfTokenizer | null;
}

export function isModelDir(path: string): boolean {
  return existsSync(join(path, 'model.json')) && existsSync(join(path, 'model.onnx'));
}

/** Resolve the card of a directory: preset defaults, then model.json, then the tokenizer's ids. */
export async function readCard(dir: string, tokenizer: HfTokenizer | null): Promise<ModelCard> {
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
    if (typeof preset !== 'string' || !(preset in PRESETS))
      throw new CardError(`${file}: field "preset" is ${JSON.stringify(preset)}, expected one of ${Object.keys(PRESETS).join(', ')}`);
    const { description: _d, ...rest } = PRESETS[preset];
    defaults = rest;
  }
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
  const merged: Record<string, unknown> = { ...defaults, ...fromTokenizer, ...fields };
  // A preset's vocabulary covers ids the tokenizer file may not list (padding rows of the matrix).
  if (fields.vocabSize === undefined && defaults.vocabSize !== undefined) merged.vocabSize = defaults.vocabSize;
  if (merged.maskId === undefined) merged.maskId = resolveMaskId(tokenizer, {});
  if (merged.name === undefined) merged.name = dir.split(/[\\/]/).filter(Boolean).pop();
  return parseCard(merged, file);
}

export async function loadModelDir(dir: string, options: { threads?: number; ort?: OrtRuntime } = {}): Promise<LoadedModelDir> {
  const onnxPath = join(dir, 'model.onnx');
  if (!existsSync(onnxPath)) throw new Error(`${dir}: no model.onnx in the model directory`);
  const tokenizer = existsSync(join(dir, 'tokenizer.json')) ? await HfTokenizer.load(dir) : null;
  const card = await readCard(dir, tokenizer);
  if (tokenizer && tokenizer.vocabSize > card.vocabSize)
    throw new CardError(`${join(dir, 'tokenizer.json')}: the tokenizer has ${tokenizer.vocabSize} ids, more than the card's vocabSize ${card.vocabSize}`);
  const ort = options.ort ?? ((await import('onnxruntime-node')) as unknown as OrtRuntime);
  const model = await OnnxDenoiser.create(ort, await readFile(onnxPath), card, { source: onnxPath, threads: options.threads });
  return { dir, card, model, tokenizer };
}
