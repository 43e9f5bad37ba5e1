/**
 * The byte-level BPE layout that GPT-2, Qwen2.5 and Dream checkpoints ship: `vocab.json` +
 * `merges.txt` + `tokenizer_config.json` (+ `added_tokens.json`), and no `tokenizer.json`.
 *
 * Nothing is tokenized here: the files are turned into the tokenizer.json object that
 * transformers' converters write for these classes (convert_slow_tokenizer.py, `Qwen2Converter`
 * and `GPT2Converter`), and `@huggingface/tokenizers` runs it like any other tokenizer.json.
 * Environment-neutral: callers read the files and pass their contents.
 */

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export class BpeFilesError extends Error {
  override name = 'BpeFilesError';
}

/** Qwen2's pre-tokenizer split (transformers' `PRETOKENIZE_REGEX` of tokenization_qwen2.py). */
export const QWEN2_SPLIT_REGEX =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** `tokenizer_class` values read from this layout, and the converter each one follows. */
export const BPE_FILE_CLASSES: Record<string, 'qwen2' | 'gpt2'> = {
  Qwen2Tokenizer: 'qwen2',
  Qwen2TokenizerFast: 'qwen2',
  DreamTokenizer: 'qwen2', // Dream's remote-code tokenizer is Qwen2's
  GPT2Tokenizer: 'gpt2',
  GPT2TokenizerFast: 'gpt2',
};

export interface BpeFiles {
  /** Parsed vocab.json. */
  vocab: unknown;
  /** merges.txt as text. */
  merges: string;
  /** Parsed tokenizer_config.json (required: its `tokenizer_class` picks the pre-tokenizer). */
  config: Json;
  /** Parsed added_tokens.json, or null when there is none. */
  addedTokens: unknown;
  /** How each file is named in messages. */
  names: { vocab: string; merges: string; config: string; addedTokens: string };
}

interface AddedTokenJson {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

const show = (v: unknown): string => {
  if (v === undefined) return 'missing';
  const text = JSON.stringify(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

/** The tokenizer.json object equivalent to the files. Every problem names the file and what was expected. */
export function tokenizerJsonFromBpeFiles(files: BpeFiles): Json {
  const { names, config } = files;
  const fail = (file: string, what: string, expected: string): never => {
    throw new BpeFilesError(`${file}: ${what}, expected ${expected}`);
  };
  const cls = config.tokenizer_class;
  const layout = typeof cls === 'string' ? BPE_FILE_CLASSES[cls] : undefined;
  if (layout === undefined)
    fail(names.config, `field "tokenizer_class" is ${show(cls)}`, `one of ${Object.keys(BPE_FILE_CLASSES).join(', ')} to read vocab.json + merges.txt (or a tokenizer.json)`);
  const addPrefixSpace = config.add_prefix_space ?? false;
  if (typeof addPrefixSpace !== 'boolean') fail(names.config, `field "add_prefix_space" is ${show(addPrefixSpace)}`, 'true or false');

  if (!isObject(files.vocab)) fail(names.vocab, `the file is ${show(files.vocab)}`, 'a JSON object of token → id');
  const vocab = files.vocab as Record<string, unknown>;
  const inVocab = (t: string) => Object.prototype.hasOwnProperty.call(vocab, t);
  const tokenOf = new Map<number, string>();
  for (const [token, id] of Object.entries(vocab)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) fail(names.vocab, `token ${show(token)} has id ${show(id)}`, 'an integer id ≥ 0');
    if (tokenOf.has(id as number)) fail(names.vocab, `id ${id} is given to both ${show(tokenOf.get(id as number))} and ${show(token)}`, 'one token per id');
    tokenOf.set(id as number, token);
  }

  const merges: [string, string][] = [];
  const lines = files.merges.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === '' || (i === 0 && line.startsWith('#version'))) continue;
    const parts = line.split(' ');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') fail(names.merges, `line ${i + 1} is ${show(line)}`, 'two tokens separated by one space');
    const [a, b] = parts;
    for (const t of [a, b, a + b])
      if (!inVocab(t)) fail(names.merges, `line ${i + 1} (${show(line)}) needs ${show(t)}, which is not in ${names.vocab}`, 'merges of the same tokenizer as vocab.json');
    merges.push([a, b]);
  }

