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
  let merged: Record<string, unknown> = { ...fields };
  if (preset !== undefined) {
    if (typeof preset !== 'string' || !(preset in PRESETS))
      throw new CardError(`${file}: field "preset" is ${JSON.stringify(preset)}, expected one of ${Object.keys(PRESETS).join(', ')}`);
    const { description: _d, ...defaults } = PRESETS[preset];
    merged = { ...defaults, ...fields };
  }
  if (merged.maskId === undefined) merged.maskId = resolveMaskId(tokenizer, {});
  if (merged.eosId === undefined && tokenizer) merged.eosId = tokenizer.eosId;
  if (merged.padId === undefined && tokenizer) merged.padId = tokenizer.padId;
  if (merged.vocabSize === undefined && tokenizer) merged.vocabSize = tokenizer.vocabSize;
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
