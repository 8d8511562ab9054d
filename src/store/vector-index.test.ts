import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { APPROXIMATE_FROM, exactDot, FlatVectorIndex, nativeExactSearch } from './vector-index.js';

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

describe('FlatVectorIndex above the approximate threshold (usearch HNSW, re-scored exactly)', () => {
  const dims = 64;

  /** 40 fixed topics: the dense rows gather around them, as documents' embeddings do. */
  const topicSource = random(99);
  const topics = Array.from({ length: 40 }, () => Float32Array.from({ length: dims }, () => topicSource() - 0.5));

  /**
   * Half dense rows (a topic plus as much noise again), half sparse (8 of 64
   * dimensions set, as the builtin embedder's query vectors are mostly
   * zeros), unit length.
   */
  function mixed(n: number, next: () => number, rowidFrom = 1): { rowid: number; vec: Uint8Array }[] {
    return Array.from({ length: n }, (_, i) => {
      const v = new Float32Array(dims);
      if (i % 2 === 0) {
        const topic = topics[Math.floor(next() * topics.length)]!;
        for (let d = 0; d < dims; d++) v[d] = topic[d]! + next() - 0.5;
      } else for (let k = 0; k < 8; k++) v[Math.floor(next() * dims)] = next() - 0.3;
      let norm = 0;
      for (const x of v) norm += x * x;
      for (let d = 0; d < dims; d++) v[d] = v[d]! / Math.sqrt(norm || 1);
      return { rowid: rowidFrom + i * 2, vec: new Uint8Array(v.buffer) };
    });
  }

  function queries(n: number, next: () => number): Float32Array[] {
    return mixed(n, next, 0).map((r) => new Float32Array(r.vec.buffer));
  }

  async function ready(index: FlatVectorIndex): Promise<void> {
    for (let i = 0; i < 600 && !index.approximate; i++) await new Promise((r) => setTimeout(r, 10));
    expect(index.approximate).toBe(true);
  }

  /** How many queries get exactly the brute-force top 10 (ids and order). */
  function agreeing(index: FlatVectorIndex, data: { rowid: number; vec: Uint8Array }[], qs: Float32Array[]): number {
    return qs.filter((q) => index.search(q, 10).map((h) => h.rowid).join() === bruteForce(data, q, 10).map((h) => h.rowid).join()).length;
  }

  it('answers unfiltered queries through the graph, with the exact top 10 for at least 98% of queries', async () => {
    const next = random(11);
    const data = mixed(6000, next);
    const index = new FlatVectorIndex(dims, { approximateFrom: 5000 });
    index.load(data, data.length);
    expect(index.approximate).toBe(false); // built in the background: exact until then
    await ready(index);
    const qs = queries(200, next);
    expect(agreeing(index, data, qs)).toBeGreaterThanOrEqual(196);
    // scores are the exact scores (re-scored in double precision), not the graph's
    const q = qs[0]!;
    const got = index.search(q, 10);
    bruteForce(data, q, 10).forEach((h, i) => expect(got[i]!.score).toBeCloseTo(h.score, 6));
    index.dispose();
    expect(index.approximate).toBe(false);
  });

  it('follows incremental changes: dropped rows are gone, replaced and added rows are found', async () => {
    const next = random(12);
    const before = mixed(6000, next);
    const index = new FlatVectorIndex(dims, { approximateFrom: 5000 });
    index.load(before, before.length);
    await ready(index);
    const dropped = before.filter((_, i) => i % 9 === 0).map((r) => r.rowid);
    const replaced = before.filter((_, i) => i % 13 === 0 && i % 9 !== 0).map((r, k) => ({ rowid: r.rowid, vec: mixed(1, random(1000 + k))[0]!.vec }));
    const added = mixed(300, next, 1_000_001);
    index.apply([...dropped, ...replaced.map((r) => r.rowid), ...added.map((r) => r.rowid)], [...replaced, ...added]);
    const after = [...before.filter((r) => !dropped.includes(r.rowid) && !replaced.some((x) => x.rowid === r.rowid)), ...replaced, ...added];
    expect(index.size).toBe(after.length);
    expect(index.approximate).toBe(true);
    const gone = new Set(dropped);
    for (const r of [...replaced.slice(0, 20), ...added.slice(0, 20)]) {
      const q = new Float32Array(r.vec.buffer);
      const top = index.search(q, 10);
      expect(top[0]!.rowid).toBe(r.rowid); // a row's own vector finds it first
      expect(top.some((h) => gone.has(h.rowid))).toBe(false);
    }
    expect(agreeing(index, after, queries(200, next))).toBeGreaterThanOrEqual(196);
    // a large change goes into the graph in the background: exact until it is in
    const many = mixed(1500, next, 3_000_001);
    index.apply(many.map((r) => r.rowid), many);
    expect(index.approximate).toBe(false);
    await ready(index);
    for (const r of many.slice(0, 20)) expect(index.search(new Float32Array(r.vec.buffer), 1)[0]!.rowid).toBe(r.rowid);
    index.apply(many.map((r) => r.rowid), []);
    // below the threshold again: the graph is dropped, answers are exact
    index.apply(after.slice(0, 2000).map((r) => r.rowid), []);
    expect(index.approximate).toBe(false);
    const rest = after.slice(2000);
    for (const q of queries(20, next)) expect(index.search(q, 10).map((h) => h.rowid)).toEqual(bruteForce(rest, q, 10).map((h) => h.rowid));
  });

  it('hands its graph to the index that replaces it (a store reloading after a write), brought up to the new rows', async () => {
    const next = random(15);
    const before = mixed(6000, next);
    const old = new FlatVectorIndex(dims, { approximateFrom: 5000 });
    old.load(before, before.length);
    await ready(old);
    const dropped = new Set(before.filter((_, i) => i % 11 === 0).map((r) => r.rowid));
    const changed = before.filter((_, i) => i % 17 === 0 && i % 11 !== 0).map((r, k) => ({ rowid: r.rowid, vec: mixed(1, random(2000 + k))[0]!.vec }));
    const added = mixed(200, next, 2_000_001);
    const changedIds = new Set(changed.map((r) => r.rowid));
    const after = [...before.filter((r) => !dropped.has(r.rowid) && !changedIds.has(r.rowid)), ...changed, ...added].sort((a, b) => a.rowid - b.rowid);
    const fresh = new FlatVectorIndex(dims, { approximateFrom: 5000 });
    fresh.load(after, after.length);
    expect(fresh.approximate).toBe(false);
    fresh.adoptGraph(old);
    // taken over, not rebuilt: it already holds every unchanged row; the changed and new ones go in in the background
    const kept = after.length - changed.length - added.length;
    expect(fresh.graphProgress).toEqual({ done: kept, of: after.length });
    expect(old.approximate).toBe(false);
    await ready(fresh);
    expect(fresh.graphProgress).toEqual({ done: after.length, of: after.length });
    for (const r of [...changed.slice(0, 20), ...added.slice(0, 20)]) {
      const top = fresh.search(new Float32Array(r.vec.buffer), 10);
      expect(top[0]!.rowid).toBe(r.rowid);
      expect(top.some((h) => dropped.has(h.rowid))).toBe(false);
    }
    expect(agreeing(fresh, after, queries(200, next))).toBeGreaterThanOrEqual(196);
    // the old index, without its graph, still answers exactly
    const q = queries(1, next)[0]!;
    expect(old.search(q, 10).map((h) => h.rowid)).toEqual(bruteForce(before, q, 10).map((h) => h.rowid));
    fresh.dispose();
  });

  it('keeps filtered queries exact', async () => {
    const next = random(13);
    const data = mixed(6000, next);
    const index = new FlatVectorIndex(dims, { approximateFrom: 5000 });
    index.load(data, data.length);
    await ready(index);
    const allow = new Set(data.filter((_, i) => i % 3 === 0).map((r) => r.rowid));
    for (const q of queries(50, next)) expect(index.search(q, 10, allow).map((h) => h.rowid)).toEqual(bruteForce(data, q, 10, allow).map((h) => h.rowid));
    index.dispose();
  });

  it('stays exact below the threshold, when told never, and with the JS scan; starts the graph when a change crosses it', async () => {
    const next = random(14);
    const data = mixed(1200, next);
    const below = new FlatVectorIndex(dims, { approximateFrom: 1201 });
    below.load(data, data.length);
    const off = new FlatVectorIndex(dims, { approximateFrom: Infinity });
    off.load(data, data.length);
    const js = new FlatVectorIndex(dims, { approximateFrom: 0, native: false });
    js.load(data, data.length);
    await new Promise((r) => setTimeout(r, 300));
    for (const index of [below, off, js]) expect(index.approximate).toBe(false);
    below.apply([], mixed(1, next, 5_000_001));
    await ready(below);
    below.dispose();
  });

  describe('a graph kept in a file (graphFile): the next process loads it instead of building it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dg-graph-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const graphFiles = (base: string): string[] => readdirSync(dirname(base)).filter((f) => f.startsWith(basename(base) + '.') && f.endsWith('.usearch'));

    async function opened(data: { rowid: number; vec: Uint8Array }[], graphFile: string, dimensions = dims): Promise<FlatVectorIndex> {
      const index = new FlatVectorIndex(dimensions, { approximateFrom: 5000, graphFile });
      index.load(data, data.length);
      await ready(index);
      await index.graphSaved();
      return index;
    }

    it('saves a graph it built; an index over the same rows takes it whole, and answers as the built one does', async () => {
      const base = join(dir, 'same.db.hnsw');
      const next = random(21);
      const data = mixed(6000, next);
      const built = await opened(data, base);
      expect(built.graphOrigin).toEqual({ from: 'build', restored: 0, inserted: 6000 });
      expect(existsSync(base)).toBe(true);
      expect(graphFiles(base)).toHaveLength(1);
      const loaded = await opened(data, base);
      expect(loaded.graphOrigin).toEqual({ from: 'file', restored: 6000, inserted: 0 });
      const qs = queries(200, next);
      expect(agreeing(loaded, data, qs)).toBeGreaterThanOrEqual(196);
      for (const q of qs.slice(0, 20)) expect(loaded.search(q, 10)).toEqual(built.search(q, 10));
      built.dispose();
      loaded.dispose();
    });

    it('brings the saved graph up to rows that changed since: gone and re-embedded rows leave it, new ones go in', async () => {
      const base = join(dir, 'changed.db.hnsw');
      const next = random(22);
      const before = mixed(6000, next);
      (await opened(before, base)).dispose();
      const saved = graphFiles(base);
      const dropped = new Set(before.filter((_, i) => i % 10 === 0).map((r) => r.rowid));
      const changed = before.filter((_, i) => i % 15 === 1).map((r, k) => ({ rowid: r.rowid, vec: mixed(1, random(3000 + k))[0]!.vec }));
      const changedIds = new Set(changed.map((r) => r.rowid));
      const added = mixed(150, next, 5_000_001);
      const after = [...before.filter((r) => !dropped.has(r.rowid) && !changedIds.has(r.rowid)), ...changed, ...added];
      const index = await opened(after, base);
      expect(index.graphOrigin).toEqual({ from: 'file', restored: after.length - changed.length - added.length, inserted: changed.length + added.length });
      expect(index.graphProgress).toEqual({ done: after.length, of: after.length }); // the dropped rows left the graph
      for (const r of [...changed.slice(0, 20), ...added.slice(0, 20)]) {
        const top = index.search(new Float32Array(r.vec.buffer), 10);
        expect(top[0]!.rowid).toBe(r.rowid);
        expect(top.some((h) => dropped.has(h.rowid))).toBe(false);
      }
      expect(agreeing(index, after, queries(200, next))).toBeGreaterThanOrEqual(196);
      // 1,150 rows changed (≥ 1,000): saved again, and the earlier graph file is removed
      expect(graphFiles(base)).toHaveLength(1);
      expect(graphFiles(base)).not.toEqual(saved);
      index.dispose();
      // fewer changes are applied again by the next load, not saved
      const again = await opened([...after, ...mixed(10, next, 7_000_001)], base);
      expect(again.graphOrigin).toMatchObject({ from: 'file', inserted: 10 });
      again.dispose();
    });

    it('keeps the changes made while the saved graph is being read (they wait for it, then go in)', async () => {
      const base = join(dir, 'meanwhile.db.hnsw');
      const next = random(24);
      const data = mixed(6000, next);
      (await opened(data, base)).dispose();
      const index = new FlatVectorIndex(dims, { approximateFrom: 5000, graphFile: base });
      index.load(data, data.length);
      await new Promise((r) => setTimeout(r, 0)); // the first step has started reading the file
      const dropped = data.slice(0, 50).map((r) => r.rowid);
      const added = mixed(40, next, 9_000_001);
      index.apply([...dropped, ...added.map((r) => r.rowid)], added);
      await ready(index);
      expect(index.graphOrigin?.from).toBe('file');
      expect(index.graphProgress).toEqual({ done: data.length - 50 + 40, of: data.length - 50 + 40 });
      for (const r of added.slice(0, 20)) expect(index.search(new Float32Array(r.vec.buffer), 1)[0]!.rowid).toBe(r.rowid);
      index.dispose();
    });

    it('builds its own graph when the saved one is damaged, of another shape, or cannot be written (never crashes on it)', async () => {
      const base = join(dir, 'damaged.db.hnsw');
      const next = random(23);
      const data = mixed(6000, next);
      (await opened(data, base)).dispose();
      // a byte changed in the middle of the graph file: usearch would crash on some damage, so the file is checked first
      const file = join(dir, graphFiles(base)[0]!);
      const bytes = readFileSync(file);
      bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0xff;
      writeFileSync(file, bytes);
      const rebuilt = await opened(data, base);
      expect(rebuilt.graphOrigin).toEqual({ from: 'build', restored: 0, inserted: 6000 });
      expect(agreeing(rebuilt, data, queries(100, next))).toBeGreaterThanOrEqual(98);
      rebuilt.dispose();
      // rebuilt and saved again: loads now
      const loaded = await opened(data, base);
      expect(loaded.graphOrigin?.from).toBe('file');
      loaded.dispose();
      // a truncated manifest
      writeFileSync(base, readFileSync(base).subarray(0, 100));
      const fromTruncated = await opened(data, base);
      expect(fromTruncated.graphOrigin?.from).toBe('build');
      fromTruncated.dispose();
      // vectors of another size (another embedder) are another space: not loaded into it
      const narrow = Array.from({ length: 6000 }, (_, i) => ({ rowid: 1 + i * 2, vec: new Uint8Array(Float32Array.from({ length: 32 }, () => next() - 0.5).buffer) }));
      const other = await opened(narrow, base, 32);
      expect(other.graphOrigin?.from).toBe('build');
      other.dispose();
      // a folder that is not there: the graph is kept in memory, queries go through it as usual
      const nowhere = await opened(data, join(dir, 'missing', 'x.db.hnsw'));
      expect(nowhere.approximate).toBe(true);
      expect(agreeing(nowhere, data, queries(100, next))).toBeGreaterThanOrEqual(98);
      nowhere.dispose();
    });
  });

  it('takes its threshold from DOCGRAPH_ANN_MIN_ROWS when not given', () => {
    const was = process.env.DOCGRAPH_ANN_MIN_ROWS;
    try {
      process.env.DOCGRAPH_ANN_MIN_ROWS = '1234';
      expect(new FlatVectorIndex(dims).approximateFrom).toBe(1234);
      process.env.DOCGRAPH_ANN_MIN_ROWS = 'off';
      expect(new FlatVectorIndex(dims).approximateFrom).toBe(Infinity);
      delete process.env.DOCGRAPH_ANN_MIN_ROWS;
      expect(new FlatVectorIndex(dims).approximateFrom).toBe(APPROXIMATE_FROM);
      expect(new FlatVectorIndex(dims, { approximateFrom: 7 }).approximateFrom).toBe(7);
    } finally {
      if (was === undefined) delete process.env.DOCGRAPH_ANN_MIN_ROWS;
      else process.env.DOCGRAPH_ANN_MIN_ROWS = was;
    }
  });
});
