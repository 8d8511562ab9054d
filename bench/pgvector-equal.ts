/**
 * pgvector and the in-memory index give the same vector search answers: a
 * real docs folder ingested into PGlite with its pgvector extension, served
 * over the PostgreSQL wire protocol by @electric-sql/pglite-socket on
 * 127.0.0.1 (the machine's PostgreSQL 15 has no pgvector), then every query
 * asked of two handles on that one index, `?vectors=pgvector` and
 * `?vectors=memory`, at several limits. Queries: the golden set's (embedded
 * by the index's embedder) and the stored vectors of `--self` sections (each
 * finds itself and its duplicates: exact ties, settled by the rowid rule).
 * Prints the queries whose hits (ids, in order) differ (the goal: none), the
 * largest score difference, and each handle's p50 per query.
 *
 *   node --import tsx bench/pgvector-equal.ts [--docs DIR] [--golden FILE] [--self 300] [--limits 1,10,50]
 *
 * Defaults: the Node.js docs and dev golden set (/work/shared/eval, when
 * there), else examples/sample-docs with examples/sample-golden.jsonl.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { App } from '../src/app/app.js';
import { queryEmbedder } from '../src/app/embedders.js';
import { loadConfig } from '../src/config/config.js';
import { PgStore } from '../src/store/postgres/pg-store.js';
import type { ScoredSection } from '../src/store/store.js';
import { machineInfo } from './lib/machine.js';

const root = join(import.meta.dirname, '..');
const shared = '/work/shared/eval';
const { values } = parseArgs({
  options: {
    docs: { type: 'string' },
    golden: { type: 'string' },
    self: { type: 'string', default: '300' },
    limits: { type: 'string', default: '1,10,50' },
  },
});
const nodeSet = existsSync(join(shared, 'get-corpus.sh')) && values.docs === undefined;
const docs = values.docs ?? (nodeSet ? execFileSync(join(shared, 'get-corpus.sh'), ['node'], { encoding: 'utf8' }).trim() : join(root, 'examples', 'sample-docs'));
const golden = values.golden ?? (nodeSet ? join(shared, 'node-dev-golden.jsonl') : join(root, 'examples', 'sample-golden.jsonl'));
const limits = values.limits!.split(',').map(Number);

const pglite = await PGlite.create({ extensions: { vector } });
const server = new PGLiteSocketServer({ db: pglite, host: '127.0.0.1', port: 0, maxConnections: 16 });
await server.start();
const base = `postgres://postgres@${server.getServerConn()}/postgres?sslmode=disable`;
try {
  const config = loadConfig({ overrides: { store: `${base}&vectors=pgvector` } });
  const app = await App.open(config, { create: true });
  const t0 = performance.now();
  const report = await app.ingest(docs);
  const ingestS = (performance.now() - t0) / 1000;
  await app.close();

  const pg = await PgStore.open({ url: base, vectors: 'pgvector' });
  const mem = await PgStore.open({ url: base, vectors: 'memory' });
  const embedder = await queryEmbedder(config, pg);
  if (!embedder) throw new Error('the index has no embedder after ingest');
  const texts = readFileSync(golden, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => (JSON.parse(l) as { query: string }).query);
  const queries: { name: string; vec: Float32Array }[] = (await embedder.embed(texts, 'query')).map((vec, i) => ({ name: `golden ${i + 1}`, vec }));
  const self = Number(values.self);
  for (const d of await pg.listDocuments()) {
    if (queries.length >= texts.length + self) break;
    for (const vec of (await pg.getSectionVectors(d.id)).values()) if (queries.length < texts.length + self) queries.push({ name: `${d.uri} section`, vec });
  }
  await mem.vectorSearch(queries[0]!.vec, 1); // load the in-memory index before timing

  const ms: Record<'pgvector' | 'memory', number[]> = { pgvector: [], memory: [] };
  const timed = async (which: 'pgvector' | 'memory', q: Float32Array, limit: number): Promise<ScoredSection[]> => {
    const t = performance.now();
    const hits = await (which === 'pgvector' ? pg : mem).vectorSearch(q, limit);
    ms[which].push(performance.now() - t);
    return hits;
  };
  let compared = 0;
  let maxScoreDiff = 0;
  let hitsCompared = 0;
  const differ: string[] = [];
  for (const q of queries) {
    for (const limit of limits) {
      const a = await timed('pgvector', q.vec, limit);
      const b = await timed('memory', q.vec, limit);
      compared++;
      hitsCompared += b.length;
      if (a.map((h) => h.sectionId).join() !== b.map((h) => h.sectionId).join()) differ.push(`${q.name} top ${limit}`);
      for (const [i, h] of a.entries()) if (b[i]) maxScoreDiff = Math.max(maxScoreDiff, Math.abs(h.score - b[i].score));
    }
  }
  await pg.close();
  await mem.close();
  await embedder.close();

  const p50 = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? NaN;
  const m = machineInfo();
  console.log(`${m.date}, commit ${m.commit}, ${m.cpus} CPUs (${m.cpuModel}), Node ${m.node}`);
  console.log(`${docs}: ${report.files} files, ${report.sections} sections, ingested into PGlite (pgvector) over the wire protocol in ${ingestS.toFixed(1)} s`);
  console.log(`${queries.length} queries (${texts.length} golden from ${golden}, ${queries.length - texts.length} stored section vectors) × limits ${limits.join(', ')}`);
  console.log(`| answers compared | hits compared | answers that differ | max score difference | pgvector p50 ms | memory p50 ms |`);
  console.log(`|---:|---:|---:|---:|---:|---:|`);
  console.log(`| ${compared} | ${hitsCompared} | ${differ.length} | ${maxScoreDiff.toExponential(1)} | ${p50(ms.pgvector).toFixed(2)} | ${p50(ms.memory).toFixed(2)} |`);
  for (const d of differ.slice(0, 20)) console.log(`differs: ${d}`);
  process.exitCode = differ.length === 0 ? 0 : 1;
} finally {
  await server.stop();
  await pglite.close();
}
