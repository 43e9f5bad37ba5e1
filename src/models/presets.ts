/**
 * Conventions of the public MDM families, as card defaults (spec §4). A model directory's
 * `model.json` may name one with `"preset"` and override any field. Mask ids and the EOS/PAD
 * penalty come from the specification; EOS/PAD ids left null are read from the model's
 * tokenizer_config.json (`eos_token`, `pad_token`) at load time, because they differ between
 * releases of the same family.
 */
import type { ModelCard } from './card.js';

export type Preset = Partial<ModelCard> & { description: string };

export const PRESETS: Record<string, Preset> = {
  llada: {
    description: 'LLaDA (GSAI-ML/LLaDA-8B-Instruct): full attention, no shift, <|mdm_mask|> = 126336, EOS/PAD −4',
    vocabSize: 126464,
    maskId: 126336,
    eosPenalty: 4,
    logitShift: false,
    attention: { kind: 'full' },
  },
  dream: {
    description: 'Dream (Dream-org/Dream-v0-Instruct-7B): full attention, logits shifted right by one, mask from the tokenizer (<|mask|>), EOS/PAD −4',
    eosPenalty: 4,
    logitShift: true,
    attention: { kind: 'full' },
  },
  sdar: {
    description: 'SDAR / TraDo (JetLM/SDAR-8B-Chat, Gen-Verse/TraDo-8B-Instruct): block-causal attention, block 4, <|MASK|> = 151669, no shift, EOS/PAD −4',
    maskId: 151669,
    eosPenalty: 4,
    logitShift: false,
    attention: { kind: 'block-causal', blockSize: 4 },
  },
  mmada: {
    description: 'MMaDA text part (Gen-Verse/MMaDA-8B): LLaDA backbone, <|mdm_mask|> = 126336, vocabulary 134656 with image codes, EOS/PAD −4',
    vocabSize: 134656,
    maskId: 126336,
    eosPenalty: 4,
    logitShift: false,
    attention: { kind: 'full' },
  },
};
