/**
 * Hugging Face tokenizers and chat templates for real MDMs (LLaDA, Dream, SDAR, …).
 *
 * Tokenization is done by `@huggingface/tokenizers` and chat templates are rendered by
 * `@huggingface/jinja`; this module reads the files, validates what it relies on, reads the
 * special tokens of tokenizer_config.json the way transformers does, and turns every problem
 * into a one-line `TokenizerFileError` naming the file, the field and what was expected.
 */
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import type { UnknownTokens } from './card.js';
import { TokenizerFileError } from './tokenizer-error.js';

export { TokenizerFileError };

/** Tried in this order when neither the card nor tokenizer_config.json names the mask token. */
export const MASK_TOKEN_NAMES = ['<|mdm_mask|>', '<|mask|>', '<|MASK|>', '[MASK]', '<mask>'] as const;

const MODEL_TYPES = ['BPE', 'WordPiece', 'Unigram', 'WordLevel'];
/** The named special tokens of transformers' `special_tokens_map`. */
const NAMED_SPECIALS = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'] as const;
type NamedSpecial = (typeof NAMED_SPECIALS)[number];

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function show(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Throw the one-line error for a bad field of a tokenizer file. */
export function failTokenizerField(file: string, field: string, value: unknown, expected: string): never {
  throw new TokenizerFileError(`${file}: field "${field}" is ${show(value)}, expected ${expected}`);
}

export const oneLine = (message: string): string => message.replace(/\s*\n\s*/g, ' ');

/** `dir/name` for messages and file names; written here so that this module runs in any environment. */
export const joinPath = (dir: string, name: string): string => `${dir.replace(/[\\/]+$/, '')}/${name}`;

/**
 * The model type of a tokenizer.json `model` written without `type` (older files). The library
 * only recognises a list vocabulary (Unigram) and a vocabulary with both `continuing_subword_prefix`
 * and `unk_token` (WordPiece, or BPE with `merges`); anything else becomes its word-level model,
 * which would silently drop a BPE's merges. So the type is inferred here from the fields.
 */
function inferModelType(model: Json): string | undefined {
  if (Array.isArray(model.vocab)) return 'Unigram';
  if (!isObject(model.vocab)) return undefined;
  if (Array.isArray(model.merges)) return 'BPE';
  if ('continuing_subword_prefix' in model || 'max_input_chars_per_word' in model) return 'WordPiece';
  return 'WordLevel';
}

/** A token in tokenizer_config.json: a string or an AddedToken object `{"content": …}`. */
function tokenString(value: unknown, file: string, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (isObject(value) && typeof value.content === 'string') return value.content;
  return failTokenizerField(file, field, value, 'a token string or an AddedToken object {"content": …}');
}

export interface ChatMessage {
  role: string;
  content: string;
}

export class HfTokenizer {
  readonly vocabSize: number;
  /** Every special token: added tokens marked special and the ones tokenizer_config.json names; by id. */
  readonly specialTokens: { text: string; id: number }[];
  readonly eosId: number | null;
  readonly padId: number | null;
  readonly bosId: number | null;
  /** The id of tokenizer_config.json's `mask_token`; see `resolveMaskId` for the full rule. */
  readonly maskId: number | null;
  /** BPE, WordPiece, Unigram or WordLevel (inferred when tokenizer.json has no `model.type`). */
  readonly modelType: string;
  readonly tokenizerFile: string;
  readonly configFile: string;
  /** The id of the unknown token (config `unk_token`, else the model's), or null when there is none. */
  readonly unkId: number | null;
  /**
   * A prompt character the tokenizer cannot encode (it would become the unknown token): refuse the
   * text ("error") or encode it with a warning on stderr ("warn"). Default "error" for a
   * character-level tokenizer (BPE without merges: its unknown token is never seen in training),
   * "warn" otherwise; the model card's `unknownTokens` overrides it (see model-dir.ts).
   */
  unknownTokens: UnknownTokens;
  /** Where `unknownTokens` came from, for messages. */
  unknownTokensSource: string;
  private template: Template | null = null;

  private constructor(
    private readonly tok: Tokenizer,
    /** The directory (or a label) the files are named after in messages. */
    readonly source: string,
    modelType: string,
    private readonly specialText: Partial<Record<NamedSpecial, string>>,
    private readonly additionalSpecials: string[],
    private readonly chatTemplate: { raw: unknown; where: string } | null,
    tokenizerFile: string,
    charLevel: boolean,
    unkToken: string | undefined,
  ) {
    this.tokenizerFile = tokenizerFile;
    this.configFile = joinPath(source, 'tokenizer_config.json');
    this.modelType = modelType;
    this.unkId = unkToken === undefined ? null : (tok.token_to_id(unkToken) ?? null);
    this.unknownTokens = charLevel ? 'error' : 'warn';
    this.unknownTokensSource = charLevel ? 'the default for a character-level tokenizer' : 'the default';
    const idOf = (key: NamedSpecial): number | null => {
      const text = this.specialText[key];
      if (text === undefined) return null;
      const id = tok.token_to_id(text);
      if (id === undefined) failTokenizerField(this.configFile, key, text, `a token of ${this.tokenizerFile}`);
      return id;
    };
    this.eosId = idOf('eos_token');
    this.padId = idOf('pad_token');
    this.bosId = idOf('bos_token');
    this.maskId = idOf('mask_token');

    let maxId = -1;
    for (const [text, id] of tok.get_vocab()) if (typeof text === 'string' && id > maxId) maxId = id;
    this.vocabSize = maxId + 1;

    const specials = new Map<number, string>();
    for (const [id, token] of tok.get_added_tokens_decoder()) if (token.special) specials.set(id, token.content);
    for (const text of [...Object.values(this.specialText), ...this.additionalSpecials]) {
      const id = tok.token_to_id(text);
      if (id !== undefined && !specials.has(id)) specials.set(id, text);
    }
    this.specialTokens = [...specials].sort((a, b) => a[0] - b[0]).map(([id, text]) => ({ text, id }));
  }

  /** Build from parsed file contents; `source` names the directory in error messages. */
  static fromObjects(tokenizerJson: unknown, tokenizerConfig: unknown, source: string): HfTokenizer {
    return HfTokenizer.build(tokenizerJson, tokenizerConfig, source, null);
  }

  /**
   * Build from parsed file contents with an optional chat template file's text (`chat_template.jinja`,
   * which wins over the config's field) and the name of the file the vocabulary came from.
   */
  static build(json: unknown, rawConfig: unknown, source: string, jinja: { raw: string; where: string } | null, file = joinPath(source, 'tokenizer.json')): HfTokenizer {
    const configFile = joinPath(source, 'tokenizer_config.json');
    if (!isObject(json)) failTokenizerField(file, '(file)', json, 'a JSON object');
    if (rawConfig !== null && rawConfig !== undefined && !isObject(rawConfig)) failTokenizerField(configFile, '(file)', rawConfig, 'a JSON object');
    const config: Json = rawConfig ?? {};
    const model = json.model;
    if (!isObject(model)) failTokenizerField(file, 'model', model, 'a tokenizer model object');
    let type = model.type;
    if (type === undefined) {
      type = inferModelType(model);
      if (type === undefined)
        throw new TokenizerFileError(
          `${file}: field "model.type" is missing and cannot be inferred from the model's fields (${Object.keys(model).join(', ') || 'none'}), expected one of ${MODEL_TYPES.join(', ')}`,
        );
    }
    if (typeof type !== 'string' || !MODEL_TYPES.includes(type)) failTokenizerField(file, 'model.type', type, `one of ${MODEL_TYPES.join(', ')}`);
    const vocabOk = type === 'Unigram' ? Array.isArray(model.vocab) : isObject(model.vocab);
    if (!vocabOk) failTokenizerField(file, 'model.vocab', model.vocab, type === 'Unigram' ? 'a list of [piece, score] pairs' : 'an object of token → id');
    if (type === 'BPE' && !Array.isArray(model.merges)) failTokenizerField(file, 'model.merges', model.merges, 'a list of merges');
    if (json.added_tokens !== undefined && !Array.isArray(json.added_tokens)) failTokenizerField(file, 'added_tokens', json.added_tokens, 'a list of added tokens');

    // What the library reads from the config: special tokens as plain strings, every named special
    // token in `additional_special_tokens` so that skip_special_tokens skips all of them (as
    // transformers does), the model's own `unk_token` for word-level models when the config has none,
    // and transformers' current default (false) for `clean_up_tokenization_spaces` (the library's is true).
    const specialText: Partial<Record<NamedSpecial, string>> = {};
    for (const key of NAMED_SPECIALS) {
      const text = tokenString(config[key], configFile, key);
      if (text !== null) specialText[key] = text;
    }
    const additional = additionalSpecials(config, configFile);
    const libConfig: Json = {
      ...config,
      ...Object.fromEntries(NAMED_SPECIALS.map((key) => [key, specialText[key]])),
      additional_special_tokens: [...additional, ...Object.values(specialText)],
      clean_up_tokenization_spaces: config.clean_up_tokenization_spaces ?? false,
    };
    if (libConfig.unk_token === undefined && typeof model.unk_token === 'string') libConfig.unk_token = model.unk_token;
    const libJson = {
      normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, added_tokens: [],
      ...json,
      model: { ...model, type },
    };
    let tok: Tokenizer;
    try {
      tok = new Tokenizer(libJson, libConfig);
    } catch (e) {
      throw new TokenizerFileError(`${file}: cannot be loaded by @huggingface/tokenizers (${oneLine((e as Error).message)}), expected a valid tokenizer.json`);
    }
    const chatTemplate = jinja ?? (config.chat_template == null ? null : { raw: config.chat_template, where: `${configFile}: field "chat_template"` });
    const charLevel = type === 'BPE' && Array.isArray(model.merges) && model.merges.length === 0;
    const unk = typeof libConfig.unk_token === 'string' ? libConfig.unk_token : undefined;
    return new HfTokenizer(tok, source, type, specialText, additional, chatTemplate, file, charLevel, unk);
  }

  /** Token ids of `text`; special tokens written in the text become their ids. No BOS/EOS is added unless asked. */
  encode(text: string, opts: { addSpecialTokens?: boolean } = {}): Int32Array {
    const { ids, tokens } = this.tok.encode(text, { add_special_tokens: opts.addSpecialTokens ?? false });
    const bad = ids.findIndex((id: number | undefined) => id === undefined);
    if (bad >= 0)
      throw new TokenizerFileError(
        `${this.tokenizerFile}: cannot encode ${JSON.stringify(tokens[bad])}: it is not in the vocabulary and field "model.unk_token" is not set, expected a tokenizer that covers the text`,
      );
    if (this.unkId !== null && ids.includes(this.unkId)) this.checkUnknown(text, ids);
    return Int32Array.from(ids);
  }

  /** Apply `unknownTokens` to text whose encoding holds the unknown token. */
  private checkUnknown(text: string, ids: number[]): void {
    const unkText = this.tokenText(this.unkId!)!;
    const written = text.split(unkText).length - 1; // the unknown token typed as text is not an unknown character
    if (ids.filter((id) => id === this.unkId).length <= written) return;
    const found = this.unknownCharacters(text);
    const shown = [...found]
      .map(([ch, at]) => `${JSON.stringify(ch)} (U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}) at ${at.slice(0, 5).join(', ')}${at.length > 5 ? ', …' : ''}`)
      .join('; ');
    const what = found.size > 0 ? `characters outside the tokenizer's alphabet: ${shown} (character index in the prompt text)` : `text the tokenizer can only encode as ${unkText}`;
    const policy = `model card field "unknownTokens" is "${this.unknownTokens}" (${this.unknownTokensSource})`;
    if (this.unknownTokens === 'warn') {
      console.error(`infogain: warning: prompt: ${what} become ${unkText} (id ${this.unkId}); ${policy}`);
      return;
    }
    throw new TokenizerFileError(
      `prompt: ${what}; they would become ${unkText} (id ${this.unkId}), which ${this.tokenizerFile} maps every unseen character to; ${policy}, ` +
        'expected text in the alphabet (or "unknownTokens": "warn" in model.json to accept it with a warning)',
    );
  }

  /** Each character (outside added tokens written in the text) that encodes as the unknown token, with its indexes. */
  private unknownCharacters(text: string): Map<string, number[]> {
    const chars = [...text];
    const added = [...this.tok.get_added_tokens_decoder().values()].map((t) => [...t.content]).filter((t) => t.length > 0);
    const verdict = new Map<string, boolean>();
    const found = new Map<string, number[]>();
    for (let i = 0; i < chars.length; ) {
      const match = added.find((t) => t.every((c, k) => chars[i + k] === c));
      if (match) {
        i += match.length;
        continue;
      }
      const ch = chars[i];
      if (!verdict.has(ch)) verdict.set(ch, this.tok.encode(ch, { add_special_tokens: false }).ids.includes(this.unkId!));
      if (verdict.get(ch)) found.set(ch, [...(found.get(ch) ?? []), i]);
      i++;
    }
    return found;
  }

  decode(ids: ArrayLike<number>, opts: { skipSpecialTokens?: boolean } = {}): string {
    const list = Array.from(ids);
    for (const id of list)
      if (!Number.isInteger(id) || this.tok.id_to_token(id) === undefined)
        throw new TokenizerFileError(`${this.tokenizerFile}: cannot decode id ${id}, expected an id of the vocabulary (below ${this.vocabSize})`);
    if (list.length === 0) return '';
    return this.tok.decode(list, { skip_special_tokens: opts.skipSpecialTokens ?? true });
  }

  tokenId(text: string): number | undefined {
    return this.tok.token_to_id(text);
  }

  tokenText(id: number): string | undefined {
    return this.tok.id_to_token(id);
  }

  get hasChatTemplate(): boolean {
    return this.chatTemplate !== null;
  }

  /** Render the chat template as transformers' `apply_chat_template(..., tokenize=False)` does. */
  applyChatTemplate(messages: ChatMessage[], opts: { addGenerationPrompt?: boolean } = {}): string {
    if (this.chatTemplate === null)
      throw new TokenizerFileError(`${this.configFile}: field "chat_template" is missing, expected a chat template to format messages with`);
    const { raw, where } = this.chatTemplate;
    if (this.template === null) {
      let source: string;
      if (typeof raw === 'string') source = raw;
      else if (Array.isArray(raw) && raw.every((t) => isObject(t) && typeof t.name === 'string' && typeof t.template === 'string')) {
        const named = raw as { name: string; template: string }[];
        const chosen = named.find((t) => t.name === 'default');
        if (!chosen)
          throw new TokenizerFileError(`${where} has templates named ${named.map((t) => t.name).join(', ') || '(none)'}, expected one named "default"`);
        source = chosen.template;
      } else throw new TokenizerFileError(`${where} is ${show(raw)}, expected a template string or a list of {"name", "template"}`);
      try {
        this.template = new Template(source);
      } catch (e) {
        throw new TokenizerFileError(`${where} cannot be parsed (${oneLine((e as Error).message)}), expected a Jinja template`);
      }
    }
    const vars: Json = { ...this.specialText, additional_special_tokens: this.additionalSpecials, messages, add_generation_prompt: opts.addGenerationPrompt ?? true };
    try {
      return this.template.render(vars);
    } catch (e) {
      throw new TokenizerFileError(`${where} failed to render (${oneLine((e as Error).message)}), expected a template that accepts these messages`);
    }
  }

  /** What the `inspect` command prints about the tokenizer. */
  summary(): string {
    const named = (label: string, id: number | null) => `${label} ${id === null ? 'none' : `${JSON.stringify(this.tokenText(id))} (${id})`}`;
    let mask: number | null;
    try {
      mask = resolveMaskId(this);
    } catch {
      mask = null;
    }
    return [
      `tokenizer ${this.tokenizerFile}: ${this.modelType}, vocabulary ${this.vocabSize} ids`,
      `special tokens (${this.specialTokens.length}): ${this.specialTokens.map((t) => `${JSON.stringify(t.text)}=${t.id}`).join(' ') || 'none'}`,
      [named('eos', this.eosId), named('pad', this.padId), named('bos', this.bosId), named('mask', mask)].join(', '),
      `chat template: ${this.hasChatTemplate ? 'yes' : 'no'}`,
      `characters outside the alphabet: ${this.unkId === null ? 'refused (no unknown token)' : `${this.unknownTokens} (${this.unknownTokensSource})`}`,
    ].join('\n');
  }
}

function additionalSpecials(config: Json, file: string): string[] {
  const list = config.additional_special_tokens;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) failTokenizerField(file, 'additional_special_tokens', list, 'a list of tokens');
  return list.map((t, i) => tokenString(t, file, `additional_special_tokens[${i}]`) ?? failTokenizerField(file, `additional_special_tokens[${i}]`, t, 'a token'));
}

/**
 * The mask id: the card's `maskId` wins; then tokenizer_config.json's `mask_token`; then the first
 * of `MASK_TOKEN_NAMES` in the vocabulary.
 */
export function resolveMaskId(tokenizer: HfTokenizer | null, card: { maskId?: number } = {}): number {
  if (card.maskId !== undefined) return card.maskId;
  if (tokenizer === null)
    throw new TokenizerFileError('model card: field "maskId" is missing and there is no tokenizer.json to find the mask token in, expected a "maskId"');
  if (tokenizer.maskId !== null) return tokenizer.maskId;
  for (const name of MASK_TOKEN_NAMES) {
    const id = tokenizer.tokenId(name);
    if (id !== undefined) return id;
  }
  throw new TokenizerFileError(
    `${tokenizer.configFile}: field "mask_token" is missing and ${tokenizer.tokenizerFile} has none of ${MASK_TOKEN_NAMES.join(' ')}, expected a mask token (or a "maskId" in the model card)`,
  );
}
