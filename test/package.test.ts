/**
 * The package as a release makes it and a user installs it:
 *   1. a clean copy of the repository (the files git tracks or would track: no dist/, no
 *      node_modules/, nothing ignored), `npm ci` there, then `npm pack` with the repository's own
 *      .npmrc and no manual build step (prepack must build dist/);
 *   2. the tarball installed with `npm install` into a fresh project outside the repository, with
 *      onnxruntime-node beside it (its CUDA download skipped by its documented switch, as the
 *      README tells offline users);
 *   3. both entries imported by name and decoding (the README's "Use it from code" example among
 *      them), and the installed CLI run through npx: --version, generate, web --check.
 * Dependencies come from the npm registry or npm's cache, as for any user.
 */
import { execFileSync, type ExecFileSyncOptions } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SAMPLERS } from '../src/samplers/index.js';

const root = join(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'infogain-release-'));
// The clone's and the consumer's node_modules: over a gigabyte to delete on a loaded machine.
afterAll(() => rmSync(work, { recursive: true, force: true }), 300_000);

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));

/** The README's fenced js block under "## Use it from code". */
function readmeExample(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.split('\n## ').find((s) => s.startsWith('Use it from code'));
  const block = section && /```js\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README.md: no ```js block under "## Use it from code"');
  return block[1];
}

