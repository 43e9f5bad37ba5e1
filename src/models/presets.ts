/**
 * Conventions of the public MDM families, as card defaults (spec §4). A model directory's
 * `model.json` may name one with `"preset"` and override any field. Mask ids and the EOS/PAD
 * penalty come from the specification; EOS/PAD ids are those of the families' public configs
 * (LLaDA/MMaDA `<|endoftext|>` 126081; Dream/Qwen2.5 `<|endoftext|>` 151643; SDAR/Qwen3
 * `<|im_end|>` 151645 and `<|endoftext|>` 151643; dllm's Tiny-A2D Qwen3 MDLM/BD3LM the same with
 * mask 151669). The model's own tokenizer files win over these ids when they name the tokens, and
 * model.json wins over both. The MDLM/BD3LM presets add no EOS penalty: neither dllm's samplers
 * nor the browser loop the exports were published with apply one.
 */
import type { ModelCard } from './card.js';

export type Preset = Partial<ModelCard> & { description: string };

/** What dllm's two Tiny-A2D conversions of Qwen3-0.6B share; they differ only in attention. */
const TINY_A2D = { vocabSize: 151936, maskId: 151669, eosId: 151645, padId: 151643, eosPenalty: 0, logitShift: false } as const satisfies Partial<ModelCard>;

export const PRESETS: Record<string, Preset> = {
  llada: {
    description: 'LLaDA (GSAI-ML/LLaDA-8B-Instruct): full attention, no shift, <|mdm_mask|> = 126336, EOS/PAD −4',
    vocabSize: 126464,
    maskId: 126336,
    eosId: 126081,
    padId: 126081,
    eosPenalty: 4,
    logitShift: false,
    attention: { kind: 'full' },
  },
  dream: {
    description: 'Dream (Dream-org/Dream-v0-Instruct-7B): full attention, logits shifted right by one, <|mask|> = 151666, EOS/PAD −4',
    vocabSize: 152064,
    maskId: 151666,
    eosId: 151643,
    padId: 151643,
    eosPenalty: 4,
    logitShift: true,
    attention: { kind: 'full' },
  },
  sdar: {
    description: 'SDAR / TraDo (JetLM/SDAR-8B-Chat, Gen-Verse/TraDo-8B-Instruct): Qwen3 backbone (vocabulary 151936), block-causal attention, block 4, <|MASK|> = 151669, no shift, EOS/PAD −4',
    // Qwen3's embedding size (config.json vocab_size of every Qwen3 model SDAR/TraDo start from):
    // the tokenizer lists only 151669 ids (151670 with <|MASK|>), the rest are padding rows.
    vocabSize: 151936,
    maskId: 151669,
    eosId: 151645,
    padId: 151643,
    eosPenalty: 4,
    logitShift: false,
    attention: { kind: 'block-causal', blockSize: 4 },
  },
  mmada: {
    description: 'MMaDA text part (Gen-Verse/MMaDA-8B): LLaDA backbone, <|mdm_mask|> = 126336, vocabulary 134656 with image codes, EOS/PAD −4',
    vocabSize: 134656,
    maskId: 126336,
    eosId: 126081,
    padId: 126081,
    eosPenalty: 4,
    logitShift: false,
    attention: { kind: 'full' },
  },
  mdlm: {
    description: 'MDLM (dllm Tiny-A2D, dllm-collection/Qwen3-0.6B-diffusion-mdlm-v0.1 and its ONNX export): Qwen3 backbone (vocabulary 151936), full attention, no shift, mask 151669, EOS <|im_end|> 151645, PAD <|endoftext|> 151643, no EOS penalty',
    ...TINY_A2D,
    attention: { kind: 'full' },
  },
  bd3lm: {
    description: 'BD3LM (dllm Tiny-A2D, dllm-collection/Qwen3-0.6B-diffusion-bd3lm-v0.1 and its ONNX export): as mdlm, with block-causal attention of block size 32 (the export\'s attention_mask input is built from it)',
    ...TINY_A2D,
    attention: { kind: 'block-causal', blockSize: 32 },
  },
};

/**
 * The preset a Hugging Face ONNX folder (graphs under onnx/, no model.json or one without
 * "preset") gets from its graph's attention_mask input, which is what tells the two public
 * conventions apart: dllm's MDLM exports take input_ids alone (or a padding mask), its BD3LM
 * exports an additive [1, 1, T, T] mask that the caller builds block-causal.
 */
export const GRAPH_CONVENTION_PRESETS: Record<'none' | 'ones' | 'additive', string> = {
  none: 'mdlm',
  ones: 'mdlm',
  additive: 'bd3lm',
};
