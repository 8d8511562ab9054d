import { createRequire } from 'node:module';
import type * as Usearch from 'usearch';

/**
 * An exact (flat) in-memory vector index over the vectors a store holds (SQLite, PostgreSQL): one
 * contiguous Float32Array, scanned with a dot product (vectors are unit
 * length, so this is cosine). At 100k × 384 a dense scan is ~40 ms on one
 * core, which keeps p95 under budget without an approximate index's recall
 * loss; docs/benchmarks.md has the measurement behind this choice.
 *
 * A query that is mostly zeros is scanned over its non-zero dimensions only.
 * The builtin embedder's queries are such: the hashed lexical part holds only
 * the query's own terms, so ~70 of 384 dimensions are set and a scan does a
 * fifth of the work (2–3× faster, measured). The result is the same exact search.
 *
 * Where usearch's native build loads (prebuilt for Linux, macOS and Windows;
 * see nativeExactSearch), an unfiltered query is scanned there instead: the
 * same exact brute-force search, with SIMD, ~4× faster than the scan below.
 * Its best `limit + NATIVE_MARGIN` rows are re-scored here in double
 * precision and ordered as the scan below orders them (ties by rowid), so
 * the two agree on the result. A filtered query (`allow`) and a machine without the native build
 * use the scan below.
 */
export class FlatVectorIndex {
  private matrix = new Float32Array(0);
  private rowids = new Float64Array(0);
  private count = 0;

  /** `native: false` keeps every query on the JS scan (the tests compare the two). */
  constructor(
    readonly dimensions: number,
    private readonly options: { native?: boolean } = {},
  ) {}

  get size(): number {
    return this.count;
  }

  /** Replaces the contents with the given rows. */
  load(rows: Iterable<{ rowid: number; vec: Uint8Array }>, expected: number): void {
    const dims = this.dimensions;
    this.matrix = new Float32Array(Math.max(expected, 1) * dims);
    this.rowids = new Float64Array(Math.max(expected, 1));
    let i = 0;
    for (const row of rows) {
      if (i >= expected) this.grow(i * 2 + 1);
      const src = new Float32Array(row.vec.buffer, row.vec.byteOffset, dims);
      this.matrix.set(src, i * dims);
      this.rowids[i] = row.rowid;
      i++;
    }
    this.count = i;
  }

  /**
   * Brings the index up to date with a change: every row in `changed` is
   * dropped, then each row of `rows` (the changed rows that still have a
   * vector) is added. A removed slot takes the last row, so the order of rows
   * changes; searches do not depend on it (ties go to the lower rowid).
   */
  apply(changed: Iterable<number>, rows: readonly { rowid: number; vec: Uint8Array }[]): void {
    const dims = this.dimensions;
    const drop = new Set(changed);
    if (drop.size > 0) {
      const slots: number[] = [];
      for (let i = 0; i < this.count; i++) if (drop.has(this.rowids[i]!)) slots.push(i);
      // from the highest slot down, so the row moved into a slot is never one still to be dropped
      for (let k = slots.length - 1; k >= 0; k--) {
        const slot = slots[k]!;
        const last = this.count - 1;
        if (slot !== last) {
          this.matrix.copyWithin(slot * dims, last * dims, (last + 1) * dims);
          this.rowids[slot] = this.rowids[last]!;
        }
        this.count--;
      }
    }
    for (const row of rows) {
      if (this.count >= this.rowids.length) this.grow(this.count * 2 + 1);
      this.matrix.set(new Float32Array(row.vec.buffer, row.vec.byteOffset, dims), this.count * dims);
      this.rowids[this.count] = row.rowid;
      this.count++;
    }
  }

  private grow(capacity: number): void {
    const m = new Float32Array(capacity * this.dimensions);
    m.set(this.matrix);
    const r = new Float64Array(capacity);
    r.set(this.rowids);
    this.matrix = m;
    this.rowids = r;
  }

  /**
   * Top `limit` rows by dot product with `query`, best first. `allow`, when
   * given, restricts the scan to those rowids.
   */
  search(query: Float32Array, limit: number, allow?: Set<number>): { rowid: number; score: number }[] {
    const dims = this.dimensions;
    const m = this.matrix;
    const native = allow || limit <= 0 || this.count === 0 || this.options.native === false ? undefined : nativeExactSearch();
    if (native) return this.rescore(query, native(m.subarray(0, this.count * dims), query, dims, Math.min(this.count, limit + NATIVE_MARGIN)), limit);
    const heap = new MinHeap(limit);
    let nonZero = 0;
    for (let d = 0; d < dims; d++) if (query[d] !== 0) nonZero++;
    if (nonZero <= dims * SPARSE_SHARE) {
      const at = new Int32Array(nonZero);
      const weight = new Float64Array(nonZero);
      for (let d = 0, j = 0; d < dims; d++) {
        if (query[d] === 0) continue;
        at[j] = d;
        weight[j++] = query[d]!;
      }
      const pairs = nonZero - (nonZero % 2);
      for (let i = 0; i < this.count; i++) {
        const rowid = this.rowids[i]!;
        if (allow && !allow.has(rowid)) continue;
        const base = i * dims;
        let a0 = 0;
        let a1 = 0;
        let j = 0;
        for (; j < pairs; j += 2) {
          a0 += m[base + at[j]!]! * weight[j]!;
          a1 += m[base + at[j + 1]!]! * weight[j + 1]!;
        }
        if (j < nonZero) a0 += m[base + at[j]!]! * weight[j]!;
        heap.push(rowid, a0 + a1);
      }
      return heap.sorted();
    }
    const body = dims - (dims % 4);
    for (let i = 0; i < this.count; i++) {
      const rowid = this.rowids[i]!;
      if (allow && !allow.has(rowid)) continue;
      // four accumulators let the CPU overlap the additions (~1.45x faster than one running sum);
      // the order of summation changes the score by ~1e-15 relative, never the ranking in practice
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      const base = i * dims;
      let d = 0;
      for (; d < body; d += 4) {
        a0 += m[base + d]! * query[d]!;
        a1 += m[base + d + 1]! * query[d + 1]!;
        a2 += m[base + d + 2]! * query[d + 2]!;
        a3 += m[base + d + 3]! * query[d + 3]!;
      }
      let dot = a0 + a1 + a2 + a3;
      for (; d < dims; d++) dot += m[base + d]! * query[d]!;
      heap.push(rowid, dot);
    }
    return heap.sorted();
  }

