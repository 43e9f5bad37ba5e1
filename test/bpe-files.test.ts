/**
 * The byte-level BPE layout Dream / Qwen2.5 / GPT-2 ship (vocab.json + merges.txt +
 * tokenizer_config.json + added_tokens.json, no tokenizer.json), read by the real
 * @huggingface/tokenizers. The reference each time is the same tokenizer written as tokenizer.json,
 * with its pre-tokenizer, normalizer and decoder taken from the committed Qwen2-style and
 * GPT-2-style fixtures (not from the converter under test).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HfTokenizer, TokenizerFileError } from '../src/models/tokenizer.js';
import { loadTokenizerDir } from '../src/models/tokenizer-dir.js';

type Json = Record<string, any>; // parsed JSON fixtures, edited freely
const FIX = 'test/fixtures/tokenizers';
const fixture = (name: string, file: string): Json => JSON.parse(readFileSync(join(FIX, name, file), 'utf8'));
const tmp = mkdtempSync(join(tmpdir(), 'infogain-bpe-files-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let dirs = 0;

/** Write `json` twice: as tokenizer.json, and split into the vocab.json + merges.txt layout. */
function writeBoth(json: Json, config: Json, tokenizerClass: string, onlyInAddedTokensJson: Json[] = []): { viaJson: string; viaFiles: string } {
  const viaJson = join(tmp, `json-${++dirs}`);
  const viaFiles = join(tmp, `files-${dirs}`);
  const all = [...json.added_tokens, ...onlyInAddedTokensJson];
  const decoder = Object.fromEntries(json.added_tokens.map(({ id, ...t }: Json) => [String(id), t]));
  for (const d of [viaJson, viaFiles]) mkdirSync(d);
  writeFileSync(join(viaJson, 'tokenizer.json'), JSON.stringify({ ...json, added_tokens: all }));
  writeFileSync(join(viaJson, 'tokenizer_config.json'), JSON.stringify(config));
  writeFileSync(join(viaFiles, 'vocab.json'), JSON.stringify(json.model.vocab));
  const merges = json.model.merges.map((m: string | string[]) => (Array.isArray(m) ? m.join(' ') : m));
  writeFileSync(join(viaFiles, 'merges.txt'), `#version: 0.2\n${merges.join('\n')}\n`);
  writeFileSync(join(viaFiles, 'tokenizer_config.json'), JSON.stringify({ ...config, tokenizer_class: tokenizerClass, added_tokens_decoder: decoder }));
  writeFileSync(join(viaFiles, 'added_tokens.json'), JSON.stringify(Object.fromEntries(all.map((t) => [t.content, t.id]))));
  return { viaJson, viaFiles };
}

function expectSameTokenizer(a: HfTokenizer, b: HfTokenizer, texts: string[]): void {
  expect(b.vocabSize).toBe(a.vocabSize);
  expect(b.specialTokens).toEqual(a.specialTokens);
  expect([b.eosId, b.padId, b.bosId, b.maskId]).toEqual([a.eosId, a.padId, a.bosId, a.maskId]);
  for (const text of texts) {
    const ids = b.encode(text);
    expect([...ids], text).toEqual([...a.encode(text)]);
    expect(b.decode(ids, { skipSpecialTokens: false }), text).toBe(a.decode(ids, { skipSpecialTokens: false }));
  }
}

// ------------------------------------------------------------ a real-size vocabulary

