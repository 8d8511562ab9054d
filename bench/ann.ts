/**
 * Approximate (HNSW) against exact vector search at large sizes, on real-ish
 * vectors: the builtin embedder's section vectors of an index (the Python
 * docs), queried with the dev sets' queries embedded by the same model, and
 * synthetic rows made from them to reach 100k and 1M (each a pair of real
 * section vectors mixed, its non-zero dimensions jittered, normalised).
 *
 *   node --import tsx bench/ann.ts --db COPY.db --golden a.jsonl,b.jsonl [--sizes 0,100000,1000000] [--queries 100] [--factors 1,2,4]
 *     [--connectivity M] [--expansion-add N] [--expansion-search EF] [--quantization i8|f16|f32] [--max-build-s N]
 *
 * Size 0 is the index's own rows. Per size: exact (the store's path: usearch's
 * native scan, re-scored) p50/p95 CPU ms per query, HNSW build wall and CPU
 * time and RSS growth, then per candidate factor the approximate path's
 * (at least `minCandidates` in the last row, the default) p50/p95 CPU ms and recall@10 / recall@100 against exact, and the share of
 * queries whose top 10 equal exact's (ids and order). Each size in one
 * process, one after the other; the index's matrix is built first, exact is
 * measured before the graph build starts (it runs in timers).
 */
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BuiltinEmbedder } from '../src/embed/builtin/builtin.js';
import { gaussian, prng } from '../src/embed/builtin/linalg.js';
import { deserializeModel } from '../src/embed/builtin/model.js';
import { normalize } from '../src/embed/embedder.js';
import { DEFAULT_GRAPH, FlatVectorIndex, type GraphParams } from '../src/store/vector-index.js';
import { latency } from './lib/stats.js';

const { values } = parseArgs({
  options: {
    db: { type: 'string' },
    golden: { type: 'string' },
    sizes: { type: 'string', default: '0,100000' },
    queries: { type: 'string', default: '100' },
    factors: { type: 'string', default: '1,2,4' },
    connectivity: { type: 'string' },
    'expansion-add': { type: 'string' },
    'expansion-search': { type: 'string' },
    seed: { type: 'string', default: '11' },
    quantization: { type: 'string' },
    'max-build-s': { type: 'string', default: '1200' },
  },
});
if (!values.db || !values.golden) throw new Error('--db and --golden are required');

const db = new Database(values.db, { readonly: true });
const base = db.prepare('SELECT section_rowid AS rowid, vec FROM section_vectors ORDER BY section_rowid').all() as { rowid: number; vec: Buffer }[];
const modelBlob = db.prepare("SELECT value FROM kv WHERE key = 'blob:builtin-model'").pluck().get() as Buffer;
db.close();
const dims = base[0]!.vec.byteLength / 4;
const baseVecs = base.map((r) => new Float32Array(r.vec.buffer.slice(r.vec.byteOffset, r.vec.byteOffset + r.vec.byteLength)));
const embedder = new BuiltinEmbedder(deserializeModel(new Uint8Array(modelBlob)));
const texts = values.golden.split(',').flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { query: string }).query));
const queries = (await embedder.embed(texts.slice(0, Number(values.queries)))).map((v) => Float32Array.from(v));
const nz = (v: Float32Array) => v.reduce((n, x) => n + (x !== 0 ? 1 : 0), 0);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(`# ${base.length} section vectors × ${dims} dims (non-zero dims: mean ${mean(baseVecs.map(nz)).toFixed(0)}), ${queries.length} queries (non-zero dims: mean ${mean(queries.map(nz)).toFixed(0)})`);

/** Row i of a size-n set: the real rows first, then mixes of two real rows with their non-zero dimensions jittered. */
function* dataset(n: number, seed: number): Generator<{ rowid: number; vec: Uint8Array }> {
  const next = prng(seed);
  const g = gaussian(prng(seed + 1));
  for (let i = 0; i < n; i++) {
    if (i < baseVecs.length) {
      yield { rowid: base[i]!.rowid, vec: new Uint8Array(baseVecs[i]!.buffer) };
      continue;
    }
    const a = baseVecs[Math.floor(next() * baseVecs.length)]!;
    const b = baseVecs[Math.floor(next() * baseVecs.length)]!;
    const w = 0.2 + 0.3 * next();
    const v = new Float32Array(dims);
    for (let d = 0; d < dims; d++) {
      const x = a[d]! + w * b[d]!;
      v[d] = x === 0 ? 0 : x * (1 + 0.15 * g());
    }
    yield { rowid: 10_000_000 + i, vec: new Uint8Array(normalize(v).buffer) };
  }
}

function cpuMs(f: () => void): number {
  const t = process.cpuUsage();
  f();
  const d = process.cpuUsage(t);
  return (d.user + d.system) / 1000;
}

const fmt = (x: number, p = 2) => x.toFixed(p);
const rssMiB = () => process.memoryUsage().rss / 2 ** 20;