  /** The rows a native scan found, scored in double precision, best first, ties by rowid. */
  private rescore(query: Float32Array, rows: Iterable<number>, limit: number): { rowid: number; score: number }[] {
    const dims = this.dimensions;
    const m = this.matrix;
    // exactDot's sum (non-zero query dimensions in order), without a subarray and a zero test per row and dimension
    const at: number[] = [];
    for (let d = 0; d < dims; d++) if (query[d] !== 0) at.push(d);
    const out: { rowid: number; score: number }[] = [];
    for (const i of rows) {
      const base = i * dims;
      let dot = 0;
      for (let j = 0; j < at.length; j++) dot += m[base + at[j]!]! * query[at[j]!]!;
      out.push({ rowid: this.rowids[i]!, score: dot });
    }
    return out.sort((a, b) => b.score - a.score || a.rowid - b.rowid).slice(0, limit);
  }
}

/**
 * A dot product in double precision, summed in dimension order over the
 * query's non-zero dimensions: how a row found by another exact search
 * (usearch, pgvector) is scored, so its order matches this index's.
 */
export function exactDot(query: Float32Array, vec: Float32Array): number {
  let dot = 0;
  for (let d = 0; d < query.length; d++) if (query[d] !== 0) dot += vec[d]! * query[d]!;
  return dot;
}

/** Rows a native scan returns beyond the limit, so single-precision near-ties at the cut are settled in double precision. */
const NATIVE_MARGIN = 16;

type NativeScan = (matrix: Float32Array, query: Float32Array, dims: number, count: number) => Iterable<number>;
let native: NativeScan | null | undefined;

/**
 * usearch's exact (brute-force, SIMD) inner-product search, loaded on first
 * use; null where its native build does not load, and the JS scan is used.
 * DOCGRAPH_NATIVE_VECTORS=0 turns it off (to compare, or to rule it out).
 */
export function nativeExactSearch(): NativeScan | null {
  if (native !== undefined) return native;
  native = null;
  if (process.env.DOCGRAPH_NATIVE_VECTORS === '0') return native;
  try {
    const usearch = createRequire(import.meta.url)('usearch') as typeof Usearch;
    native = (matrix, query, dims, count) => {
      const found = usearch.exactSearch(matrix, query, dims, count, usearch.MetricKind.IP, 1) as { keys: BigUint64Array };
      return Array.from(found.keys, Number);
    };
  } catch {
    // no prebuilt binary for this platform and none built: the JS scan answers the same
  }
  return native;
}

/** At most this share of non-zero query dimensions, a scan visits only those. */
const SPARSE_SHARE = 0.5;

/** Fixed-capacity min-heap keeping the `capacity` highest scores. */
class MinHeap {
  private readonly ids: number[] = [];
  private readonly scores: number[] = [];
  constructor(private readonly capacity: number) {}

  push(id: number, score: number): void {
    if (this.capacity <= 0) return;
    if (this.ids.length < this.capacity) {
      this.ids.push(id);
      this.scores.push(score);
      this.up(this.ids.length - 1);
    } else if (score > this.scores[0]! || (score === this.scores[0]! && id < this.ids[0]!)) {
      // on a tie the lower rowid stays: the result does not depend on the order rows are scanned in
      this.ids[0] = id;
      this.scores[0] = score;
      this.down(0);
    }
  }

  sorted(): { rowid: number; score: number }[] {
    return this.ids
      .map((rowid, i) => ({ rowid, score: this.scores[i]! }))
      .sort((a, b) => b.score - a.score || a.rowid - b.rowid);
  }

  /** Whether the entry at `a` ranks below the one at `b` (the heap's root is the lowest: lowest score, then highest rowid). */
  private below(a: number, b: number): boolean {
    return this.scores[a]! < this.scores[b]! || (this.scores[a]! === this.scores[b]! && this.ids[a]! > this.ids[b]!);
  }

  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.below(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    const n = this.ids.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let s = i;
      if (l < n && this.below(l, s)) s = l;
      if (r < n && this.below(r, s)) s = r;
      if (s === i) return;
      this.swap(i, s);
      i = s;
    }
  }

  private swap(a: number, b: number): void {
    [this.ids[a], this.ids[b]] = [this.ids[b]!, this.ids[a]!];
    [this.scores[a], this.scores[b]] = [this.scores[b]!, this.scores[a]!];
  }
}
