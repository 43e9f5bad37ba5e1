/** Cutting caches out of a cache graph's keys/values (see onnx-cache.ts for the layout). */
import type { CacheGraphCard } from './card.js';
import type { KvCache } from './denoiser.js';

/** Keys/values of `positions` only, from a cache holding a superset of them. */
export function selectKv(kv: KvCache, positions: readonly number[], shape: CacheGraphCard): KvCache {
  const { layers: L, heads: H, headDim: hd } = shape;
  const from = kv.positions.length;
  const index = new Map<number, number>();
  kv.positions.forEach((p, i) => index.set(p, i));
  const P = positions.length;
  const key = new Float32Array(L * H * P * hd);
  const value = new Float32Array(L * H * P * hd);
  positions.forEach((p, j) => {
    const i = index.get(p);
    if (i === undefined) throw new RangeError(`selectKv: position ${p} is not in the cache`);
    for (let lh = 0; lh < L * H; lh++) {
      key.set(kv.key.subarray((lh * from + i) * hd, (lh * from + i + 1) * hd), (lh * P + j) * hd);
      value.set(kv.value.subarray((lh * from + i) * hd, (lh * from + i + 1) * hd), (lh * P + j) * hd);
    }
  });
  return { positions: Int32Array.from(positions), key, value };
}