/** The README's install command for Node (the first `npm install infogain …` line). */
function readmeInstall(): string[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const line = /^(?:([A-Z_]+=\S+) )?npm install (infogain[^\n#]*)/m.exec(readme);
  if (!line) throw new Error('README.md: no `npm install infogain …` line');
  return line[2].trim().split(/\s+/);
}

/** A copy of the working tree as a clean clone of it would have it. */
function cleanCopy(to: string): void {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of files) {
    const from = join(root, file);
    // Deleted in the working tree (not yet committed), or a link git would not store as a file.
    if (!existsSync(from) || !lstatSync(from).isFile()) continue;
    mkdirSync(dirname(join(to, file)), { recursive: true });
    copyFileSync(from, join(to, file));
  }
}

const CONSUMER = `
import { loadModel as loadFromBytes, generate, SAMPLERS } from 'infogain';
import { loadModel } from 'infogain/node';
import * as ort from 'onnxruntime-node';
import { readFile } from 'node:fs/promises';

const puzzle = '53..7....6..195....98....6.8...6...34..8.3..17...2...6.6....28....419..5....8..79';
const fromName = await loadModel('sudoku');
const a = await generate(fromName, puzzle, { sampler: 'info-gain', seed: 1 });
const dir = new URL('./models/sudoku/', import.meta.resolve('infogain/package.json'));
const bytes = await loadFromBytes({
  onnx: await readFile(new URL('model.onnx', dir)),
  card: JSON.parse(await readFile(new URL('model.json', dir), 'utf8')),
  tokenizer: JSON.parse(await readFile(new URL('tokenizer.json', dir), 'utf8')),
  tokenizerConfig: JSON.parse(await readFile(new URL('tokenizer_config.json', dir), 'utf8')),
  source: 'sudoku',
}, { runtime: ort, task: fromName.task });
const b = await generate(bytes, puzzle, { sampler: 'info-gain', seed: 1 });
console.log(JSON.stringify({ resolved: [import.meta.resolve('infogain'), import.meta.resolve('infogain/node')], samplers: SAMPLERS.map((s) => s.name), a: a.text, b: b.text }));
`;

describe('the released package', () => {
  it('packs from a clean clone with no build step, installs into a fresh project, and both entries and the CLI work', { tags: ['slow'], timeout: 480_000 }, () => {
    const clock = performance.now();
    const lap = () => ((performance.now() - clock) / 1000).toFixed(1);
    const clone = join(work, 'clone');
    cleanCopy(clone);
    const quiet: ExecFileSyncOptions = { stdio: 'pipe', env: { ...process.env, CI: 'true' } };
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], { ...quiet, cwd: clone });
    const installedAt = lap();
    expect(existsSync(join(clone, 'dist'))).toBe(false);
    // prepack's build prints to the same stdout as --json: the report is the last top-level array.
    const packOutput = execFileSync('npm', ['pack', '--json', '--pack-destination', work], { ...quiet, cwd: clone, encoding: 'utf8' });
    const [packed] = JSON.parse(packOutput.slice(packOutput.lastIndexOf('\n[\n') + 1));
    const packedAt = lap();
    const paths: string[] = packed.files.map((f: { path: string }) => f.path);
    expect(paths).toEqual(expect.arrayContaining([
      'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/node.js', 'dist/src/node.d.ts', 'dist/src/cli/main.js',
      'dist/src/eval/report/page.js', 'dist/web/index.html', 'dist/web/ort/ort-wasm-simd-threaded.wasm',
      'models/sudoku/model.onnx', 'bin/infogain.js', 'package.json', 'README.md',
    ]));
    // What a user never needs: sources (the CLI runs dist/ when src/ is absent), tests, training,
    // benchmarks (the web bench page among them), the larger test fixture.
    expect(paths.filter((p) => /^(src|test|training|bench|scripts|web|configs|docs)\/|^dist\/web\/bench|^dist\/web\/assets\/bench-|^models\/tiny\/sdar-small\//.test(p))).toEqual([]);

    const project = join(work, 'consumer');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    const ortVersion = lock.packages['node_modules/onnxruntime-node'].version;
    const install = readmeInstall().map((a) => (a === 'infogain' ? join(work, packed.filename) : a === 'onnxruntime-node' ? `onnxruntime-node@${ortVersion}` : a));
    // A user's shell, not this repository's npm run: no npm_config_* inherited from .npmrc here.
    const userEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
    const env = { ...userEnv, ONNXRUNTIME_NODE_INSTALL: 'skip' };
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...install], { cwd: project, stdio: 'pipe', env });
    const consumerAt = lap();
    const installed = join(project, 'node_modules', 'infogain');
    expect(existsSync(join(installed, 'src'))).toBe(false);

    writeFileSync(join(project, 'consumer.mjs'), CONSUMER);
    writeFileSync(join(project, 'readme.mjs'), readmeExample());
    const out = JSON.parse(execFileSync('node', ['consumer.mjs'], { cwd: project, encoding: 'utf8' }));
    expect(out.resolved).toEqual([`file://${installed}/dist/src/index.js`, `file://${installed}/dist/src/node.js`]);
    expect(out.samplers).toEqual(SAMPLERS.map((s) => s.name)); // the checkout's registry, every one exported
    expect(out.a).toMatch(/^[1-9]{81}$/);
    expect(out.b).toBe(out.a);
    const readme = execFileSync('node', ['readme.mjs'], { cwd: project, encoding: 'utf8' }).trim().split('\n');
    expect(readme.at(-1)).toMatch(/^[1-9]{81}$/);
    expect(readme.at(-2)).toMatch(/^\d+ forward calls$/);

    const npx = (...args: string[]) => execFileSync('npx', ['--no-install', 'infogain', ...args], { cwd: project, encoding: 'utf8', env });
    expect(npx('--version').trim()).toBe(pkg.version);
    const generated = npx('generate', '--model', 'sudoku', '--sampler', 'confidence', '--prompt', '53..7....6..195....98....6.8...6...34..8.3..17...2...6.6....28....419..5....8..79');
    expect(generated).toMatch(/^5 3 4 \| 6 7 8 \| 9 1 2 /m);
    expect(generated).toMatch(/^confidence: correct; 51 steps/m);
    expect(npx('web', '--check')).toMatch(/serves the app \(HTTP 200/);
    console.log(`npm ci ${installedAt} s, pack (prepack builds) → ${packedAt} s, install → ${consumerAt} s, all → ${lap()} s; tarball ${(packed.size / 1e6).toFixed(1)} MB, ${(packed.unpackedSize / 1e6).toFixed(1)} MB unpacked, ${paths.length} files`);
  });
});
