/** Small dense linear algebra for fitting the builtin model; row-major Float64Arrays. */

/** Deterministic PRNG (mulberry32) so fitted models are reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples from a uniform PRNG (Box–Muller). */
export function gaussian(rand: () => number): () => number {
  return () => {
    const u = Math.max(rand(), 1e-12);
    const v = rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

/** Columns projected out together (see orthonormalizeColumns). */
const BLOCK = 4;

/**
 * Orthonormalises the columns of an n×l matrix in place (modified Gram–Schmidt,
 * twice for stability). Works on a transposed copy so each column is
 * contiguous (a column walk of the row-major matrix misses the cache on every
 * element). Columns are taken BLOCK at a time: the earlier columns are
 * projected out of all of them in one walk, with one accumulator per column,
 * so a dot product no longer waits on the previous addition to the same sum.
 * Every column still sees the same operations in the same order, so the
 * result is bit for bit that of the column-at-a-time loop.
 */
export function orthonormalizeColumns(m: Float64Array, n: number, l: number): void {
  const t = new Float64Array(n * l); // t[j * n + i] = m[i * l + j]
  for (let i = 0; i < n; i++) for (let j = 0; j < l; j++) t[j * n + i] = m[i * l + j]!;
  for (let pass = 0; pass < 2; pass++) {
    for (let j0 = 0; j0 < l; j0 += BLOCK) {
      const width = Math.min(BLOCK, l - j0);
      if (width === BLOCK) {
        const [c0, c1, c2, c3] = [j0 * n, (j0 + 1) * n, (j0 + 2) * n, (j0 + 3) * n];
        for (let p = 0; p < j0; p++) {
          const cp = p * n;
          let d0 = 0;
          let d1 = 0;
          let d2 = 0;
          let d3 = 0;
          for (let i = 0; i < n; i++) {
            const x = t[cp + i]!;
            d0 += t[c0 + i]! * x;
            d1 += t[c1 + i]! * x;
            d2 += t[c2 + i]! * x;
            d3 += t[c3 + i]! * x;
          }
          for (let i = 0; i < n; i++) {
            const x = t[cp + i]!;
            t[c0 + i]! -= d0 * x;
            t[c1 + i]! -= d1 * x;
            t[c2 + i]! -= d2 * x;
            t[c3 + i]! -= d3 * x;
          }
        }
      }
      // within the block (and a last, narrower block from its first column): one column at a time
      for (let j = j0; j < j0 + width; j++) {
        const cj = j * n;
        for (let p = width === BLOCK ? j0 : 0; p < j; p++) {
          const cp = p * n;
          let dot = 0;
          for (let i = 0; i < n; i++) dot += t[cj + i]! * t[cp + i]!;
          for (let i = 0; i < n; i++) t[cj + i]! -= dot * t[cp + i]!;
        }
        let norm = 0;
        for (let i = 0; i < n; i++) norm += t[cj + i]! ** 2;
        norm = Math.sqrt(norm);
        const inv = norm > 1e-12 ? 1 / norm : 0;
        for (let i = 0; i < n; i++) t[cj + i]! *= inv;
      }
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < l; j++) m[i * l + j] = t[j * n + i]!;
}

/**
 * Eigen-decomposition of a symmetric l×l matrix by cyclic Jacobi rotations.
 * Returns eigenvalues (descending) and eigenvectors as columns of an l×l matrix.
 */
export function symmetricEigen(a: Float64Array, l: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(l * l);
  for (let i = 0; i < l; i++) v[i * l + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < l; p++) for (let q = p + 1; q < l; q++) off += m[p * l + q]! ** 2;
    if (off < 1e-20) break;
    for (let p = 0; p < l; p++) {
      for (let q = p + 1; q < l; q++) {
        const apq = m[p * l + q]!;
        if (Math.abs(apq) < 1e-30) continue;
        const theta = (m[q * l + q]! - m[p * l + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < l; k++) {
          const mkp = m[k * l + p]!;
          const mkq = m[k * l + q]!;
          m[k * l + p] = c * mkp - s * mkq;
          m[k * l + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < l; k++) {
          const mpk = m[p * l + k]!;
          const mqk = m[q * l + k]!;
          m[p * l + k] = c * mpk - s * mqk;
          m[q * l + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < l; k++) {
          const vkp = v[k * l + p]!;
          const vkq = v[k * l + q]!;
          v[k * l + p] = c * vkp - s * vkq;
          v[k * l + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = [...Array(l).keys()].sort((x, y) => m[y * l + y]! - m[x * l + x]! || x - y);
  const values = new Float64Array(l);
  const vectors = new Float64Array(l * l);
  order.forEach((src, dst) => {
    values[dst] = m[src * l + src]!;
    for (let k = 0; k < l; k++) vectors[k * l + dst] = v[k * l + src]!;
  });
  return { values, vectors };
}