  const added = addedTokens(files, tokenOf, fail);
  const byteLevel = { type: 'ByteLevel', add_prefix_space: addPrefixSpace, trim_offsets: false, use_regex: false };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: layout === 'qwen2' ? { type: 'NFC' } : null,
    pre_tokenizer:
      layout === 'qwen2'
        ? { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: QWEN2_SPLIT_REGEX }, behavior: 'Isolated', invert: false }, byteLevel] }
        : { type: 'ByteLevel', add_prefix_space: addPrefixSpace, trim_offsets: true, use_regex: true },
    post_processor: byteLevel,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '',
      fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges,
    },
  };
}

/**
 * Added tokens as transformers reads them: every entry of tokenizer_config.json's
 * `added_tokens_decoder` (with its flags), then those of added_tokens.json not listed there
 * (special when the config names them as a special token).
 */
function addedTokens(files: BpeFiles, tokenOf: Map<number, string>, fail: (file: string, what: string, expected: string) => never): AddedTokenJson[] {
  const { names, config } = files;
  const byContent = new Map<string, AddedTokenJson>();
  const byId = new Map<number, AddedTokenJson>();
  const add = (token: AddedTokenJson, file: string) => {
    const vocabToken = tokenOf.get(token.id);
    if (vocabToken !== undefined && vocabToken !== token.content)
      fail(file, `added token ${show(token.content)} has id ${token.id}, which ${names.vocab} gives to ${show(vocabToken)}`, 'an id of its own');
    const sameId = byId.get(token.id);
    if (sameId && sameId.content !== token.content) fail(file, `id ${token.id} is ${show(token.content)} here but ${show(sameId.content)} in ${names.config}`, 'one token per id');
    const same = byContent.get(token.content);
    if (same && same.id !== token.id) fail(file, `token ${show(token.content)} has id ${token.id} here but ${same.id} in ${names.config}`, 'the same id in both files');
    if (!same) {
      byContent.set(token.content, token);
      byId.set(token.id, token);
    }
  };

  const decoder = config.added_tokens_decoder ?? {};
  if (!isObject(decoder)) fail(names.config, `field "added_tokens_decoder" is ${show(decoder)}`, 'an object of id → AddedToken');
  for (const [key, entry] of Object.entries(decoder as Json)) {
    const id = Number(key);
    const where = `field "added_tokens_decoder.${key}"`;
    if (!Number.isInteger(id) || id < 0) fail(names.config, `${where} has the key ${show(key)}`, 'an integer id');
    if (!isObject(entry) || typeof entry.content !== 'string') fail(names.config, `${where} is ${show(entry)}`, 'an AddedToken object {"content": …}');
    const e = entry as Json;
    const flag = (name: string, fallback: boolean): boolean => {
      const v = e[name] ?? fallback;
      if (typeof v !== 'boolean') fail(names.config, `${where}.${name} is ${show(v)}`, 'true or false');
      return v as boolean;
    };
    const special = flag('special', false);
    add({ id, content: e.content as string, single_word: flag('single_word', false), lstrip: flag('lstrip', false), rstrip: flag('rstrip', false), normalized: flag('normalized', !special), special }, names.config);
  }

  if (files.addedTokens !== null && files.addedTokens !== undefined) {
    if (!isObject(files.addedTokens)) fail(names.addedTokens, `the file is ${show(files.addedTokens)}`, 'a JSON object of token → id');
    const specials = specialTexts(config);
    for (const [content, id] of Object.entries(files.addedTokens as Json)) {
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) fail(names.addedTokens, `token ${show(content)} has id ${show(id)}`, 'an integer id ≥ 0');
      const special = specials.has(content);
      add({ id: id as number, content, single_word: false, lstrip: false, rstrip: false, normalized: !special, special }, names.addedTokens);
    }
  }
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

/** The texts tokenizer_config.json names as special tokens (bos_token … and additional_special_tokens). */
function specialTexts(config: Json): Set<string> {
  const text = (v: unknown) => (typeof v === 'string' ? v : isObject(v) && typeof v.content === 'string' ? v.content : null);
  const out = new Set<string>();
  for (const key of ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token']) {
    const t = text(config[key]);
    if (t !== null) out.add(t);
  }
  if (Array.isArray(config.additional_special_tokens))
    for (const v of config.additional_special_tokens) {
      const t = text(v);
      if (t !== null) out.add(t);
    }
  return out;
}
