/**
 * Which tokenizer files a model directory holds (Node). Two layouts are read:
 *   tokenizer.json (+ tokenizer_config.json)                      a Hugging Face fast tokenizer
 *   vocab.json + merges.txt + tokenizer_config.json (+ added_tokens.json)   byte-level BPE (GPT-2, Qwen2.5, Dream)
 * A directory with none of these files has no tokenizer (prompts are token ids); one with only a
 * part of a layout is refused, naming what is missing, rather than silently running without one.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TokenizerFileError } from './tokenizer-error.js';

export type TokenizerLayout = 'tokenizer.json' | 'bpe-files';

/** What `tokenizerLayout` looks for; any of them present means the directory meant to have a tokenizer. */
const TOKENIZER_FILES = ['tokenizer.json', 'vocab.json', 'merges.txt', 'tokenizer_config.json', 'added_tokens.json', 'special_tokens_map.json', 'tokenizer.model'];

export { TokenizerFileError };

const EXPECTED = 'expected tokenizer.json (a Hugging Face fast tokenizer), or vocab.json + merges.txt + tokenizer_config.json (byte-level BPE)';

/** The layout of `dir`'s tokenizer, or null when it has no tokenizer files at all. */
export function tokenizerLayout(dir: string): TokenizerLayout | null {
  const present = TOKENIZER_FILES.filter((f) => existsSync(join(dir, f)));
  const has = (f: string) => present.includes(f);
  if (has('tokenizer.json')) return 'tokenizer.json';
  if (has('vocab.json') || has('merges.txt')) {
    const missing = ['vocab.json', 'merges.txt', 'tokenizer_config.json'].filter((f) => !has(f));
    if (missing.length > 0)
      throw new TokenizerFileError(
        `${dir}: ${present.join(', ')} ${present.length === 1 ? 'is' : 'are'} here but ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} missing; ${EXPECTED}`,
      );
    return 'bpe-files';
  }
  if (present.length === 0) return null;
  const sentencepiece = has('tokenizer.model')
    ? ' (tokenizer.model is a SentencePiece model, which infogain does not read: save the tokenizer with transformers, AutoTokenizer.from_pretrained(…).save_pretrained(…), to get tokenizer.json)'
    : '';
  throw new TokenizerFileError(
    `${dir}: ${present.join(', ')} ${present.length === 1 ? 'is' : 'are'} here but tokenizer.json is missing${sentencepiece}; ${EXPECTED}`,
  );
}

/** Says why text prompts cannot be read for a directory without tokenizer files (for prompt errors). */
export function noTokenizerNote(dir: string): string {
  return `${dir} has no tokenizer files (${EXPECTED.replace(/^expected /, '')}), so --prompt is read as token ids`;
}
