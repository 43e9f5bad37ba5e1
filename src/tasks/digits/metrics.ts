/**
 * Image-set statistics of the digits task, environment-neutral: diversity within a class and the
 * Fréchet distance between two sets of feature vectors (Heusel et al. 2017, "GANs Trained by a
 * Two Time-Scale Update Rule Converge to a Local Nash Equilibrium", the FID formula on the
 * judge's features):
 *
 *   FD = ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁^½ Σ₂ Σ₁^½)^½
 *
 * with unbiased covariances; the matrix square roots come from symmetric eigendecompositions
 * (cyclic Jacobi), negative eigenvalues of the PSD products (round-off) clamped to 0.
 */

/** Euclidean distance between two equal-length vectors. */
export function distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    s += d * d;
  }
  return Math.sqrt(s);
}

/**
 * Mean pairwise Euclidean distance within each class, averaged over the classes that have at
 * least two members (null if none has): a sampler that writes the same image for every request
 * of a class scores 0.
 */
export function withinClassDiversity(vectors: readonly ArrayLike<number>[], labels: readonly number[]): number | null {
  const byClass = new Map<number, ArrayLike<number>[]>();
  vectors.forEach((v, i) => byClass.set(labels[i], [...(byClass.get(labels[i]) ?? []), v]));
  const means: number[] = [];
  for (const vs of byClass.values()) {
    if (vs.length < 2) continue;
    let s = 0;
    let n = 0;
    for (let i = 0; i < vs.length; i++)
      for (let j = i + 1; j < vs.length; j++) {
        s += distance(vs[i], vs[j]);
        n++;
      }
    means.push(s / n);
  }
  return means.length ? means.reduce((a, b) => a + b, 0) / means.length : null;
}

/** Mean and unbiased covariance (row-major d×d) of n ≥ 2 vectors of dimension d. */
export function meanCov(vectors: readonly ArrayLike<number>[]): { mean: Float64Array; cov: Float64Array; d: number } {
  const n = vectors.length;
  if (n < 2) throw new Error(`Fréchet distance: needs at least 2 vectors per set, got ${n}`);
  const d = vectors[0].length;
  const mean = new Float64Array(d);
  for (const v of vectors) {
    if (v.length !== d) throw new Error(`Fréchet distance: vectors of dimensions ${d} and ${v.length}`);
    for (let i = 0; i < d; i++) mean[i] += v[i] / n;
  }
  const cov = new Float64Array(d * d);
  const c = new Float64Array(d);
  for (const v of vectors) {
    for (let i = 0; i < d; i++) c[i] = v[i] - mean[i];
    for (let i = 0; i < d; i++) for (let j = i; j < d; j++) cov[i * d + j] += (c[i] * c[j]) / (n - 1);
  }
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) cov[i * d + j] = cov[j * d + i];
  return { mean, cov, d };
}

/** Eigenvalues and eigenvectors (columns of `vectors`, row-major) of a symmetric d×d matrix. */
export function symmetricEigen(m: Float64Array, d: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(m);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < d; i++) {
      diag += a[i * d + i] * a[i * d + i];
      for (let j = i + 1; j < d; j++) off += a[i * d + j] * a[i * d + j];
    }
    if (off <= 1e-30 * Math.max(diag, 1e-300)) break;
    for (let p = 0; p < d; p++)
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q];
        if (apq === 0) continue;
        const theta = (a[q * d + q] - a[p * d + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = a[k * d + p];
          const akq = a[k * d + q];
          a[k * d + p] = c * akp - s * akq;
          a[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p * d + k];
          const aqk = a[q * d + k];
          a[p * d + k] = c * apk - s * aqk;
          a[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p];
          const vkq = v[k * d + q];
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
  }
  return { values: Float64Array.from({ length: d }, (_, i) => a[i * d + i]), vectors: v };
}

/** The PSD square root of a symmetric d×d matrix (negative eigenvalues clamped to 0). */
export function sqrtPsd(m: Float64Array, d: number): Float64Array {
  const { values, vectors } = symmetricEigen(m, d);
  const out = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    const s = Math.sqrt(Math.max(0, values[k]));
    if (s === 0) continue;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[i * d + j] += vectors[i * d + k] * s * vectors[j * d + k];
  }
  return out;
}

function matmul(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let k = 0; k < d; k++) {
      const x = a[i * d + k];
      if (x === 0) continue;
      for (let j = 0; j < d; j++) out[i * d + j] += x * b[k * d + j];
    }
  return out;
}

/** The Fréchet distance between Gaussians fitted to two sets of vectors (each ≥ 2 vectors). */
export function frechetDistance(a: readonly ArrayLike<number>[], b: readonly ArrayLike<number>[]): number {
  const A = meanCov(a);
  const B = meanCov(b);
  if (A.d !== B.d) throw new Error(`Fréchet distance: feature dimensions ${A.d} and ${B.d} differ`);
  const d = A.d;
  let mu = 0;
  let tr = 0;
  for (let i = 0; i < d; i++) {
    mu += (A.mean[i] - B.mean[i]) ** 2;
    tr += A.cov[i * d + i] + B.cov[i * d + i];
  }
  const s1 = sqrtPsd(A.cov, d);
  const inner = matmul(matmul(s1, B.cov, d), s1, d);
  // symmetrize against round-off before the eigendecomposition
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) inner[i * d + j] = inner[j * d + i] = (inner[i * d + j] + inner[j * d + i]) / 2;
  const { values } = symmetricEigen(inner, d);
  let cross = 0;
  for (const v of values) cross += Math.sqrt(Math.max(0, v));
  // ≥ 0 mathematically; round-off can leave a tiny negative
  return Math.max(0, mu + tr - 2 * cross);
}