for (const size of values.sizes.split(',').map(Number)) {
  const n = size === 0 ? base.length : size;
  const approximate: Partial<GraphParams> = {
    ...(values.connectivity ? { connectivity: Number(values.connectivity) } : {}),
    ...(values['expansion-add'] ? { expansionAdd: Number(values['expansion-add']) } : {}),
    ...(values['expansion-search'] ? { expansionSearch: Number(values['expansion-search']) } : {}),
    ...(values.quantization ? { quantization: values.quantization as GraphParams['quantization'] } : {}),
  };
  const params = { ...DEFAULT_GRAPH, ...approximate };
  const index = new FlatVectorIndex(dims, { approximateFrom: 0, approximate });
  let t0 = performance.now();
  index.load(dataset(n, Number(values.seed)), n);
  const loadMs = performance.now() - t0;
  // the graph builds in timers: until then every search is the exact path
  const truth: number[][] = [];
  const exactCpu: number[] = [];
  for (const q of queries) index.search(q, 100); // warm-up
  for (const q of queries) {
    let top: { rowid: number }[] = [];
    exactCpu.push(cpuMs(() => (top = index.search(q, 100))));
    truth.push(top.map((h) => h.rowid));
  }
  if (index.approximate) throw new Error('graph ready before exact was measured');
  const rss0 = rssMiB();
  const cpu0 = process.cpuUsage();
  t0 = performance.now();
  const ex = latency(exactCpu);
  console.log(`\n## ${n.toLocaleString('en')} rows (load ${fmt(loadMs / 1000, 1)} s)`);
  console.log(`exact (native scan + re-score), top 100: CPU p50 ${fmt(ex.p50)} ms, p95 ${fmt(ex.p95)} ms, RSS ${fmt(rss0, 0)} MiB`);
  const deadline = performance.now() + Number(values['max-build-s']) * 1000;
  let shown = performance.now();
  while (!index.approximate && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    if (performance.now() - shown > 60_000) {
      shown = performance.now();
      const u = process.cpuUsage(cpu0);
      console.error(`build: ${index.graphProgress?.done} of ${n} rows, ${fmt((shown - t0) / 1000, 0)} s wall, ${fmt((u.user + u.system) / 1e6, 0)} s CPU, RSS ${fmt(rssMiB(), 0)} MiB`);
    }
  }
  const buildMs = performance.now() - t0;
  const c = process.cpuUsage(cpu0);
  const rss1 = rssMiB();
  if (!index.approximate) {
    const p = index.graphProgress;
    console.log(`HNSW build (M=${params.connectivity}, ef_add=${params.expansionAdd}, ${params.quantization}) stopped unfinished after ${fmt(buildMs / 1000, 1)} s wall, ${fmt((c.user + c.system) / 1e6, 1)} s CPU, ${p?.done ?? 0} of ${p?.of ?? n} rows in the graph (RSS +${fmt(rss1 - rss0, 0)} MiB)`);
    index.dispose();
    continue;
  }
  console.log(`HNSW build (M=${params.connectivity}, ef_add=${params.expansionAdd}, ef_search=${params.expansionSearch}, ${params.quantization}): ${fmt(buildMs / 1000, 1)} s wall, ${fmt((c.user + c.system) / 1e6, 1)} s CPU, RSS +${fmt(rss1 - rss0, 0)} MiB (matrix ${fmt((n * dims * 4) / 2 ** 20, 0)} MiB, RSS now ${fmt(rss1, 0)} MiB)`);
  console.log('\n| factor | k=10: candidates | CPU p50 | CPU p95 | recall@10 | same top 10 | k=100: candidates | CPU p50 | CPU p95 | recall@100 |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const runs = [...values.factors.split(',').map((f) => ({ factor: Number(f), min: 0 })), { factor: DEFAULT_GRAPH.candidateFactor, min: DEFAULT_GRAPH.minCandidates }];
  for (const { factor, min } of runs) {
    approximate.candidateFactor = factor;
    approximate.minCandidates = min;
    const row: string[] = [min ? `${factor}, at least ${min} (default)` : String(factor)];
    for (const k of [10, 100]) {
      const cpu: number[] = [];
      let hit = 0;
      let same = 0;
      for (const q of queries) index.search(q, k); // warm-up
      queries.forEach((q, i) => {
        let top: { rowid: number }[] = [];
        cpu.push(cpuMs(() => (top = index.search(q, k))));
        const want = truth[i]!.slice(0, k);
        const got = top.map((h) => h.rowid);
        const w = new Set(want);
        hit += got.filter((r) => w.has(r)).length / want.length;
        if (got.join() === want.join()) same++;
      });
      const l = latency(cpu);
      row.push(String(Math.min(n, Math.max(k * factor, k + 16, min))), fmt(l.p50), fmt(l.p95), fmt(hit / queries.length, 4));
      if (k === 10) row.push(`${same}/${queries.length}`);
    }
    console.log(`| ${row.join(' | ')} |`);
  }
  index.dispose();
}
