/**
 * Cache-graph check: run MODEL_DIR/model.cache.onnx with onnxruntime-node on the canvases of a
 * reference JSON written by training/export_cache.py and assert, for each case and window [s, e):
 *
 *   1. the whole canvas as the window with an empty cache (P = 0) gives the reference logits;
 *   2. the window x[s:e] against the keys/values step 1 returned for every position outside it
 *      (a dual cache, given in the order [e, T) then [0, s) to show the order does not matter)
 *      gives the reference logits of rows [s, e), the canvas being unchanged;
 *   3. two rows sharing that one cache through cache_index give the same logits as one row.
 *
 * A Dream-style shifted model (the card's logitShift) returns raw logits whose row i predicts token
 * i + 1, so a window's last row would predict position e, outside the window: the decoder's shift
 * never reads it, and check 2 compares rows [s, e − 1) (all rows when e = T, where the plain graph's
 * last row is the same one).
 *
 *   npx tsx scripts/check-cache-graph.ts <modelDir> <reference.json>
 *
 * Tolerance |Δ| ≤ atol + rtol·|logit| (1e-4 each unless the JSON says otherwise), as scripts/check-export.ts.
 * Exits 0 on success, 1 on a failed check, 2 on bad arguments.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';

interface RefCase { input_ids: number[][]; dims: number[]; logits: number[]; windows: [number, number][] }
interface Reference { model: string; atol?: number; rtol?: number; cache: { layers: number; heads: number; headDim: number }; cases: RefCase[] }

const [modelDir, refPath, ...extra] = process.argv.slice(2);
if (!modelDir || !refPath || extra.length > 0) {
  console.error('usage: npx tsx scripts/check-cache-graph.ts <modelDir> <reference.json>');
  process.exit(2);
}
const graphPath = join(modelDir, 'model.cache.onnx');
const cardPath = join(modelDir, 'model.json');
for (const p of [graphPath, refPath, cardPath])
  if (!existsSync(p)) {
    console.error(`check-cache-graph: ${p}: no such file`);
    process.exit(2);
  }
const ref = JSON.parse(readFileSync(refPath, 'utf8')) as Reference;
const shifted = (JSON.parse(readFileSync(cardPath, 'utf8')) as { logitShift?: boolean }).logitShift === true;
const atol = ref.atol ?? 1e-4;
const rtol = ref.rtol ?? 1e-4;
const session = await ort.InferenceSession.create(graphPath, { intraOpNumThreads: 1 });

const int64 = (values: number[], dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), dims);

interface Present { key: ort.Tensor; value: ort.Tensor }

/** Run a window of one canvas (`rows` copies sharing cache 0) against a cache of positions `pastPositions`. */
async function runWindow(ids: number[], positions: number[], rows: number, past: { key: Float32Array; value: Float32Array; dims: number[] }, pastPositions: number[]) {
  const W = ids.length;
  const out = await session.run({
    input_ids: int64(Array.from({ length: rows }, () => ids).flat(), [rows, W]),
    position_ids: int64(Array.from({ length: rows }, () => positions).flat(), [rows, W]),
    cache_index: int64(new Array(rows).fill(0), [rows]),
    past_key: new ort.Tensor('float32', past.key, past.dims),
    past_value: new ort.Tensor('float32', past.value, past.dims),
    past_position_ids: int64(pastPositions, [1, pastPositions.length]),
  });
  return { logits: out.logits.data as Float32Array, present: { key: out.present_key, value: out.present_value } as Present };
}

/** Positions `keep` of a present tensor [L, 1, H, T, hd] as a past tensor [L, 1, H, P, hd]. */
function gather(t: ort.Tensor, keep: number[]): { data: Float32Array; dims: number[] } {
  const [L, , H, T, hd] = t.dims;
  const src = t.data as Float32Array;
  const data = new Float32Array(L * H * keep.length * hd);
  let o = 0;
  for (let l = 0; l < L; l++)
    for (let h = 0; h < H; h++)
      for (const p of keep) {
        const from = ((l * H + h) * T + p) * hd;
        data.set(src.subarray(from, from + hd), o);
        o += hd;
      }
  return { data, dims: [L, 1, H, keep.length, hd] };
}

let worst = 0;
let failed = false;
const check = (what: string, got: Float32Array, want: number[], offset: number) => {
  let d = 0;
  let ok = true;
  for (let i = 0; i < got.length; i++) {
    const delta = Math.abs(got[i] - want[offset + i]);
    d = Math.max(d, delta);
    if (!(delta <= atol + rtol * Math.abs(want[offset + i]))) ok = false; // NaN fails too
  }
  worst = Math.max(worst, d);
  if (!ok) {
    failed = true;
    console.error(`FAIL ${what}: max |Δlogit| ${d.toExponential(2)}, over ${atol} + ${rtol}·|logit|`);
  }
};

for (const [k, c] of ref.cases.entries()) {
  const ids = c.input_ids[0];
  const [, T, V] = c.dims;
  const all = Array.from({ length: T }, (_, i) => i);
  const full = await runWindow(ids, all, 1, emptyPast(), []);
  check(`case ${k}: whole canvas, empty cache`, full.logits, c.logits, 0);
  for (const [s, e] of c.windows) {
    if (s === 0 && e === T) continue;
    const outside = [...all.slice(e), ...all.slice(0, s)];
    const key = gather(full.present.key, outside);
    const value = gather(full.present.value, outside);
    const win = await runWindow(ids.slice(s, e), all.slice(s, e), 2, { key: key.data, value: value.data, dims: key.dims }, outside);
    const W = e - s;
    const used = shifted && e < T ? W - 1 : W; // a shifted window's last row predicts position e, outside it
    const rows = `rows [${s}, ${s + used})`;
    check(`case ${k}: window [${s}, ${e}) row 0, ${rows}`, win.logits.subarray(0, used * V), c.logits, s * V);
    check(`case ${k}: window [${s}, ${e}) row 1 (shared cache), ${rows}`, win.logits.subarray(W * V, (W + used) * V), c.logits, s * V);
  }
}

/** An empty cache (P = 0) of the graph's layer and head shape. */
function emptyPast(): { key: Float32Array; value: Float32Array; dims: number[] } {
  return { key: new Float32Array(0), value: new Float32Array(0), dims: [ref.cache.layers, 1, ref.cache.heads, 0, ref.cache.headDim] };
}

console.log(`${ref.model}: cache graph vs torch over ${ref.cases.length} cases${shifted ? ' (logitShift: the last row of a window ending before T not compared)' : ''}: max |Δlogit| ${worst.toExponential(2)} (pass: ≤ ${atol} + ${rtol}·|logit|)`);
if (failed) process.exit(1);
console.log('OK');
