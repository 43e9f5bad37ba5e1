/**
 * A model card from model.json's content (any environment): the preset it names, the ids its
 * tokenizer gives, and its own fields, with where each value came from for messages.
 */
import { CardError, parseCard, type ModelCard } from './card.js';
import { PRESETS } from './presets.js';
import { MASK_TOKEN_NAMES, resolveMaskId, type HfTokenizer } from './tokenizer.js';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface ResolvedCard {
  card: ModelCard;
  /** Per field, where its value came from (model.json, preset "…", the tokenizer files). */
  origins: Record<string, string>;
}

/**
 * What a graph says about its card, for a folder laid out like a Hugging Face ONNX export: the
 * preset of its convention (when model.json names none) and values read from the graph itself
 * (the logits' vocabulary, the rotary tables' length), which win over the preset and the tokenizer.
 */
export interface GraphCardValues {
  preset: string;
  /** Why that preset, for messages and `inspect` (e.g. "the graph's attention_mask input"). */
  presetReason: string;
  values: Record<string, unknown>;
  /** Names the graph file in origins. */
  label: string;
}

/**
 * The card from model.json's parsed content: preset defaults, then the tokenizer's ids, then what
 * the graph says (`graph`, Hugging Face ONNX folders), then the file's own fields. `file` names
 * model.json in messages, `dir` the model (its default name).
 */
export function resolveCardJson(raw: unknown, where: { file: string; dir: string; tokenizer: HfTokenizer | null; graph?: GraphCardValues }): ResolvedCard {
  const { file, dir, tokenizer, graph } = where;
  if (!isRecord(raw)) throw new CardError(`${file}: expected a JSON object`);
  const { preset: named, ...fields } = raw;
  const preset = named ?? graph?.preset;
  let defaults: Record<string, unknown> = {};
  if (preset !== undefined) {
    if (typeof preset !== 'string' || !Object.hasOwn(PRESETS, preset))
      throw new CardError(`${file}: field "preset" is ${JSON.stringify(preset)}, expected one of ${Object.keys(PRESETS).join(', ')}`);
    const { description: _d, ...rest } = PRESETS[preset];
    defaults = rest;
  }
  const presetLabel = named === undefined && graph ? `preset "${graph.preset}" (${graph.presetReason})` : `preset "${String(preset)}"`;
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
  if (graph) put(graph.values, graph.label);
  put(fields, 'model.json');
  // A preset's vocabulary covers ids the tokenizer file may not list (padding rows of the matrix);
  // a graph's own logits shape says it exactly.
  if (fields.vocabSize === undefined && graph?.values.vocabSize === undefined && defaults.vocabSize !== undefined) put({ vocabSize: defaults.vocabSize }, presetLabel);
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


/**
 * Check a tokenizer against the card it helped resolve (it may not hold more ids than the model
 * has logits) and give it the card's `unknownTokens` rule. `cardFile` names model.json in messages.
 */
export function attachTokenizer(resolved: ResolvedCard, tokenizer: HfTokenizer, cardFile: string): void {
  const { card, origins } = resolved;
  if (tokenizer.vocabSize > card.vocabSize)
    throw new CardError(
      `${tokenizer.tokenizerFile}: the tokenizer has ${tokenizer.vocabSize} ids, more than the card's vocabSize ${card.vocabSize} (from ${origins.vocabSize}), expected at most vocabSize ids`,
    );
  if (card.unknownTokens !== undefined) {
    tokenizer.unknownTokens = card.unknownTokens;
    tokenizer.unknownTokensSource = `set in ${cardFile}`;
  }
}
