import { describe, expect, it } from 'vitest';
import { exactDot, FlatVectorIndex, nativeExactSearch } from './vector-index.js';

/** Deterministic pseudo-random numbers (mulberry32), so a failure reproduces. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function rows(n: number, dims: number, next: () => number): { rowid: number; vec: Uint8Array }[] {
  return Array.from({ length: n }, (_, i) => {
    const v = Float32Array.from({ length: dims }, () => next() - 0.5);
    return { rowid: 1000 + i * 3, vec: new Uint8Array(v.buffer) };
  });
}

/** The answer by definition: every dot product, sorted best first, ties by rowid. */
function bruteForce(data: { rowid: number; vec: Uint8Array }[], query: Float32Array, limit: number, allow?: Set<number>) {
  return data
    .filter((r) => !allow || allow.has(r.rowid))
    .map((r) => {
      const v = new Float32Array(r.vec.buffer, r.vec.byteOffset, query.length);
      let dot = 0;
      for (let d = 0; d < query.length; d++) dot += v[d]! * query[d]!;
      return { rowid: r.rowid, score: dot };
    })
    .sort((a, b) => b.score - a.score || a.rowid - b.rowid)
    .slice(0, limit);
}

it('loads the native exact search on this machine (usearch ships a Linux x64 build)', () => {
  expect(nativeExactSearch()).not.toBeNull();
});

describe.each([
  ['native scan where it loads', true],
  ['JS scan', false],
])('FlatVectorIndex (%s)', (_, native) => {
  const dims = 24;
  const next = random(7);
  const data = rows(500, dims, next);
  const index = new FlatVectorIndex(dims, { native });
  index.load(data, 10); // fewer expected than given: the index must grow

  const dense = Float32Array.from({ length: dims }, () => next() - 0.5);
  const sparse = new Float32Array(dims);
  for (const d of [1, 5, 6, 17]) sparse[d] = next() - 0.5;

  it.each([
    ['a dense query', dense],
    ['a sparse query (scanned over its non-zero dimensions)', sparse],
  ])('answers %s exactly as a brute-force scan does', (_, query) => {
    const got = index.search(query, 20);
    const want = bruteForce(data, query, 20);
    expect(got.map((h) => h.rowid)).toEqual(want.map((h) => h.rowid));
    got.forEach((h, i) => expect(h.score).toBeCloseTo(want[i]!.score, 5));
  });

  it('scores a native hit exactly as exactDot does (the order pgvector hits are put in)', () => {
    if (!native) return;
    for (const query of [dense, sparse]) {
      for (const h of index.search(query, 50)) {
        const row = data.find((r) => r.rowid === h.rowid)!;
        expect(Object.is(h.score, exactDot(query, new Float32Array(row.vec.buffer, row.vec.byteOffset, dims)))).toBe(true);
      }
    }
  });

  it('restricts both scans to the allowed rows', () => {
    const allow = new Set(data.filter((_, i) => i % 7 === 0).map((r) => r.rowid));
    for (const query of [dense, sparse]) {
      const got = index.search(query, 10, allow);
      expect(got.every((h) => allow.has(h.rowid))).toBe(true);
      expect(got.map((h) => h.rowid)).toEqual(bruteForce(data, query, 10, allow).map((h) => h.rowid));
    }
  });

  it('breaks ties by rowid, and a limit of 0 returns nothing', () => {
    const same = new Float32Array(dims).fill(0.25);
    const tied = [5, 3, 9].map((rowid) => ({ rowid, vec: new Uint8Array(same.slice().buffer) }));
    const small = new FlatVectorIndex(dims, { native });
    small.load(tied, 3);
    const q = new Float32Array(dims);
    q[2] = 1;
    expect(small.search(q, 3).map((h) => h.rowid)).toEqual([3, 5, 9]);
    expect(small.search(q, 0)).toEqual([]);
    expect(small.size).toBe(3);
    // at the cut of a full heap too: the lowest rowids of a tie are kept, whatever the scan order
    const many = [40, 7, 22, 3, 15, 31].map((rowid) => ({ rowid, vec: new Uint8Array(same.slice().buffer) }));
    small.load(many, 6);
    expect(small.search(q, 2).map((h) => h.rowid)).toEqual([3, 7]);
  });

  it('applies a change (rows dropped, changed, added) to answer as a fresh load of the new rows does', () => {
    const next = random(7);
    const before = rows(400, dims, next);
    const index = new FlatVectorIndex(dims, { native });
    index.load(before, before.length);
    // drop every fifth row, replace every seventh with a new vector, add 50 new rows
    const dropped = before.filter((_, i) => i % 5 === 0).map((r) => r.rowid);
    const replaced = before.filter((_, i) => i % 7 === 0 && i % 5 !== 0).map((r) => ({ rowid: r.rowid, vec: rows(1, dims, next)[0]!.vec }));
    const added = rows(50, dims, next).map((r) => ({ ...r, rowid: r.rowid + 100_000 }));
    index.apply([...dropped, ...replaced.map((r) => r.rowid), ...added.map((r) => r.rowid)], [...replaced, ...added]);
    const after = [...before.filter((r) => !dropped.includes(r.rowid) && !replaced.some((x) => x.rowid === r.rowid)), ...replaced, ...added];
    expect(index.size).toBe(after.length);
    const fresh = new FlatVectorIndex(dims, { native });
    fresh.load([...after].sort((a, b) => a.rowid - b.rowid), after.length);
    for (let k = 0; k < 10; k++) {
      const q = Float32Array.from({ length: dims }, () => next() - 0.5);
      expect(index.search(q, 10).map((h) => h.rowid)).toEqual(bruteForce(after, q, 10).map((h) => h.rowid));
      expect(index.search(q, 10)).toEqual(fresh.search(q, 10));
    }
  });
});
