/**
 * IEEE 754 half precision, as onnxruntime hands float16 tensors to JavaScript: a Uint16Array of
 * the raw bits (onnxruntime-node 1.30 on Node 20), or a Float16Array where the runtime has one.
 * fp16 exports (the Qwen3 diffusion models' `model_fp16_fused.onnx`) may return float16 logits
 * and take a float16 attention mask.
 */

let table: Float32Array | null = null;

/** The float value of every 16-bit pattern, built once (256 KiB): a conversion is one lookup per element. */
function halfTable(): Float32Array {
  if (table) return table;
  table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    table[h] = exp === 0 ? sign * frac * 2 ** -24 : exp === 31 ? (frac ? NaN : sign * Infinity) : sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return table;
}

/**
 * Write the values of a float16 tensor's data (raw bits or a Float16Array) into `out` from `offset`.
 * Anything else with numeric elements (a Float32Array) is copied as it is.
 */
export function copyAsFloat32(data: ArrayLike<number>, out: Float32Array, offset = 0): void {
  if (data instanceof Uint16Array) {
    const t = halfTable();
    for (let i = 0; i < data.length; i++) out[offset + i] = t[data[i]];
  } else if (data instanceof Float32Array) out.set(data, offset);
  else for (let i = 0; i < data.length; i++) out[offset + i] = data[i];
}

/**
 * The float16 bits of the most negative finite half, −65504: a float16 additive mask's "blocked"
 * (−1e9, the float32 exports' value, is −∞ in half precision; a finite value keeps a fully blocked
 * row, which the block-causal pattern never has, from turning softmax into NaN).
 */
export const HALF_LOWEST_BITS = 0xfbff;
