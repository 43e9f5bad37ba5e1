/**
 * Seeded pseudo-random numbers.
 *
 * `Rng` is xoshiro128** (32-bit state words, so it runs on plain JS integers without BigInt),
 * seeded through splitmix32. One `Rng` per decoded sequence (spec D7): a sequence's draws never
 * depend on what else is in the batch. `fork(label)` derives an independent child stream, so a
 * caller can hand sub-tasks their own generators without consuming the parent's sequence.
 *
 * `hashUniform` is counter-based: a pure function of (key, stream, index). Backends use it for
 * the per-vocabulary Gumbel noise of token sampling, so the same noise can be recomputed wherever
 * the logits live (JS rows here, an in-graph head later) without shipping V uniforms per position.
 */

function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [next, z >>> 0];
}

/** A 32-bit avalanche mix (lowbias32); bijective on uint32. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/** Uniform double in [0, 1) with 53 random bits, a pure function of its three uint32 arguments. */
export function hashUniform(key: number, stream: number, index: number): number {
  const base = mix32((key ^ Math.imul(stream, 0x9e3779b1)) >>> 0);
  const hi = mix32((base ^ Math.imul(index + 1, 0x85ebca77)) >>> 0);
  const lo = mix32((hi + 0x165667b1) >>> 0);
  return ((hi >>> 0) * 2097152 + (lo >>> 11)) / TWO_POW_53;
}

export class Rng {
  private readonly s = new Uint32Array(4);

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Rng: seed must be a finite number, got ${seed}`);
    // Fold the full double into 32 bits so that seeds above 2^32 still differ.
    let st = (Math.floor(seed) ^ Math.floor(seed / TWO_POW_32)) | 0;
    for (let i = 0; i < 4; i++) {
      const [n, z] = splitmix32(st);
      st = n;
      this.s[i] = z;
    }
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
  }

  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  nextFloat64(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / TWO_POW_53;
  }

  /** Gumbel(0,1) noise with the reference's epsilons (spec §1). */
  nextGumbel(): number {
    return gumbelFromUniform(this.nextFloat64());
  }

  /** Uniform integer in [0, n). */
  nextInt(n: number): number {
    return Math.floor(this.nextFloat64() * n);
  }

  /** An independent child stream; does not advance this generator. */
  fork(label: number): Rng {
    const child = new Rng(0);
    for (let i = 0; i < 4; i++) child.s[i] = mix32((this.s[i] ^ mix32((label + i * 0x632be5ab) >>> 0)) >>> 0);
    if ((child.s[0] | child.s[1] | child.s[2] | child.s[3]) === 0) child.s[0] = 1;
    return child;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** G = −ln(−ln(u + 1e-10) + 1e-10), as the reference computes it. */
export function gumbelFromUniform(u: number): number {
  return -Math.log(-Math.log(u + 1e-10) + 1e-10);
}
