import { createRequire } from 'node:module';
import type * as Usearch from 'usearch';
import { graphFileIntact, readGraphManifest, rowHash, writeGraphFiles } from './graph-file.js';

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
 *
 * From `approximateFrom` rows on (APPROXIMATE_FROM, 200,000), an exact scan
 * costs more than the budget allows (83 ms CPU per query at 1M rows), and the
 * index also keeps usearch's HNSW graph over the same rows (ApproximateGraph).
 * Once it is built, an unfiltered query takes max(4 × limit, 1600) candidates
 * from it and re-scores them here as above, so the result is exact search's
 * whenever its top `limit` were among the candidates (recall@100 0.998 with
 * 1600 candidates at 300k rows of the builtin embedder's vectors, 7 ms CPU
 * against exact's 21; 400 candidates gave 0.968 there and 0.910 at 1M; at 1M,
 * 1600 gave recall@10 0.985 and recall@100 0.962).
 */
export class FlatVectorIndex {
  private matrix = new Float32Array(0);
  private rowids = new Float64Array(0);
  private count = 0;
  /** The approximate (HNSW) index over the same rows, keyed by rowid; undefined below the threshold or without usearch. */
  private graph: ApproximateGraph | undefined;

  /**
   * `native: false` keeps every query on the JS scan (the tests compare the two).
   * `approximateFrom`: from this many rows on, unfiltered queries are answered
   * through an HNSW graph (see ApproximateGraph); default APPROXIMATE_FROM, or
   * DOCGRAPH_ANN_MIN_ROWS (a number, or `off`). Infinity keeps every query exact.
   */
  constructor(
    readonly dimensions: number,
    private readonly options: {
      native?: boolean;
      approximateFrom?: number;
      approximate?: Partial<GraphParams>;
      /**
       * Where the HNSW graph is kept between processes (store/graph-file.ts): a
       * new graph starts from the saved one, brought up to date, and a graph is
       * saved there once built or changed by SAVE_AFTER_CHANGES rows. Unset: every
       * process builds its own.
       */
      graphFile?: string;
    } = {},
  ) {}

  /** The row count from which unfiltered queries go through the HNSW graph. */
  get approximateFrom(): number {
    return this.options.approximateFrom ?? approximateFromEnv();
  }

  /** Whether unfiltered queries are answered through the HNSW graph now (it is built and current). */
  get approximate(): boolean {
    return this.graph?.ready === true;
  }

  /** Rows the graph holds and rows it will hold when built; undefined without a graph. */
  get graphProgress(): { done: number; of: number } | undefined {
    return this.graph ? { done: this.graph.size, of: this.count } : undefined;
  }

  /**
   * How the graph came to be: `file` when it started from the saved graph
   * (graphFile), with the rows it took from there and those it inserted
   * since; undefined before the first build step and without a graph.
   */
  get graphOrigin(): { from: 'file' | 'build'; restored: number; inserted: number } | undefined {
    return this.graph?.origin;
  }

  /** Resolves when the graph is not being saved to graphFile (at once without one). */
  async graphSaved(): Promise<void> {
    await this.graph?.saved();
  }

