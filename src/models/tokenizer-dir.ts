/**
 * A model directory's tokenizer files, read from disk (Node): `tokenizer.json`, or `vocab.json` +
 * `merges.txt` (byte-level BPE, see bpe-files.ts); `tokenizer_config.json` and
 * `chat_template.jinja` are optional beside them. Parsing and checking is HfTokenizer.build's,
 * which runs in any environment.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BpeFilesError, tokenizerJsonFromBpeFiles } from './bpe-files.js';
import { TokenizerFileError } from './tokenizer-error.js';
import { tokenizerLayout } from './tokenizer-files.js';
import { failTokenizerField, HfTokenizer, oneLine } from './tokenizer.js';

const isJsonObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

async function readJson(file: string, required: boolean): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!required && code === 'ENOENT') return null;
    throw new TokenizerFileError(`${file}: cannot read the file (${code ?? (e as Error).message}), expected a readable JSON file`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TokenizerFileError(`${file}: invalid JSON (${oneLine((e as Error).message)}), expected a JSON object`);
  }
}

/** Read a directory's tokenizer; a directory without tokenizer files is refused, naming the missing files. */
export async function loadTokenizerDir(dir: string): Promise<HfTokenizer> {
  const layout = tokenizerLayout(dir);
  if (layout === null) throw new TokenizerFileError(`${dir}: no tokenizer.json (nor vocab.json + merges.txt), expected the model's tokenizer files`);
  const configFile = join(dir, 'tokenizer_config.json');
  const config = await readJson(configFile, false);
  // Newer transformers save the template next to the config; like transformers, the file wins.
  const jinjaFile = join(dir, 'chat_template.jinja');
  const jinja = existsSync(jinjaFile) ? { raw: await readFile(jinjaFile, 'utf8'), where: jinjaFile } : null;
  if (layout === 'tokenizer.json') return HfTokenizer.build(await readJson(join(dir, 'tokenizer.json'), true), config, dir, jinja);
  const names = { vocab: join(dir, 'vocab.json'), merges: join(dir, 'merges.txt'), config: configFile, addedTokens: join(dir, 'added_tokens.json') };
  if (!isJsonObject(config)) failTokenizerField(configFile, '(file)', config, 'a JSON object');
  let merges: string;
  try {
    merges = await readFile(names.merges, 'utf8');
  } catch (e) {
    throw new TokenizerFileError(`${names.merges}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}), expected a readable merges.txt`);
  }
  let json: Record<string, unknown>;
  try {
    json = tokenizerJsonFromBpeFiles({ vocab: await readJson(names.vocab, true), merges, config, addedTokens: await readJson(names.addedTokens, false), names });
  } catch (e) {
    if (e instanceof BpeFilesError) throw new TokenizerFileError(e.message);
    throw e;
  }
  return HfTokenizer.build(json, config, dir, jinja, `${names.vocab} + merges.txt`);
}
