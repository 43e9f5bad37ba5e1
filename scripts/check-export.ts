/**
 * Export check: run an exported model.onnx with onnxruntime-node on the input batches of a
 * reference JSON written by training/export_tiny.py (torch fp32 logits, and float64 logits of the
 * same weights), and assert that ORT matches torch:
 *
 *   |ORT − torch| ≤ atol + rtol·|torch| elementwise (atol = rtol = 1e-4 unless the JSON says otherwise)
 *
 * It prints max |Δlogit|, the largest |Δ| / (atol + rtol·|torch|) ("of tolerance"; ≤ 1 passes), the largest change of a softmax probability,
 * and, as context, how far torch fp32 and ORT each are from the float64 logits.
 *
 *   npx tsx scripts/check-export.ts <modelDir> <reference.json> [--same-as <alignedModelDir>]
 *
 * With --same-as (for a Dream-style model whose card says logitShift: true), it also undoes the shift
 * (aligned[0] = raw[0], aligned[i] = raw[i−1]) and checks that the result equals the other model's
 * logits exactly at every position ≥ 1, both run through onnxruntime.
 *
 * It also checks the card's attention kind against the graph: it changes the last token of the
 * longest reference row and compares rows. block-causal (size b): every row in an earlier block than
 * the changed position must be bit-identical and some row in its block must change; full: row 0 must
 * change. (For a logitShift model the rows are compared after undoing the shift.)
 * Exits 0 on success, 1 on a failed check, 2 on bad arguments.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';

interface RefCase { input_ids: number[][]; dims: number[]; logits: number[]; logits_f64?: number[] }
interface Reference { model: string; atol?: number; rtol?: number; tolerance?: number; cases: RefCase[] }
interface Card {
  vocabSize: number;
  maskId: number;
  logitShift?: boolean;
  attention?: { kind: 'full' } | { kind: 'block-causal'; blockSize: number };
}

const args = process.argv.slice(2);
const sameAsAt = args.indexOf('--same-as');
const sameAs = sameAsAt >= 0 ? args[sameAsAt + 1] : undefined;
const positional = sameAsAt >= 0 ? args.filter((_, i) => i !== sameAsAt && i !== sameAsAt + 1) : args;
if (positional.length !== 2 || (sameAsAt >= 0 && !sameAs)) {
  console.error('usage: npx tsx scripts/check-export.ts <modelDir> <reference.json> [--same-as <alignedModelDir>]');
  process.exit(2);
}
const [modelDir, refPath] = positional;

/** One line naming the problem, no stack trace: missing or malformed inputs exit 2, failed checks 1. */
function fail(message: string, code: number): never {
  console.error(`check-export: ${message}`);
  process.exit(code);
}
process.on('uncaughtException', (err) => fail(err instanceof Error ? err.message : String(err), 1));

function readJson<T>(path: string, what: string, hint = ''): T {
  if (!existsSync(path)) fail(`${path}: no such file (${what})${hint}`, 2);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    return fail(`${path}: not valid JSON (${what}): ${(err as Error).message}`, 2);
  }
}
for (const dir of [modelDir, ...(sameAs ? [sameAs] : [])])
  if (!existsSync(join(dir, 'model.onnx'))) fail(`${join(dir, 'model.onnx')}: no such file (the exported graph)`, 2);
const ref = readJson<Reference>(refPath, 'the torch reference logits',
  '; training/export_tiny.py --ref-dir and training/train.py (export-ref.json in the run directory) write it');
const card = readJson<Card>(join(modelDir, 'model.json'), 'the model card');
const atol = ref.atol ?? ref.tolerance ?? 1e-4;
const rtol = ref.rtol ?? 1e-4;
const fmt = (x: number) => x.toExponential(2);

async function open(dir: string): Promise<ort.InferenceSession> {
  const s = await ort.InferenceSession.create(join(dir, 'model.onnx'), { intraOpNumThreads: 1, interOpNumThreads: 1 });
  if (s.inputNames.length !== 1 || s.inputNames[0] !== 'input_ids' || !s.outputNames.includes('logits'))
    throw new Error(`${dir}: inputs [${s.inputNames}] outputs [${s.outputNames}], expected input_ids -> logits`);
  return s;
}

async function run(s: ort.InferenceSession, ids: number[][]): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const B = ids.length;
  const T = ids[0].length;
  const input = new ort.Tensor('int64', BigInt64Array.from(ids.flat(), (v) => BigInt(v)), [B, T]);
  const out = (await s.run({ input_ids: input })).logits;
  if (out.type !== 'float32') throw new Error(`logits are ${out.type}, expected float32`);
  return { data: out.data as Float32Array, dims: out.dims };
}

/** Largest |softmax(a) − softmax(b)| over all rows of V. */
function maxProbDelta(a: ArrayLike<number>, b: ArrayLike<number>, V: number): number {
  let worst = 0;
  for (let o = 0; o < a.length; o += V) {
    let ma = -Infinity;
    let mb = -Infinity;
    for (let v = 0; v < V; v++) { ma = Math.max(ma, a[o + v]); mb = Math.max(mb, b[o + v]); }
    let za = 0;
    let zb = 0;
    for (let v = 0; v < V; v++) { za += Math.exp(a[o + v] - ma); zb += Math.exp(b[o + v] - mb); }
    for (let v = 0; v < V; v++) worst = Math.max(worst, Math.abs(Math.exp(a[o + v] - ma) / za - Math.exp(b[o + v] - mb) / zb));
  }
  return worst;
}