/** GPT-2's byte → printable character table (bytes_to_unicode). */
function bytesToUnicode(): string[] {
  const bs: number[] = [];
  for (const [lo, hi] of [[33, 126], [161, 172], [174, 255]]) for (let b = lo; b <= hi; b++) bs.push(b);
  const table = new Array<string>(256);
  bs.forEach((b) => (table[b] = String.fromCodePoint(b)));
  let n = 0;
  for (let b = 0; b < 256; b++) if (table[b] === undefined) table[b] = String.fromCodePoint(256 + n++);
  return table;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = ['ka', 'to', 'ri', 'mi', 'en', 'an', 'the', 'ing', 'er', 'qu', 'st', 'on', 'al', 'é', 'ö', 'ß', '東', '京', 'ñ', 'ou'];

/** Seeded words with Zipf-like frequencies, a deterministic stand-in for a corpus. */
function corpusWords(rand: () => number, n: number): string[] {
  return Array.from({ length: n }, () => {
    let w = '';
    for (let k = 1 + Math.floor(rand() * 4); k > 0; k--) w += SYLLABLES[Math.floor(rand() * SYLLABLES.length)];
    return w;
  });
}

/**
 * A byte-level BPE with `total` merges: the first `trained` learnt greedily from the corpus's
 * pair counts (so they fire on corpus text), the rest random unions of existing tokens (so the
 * vocabulary has a real model's size). Deterministic.
 */
function buildBpe(trained: number, total: number): { vocab: Record<string, number>; merges: [string, string][]; words: string[] } {
  const rand = mulberry32(2026);
  const byteChar = bytesToUnicode();
  const toSymbols = (w: string) => [...new TextEncoder().encode(w)].map((b) => byteChar[b]);
  const words = corpusWords(rand, 1500);
  const pieces = words.flatMap((w, i) => [{ s: toSymbols(w), f: Math.ceil(300 / (i + 1)) }, { s: toSymbols(` ${w}`), f: Math.ceil(600 / (i + 1)) }]);
  const vocab: Record<string, number> = {};
  const tokens: string[] = [];
  const addToken = (t: string) => {
    vocab[t] = tokens.length;
    tokens.push(t);
  };
  for (let b = 0; b < 256; b++) addToken(byteChar[b]);
  const merges: [string, string][] = [];
  while (merges.length < trained) {
    const counts = new Map<string, number>();
    for (const { s, f } of pieces) for (let i = 0; i + 1 < s.length; i++) counts.set(`${s[i]} ${s[i + 1]}`, (counts.get(`${s[i]} ${s[i + 1]}`) ?? 0) + f);
    let best = '';
    let bestCount = 0;
    for (const [pair, c] of counts) if (c > bestCount || (c === bestCount && pair < best)) [best, bestCount] = [pair, c];
    if (bestCount === 0) break;
    const [a, b] = best.split(' ');
    merges.push([a, b]);
    if (!Object.hasOwn(vocab, a + b)) addToken(a + b);
    for (const p of pieces)
      for (let i = 0; i + 1 < p.s.length; i++) if (p.s[i] === a && p.s[i + 1] === b) p.s.splice(i, 2, a + b);
  }
  while (merges.length < total) {
    const a = tokens[Math.floor(rand() ** 2 * tokens.length)];
    const b = tokens[Math.floor(rand() ** 2 * tokens.length)];
    if (Object.hasOwn(vocab, a + b) || (a + b).length > 12) continue;
    merges.push([a, b]);
    addToken(a + b);
  }
  return { vocab, merges, words };
}

describe('Dream / Qwen2.5 layout: vocab.json + merges.txt + tokenizer_config.json + added_tokens.json', () => {
  it('a 50,000-merge byte-level BPE reads like the same tokenizer.json: ids, specials, round trips', { tags: ['slow'] }, async () => {
    const { vocab, merges, words } = buildBpe(600, 50_000);
    const V = Object.keys(vocab).length;
    expect(V).toBeGreaterThan(50_000);
    const qwen = fixture('dream-like', 'tokenizer.json'); // Qwen2's normalizer, split regex, ByteLevel parts
    const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
    const json = { ...qwen, model: { ...qwen.model, vocab, merges }, added_tokens: [special(V, '<|endoftext|>'), special(V + 1, '<|im_start|>'), special(V + 2, '<|im_end|>'), special(V + 3, '<|mask|>')] };
    const config = { ...fixture('dream-like', 'tokenizer_config.json'), added_tokens_decoder: undefined };
    // One token only in added_tokens.json (not special), as older checkpoints have them.
    const extra = { id: V + 4, content: '<|extra|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: false };
    const { viaJson, viaFiles } = writeBoth(json, config, 'DreamTokenizer', [extra]);
    const reference = await loadTokenizerDir(viaJson);
    const tok = await loadTokenizerDir(viaFiles);
    expect(tok.tokenizerFile).toBe(`${join(viaFiles, 'vocab.json')} + merges.txt`);
    expect(tok.vocabSize).toBe(V + 5);
    expect(tok.tokenId('<|mask|>')).toBe(V + 3);
    expect(tok.maskId).toBe(V + 3);
    expect(tok.eosId).toBe(V);
    const rand = mulberry32(7);
    const sentences = Array.from({ length: 40 }, () => Array.from({ length: 12 }, () => words[Math.floor(rand() ** 3 * words.length)]).join(' '));
    const texts = [
      ...sentences,
      'Café naïve — 東京タワー 🙂 ñandú\tx\r\n\n  end ',
      'e\u0301 vs é', // NFD and NFC spellings: the Qwen2 normalizer composes both
      "it's 12345 o'clock, WE'LL see",
      '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n',
      `${sentences[0]}<|mask|><|mask|><|extra|>`,
    ];
    expectSameTokenizer(reference, tok, texts);
    for (const text of texts) expect(tok.decode(tok.encode(text), { skipSpecialTokens: false })).toBe(text.normalize('NFC'));
    // The merges fire: corpus text takes far fewer tokens than bytes.
    const bytes = new TextEncoder().encode(sentences.join(' ')).length;
    expect(tok.encode(sentences.join(' ')).length).toBeLessThan(bytes / 3);
    expect(tok.decode(tok.encode('<|im_start|>user\nHi<|im_end|>'))).toBe('user\nHi'); // specials skipped by default
    expect(tok.applyChatTemplate([{ role: 'user', content: 'Hi' }])).toContain('<|im_start|>assistant\n');
    expect(tok.summary()).toContain('characters outside the alphabet: refused (no unknown token)');
  });

  it('the committed Qwen2-style and GPT-2-style fixtures, split into files, tokenize as their tokenizer.json', async () => {
    const texts = ['the cat', ' the cathedral <|mask|>', 'hello world', 'Hello there, 東京!\n', '<|endoftext|>x<|eot_id|>'];
    for (const [name, cls] of [['dream-like', 'Qwen2Tokenizer'], ['bpe-chat', 'GPT2Tokenizer']]) {
      const { viaJson, viaFiles } = writeBoth(fixture(name, 'tokenizer.json'), fixture(name, 'tokenizer_config.json'), cls);
      expectSameTokenizer(await loadTokenizerDir(viaJson), await loadTokenizerDir(viaFiles), texts);
    }
  });
});

describe('errors in the vocab.json + merges.txt layout name the file and what was expected', () => {
  const base = () => writeBoth(fixture('dream-like', 'tokenizer.json'), fixture('dream-like', 'tokenizer_config.json'), 'Qwen2Tokenizer').viaFiles;
  const errorOf = async (dir: string) => {
    const e = await loadTokenizerDir(dir).then(() => null, (err: unknown) => err);
    expect(e).toBeInstanceOf(TokenizerFileError);
    expect((e as Error).message).not.toContain('\n');
    return (e as Error).message;
  };

  it('a merges line that is not two tokens, or whose tokens are not in vocab.json', async () => {
    const d = base();
    writeFileSync(join(d, 'merges.txt'), '#version: 0.2\nĠ t\nh e x\n');
    expect(await errorOf(d)).toBe(`${join(d, 'merges.txt')}: line 3 is "h e x", expected two tokens separated by one space`);
    writeFileSync(join(d, 'merges.txt'), 'Ġ t\nq z\n');
    expect(await errorOf(d)).toBe(`${join(d, 'merges.txt')}: line 2 ("q z") needs "qz", which is not in ${join(d, 'vocab.json')}, expected merges of the same tokenizer as vocab.json`);
  });

  it('an unknown tokenizer_class, a vocab.json that is not token → id', async () => {
    const d = base();
    const config = JSON.parse(readFileSync(join(d, 'tokenizer_config.json'), 'utf8'));
    writeFileSync(join(d, 'tokenizer_config.json'), JSON.stringify({ ...config, tokenizer_class: 'LlamaTokenizer' }));
    expect(await errorOf(d)).toMatch(/tokenizer_config\.json: field "tokenizer_class" is "LlamaTokenizer", expected one of Qwen2Tokenizer, Qwen2TokenizerFast, DreamTokenizer, GPT2Tokenizer/);
    writeFileSync(join(d, 'tokenizer_config.json'), JSON.stringify(config));
    writeFileSync(join(d, 'vocab.json'), JSON.stringify({ a: 0, b: 'one' }));
    expect(await errorOf(d)).toBe(`${join(d, 'vocab.json')}: token "b" has id "one", expected an integer id ≥ 0`);
  });

  it('added tokens that disagree with vocab.json or with each other', async () => {
    const d = base();
    writeFileSync(join(d, 'added_tokens.json'), JSON.stringify({ '<|mask|>': 5 }));
    expect(await errorOf(d)).toMatch(/added_tokens\.json: added token "<\|mask\|>" has id 5, which .*vocab\.json gives to "&", expected an id of its own/);
    writeFileSync(join(d, 'added_tokens.json'), JSON.stringify({ '<|mask|>': 300 }));
    expect(await errorOf(d)).toMatch(/added_tokens\.json: token "<\|mask\|>" has id 300 here but 267 in .*tokenizer_config\.json, expected the same id in both files/);
  });
});
