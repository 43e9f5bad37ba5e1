import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { loadTokenizerDir } from '../src/models/tokenizer-dir.js';
import { HfTokenizer, MASK_TOKEN_NAMES, TokenizerFileError, resolveMaskId } from '../src/models/tokenizer.js';

const FIX = fileURLToPath(new URL('./fixtures/tokenizers/', import.meta.url));
const dir = (name: string) => join(FIX, name);
const readJson = (name: string, file: string) => JSON.parse(readFileSync(join(dir(name), file), 'utf8'));
const tmp = mkdtempSync(join(tmpdir(), 'infogain-tokenizer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The error's message, checked to be a single line from this module. */
async function errorOf(f: () => unknown): Promise<string> {
  try {
    await f();
  } catch (e) {
    expect(e).toBeInstanceOf(TokenizerFileError);
    const message = (e as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected an error');
}

/** A word-level tokenizer.json (no `model.type`, as older files have) with the given vocabulary. */
function wordLevel(words: string[], unk?: string) {
  const model: Record<string, unknown> = { vocab: Object.fromEntries(words.map((w, i) => [w, i])) };
  if (unk) model.unk_token = unk;
  return { version: '1.0', added_tokens: [], normalizer: null, pre_tokenizer: { type: 'WhitespaceSplit' }, post_processor: null, decoder: null, model };
}

describe('bpe-chat: byte-level BPE with an LLaDA-style chat template', async () => {
  const tok = await loadTokenizerDir(dir('bpe-chat'));

  it('applies merges: exact ids', () => {
    expect(tok.modelType).toBe('BPE');
    expect([...tok.encode('hello world')]).toEqual([259, 264]); // "hello", "Ġworld": fully merged
    // "Ġthere": only "h e" merges; the space byte is 220 in GPT-2's byte order
    expect([...tok.encode('hello there')]).toEqual([259, 220, 83, 256, 81, 68]);
    expect(tok.tokenText(259)).toBe('hello');
    expect(tok.tokenText(264)).toBe('Ġworld');
  });

  it('encodes special tokens written in the text and round-trips', () => {
    const ids = tok.encode('hello<|mdm_mask|> world<|endoftext|>');
    expect(ids).toBeInstanceOf(Int32Array);
    expect([...ids]).toEqual([259, 300, 264, 265]);
    expect(tok.decode(ids)).toBe('hello world');
    expect(tok.decode(ids, { skipSpecialTokens: true })).toBe('hello world');
    expect(tok.decode(ids, { skipSpecialTokens: false })).toBe('hello<|mdm_mask|> world<|endoftext|>');
    expect(tok.decode([265, 300])).toBe('');
    expect(tok.decode([])).toBe('');
    const text = 'Café, naïve — 2+2=4?\n\tok';
    expect(tok.decode(tok.encode(text))).toBe(text);
  });

  it('reads ids, sizes and special tokens', () => {
    expect(tok.vocabSize).toBe(301); // the mask sits at 300, past a gap
    expect(tok.tokenText(280)).toBeUndefined();
    expect(tok.tokenId('<|eot_id|>')).toBe(271);
    expect(tok.tokenId('nope')).toBeUndefined();
    expect(tok.eosId).toBe(265);
    expect(tok.bosId).toBe(266);
    expect(tok.padId).toBeNull();
    expect(tok.maskId).toBeNull();
    expect(resolveMaskId(tok)).toBe(300); // by name: <|mdm_mask|>
    expect(tok.specialTokens.map((t) => t.id)).toEqual([265, 266, 267, 268, 269, 270, 271, 300]);
    expect(tok.specialTokens[0]).toEqual({ text: '<|endoftext|>', id: 265 });
  });

  it('renders the chat template with and without the generation prompt', () => {
    expect(tok.hasChatTemplate).toBe(true);
    const messages = [{ role: 'user', content: '  What is 2+2?  ' }];
    const turn = '<|startoftext|><|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>';
    expect(tok.applyChatTemplate(messages)).toBe(`${turn}<|start_header_id|>assistant<|end_header_id|>\n\n`);
    expect(tok.applyChatTemplate(messages, { addGenerationPrompt: true })).toBe(`${turn}<|start_header_id|>assistant<|end_header_id|>\n\n`);
    expect(tok.applyChatTemplate(messages, { addGenerationPrompt: false })).toBe(turn);
    const twoTurns = tok.applyChatTemplate(
      [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }, { role: 'user', content: 'Bye' }],
      { addGenerationPrompt: false },
    );
    expect(twoTurns).toBe(
      '<|startoftext|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\nHello<|eot_id|>' +
        '<|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|>',
    );
    const prompt = tok.applyChatTemplate(messages);
    const ids = tok.encode(prompt);
    expect([...ids.slice(0, 2)]).toEqual([266, 269]);
    expect(ids[ids.length - 3]).toBe(270);
    expect(tok.decode(ids, { skipSpecialTokens: false })).toBe(prompt);
  });

  it('summarises itself', () => {
    expect(tok.summary()).toBe(
      [
        `tokenizer ${join(dir('bpe-chat'), 'tokenizer.json')}: BPE, vocabulary 301 ids`,
        'special tokens (8): "<|endoftext|>"=265 "<|startoftext|>"=266 "<|user|>"=267 "<|assistant|>"=268 ' +
          '"<|start_header_id|>"=269 "<|end_header_id|>"=270 "<|eot_id|>"=271 "<|mdm_mask|>"=300',
        'eos "<|endoftext|>" (265), pad none, bos "<|startoftext|>" (266), mask "<|mdm_mask|>" (300)',
        'chat template: yes',
        'characters outside the alphabet: refused (no unknown token)',
      ].join('\n'),
    );
  });
});

describe('dream-like: Qwen2-style BPE, AddedToken objects in tokenizer_config.json', async () => {
  const tok = await loadTokenizerDir(dir('dream-like'));

  it('reads eos, pad (AddedToken object), bos (null) and mask (AddedToken object)', () => {
    expect(tok.eosId).toBe(263);
    expect(tok.padId).toBe(263);
    expect(tok.bosId).toBeNull();
    expect(tok.maskId).toBe(267);
    expect(tok.tokenText(267)).toBe('<|mask|>');
    expect(resolveMaskId(tok)).toBe(267);
    expect(tok.specialTokens).toEqual([
      { text: '<|endoftext|>', id: 263 },
      { text: '<|im_start|>', id: 264 },
      { text: '<|im_end|>', id: 265 },
      { text: '<|beginoftext|>', id: 266 },
      { text: '<|mask|>', id: 267 },
    ]);
  });

  it('tokenizes with the Qwen split regex and array-form merges', () => {
    expect([...tok.encode(' the cat')]).toEqual([258, 262]);
    expect([...tok.encode('the<|mask|><|mask|>')]).toEqual([83, 257, 267, 267]);
    expect(tok.decode(tok.encode('<|im_start|>user\nHi<|im_end|>'))).toBe('user\nHi');
  });

  it('renders the Qwen chat template with the default system prompt', () => {
    const user = [{ role: 'user', content: 'Hi' }];
    const head = '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n';
    expect(tok.applyChatTemplate(user)).toBe(`${head}<|im_start|>assistant\n`);
    expect(tok.applyChatTemplate(user, { addGenerationPrompt: false })).toBe(head);
    expect(tok.applyChatTemplate([{ role: 'system', content: 'Be brief.' }, ...user], { addGenerationPrompt: false })).toBe(
      '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n',
    );
  });

  it('passes special tokens to templates as strings', () => {
    const config = { ...readJson('dream-like', 'tokenizer_config.json'), chat_template: '{{ eos_token }}|{{ pad_token }}|{{ mask_token }}|{{ bos_token is defined }}' };
    const t = HfTokenizer.fromObjects(readJson('dream-like', 'tokenizer.json'), config, 'inline');
    expect(t.applyChatTemplate([])).toBe('<|endoftext|>|<|endoftext|>|<|mask|>|false'); // a null token is left undefined, as in transformers
  });
});

describe('wordpiece-legacy: BERT WordPiece without model.type', async () => {
  const tok = await loadTokenizerDir(dir('wordpiece-legacy'));

  it('loads and tokenizes with ## pieces and the BERT normalizer', () => {
    expect(tok.modelType).toBe('WordPiece');
    expect(tok.vocabSize).toBe(20);
    expect([...tok.encode('hello world')]).toEqual([6, 7, 8, 9]); // hell ##o wor ##ld
    expect([...tok.encode('Hello World!')]).toEqual([6, 7, 8, 9, 14]);
    expect([...tok.encode('hello [MASK] world')]).toEqual([6, 7, 4, 8, 9]);
    expect([...tok.encode('dog')]).toEqual([1]); // [UNK]
    expect([...tok.encode('hello world', { addSpecialTokens: true })]).toEqual([2, 6, 7, 8, 9, 3]);
  });

  it('decodes, skipping special tokens or not', () => {
    expect(tok.decode([2, 6, 7, 8, 9, 3])).toBe('hello world');
    expect(tok.decode([2, 6, 7, 4, 8, 9, 3], { skipSpecialTokens: false })).toBe('[CLS] hello [MASK] world [SEP]');
  });

  it('reads the named special tokens', () => {
    expect(tok.eosId).toBeNull();
    expect(tok.bosId).toBeNull();
    expect(tok.padId).toBe(0);
    expect(tok.maskId).toBe(4);
    expect(resolveMaskId(tok)).toBe(4);
    expect(tok.specialTokens.map((t) => t.text)).toEqual(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    expect(tok.hasChatTemplate).toBe(false);
    expect(tok.summary().split('\n')[3]).toBe('chat template: no');
  });
});

describe('char-level: the format of the project tiny models', async () => {
  const tok = await loadTokenizerDir(dir('char-level'));

  it('loads without tokenizer_config.json', () => {
    expect(tok.modelType).toBe('BPE');
    expect(tok.vocabSize).toBe(79);
    expect(tok.eosId).toBeNull();
    expect(tok.padId).toBeNull();
    expect(tok.bosId).toBeNull();
    expect(tok.maskId).toBeNull();
    expect(resolveMaskId(tok)).toBe(1);
    expect(tok.hasChatTemplate).toBe(false);
    expect(tok.specialTokens.map((t) => t.id)).toEqual([0, 1, 2, 3]);
  });

  it('encodes one id per character, specials inline; unknown characters refused by default, <|unk|> when allowed', async () => {
    expect([...tok.encode('hi <|mdm_mask|>!')]).toEqual([23, 24, 4, 1, 6]);
    expect([...tok.encode('<|user|>Hi<|assistant|>')]).toEqual([2, 49, 24, 3]);
    // <|unk|> is never trained in a character-level tokenizer: refuse, naming the character and index.
    expect(tok.unknownTokens).toBe('error');
    expect(await errorOf(() => tok.encode('hi é<|user|>é'))).toMatch(/^prompt: characters outside the tokenizer's alphabet: "é" \(U\+00E9\) at 3, 12 .*"unknownTokens" is "error" \(the default for a character-level tokenizer\)/);
    const lenient = await loadTokenizerDir(dir('char-level'));
    lenient.unknownTokens = 'warn';
    const warned: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((m: string) => void warned.push(m));
    try {
      expect([...lenient.encode('é')]).toEqual([78]);
    } finally {
      spy.mockRestore();
    }
    expect(warned).toEqual([expect.stringMatching(/^infogain: warning: prompt: characters outside the tokenizer's alphabet: "é" \(U\+00E9\) at 0 .* become <\|unk\|> \(id 78\)/)]);
    expect(tok.decode([23, 24, 4, 1, 6])).toBe('hi !'); // no clean-up of spaces without a config saying so
    expect(tok.decode([23, 24, 4, 1, 6], { skipSpecialTokens: false })).toBe('hi <|mdm_mask|>!');
    expect(tok.decode([78])).toBe('<|unk|>');
    const text = 'ROMEO: But, soft! what light through yonder window breaks?\n';
    expect(tok.decode(tok.encode(text))).toBe(text);
  });

  it('reads chat_template.jinja next to the files, which wins over tokenizer_config.json', async () => {
    const d = mkdtempSync(join(tmp, 'jinja-'));
    writeFileSync(join(d, 'tokenizer.json'), readFileSync(join(dir('char-level'), 'tokenizer.json')));
    writeFileSync(join(d, 'tokenizer_config.json'), JSON.stringify({ chat_template: 'not this one' }));
    writeFileSync(join(d, 'chat_template.jinja'), '{% for m in messages %}<|{{ m.role }}|>{{ m.content }}{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}');
    const t = await loadTokenizerDir(d);
    const prompt = t.applyChatTemplate([{ role: 'user', content: 'hi' }]);
    expect(prompt).toBe('<|user|>hi<|assistant|>');
    expect([...t.encode(prompt)]).toEqual([2, 23, 24, 3]);
  });
});

describe('legacy tokenizer.json without model.type', () => {
  const bpe = readJson('bpe-chat', 'tokenizer.json');

  it('infers BPE from merges (the library alone would drop them)', () => {
    const { type: _t, continuing_subword_prefix: _c, unk_token: _u, ...model } = bpe.model;
    const t = HfTokenizer.fromObjects({ ...bpe, model }, null, 'inline');
    expect(t.modelType).toBe('BPE');
    expect([...t.encode('hello there')]).toEqual([259, 220, 83, 256, 81, 68]);
  });

  it('infers Unigram from a list vocabulary', () => {
    const json = {
      version: '1.0', added_tokens: [], normalizer: null, post_processor: null,
      pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
      decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
      model: { unk_id: 0, vocab: [['<unk>', 0], ['▁hello', -1], ['▁world', -2], ['▁', -3], ['h', -4], ['e', -4], ['l', -4], ['o', -4]] },
    };
    const t = HfTokenizer.fromObjects(json, null, 'inline');
    expect(t.modelType).toBe('Unigram');
    expect([...t.encode('hello world')]).toEqual([1, 2]);
    expect([...t.encode('hole')]).toEqual([3, 4, 7, 6, 5]);
    expect(t.decode([1, 2])).toBe('hello world');
  });

  it('infers WordLevel from a plain vocabulary and uses its unk_token', () => {
    const t = HfTokenizer.fromObjects(wordLevel(['[UNK]', 'hello', 'world'], '[UNK]'), null, 'inline');
    expect(t.modelType).toBe('WordLevel');
    expect([...t.encode('hello dog world')]).toEqual([1, 0, 2]);
  });
});

describe('mask, EOS and PAD resolution', async () => {
  const bpeJson = readJson('bpe-chat', 'tokenizer.json');
  const dream = await loadTokenizerDir(dir('dream-like'));

  it('the card maskId wins over everything', () => {
    expect(resolveMaskId(dream, { maskId: 5 })).toBe(5);
    expect(resolveMaskId(null, { maskId: 126336 })).toBe(126336);
  });

  it("tokenizer_config.json's mask_token wins over the names", () => {
    const t = HfTokenizer.fromObjects(bpeJson, { mask_token: { content: '<|user|>', special: true } }, 'inline');
    expect(t.maskId).toBe(267);
    expect(resolveMaskId(t)).toBe(267); // although <|mdm_mask|> (300) is in the vocabulary
    expect(resolveMaskId(t, {})).toBe(267);
  });

  it('falls back to the names in order', () => {
    expect(MASK_TOKEN_NAMES).toEqual(['<|mdm_mask|>', '<|mask|>', '<|MASK|>', '[MASK]', '<mask>']);
    const names = [...MASK_TOKEN_NAMES];
    // vocabulary: x, then the names in reverse order, so that id order and name order disagree
    while (names.length > 0) {
      const words = ['x', ...[...names].reverse()];
      const t = HfTokenizer.fromObjects(wordLevel(words), null, 'inline');
      expect(resolveMaskId(t)).toBe(words.indexOf(names[0]));
      names.shift();
    }
  });

  it('fails listing the names it tried', async () => {
    const t = HfTokenizer.fromObjects(wordLevel(['x', 'MASK']), null, 'inline');
    expect(await errorOf(() => resolveMaskId(t))).toBe(
      'inline/tokenizer_config.json: field "mask_token" is missing and inline/tokenizer.json has none of ' +
        '<|mdm_mask|> <|mask|> <|MASK|> [MASK] <mask>, expected a mask token (or a "maskId" in the model card)',
    );
    expect(await errorOf(() => resolveMaskId(null))).toBe(
      'model card: field "maskId" is missing and there is no tokenizer.json to find the mask token in, expected a "maskId"',
    );
  });

  it('reads eos/pad/bos as strings or AddedToken objects', () => {
    const t = HfTokenizer.fromObjects(
      bpeJson,
      { eos_token: { content: '<|eot_id|>', lstrip: false }, pad_token: '<|endoftext|>', bos_token: null },
      'inline',
    );
    expect([t.eosId, t.padId, t.bosId]).toEqual([271, 265, null]);
  });

  it('counts tokens named in tokenizer_config.json as special even when not added as special', () => {
    const t = HfTokenizer.fromObjects(wordLevel(['<unk>', 'hello', '</s>', '<pad>', 'world'], '<unk>'), { eos_token: '</s>', pad_token: '<pad>' }, 'inline');
    expect(t.specialTokens).toEqual([
      { text: '</s>', id: 2 },
      { text: '<pad>', id: 3 },
    ]);
    expect(t.decode([1, 4, 2, 3])).toBe('hello world');
    expect(t.decode([1, 4, 2, 3], { skipSpecialTokens: false })).toBe('hello world </s> <pad>');
  });
});

describe('errors: one line naming the file, the field and what was expected', () => {
  const bpeJson = readJson('bpe-chat', 'tokenizer.json');
  const file = (name: string) => join(dir(name), 'tokenizer.json');

  it('broken JSON', async () => {
    const message = await errorOf(() => loadTokenizerDir(dir('broken')));
    expect(message.startsWith(`${file('broken')}: invalid JSON (`)).toBe(true);
    expect(message.endsWith('), expected a JSON object')).toBe(true);
  });

  it('no model', async () => {
    expect(await errorOf(() => loadTokenizerDir(dir('no-model')))).toBe(
      `${file('no-model')}: field "model" is missing, expected a tokenizer model object`,
    );
  });

  it('a model without type and without recognisable fields', async () => {
    expect(await errorOf(() => loadTokenizerDir(dir('untyped-unknown')))).toBe(
      `${file('untyped-unknown')}: field "model.type" is missing and cannot be inferred from the model's fields (dropout, fuse_unk), expected one of BPE, WordPiece, Unigram, WordLevel`,
    );
  });

  it('an unknown model type, a missing vocabulary or merges', async () => {
    expect(await errorOf(() => HfTokenizer.fromObjects({ ...bpeJson, model: { ...bpeJson.model, type: 'Foo' } }, null, 'x'))).toBe(
      'x/tokenizer.json: field "model.type" is "Foo", expected one of BPE, WordPiece, Unigram, WordLevel',
    );
    expect(await errorOf(() => HfTokenizer.fromObjects({ ...bpeJson, model: { type: 'BPE', merges: [] } }, null, 'x'))).toBe(
      'x/tokenizer.json: field "model.vocab" is missing, expected an object of token → id',
    );
    expect(await errorOf(() => HfTokenizer.fromObjects({ ...bpeJson, model: { type: 'Unigram', vocab: {} } }, null, 'x'))).toBe(
      'x/tokenizer.json: field "model.vocab" is {}, expected a list of [piece, score] pairs',
    );
    expect(await errorOf(() => HfTokenizer.fromObjects({ ...bpeJson, model: { type: 'BPE', vocab: { a: 0 } } }, null, 'x'))).toBe(
      'x/tokenizer.json: field "model.merges" is missing, expected a list of merges',
    );
  });

  it('not an object', async () => {
    expect(await errorOf(() => HfTokenizer.fromObjects([], null, 'x'))).toBe('x/tokenizer.json: field "(file)" is [], expected a JSON object');
    expect(await errorOf(() => HfTokenizer.fromObjects(bpeJson, 'eos', 'x'))).toBe(
      'x/tokenizer_config.json: field "(file)" is "eos", expected a JSON object',
    );
  });

  it('a missing directory, a broken tokenizer_config.json', async () => {
    const missing = join(tmp, 'missing');
    expect(await errorOf(() => loadTokenizerDir(missing))).toBe(`${missing}: no tokenizer.json (nor vocab.json + merges.txt), expected the model's tokenizer files`);
    const d = mkdtempSync(join(tmp, 'config-'));
    writeFileSync(join(d, 'tokenizer.json'), JSON.stringify(bpeJson));
    writeFileSync(join(d, 'tokenizer_config.json'), '{"eos_token": ');
    const message = await errorOf(() => loadTokenizerDir(d));
    expect(message.startsWith(`${join(d, 'tokenizer_config.json')}: invalid JSON (`)).toBe(true);
  });

  it('special tokens of the wrong type or not in the vocabulary', async () => {
    expect(await errorOf(() => HfTokenizer.fromObjects(bpeJson, { eos_token: 5 }, 'x'))).toBe(
      'x/tokenizer_config.json: field "eos_token" is 5, expected a token string or an AddedToken object {"content": …}',
    );
    expect(await errorOf(() => HfTokenizer.fromObjects(bpeJson, { eos_token: '</s>' }, 'x'))).toBe(
      'x/tokenizer_config.json: field "eos_token" is "</s>", expected a token of x/tokenizer.json',
    );
    expect(await errorOf(() => HfTokenizer.fromObjects(bpeJson, { mask_token: { content: '<mask>' } }, 'x'))).toBe(
      'x/tokenizer_config.json: field "mask_token" is "<mask>", expected a token of x/tokenizer.json',
    );
    expect(await errorOf(() => HfTokenizer.fromObjects(bpeJson, { additional_special_tokens: '<|user|>' }, 'x'))).toBe(
      'x/tokenizer_config.json: field "additional_special_tokens" is "<|user|>", expected a list of tokens',
    );
  });

  it('chat templates: missing, named list, wrong type, syntax, raise_exception', async () => {
    const msgs = [{ role: 'user', content: 'hi' }];
    const withTemplate = (chat_template: unknown) => HfTokenizer.fromObjects(bpeJson, { bos_token: '<|startoftext|>', chat_template }, 'x');
    expect(await errorOf(() => HfTokenizer.fromObjects(bpeJson, {}, 'x').applyChatTemplate(msgs))).toBe(
      'x/tokenizer_config.json: field "chat_template" is missing, expected a chat template to format messages with',
    );
    const named = withTemplate([
      { name: 'rag', template: 'RAG' },
      { name: 'default', template: '{{ bos_token }}{% for m in messages %}{{ m.content }}{% endfor %}' },
    ]);
    expect(named.hasChatTemplate).toBe(true);
    expect(named.applyChatTemplate(msgs)).toBe('<|startoftext|>hi');
    expect(await errorOf(() => withTemplate([{ name: 'tool_use', template: 'T' }, { name: 'rag', template: 'R' }]).applyChatTemplate(msgs))).toBe(
      'x/tokenizer_config.json: field "chat_template" has templates named tool_use, rag, expected one named "default"',
    );
    expect(await errorOf(() => withTemplate(5).applyChatTemplate(msgs))).toBe(
      'x/tokenizer_config.json: field "chat_template" is 5, expected a template string or a list of {"name", "template"}',
    );
    const syntax = await errorOf(() => withTemplate('{% for %}').applyChatTemplate(msgs));
    expect(syntax.startsWith('x/tokenizer_config.json: field "chat_template" cannot be parsed (')).toBe(true);
    expect(syntax.endsWith('), expected a Jinja template')).toBe(true);
    expect(await errorOf(() => withTemplate("{{ raise_exception('only user turns') }}").applyChatTemplate(msgs))).toBe(
      'x/tokenizer_config.json: field "chat_template" failed to render (only user turns), expected a template that accepts these messages',
    );
  });

  it('decoding an id outside the vocabulary, encoding text no token covers', async () => {
    const tok = HfTokenizer.fromObjects(bpeJson, null, 'x');
    expect(await errorOf(() => tok.decode([259, 280]))).toBe('x/tokenizer.json: cannot decode id 280, expected an id of the vocabulary (below 301)');
    expect(await errorOf(() => tok.decode([301]))).toBe('x/tokenizer.json: cannot decode id 301, expected an id of the vocabulary (below 301)');
    expect(await errorOf(() => tok.decode([-1]))).toBe('x/tokenizer.json: cannot decode id -1, expected an id of the vocabulary (below 301)');
    const noUnk = HfTokenizer.fromObjects(wordLevel(['hello']), null, 'x');
    expect(await errorOf(() => noUnk.encode('hello dog'))).toBe(
      'x/tokenizer.json: cannot encode "dog": it is not in the vocabulary and field "model.unk_token" is not set, expected a tokenizer that covers the text',
    );
  });
});
