/**
 * Every shell command in the README and the docs runs as written: the fenced `sh` blocks of
 * README.md, docs/*.md and training/README.md are extracted and each command is run from the
 * repository root, with example counts cut to one or two and output paths moved into a
 * temporary directory (so a renamed flag, a moved file or a changed default breaks this test).
 * Commands too long for a test are skipped by a reason from SKIPS below; a rule that no longer
 * matches any command fails the test, so the list cannot go stale.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';

const root = join(import.meta.dirname, '..');
const DOCS = ['README.md', 'training/README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** Commands that are not run, each with why. */
const SKIPS: [RegExp, string][] = [
  [/^npm ci\b/, 'the install itself: it replaces node_modules'],
  [/^npm install infogain\b/, 'installs the package into your own project (test/package.test.ts installs the packed tarball)'],
  [/^npm test\b/, 'the whole suite, this file included'],
  [/^npm run test:unit\b/, 'the unit tier of the suite this file belongs to'],
  [/^npm run bench\b/, 'a timing benchmark (about a minute of full load)'],
  [/^npm run data:countdown\b/, 'writes the 1M-problem Countdown training set (~35 s, 40 MB)'],
  [/^npm run train:/, 'trains a task model (hours)'],
  [/training\/train\.py .*--(resume|export-only)\b/, "needs a training run's checkpoint"],
  [/training\/export_tiny\.py/, 'trains the tiny models (~5 min) and rewrites models/tiny/'],
  [/training\/make_fixtures\.py/, 'rewrites the committed ONNX fixtures in test/fixtures/onnx/'],
  [/scripts\/check-export\.ts .*\/tmp\/infogain-export-ref\//, 'needs the reference logits that export_tiny.py writes'],
  [/^apt-get /, 'installs system packages'],
  [/\bmy-model\b/, '`my-model` stands for your own model directory'],
  [/^infogain eval merge\b/, 'joins shard 0/2 with shard 1/2, which the README runs on another machine'],
  [/^npm run results$/, 'every reproduction cell (hours of CPU)'],
];

/** `python3 -c "import torch"` works: the training self-test can run. */
function torchImports(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore', timeout: 60_000 });
    return true;
  } catch {
    return false;
  }
}

/** Extra skips decided at run time (the training self-test needs PyTorch and takes minutes). */
function runtimeSkip(command: string): string | null {
  if (!/training\/train\.py .*--smoke\b/.test(command)) return null;
  if (!process.env.INFOGAIN_DOCS_SLOW) return 'the training self-test takes 1–3 min; INFOGAIN_DOCS_SLOW=1 runs it';
  if (!torchImports()) return 'PyTorch is not importable by /usr/bin/python3 (training is optional: training/README.md)';
  return null;
}

/** The commands of the fenced sh/bash/shell blocks: comments stripped, `\` continuations joined. */
function fencedCommands(markdown: string): string[] {
  const out: string[] = [];
  let inShell = false;
  let inFence = false;
  let pending = '';
  for (const line of markdown.split('\n')) {
    const fence = /^\s*```\s*(\S*)\s*$/.exec(line);
    if (fence) {
      inShell = !inFence && /^(sh|bash|shell)$/.test(fence[1]);
      inFence = !inFence;
      continue;
    }
    if (!inShell) continue;
    const text = pending + stripComment(line).trim();
    if (text.endsWith('\\')) {
      pending = text.slice(0, -1).trimEnd() + ' ';
      continue;
    }
    pending = '';
    if (text) out.push(text);
  }
  return out;
}

/** Drops a `#` comment that starts outside quotes after whitespace. */
function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i);
  }
  return line;
}

