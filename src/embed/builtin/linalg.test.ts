import { describe, expect, it } from 'vitest';
import { gaussian, orthonormalizeColumns, prng } from './linalg.js';

/** Modified Gram–Schmidt one column at a time, twice, on the row-major matrix: the arithmetic the blocked version must repeat exactly. */
function reference(m: Float64Array, n: number, l: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < l; j++) {
      for (let p = 0; p < j; p++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += m[i * l + j]! * m[i * l + p]!;
        for (let i = 0; i < n; i++) m[i * l + j]! -= dot * m[i * l + p]!;
      }
      let norm = 0;
      for (let i = 0; i < n; i++) norm += m[i * l + j]! ** 2;
      norm = Math.sqrt(norm);
      const inv = norm > 1e-12 ? 1 / norm : 0;
      for (let i = 0; i < n; i++) m[i * l + j]! *= inv;
    }
  }
}

describe('orthonormalizeColumns', () => {
  it.each([
    [1, 1],
    [10, 3],
    [50, 4],
    [64, 9],
    [300, 80],
    [40, 40],
  ])('gives bit for bit the column-at-a-time result (%i × %i)', (n, l) => {
    const g = gaussian(prng(n * 1000 + l));
    const a = new Float64Array(n * l);
    for (let i = 0; i < a.length; i++) a[i] = g();
    // a repeated column: its remainder is zero and stays zero
    if (l > 2) for (let i = 0; i < n; i++) a[i * l + 2] = a[i * l]!;
    const b = Float64Array.from(a);
    orthonormalizeColumns(a, n, l);
    reference(b, n, l);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
  });

  it('returns orthonormal columns', () => {
    const [n, l] = [200, 10];
    const g = gaussian(prng(7));
    const a = new Float64Array(n * l);
    for (let i = 0; i < a.length; i++) a[i] = g();
    orthonormalizeColumns(a, n, l);
    for (let j = 0; j < l; j++) {
      for (let p = 0; p <= j; p++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += a[i * l + j]! * a[i * l + p]!;
        expect(dot).toBeCloseTo(p === j ? 1 : 0, 10);
      }
    }
  });
});
