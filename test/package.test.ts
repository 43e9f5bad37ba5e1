/**
 * The package as a consumer gets it: `npm run build`, `npm pack`, the tarball unpacked into a
 * fresh project's node_modules, and both entries imported by name from real `.mjs` files run by
 * `node` (the README's "Use it from code" example among them).
 *
 * Installing: `npm install --offline <tarball>` cannot work here, since `npm ci` caches tarballs
 * but not the registry metadata npm needs to resolve the dependencies (ENOTCACHED). So the
 * tarball is unpacked as npm would (`package/` → node_modules/infogain) into a project under the
 * checkout's ignored tmp/ folder, and its dependencies resolve, as Node resolves any package,
 * through the parent folders' node_modules: the checkout's, which `npm ci` filled.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const work = join(root, 'tmp', `package-test-${process.pid}`);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The fenced js block of README's "Use it from code" section. */
function readmeExample(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.split('\n## ').find((s) => s.startsWith('Use it from code'));
  const block = section && /```js\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README.md: no ```js block under "## Use it from code"');
  return block[1];
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
console.log(JSON.stringify({ resolved: [import.meta.resolve('infogain'), import.meta.resolve('infogain/node')], samplers: SAMPLERS.length, a: a.text, b: b.text }));
`;

describe('the packed package', () => {
  it('installs from its tarball and both entries decode with a built-in model', { tags: ['slow'], timeout: 240_000 }, () => {
    const started = performance.now();
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'pipe' });
    const built = performance.now();
    mkdirSync(work, { recursive: true });
    const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: root, encoding: 'utf8' }));
    const paths: string[] = packed.files.map((f: { path: string }) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/node.js', 'dist/src/node.d.ts', 'models/sudoku/model.onnx', 'bin/infogain.js']));
    expect(paths.filter((p) => /^(test|training|bench|scripts)\//.test(p))).toEqual([]);
    const project = join(work, 'consumer');
    const installed = join(project, 'node_modules', 'infogain');
    mkdirSync(installed, { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { infogain: `file:../${packed.filename}` } }));
    execFileSync('tar', ['-xzf', join(work, packed.filename), '-C', installed, '--strip-components=1']);
    const unpacked = performance.now();
    writeFileSync(join(project, 'consumer.mjs'), CONSUMER);
    writeFileSync(join(project, 'readme.mjs'), readmeExample());
    const out = JSON.parse(execFileSync('node', ['consumer.mjs'], { cwd: project, encoding: 'utf8' }));
    expect(out.resolved).toEqual([`file://${installed}/dist/src/index.js`, `file://${installed}/dist/src/node.js`]);
    expect(out.samplers).toBe(13);
    expect(out.a).toMatch(/^[1-9]{81}$/);
    expect(out.b).toBe(out.a);
    const readme = execFileSync('node', ['readme.mjs'], { cwd: project, encoding: 'utf8' }).trim().split('\n');
    expect(readme.at(-1)).toMatch(/^[1-9]{81}$/);
    expect(readme.at(-2)).toMatch(/^\d+ forward calls$/);
    console.log(`build ${((built - started) / 1000).toFixed(1)} s, pack + unpack ${((unpacked - built) / 1000).toFixed(1)} s, tarball ${(packed.size / 1e6).toFixed(1)} MB`);
  });
});