const session = await open(modelDir);
const other = sameAs ? await open(sameAs) : undefined;
if (other && !card.logitShift) throw new Error('--same-as expects the checked model card to have logitShift: true');
const worst = { abs: 0, rel: 0, prob: 0, ortF64: 0, torchF64: 0, shift: 0 };
let allclose = true;
for (const [k, c] of ref.cases.entries()) {
  const { data, dims } = await run(session, c.input_ids);
  const [B, T, V] = c.dims;
  if (dims.join() !== c.dims.join()) throw new Error(`case ${k}: ORT dims [${dims}] vs torch [${c.dims}]`);
  if (V !== card.vocabSize) throw new Error(`case ${k}: logits V ${V} vs card vocabSize ${card.vocabSize}`);
  let abs = 0;
  let rel = 0;
  for (let i = 0; i < data.length; i++) {
    const d = Math.abs(data[i] - c.logits[i]);
    abs = Math.max(abs, d);
    rel = Math.max(rel, d / (atol + rtol * Math.abs(c.logits[i])));
    if (!(d <= atol + rtol * Math.abs(c.logits[i]))) allclose = false; // NaN fails too
  }
  const prob = maxProbDelta(data, c.logits, V);
  Object.assign(worst, { abs: Math.max(worst.abs, abs), rel: Math.max(worst.rel, rel), prob: Math.max(worst.prob, prob) });
  let line = `case ${k}: [${B}, ${T}, ${V}]  ORT vs torch: max |Δlogit| ${fmt(abs)} (${rel.toFixed(2)} of tolerance), max |Δp| ${fmt(prob)}`;
  if (c.logits_f64) {
    let o = 0;
    let t = 0;
    for (let i = 0; i < data.length; i++) {
      o = Math.max(o, Math.abs(data[i] - c.logits_f64[i]));
      t = Math.max(t, Math.abs(c.logits[i] - c.logits_f64[i]));
    }
    worst.ortF64 = Math.max(worst.ortF64, o);
    worst.torchF64 = Math.max(worst.torchF64, t);
    line += `; vs float64: ORT ${fmt(o)}, torch fp32 ${fmt(t)}`;
  }
  if (other) {
    const aligned = (await run(other, c.input_ids)).data;
    let s = 0;
    for (let b = 0; b < B; b++)
      for (let t = 1; t < T; t++)
        for (let v = 0; v < V; v++)
          s = Math.max(s, Math.abs(data[(b * T + t - 1) * V + v] - aligned[(b * T + t) * V + v]));
    worst.shift = Math.max(worst.shift, s);
    line += `; shifted vs ${sameAs} (positions ≥ 1) ${fmt(s)}`;
  }
  console.log(line);
}

// Attention structure: perturb the last token of the longest case's first row.
let structureOk = true;
{
  const longest = ref.cases.reduce((a, c) => (c.dims[1] > a.dims[1] ? c : a));
  const row = longest.input_ids[0].slice();
  const T = row.length;
  const V = card.vocabSize;
  if (T >= 2) {
    const changed = row.slice();
    changed[T - 1] = row[T - 1] === card.maskId ? (card.maskId + 5) % V : card.maskId;
    const [a, b] = [(await run(session, [row])).data, (await run(session, [changed])).data];
    // Output row that predicts position t (undo a Dream shift: position t ≥ 1 is raw row t−1).
    const rowOf = (t: number) => (card.logitShift ? Math.max(0, t - 1) : t);
    const diff = (t: number) => {
      let d = 0;
      for (let v = 0; v < V; v++) d = Math.max(d, Math.abs(a[rowOf(t) * V + v] - b[rowOf(t) * V + v]));
      return d;
    };
    const att = card.attention ?? { kind: 'full' };
    if (att.kind === 'block-causal') {
      const bs = att.blockSize;
      const lastBlockStart = Math.floor((T - 1) / bs) * bs;
      let before = 0;
      for (let t = 0; t < lastBlockStart; t++) before = Math.max(before, diff(t));
      let inside = 0;
      for (let t = lastBlockStart; t < T; t++) inside = Math.max(inside, diff(t));
      structureOk = before === 0 && inside > 0;
      console.log(`attention block-causal/${bs}: changing position ${T - 1} moves earlier blocks by ${before} ` +
        `(must be 0) and its own block by ${fmt(inside)} (must be > 0)`);
    } else {
      const d0 = diff(0);
      structureOk = d0 > 0;
      console.log(`attention full: changing position ${T - 1} moves position 0 by ${fmt(d0)} (must be > 0)`);
    }
  }
}

console.log(`${ref.model}: ORT vs torch over ${ref.cases.length} cases: max |Δlogit| ${fmt(worst.abs)}, ` +
  `${worst.rel.toFixed(2)} of tolerance, max |Δp| ${fmt(worst.prob)} (pass: |Δ| ≤ ${atol} + ${rtol}·|logit|: ${allclose})`);
if (ref.cases[0]?.logits_f64)
  console.log(`${ref.model}: distance to float64 logits: ORT ${fmt(worst.ortF64)}, torch fp32 ${fmt(worst.torchF64)}`);
if (other) console.log(`${ref.model}: after logitShift, max |Δ| vs ${sameAs} = ${fmt(worst.shift)} (must be 0)`);
if (!allclose || worst.shift !== 0 || !structureOk) {
  console.error('FAIL');
  process.exit(1);
}
console.log('OK');