/** POSIX-style words: whitespace-separated, single and double quotes removed. */
function shellWords(command: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let quote: string | null = null;
  for (const c of command) {
    if (quote) {
      if (c === quote) quote = null;
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      word ??= '';
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else word = (word ?? '') + c;
  }
  if (quote) throw new Error(`unbalanced quote in: ${command}`);
  if (word !== null) words.push(word);
  return words;
}

const scripts: Record<string, string> = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts;

/**
 * The program and arguments that run `command` cheaply: `infogain` and `npm run` resolved to
 * node, `--n` cut to 2 (compare) or 1 (eval), output files and `out/…` directories moved to `tmp`.
 * `cli` is set for `node bin/infogain.js …`, which runs in-process through the same `main` the
 * bin script calls (saving a tsx start-up per command).
 */
function plan(command: string, tmp: string): { file: string; args: string[]; cli?: string[] } {
  let words = shellWords(command);
  if (words[0] === 'npm' && words[1] === 'run') {
    const script = scripts[words[2]];
    if (script === undefined) throw new Error(`npm run ${words[2]}: no such script in package.json`);
    const rest = words.slice(3);
    words = [...shellWords(script), ...(rest[0] === '--' ? rest.slice(1) : rest)];
  }
  if (words[0] === 'infogain') words = ['node', 'bin/infogain.js', ...words.slice(1)];
  if (words[0] === 'tsx' || words[0] === 'npx') words = ['node', 'node_modules/tsx/dist/cli.mjs', ...words.slice(words[0] === 'npx' ? 2 : 1)];
  const sub = words[0] === 'node' && words[1] === 'bin/infogain.js' ? words[2] : undefined;
  const args = words.slice(1).map((w, i, all) => {
    if (all[i - 1] === '--n') return String(Math.min(Number(w), sub === 'eval' ? 1 : 2));
    if (all[i - 1] === '--trace' || all[i - 1] === '--out' || all[i - 1] === '--export' || w.startsWith('out/')) return join(tmp, w);
    return w;
  });
  // A compare without --n (the npm demos) still gets a small one; the last --n wins in commander.
  if (sub === 'compare' && !args.includes('--n')) args.push('--n', '2');
  return { file: words[0] === 'node' ? process.execPath : words[0], args, ...(sub !== undefined ? { cli: args.slice(1) } : {}) };
}

const tmp = mkdtempSync(join(tmpdir(), 'infogain-docs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const all = DOCS.flatMap((doc) => fencedCommands(readFileSync(join(root, doc), 'utf8')).map((command) => ({ doc, command })));
const skipOf = (command: string) => SKIPS.find(([re]) => re.test(command))?.[1] ?? null;

describe('the docs commands', () => {
  it('are found: enough runnable ones, and every skip rule still matches a command', () => {
    expect(all.filter((c) => skipOf(c.command) === null).length).toBeGreaterThanOrEqual(15);
    for (const [re, reason] of SKIPS) expect(all.some((c) => re.test(c.command)), `unused skip rule ${re} (${reason})`).toBe(true);
  });

  it('the command extraction reads quotes, comments and continuations like a shell', () => {
    expect(fencedCommands('```sh\ninfogain a --p "x # y"   # note\nb \\\n  --c 1\n```\n```python\nimport x\n```')).toEqual([
      'infogain a --p "x # y"',
      'b --c 1',
    ]);
    expect(shellWords(`a "b c" 'd "e"' f=[1,2]`)).toEqual(['a', 'b c', 'd "e"', 'f=[1,2]']);
  });

  for (const { doc, command } of all) {
    const reason = skipOf(command);
    // In document order, so eval's output directory exists for the report that follows it.
    it.skipIf(reason !== null)(`${doc}: ${command}${reason ? ` — skipped: ${reason}` : ''}`, async (ctx) => {
      const late = runtimeSkip(command);
      if (late) return ctx.skip(late);
      const { file, args, cli: inProcess } = plan(command, tmp);
      if (inProcess) {
        const r = await cli(...inProcess);
        expect(r.code, r.stderr).toBe(0);
        return;
      }
      const run = promisify(execFile)(file, args, { cwd: root, timeout: 600_000, maxBuffer: 64 << 20 });
      await expect(run.catch((e: { code?: number; stderr?: string }) => Promise.reject(new Error(`exit ${e.code}: ${e.stderr?.trim().split('\n').slice(-3).join(' | ')}`)))).resolves.toBeDefined();
    }, 600_000);
  }
});
