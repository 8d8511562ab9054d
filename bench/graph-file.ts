/**
 * The HNSW graph kept beside the index (store/graph-file.ts): how long a new
 * process takes until its unfiltered vector queries go through the graph,
 * when it builds the graph (no saved one) and when it loads the saved one;
 * and the same after a small change to the rows (the saved graph brought up
 * to date). Vectors are unit-length, clustered around 200 topics (as
 * documents' embeddings are), 384 dimensions as the builtin embedder's.
 *
 *   node --import tsx bench/graph-file.ts [--rows 300000] [--dims 384] [--change 0.005]
 *
 * Each phase is a fresh FlatVectorIndex in this process (what a new process
 * does after it has read its rows); the longest event-loop stall of each
 * phase is reported too, from after the rows are in memory (the build and
 * the restore run in 20 ms slices; usearch's own save and load are one call
 * each).
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { FlatVectorIndex } from '../src/store/vector-index.js';
import { machineInfo } from './lib/machine.js';
import { mib, table } from './lib/stats.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '300000' }, dims: { type: 'string', default: '384' }, change: { type: 'string', default: '0.005' } } });
const n = Number(values.rows);
const dims = Number(values.dims);
const changeShare = Number(values.change);

let seed = 7;
const next = (): number => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const topics = Array.from({ length: 200 }, () => Float32Array.from({ length: dims }, () => next() - 0.5));
function vector(): Uint8Array {
  const topic = topics[Math.floor(next() * topics.length)]!;
  const v = Float32Array.from(topic, (x) => x + (next() - 0.5) * 0.8);
  let norm = 0;
  for (const x of v) norm += x * x;
  for (let d = 0; d < dims; d++) v[d] = v[d]! / Math.sqrt(norm);
  return new Uint8Array(v.buffer);
}
const rows = Array.from({ length: n }, (_, i) => ({ rowid: i + 1, vec: vector() }));

const dir = mkdtempSync(join(tmpdir(), 'dg-graph-bench-'));
const base = join(dir, 'index.db.hnsw');

async function phase(label: string, data: typeof rows): Promise<{ label: string; seconds: number; savedS: number; cpu: number; stallMs: number; index: FlatVectorIndex }> {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  const cpu = process.cpuUsage();
  const started = performance.now();
  const index = new FlatVectorIndex(dims, { approximateFrom: 1, graphFile: base });
  // the rows into memory: every process does this, with or without a graph (not counted as a stall of the graph's)
  index.load(data, data.length);
  delay.enable();
  while (!index.approximate) await new Promise((r) => setTimeout(r, 5));
  const readyAt = performance.now();
  await index.graphSaved();
  delay.disable();
  const used = process.cpuUsage(cpu);
  return { label, seconds: (readyAt - started) / 1000, savedS: (performance.now() - readyAt) / 1000, cpu: (used.user + used.system) / 1e6, stallMs: delay.max / 1e6, index };
}

try {
  const results = [];
  const built = await phase('no saved graph: build (and save)', rows);
  results.push(built);
  const saved = readdirSync(dir).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
  const loaded = await phase('saved graph: load', rows);
  results.push(loaded);
  // the two answer the same
  let same = 0;
  const queries = Array.from({ length: 100 }, () => new Float32Array(vector().buffer));
  for (const q of queries) if (JSON.stringify(built.index.search(q, 10)) === JSON.stringify(loaded.index.search(q, 10))) same++;
  built.index.dispose();
  loaded.index.dispose();
  // a small change: some rows re-embedded, some new
  const changed = rows.map((r, i) => (i % Math.round(1 / changeShare) === 0 ? { rowid: r.rowid, vec: vector() } : r));
  const grown = [...changed, ...Array.from({ length: Math.round(n * changeShare) }, (_, i) => ({ rowid: n + i + 1, vec: vector() }))];
  const updated = await phase(`saved graph, ${(changeShare * 200).toFixed(1)}% of rows changed or new: load + update`, grown);
  results.push(updated);
  const origin = updated.index.graphOrigin;
  updated.index.dispose();
  const m = machineInfo();
  console.log(`${m.date}, commit ${m.commit}, ${m.cpus} CPUs (${m.cpuModel}), Node ${m.node}; ${n.toLocaleString('en-US')} rows × ${dims} dims; graph files ${mib(saved)} MiB\n`);
  console.log(
    table(
      ['phase', 'until queries use the graph, s', 'then saving, s', 'CPU s', 'longest event-loop stall, ms'],
      results.map((r) => [r.label, r.seconds.toFixed(2), r.savedS.toFixed(2), r.cpu.toFixed(2), r.stallMs.toFixed(0)]),
      ['l', 'r', 'r', 'r', 'r'],
    ),
  );
  console.log(`\nloaded graph answers as the built one: ${same} of ${queries.length} queries identical; after the change: ${origin?.restored} rows restored, ${origin?.inserted} inserted`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
