/**
 * The vector index choice, measured: the store's exact in-memory flat index
 * (src/store/vector-index.ts) against sqlite-vec's vec0 table, both
 * exact top-k by cosine over the same seeded unit vectors. Each step runs in
 * its own child process so RSS figures are the index's own.
 */
import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import * as sqliteVec from 'sqlite-vec';
import { gaussian, prng } from '../../src/embed/builtin/linalg.js';
import { normalize } from '../../src/embed/embedder.js';
import { FlatVectorIndex } from '../../src/store/vector-index.js';
import { latency, type Latency } from '../lib/stats.js';

/** flat: the store's index (usearch's native scan where it loads); flat-js: the same index held to its JS scan; sqlite-vec: the vec0 extension. */
export type VectorImpl = 'flat' | 'flat-js' | 'sqlite-vec';

/** Deterministic unit vectors; `salt` separates the data set from the queries. */
function* unitVectors(count: number, dims: number, seed: number): Generator<Float32Array> {
  const g = gaussian(prng(seed));
  for (let i = 0; i < count; i++) {
    const v = new Float32Array(dims);
    for (let d = 0; d < dims; d++) v[d] = g();
    yield normalize(v);
  }
}

const blob = (v: Float32Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

export interface PrepareResult {
  n: number;
  dims: number;
  /** Writing n vectors as the store does today (BLOB rows), ms. */
  flatWriteMs: number;
  flatFileBytes: number;
  /** Writing n vectors into a vec0 table, ms. */
  vecWriteMs: number;
  vecFileBytes: number;
}

/** Writes the same n vectors into a plain BLOB table (what the flat index loads from) and into a vec0 table. */
export async function prepareVectors(args: { n: number; dims: number; seed: number; flatDb: string; vecDb: string }): Promise<PrepareResult> {
  const flat = new Database(args.flatDb);
  flat.pragma('journal_mode = WAL');
  flat.exec('CREATE TABLE section_vectors (section_rowid INTEGER PRIMARY KEY, vec BLOB NOT NULL)');
  const insFlat = flat.prepare('INSERT INTO section_vectors (section_rowid, vec) VALUES (?, ?)');
  let t0 = performance.now();
  flat.transaction(() => {
    let rowid = 1;
    for (const v of unitVectors(args.n, args.dims, args.seed)) insFlat.run(rowid++, blob(v));
  })();
  const flatWriteMs = performance.now() - t0;
  flat.close();

  const vec = new Database(args.vecDb);
  sqliteVec.load(vec);
  vec.pragma('journal_mode = WAL');
  vec.exec(`CREATE VIRTUAL TABLE vectors USING vec0(embedding float[${args.dims}] distance_metric=cosine)`);
  const insVec = vec.prepare('INSERT INTO vectors (rowid, embedding) VALUES (?, ?)');
  t0 = performance.now();
  vec.transaction(() => {
    let rowid = 1;
    for (const v of unitVectors(args.n, args.dims, args.seed)) insVec.run(BigInt(rowid++), blob(v));
  })();
  const vecWriteMs = performance.now() - t0;
  vec.close();
  return { n: args.n, dims: args.dims, flatWriteMs, flatFileBytes: statSync(args.flatDb).size, vecWriteMs, vecFileBytes: statSync(args.vecDb).size };
}

export interface QueryResult {
  impl: VectorImpl;
  n: number;
  k: number;
  /** Flat: reading all vectors into memory. sqlite-vec: opening the file and loading the extension. ms. */
  loadMs: number;
  /** The first query after load, ms (sqlite-vec reads the file cold here). */
  firstQueryMs: number;
  /** Wall-clock time per query, ms. */
  latency: Latency;
  /** CPU time per query, ms. */
  cpu: Latency;
  /** RSS growth from just before load to after the queries, bytes. */
  rssGrowthBytes: number;
  peakRssBytes: number;
  /** Top-k rowids of the first queries, to check the two agree. */
  topIds: number[][];
}

/** Loads one implementation from the prepared file and times `queries` top-k queries (after a few warm-ups). */
export async function queryVectors(args: { impl: VectorImpl; db: string; n: number; dims: number; k: number; queries: number; seed: number }): Promise<QueryResult> {
  const queries = [...unitVectors(args.queries + 5, args.dims, args.seed + 7919)];
  const rss0 = process.memoryUsage().rss;
  let search: (q: Float32Array) => number[];
  const t0 = performance.now();
  let db: Database.Database;
  if (args.impl === 'flat' || args.impl === 'flat-js') {
    db = new Database(args.db, { readonly: true });
    const index = new FlatVectorIndex(args.dims, { native: args.impl === 'flat' });
    const count = db.prepare('SELECT COUNT(*) FROM section_vectors').pluck().get() as number;
    index.load(db.prepare('SELECT section_rowid AS rowid, vec FROM section_vectors').iterate() as Iterable<{ rowid: number; vec: Uint8Array }>, count);
    search = (q) => index.search(q, args.k).map((h) => h.rowid);
  } else {
    db = new Database(args.db, { readonly: true });
    sqliteVec.load(db);
    const stmt = db.prepare('SELECT rowid FROM vectors WHERE embedding MATCH ? AND k = ? ORDER BY distance').pluck();
    search = (q) => (stmt.all(blob(q), args.k) as (number | bigint)[]).map(Number);
  }
  const loadMs = performance.now() - t0;
  const t1 = performance.now();
  search(queries[0]!);
  const firstQueryMs = performance.now() - t1;
  for (const q of queries.slice(1, 5)) search(q);
  const samples: number[] = [];
  const cpuSamples: number[] = [];
  const topIds: number[][] = [];
  for (const q of queries.slice(5)) {
    const c0 = process.cpuUsage();
    const t = performance.now();
    const ids = search(q);
    samples.push(performance.now() - t);
    const c = process.cpuUsage(c0);
    cpuSamples.push((c.user + c.system) / 1000);
    if (topIds.length < 20) topIds.push(ids);
  }
  const rssGrowthBytes = process.memoryUsage().rss - rss0;
  db.close();
  return { impl: args.impl, n: args.n, k: args.k, loadMs, firstQueryMs, latency: latency(samples), cpu: latency(cpuSamples), rssGrowthBytes, peakRssBytes: process.resourceUsage().maxRSS * 1024, topIds };
}
