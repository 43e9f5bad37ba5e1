/**
 * What the web app's site holds besides the built app: the built-in models' files the page may
 * fetch (model and tokenizer files, oracle JSON, the digits judge) under models/, and
 * models/index.json listing them. `infogain web` serves these (serve.ts); `infogain web --export`
 * copies them into a static site (export.ts). Nothing else under models/ is published.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BUILTIN_MODELS } from '../models/builtin.js';
import { isModelDir } from '../models/model-dir.js';
import type { WebModelEntry } from './model-index.js';

/** The files of a model directory the page may fetch. */
const MODEL_FILES = ['model.onnx', 'model.cache.onnx', 'model.json', 'tokenizer.json', 'tokenizer_config.json', 'chat_template.jinja'];
/** The digits model's judge (src/tasks/digits/judge.ts): the page grades its drawings with it. */
const JUDGE_DIR = 'digits-judge';
const JUDGE_FILES = ['judge.onnx', 'judge.json'];

export interface SiteModels {
  index: WebModelEntry[];
  /** URL path under the site's root (`models/sudoku/model.onnx`) → file on disk. */
  files: Map<string, string>;
}

/** The built-ins present in `modelsDir` (a neural model's directory may be absent before training). */
export function presentModels(modelsDir: string): string[] {
  return BUILTIN_MODELS.filter((m) => (m.kind === 'oracle' ? existsSync(join(modelsDir, m.file)) : isModelDir(join(modelsDir, m.file)))).map((m) => m.name);
}

/**
 * The index and files of the built-ins `chosen` (default: every one present). A name that is not
 * a built-in, or whose files are absent, is an error naming it and the models there are.
 */
export function siteModels(modelsDir: string, chosen?: readonly string[]): SiteModels {
  const present = presentModels(modelsDir);
  const names = chosen ?? present;
  const missing = names.filter((n) => !present.includes(n));
  if (missing.length > 0)
    throw new Error(`--models: ${missing.map((n) => JSON.stringify(n)).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not ${missing.length === 1 ? 'a built-in model' : 'built-in models'} present in ${modelsDir}; expected names from: ${present.join(', ')}`);
  if (names.length === 0) throw new Error(`--models: no model chosen; expected names from: ${present.join(', ')}`);
  const index: WebModelEntry[] = [];
  const files = new Map<string, string>();
  for (const m of BUILTIN_MODELS.filter((b) => names.includes(b.name))) {
    if (m.kind === 'oracle') {
      const url = `models/${m.file}`;
      files.set(url, join(modelsDir, m.file));
      index.push({ name: m.name, kind: 'oracle', task: null, description: m.description, url, genLength: m.genLength, judge: null });
      continue;
    }
    const dir = join(modelsDir, m.file);
    for (const f of MODEL_FILES) if (existsSync(join(dir, f))) files.set(`models/${m.name}/${f}`, join(dir, f));
    let judge: string | null = null;
    const judgeDir = join(modelsDir, JUDGE_DIR);
    if (m.task === 'digits' && JUDGE_FILES.every((f) => existsSync(join(judgeDir, f)))) {
      judge = `models/${JUDGE_DIR}/`;
      for (const f of JUDGE_FILES) files.set(`${judge}${f}`, join(judgeDir, f));
    }
    index.push({ name: m.name, kind: 'onnx', task: m.task ?? null, description: m.description, url: `models/${m.name}/`, genLength: 0, judge });
  }
  return { index, files };
}