  /** Stops a graph build in progress and frees the graph: call when this index is replaced. Idempotent. */
  dispose(): void {
    this.graph?.dispose();
    this.graph = undefined;
  }

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
    this.dispose();
    this.syncGraph();
  }

  /**
   * Takes over `previous`'s graph, brought up to this index's rows (rows
   * gone removed, rows new or with another vector added), instead of building
   * one anew: a store that reloads its rows after a write (SQLite) keeps its
   * graph. The graph leaves `previous`, which stays exact; without a graph
   * there, or of other dimensions, nothing happens. Costs a comparison of
   * every row's bytes; the changed rows are inserted in the background, as a
   * build is (queries are exact until they are in).
   */
  adoptGraph(previous: FlatVectorIndex | undefined): void {
    const graph = previous?.graph;
    if (!previous || !graph || previous === this || previous.dimensions !== this.dimensions || this.count < this.approximateFrom) return;
    const dims = this.dimensions;
    const kept = new Set<number>();
    const changed: number[] = [];
    for (let slot = 0; slot < this.count; slot++) {
      const rowid = this.rowids[slot]!;
      const was = graph.slotOf.get(rowid);
      const same = was !== undefined && Buffer.compare(bytes(previous.matrix, was * dims, dims), bytes(this.matrix, slot * dims, dims)) === 0;
      if (same) kept.add(rowid);
      else changed.push(slot);
    }
    for (const rowid of [...graph.slotOf.keys()]) if (!kept.has(rowid)) graph.remove(rowid);
    previous.graph = undefined;
    this.graph?.dispose();
    this.graph = graph;
    graph.vectorAt = (slot) => this.matrix.subarray(slot * dims, (slot + 1) * dims);
    for (let slot = 0; slot < this.count; slot++) graph.slotOf.set(this.rowids[slot]!, slot);
    graph.addLater(Float64Array.from(changed, (slot) => this.rowids[slot]!));
  }

  /** Starts the graph when the index has reached the threshold, drops it when it has fallen below. */
  private syncGraph(): void {
    const from = this.approximateFrom;
    if (this.graph && this.count < from) this.dispose();
    if (this.graph || this.count < from || this.count === 0 || this.options.native === false) return;
    const usearch = loadUsearch();
    if (!usearch) return;
    this.graph = new ApproximateGraph(
      usearch,
      this.dimensions,
      { ...DEFAULT_GRAPH, ...this.options.approximate },
      this.rowids.slice(0, this.count),
      (slot) => this.matrix.subarray(slot * this.dimensions, (slot + 1) * this.dimensions),
      this.options.graphFile,
    );
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
    const graph = this.graph;
    if (drop.size > 0) {
      const slots: number[] = [];
      for (let i = 0; i < this.count; i++) if (drop.has(this.rowids[i]!)) slots.push(i);
      // from the highest slot down, so the row moved into a slot is never one still to be dropped
      for (let k = slots.length - 1; k >= 0; k--) {
        const slot = slots[k]!;
        const last = this.count - 1;
        graph?.remove(this.rowids[slot]!);
        if (slot !== last) {
          this.matrix.copyWithin(slot * dims, last * dims, (last + 1) * dims);
          this.rowids[slot] = this.rowids[last]!;
          graph?.slotOf.set(this.rowids[slot]!, slot);
        }
        this.count--;
      }
    }
    // a few rows go into the graph at once; a large change in the background, as a build (exact until then)
    const later = graph && rows.length > APPLY_AT_ONCE ? new Float64Array(rows.length) : undefined;
    rows.forEach((row, k) => {
      if (this.count >= this.rowids.length) this.grow(this.count * 2 + 1);
      const vec = new Float32Array(row.vec.buffer, row.vec.byteOffset, dims);
      this.matrix.set(vec, this.count * dims);
      this.rowids[this.count] = row.rowid;
      graph?.slotOf.set(row.rowid, this.count);
      if (later) later[k] = row.rowid;
      else graph?.add(row.rowid, this.matrix.subarray(this.count * dims, (this.count + 1) * dims));
      this.count++;
    });
    if (later) graph!.addLater(later);
    this.syncGraph();
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
    if (!allow && limit > 0 && this.graph?.ready) {
      // read at each search (the options object is the caller's), so a benchmark can compare factors on one graph
      const factor = this.options.approximate?.candidateFactor ?? this.graph.params.candidateFactor;
      const want = Math.min(this.count, Math.max(limit * factor, limit + NATIVE_MARGIN, this.options.approximate?.minCandidates ?? this.graph.params.minCandidates));
      const slotOf = this.graph.slotOf;
      const slots: number[] = [];
      for (const rowid of this.graph.search(query, want)) {
        const slot = slotOf.get(rowid);
        if (slot !== undefined) slots.push(slot);
      }
      return this.rescore(query, slots, limit);
    }
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

/** The bytes of `length` floats of a matrix from `at`, to compare rows. */
function bytes(m: Float32Array, at: number, length: number): Buffer {
  return Buffer.from(m.buffer, m.byteOffset + at * 4, length * 4);
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

/** Changed rows `apply` inserts into the graph at once (~0.3–1 ms each); more are inserted in the background. */
const APPLY_AT_ONCE = 1_000;

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
  const usearch = loadUsearch();
  if (usearch) {
    native = (matrix, query, dims, count) => {
      const found = usearch.exactSearch(matrix, query, dims, count, usearch.MetricKind.IP, 1) as { keys: BigUint64Array };
      return Array.from(found.keys, Number);
    };
  }
  return native;
}

let usearchModule: typeof Usearch | null | undefined;

/** usearch, loaded on first use; null where its native build does not load (then every search is the JS scan). */
function loadUsearch(): typeof Usearch | null {
  if (usearchModule !== undefined) return usearchModule;
  try {
    usearchModule = createRequire(import.meta.url)('usearch') as typeof Usearch;
  } catch {
    // no prebuilt binary for this platform and none built: the JS scan answers the same
    usearchModule = null;
  }
  return usearchModule;
}

/**
 * From this many rows on, unfiltered queries go through the HNSW graph
 * (docs/benchmarks.md, "Approximate search for large indexes": below it the
 * exact native scan is fast enough and costs no build).
 */
export const APPROXIMATE_FROM = 200_000;

/** DOCGRAPH_ANN_MIN_ROWS: a row count, or `off` (never approximate); unset, APPROXIMATE_FROM. */
function approximateFromEnv(): number {
  const raw = process.env.DOCGRAPH_ANN_MIN_ROWS?.trim().toLowerCase();
  if (!raw) return APPROXIMATE_FROM;
  if (raw === 'off' || raw === 'false' || raw === 'never') return Infinity;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : APPROXIMATE_FROM;
}

/** HNSW parameters (usearch's names in the comments). */
export interface GraphParams {
  /** Neighbours per node (connectivity, M). */
  connectivity: number;
  /** Beam width while inserting (expansion_add, efConstruction). */
  expansionAdd: number;
  /** Beam width while searching (expansion_search, ef); a search asking for more candidates widens it to that many. */
  expansionSearch: number;
  /** How the graph stores its copy of the vectors (the exact re-score reads the float32 matrix): f32, f16 (half the memory) or i8 (a quarter). */
  quantization: 'f32' | 'f16' | 'i8';
  /** Candidates fetched per result asked for, all re-scored exactly. */
  candidateFactor: number;
  /** Candidates fetched at least, whatever the limit (a small limit still searches a wide beam). */
  minCandidates: number;
  /** Milliseconds of the event loop one step of the background build may hold. */
  buildSliceMs: number;
}

/** Chosen from the measurements in docs/benchmarks.md (recall@10 and @100 against exact search). */
export const DEFAULT_GRAPH: GraphParams = { connectivity: 16, expansionAdd: 128, expansionSearch: 64, quantization: 'i8', candidateFactor: 4, minCandidates: 1600, buildSliceMs: 20 };

/**
 * usearch's HNSW index over an exact index's rows (inner product, keys are
 * rowids, its own copy of the vectors in int8 by default: it only proposes
 * candidates, the float32 matrix orders them), built in the background a
 * slice at a time so a load does not stall the process (queries stay exact
 * until it is ready), on a timer that is unref'd, so a CLI command that
 * searches once does not wait for it. Rows removed or added while it builds
 * are applied to it at once; the build skips rows no longer held.
 */
class ApproximateGraph {
  readonly slotOf = new Map<number, number>();
  private index: Usearch.Index;
  /** Rows to insert (when not held yet), from `next` on. */
  private pending: Float64Array | undefined;
  private next = 0;
  /** Rows to refresh before the inserts: removed when held, then inserted again when still a row (a saved graph's stale rows). */
  private refresh: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private disposed = false;
  /**
   * 'due': the first step looks for a saved graph (not the constructor: a graph
   * adopted from the previous index replaces this one before it runs);
   * 'running': it is being read (changes wait in `refresh`); 'done'.
   */
  private restoring: 'due' | 'running' | 'done';
  /** Rows inserted or removed since the graph was saved (or started). */
  private changedSinceSave = 0;
  /** The save writing its files now, if any (saves do not overlap). */
  private saving: Promise<void> | undefined;
  /** When this process last saved the graph (performance.now()), and the timer of a save put off until SAVE_INTERVAL_MS after it. */
  private lastSaveAt: number | undefined;
  /** When the graph last answered a query (a save waits for SAVE_WHEN_IDLE_MS without one). */
  private lastSearchAt = -Infinity;
  private saveTimer: NodeJS.Timeout | undefined;
  origin: { from: 'file' | 'build'; restored: number; inserted: number } | undefined;

  constructor(
    private readonly usearch: typeof Usearch,
    private readonly dimensions: number,
    readonly params: GraphParams,
    rowids: Float64Array,
    public vectorAt: (slot: number) => Float32Array,
    private readonly file?: string,
  ) {
    rowids.forEach((rowid, slot) => this.slotOf.set(rowid, slot));
    this.index = this.emptyIndex();
    this.pending = rowids;
    this.changedSinceSave = rowids.length;
    this.restoring = file !== undefined ? 'due' : 'done';
    this.schedule();
  }

  private emptyIndex(): Usearch.Index {
    const { usearch, params } = this;
    return new usearch.Index({
      dimensions: this.dimensions,
      metric: usearch.MetricKind.IP,
      quantization: { f32: usearch.ScalarKind.F32, f16: usearch.ScalarKind.F16, i8: usearch.ScalarKind.I8 }[params.quantization],
      connectivity: params.connectivity,
      expansion_add: params.expansionAdd,
      expansion_search: params.expansionSearch,
      multi: false,
    });
  }

  /** What a saved graph must have been built with to be taken: the same space and the same graph shape. */
  private get signature(): string {
    return `ip:${this.dimensions}:${this.params.quantization}:M${this.params.connectivity}:ef${this.params.expansionAdd}`;
  }

  get size(): number {
    return this.index.size();
  }

  get ready(): boolean {
    return this.pending === undefined && this.refresh.length === 0 && this.restoring === 'done' && !this.disposed;
  }

  private schedule(): void {
    this.timer = setTimeout(() => this.step(), 0);
    this.timer.unref();
  }

  /** Yields to the event loop between slices of the restore (an unref'd timer, as the build's). */
  private pause(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, 0).unref());
  }

  /**
   * Loads the saved graph (graphFile), when there is one of this shape and its
   * file is intact, and finds what changed since: the saved rows that are gone
   * or whose vector differs are refreshed (removed, and inserted again when
   * still a row), and `rowids` it does not hold are inserted. In slices, so
   * the process keeps answering (exactly) meanwhile; usearch reads the file in
   * one call (~0.2 s at 300k rows). Returns false when there is no graph to
   * take (then it is built as usual).
   */
  private async restore(rowids: Float64Array): Promise<boolean> {
    const manifest = this.file === undefined ? undefined : readGraphManifest(this.file);
    if (!manifest || manifest.signature !== this.signature || !(await graphFileIntact(manifest)) || this.disposed) return false;
    const index = this.emptyIndex();
    try {
      index.load(manifest.graphPath);
    } catch {
      return false;
    }
    if (index.size() !== manifest.rowids.length || index.dimensions() !== this.dimensions || index.connectivity() !== this.params.connectivity) return false;
    const saved = new Map<number, number>();
    manifest.rowids.forEach((rowid, i) => saved.set(rowid, i));
    const hash = new Uint32Array(2);
    const stale: number[] = [];
    const insert: number[] = [];
    let kept = 0;
    for (let i = 0; i < rowids.length; ) {
      const until = performance.now() + this.params.buildSliceMs;
      for (; i < rowids.length && (i % 64 !== 0 || performance.now() < until); i++) {
        const rowid = rowids[i]!;
        const slot = this.slotOf.get(rowid);
        if (slot === undefined) continue; // removed since the load: a change in `refresh` says so
        const at = saved.get(rowid);
        if (at === undefined) {
          insert.push(rowid);
          continue;
        }
        saved.delete(rowid);
        rowHash(this.vectorAt(slot), hash, 0);
        if (hash[0] === manifest.hashes[at * 2] && hash[1] === manifest.hashes[at * 2 + 1]) kept++;
        else stale.push(rowid);
      }
      await this.pause();
      if (this.disposed) return false;
    }
    // saved rows that are no rows now
    for (const rowid of saved.keys()) stale.push(rowid);
    this.index = index;
    this.refresh = [...stale, ...this.refresh];
    this.pending = Float64Array.from(insert);
    this.next = 0;
    this.origin = { from: 'file', restored: kept, inserted: 0 };
    this.changedSinceSave = stale.length + insert.length;
    return true;
  }

  /** Saves the graph (graphFile) when it has changed by SAVE_AFTER_CHANGES rows since the last save; a failed save leaves the graph as it is. */
  private maybeSave(): void {
    // a graph built here (every row new) is saved whatever its size; one restored or adopted, after enough changes
    const due = this.changedSinceSave > 0 && this.changedSinceSave >= Math.min(SAVE_AFTER_CHANGES, this.slotOf.size);
    if (this.file === undefined || this.disposed || this.saving || !due || this.index.size() !== this.slotOf.size || this.saveTimer) return;
    // usearch writes the whole graph in one call (0.5 s of the event loop at 300k rows, seconds at 1M on a slow
    // disk): at most one save per interval, and only once no query has come for a while
    const now = performance.now();
    const wait = Math.max(this.lastSaveAt === undefined ? 0 : this.lastSaveAt + SAVE_INTERVAL_MS - now, this.lastSearchAt + SAVE_WHEN_IDLE_MS - now);
    if (wait > 0) {
      this.saveTimer = setTimeout(() => {
        this.saveTimer = undefined;
        if (this.ready) this.maybeSave();
      }, wait);
      this.saveTimer.unref();
      return;
    }
    this.lastSaveAt = performance.now();
    const rowids = new Float64Array(this.slotOf.size);
    const hashes = new Uint32Array(rowids.length * 2);
    let i = 0;
    for (const [rowid, slot] of this.slotOf) {
      rowHash(this.vectorAt(slot), hashes, i);
      rowids[i++] = rowid;
    }
    const changes = this.changedSinceSave;
    this.saving = writeGraphFiles(this.file, this.signature, (path) => this.index.save(path), rowids, hashes)
      .then(
        () => void (this.changedSinceSave -= changes),
        // a read-only folder or a full disk: the graph stays in memory, and the next process builds its own
        () => undefined,
      )
      .finally(() => (this.saving = undefined));
  }

  /** Resolves when no save is writing (at once when none is). */
  async saved(): Promise<void> {
    await this.saving;
  }

  private step(): void {
    if (this.disposed || this.restoring === 'running') return; // the restore schedules the next step when it is done
    if (this.restoring === 'due') {
      this.restoring = 'running';
      const all = this.pending ?? new Float64Array(0);
      void this.restore(all)
        .catch(() => false)
        .then((restored) => {
          if (this.disposed) return;
          this.restoring = 'done';
          if (!restored) this.origin = { from: 'build', restored: 0, inserted: 0 };
          this.schedule();
        });
      return;
    }
    this.origin ??= { from: 'build', restored: 0, inserted: 0 };
    const until = performance.now() + this.params.buildSliceMs;
    let n = 0;
    // stale rows first (usearch's remove is the slow part: ~2 ms a row), then the inserts
    while (this.refresh.length > 0 && (n++ % 8 !== 0 || performance.now() < until)) {
      const rowid = this.refresh.pop()!;
      const key = BigInt(rowid);
      if (this.index.contains(key)) this.index.remove(key);
      const slot = this.slotOf.get(rowid);
      if (slot !== undefined) {
        this.index.add(key, this.vectorAt(slot), 0);
        this.origin.inserted++;
      }
    }
    const pending = this.pending;
    if (this.refresh.length === 0 && pending) {
      for (; this.next < pending.length && (n % 8 !== 0 || performance.now() < until); this.next++, n++) {
        const rowid = pending[this.next]!;
        const slot = this.slotOf.get(rowid);
        if (slot !== undefined && !this.index.contains(BigInt(rowid))) {
          this.index.add(BigInt(rowid), this.vectorAt(slot), 0);
          this.origin.inserted++;
        }
      }
      if (this.next >= pending.length) this.pending = undefined;
    }
    if (this.refresh.length === 0 && this.pending === undefined) this.maybeSave();
    else this.schedule();
  }

  /** Adds rows (held in slotOf) in the background, a slice at a time; not ready until they are in. */
  addLater(rowids: Float64Array): void {
    if (this.disposed || rowids.length === 0) return;
    this.changedSinceSave += rowids.length;
    if (this.restoring === 'running') {
      // the graph is being read from its file: these rows are looked at once it is in
      for (const rowid of rowids) this.refresh.push(rowid);
      return;
    }
    const rest = this.pending ? this.pending.subarray(this.next) : new Float64Array(0);
    const all = new Float64Array(rest.length + rowids.length);
    all.set(rest);
    all.set(rowids, rest.length);
    this.pending = all;
    this.next = 0;
    if (this.timer) clearTimeout(this.timer);
    this.schedule();
  }

  /** Adds a row (replacing it if held). */
  add(rowid: number, vec: Float32Array): void {
    if (this.disposed) return;
    this.changedSinceSave++;
    if (this.restoring === 'running') {
      this.refresh.push(rowid);
      return;
    }
    const key = BigInt(rowid);
    if (this.index.contains(key)) this.index.remove(key);
    this.index.add(key, vec, 0);
  }

  remove(rowid: number): void {
    this.slotOf.delete(rowid);
    if (this.disposed) return;
    this.changedSinceSave++;
    if (this.restoring === 'running') {
      this.refresh.push(rowid);
      return;
    }
    const key = BigInt(rowid);
    if (this.index.contains(key)) this.index.remove(key);
  }

  /** Rowids of the approximately nearest `count` rows. */
  search(query: Float32Array, count: number): number[] {
    this.lastSearchAt = performance.now();
    const found = this.index.search(query, count, 1);
    return Array.from(found.keys, Number);
  }

  dispose(): void {
    this.disposed = true;
    this.pending = undefined;
    this.refresh = [];
    if (this.timer) clearTimeout(this.timer);
    if (this.saveTimer) clearTimeout(this.saveTimer);
  }
}

/**
 * Rows inserted or removed since the last save after which a graph is saved
 * again (graphFile) once no insert is pending. Fewer are re-applied by the
 * next process that loads the saved graph (~0.5 ms a row), which costs less
 * than writing the whole graph again.
 */
const SAVE_AFTER_CHANGES = 1_000;

/**
 * A process saves its graph at most once in this long (its first save, after
 * a build or a restore, at once): a long re-ingest changes rows all the time,
 * and each save holds the event loop while usearch writes. The next process
 * re-applies what changed since, in the background.
 */
const SAVE_INTERVAL_MS = 10 * 60_000;

/** A save waits until the graph has answered no query for this long, so the write does not hold up queries in a burst. */
const SAVE_WHEN_IDLE_MS = 5_000;

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
